"""A member sees their weekly league: the people of their league ranked by this week's points, their own rank, the
promotion and relegation zones, the time left until the week ends, and last week's result; the contest list leads
there. The leagues are the scheduler's (formed and settled by `realtime.services.leagues`); the page only reads."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import realtime_contest_world as contest_world
from django.utils import timezone
from realtime_contest_world import confirm_hours, make_members

from realtime.days import day_bounds, week_of
from realtime.models import Contest
from realtime.services.leagues import league_week_form, league_week_settle

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return day_bounds(day, day)[0] + dt.timedelta(hours=hour)


@pytest.fixture
def weekly(world, pioneer):
    """Eight party members (王建国 and 党员01..07) in a weekly league contest of two tiers, leagues of four, one up and
    one down each week. Last week (settled): 党员01 12 points, 王建国 6 in the upper tier; this week 王建国 6 so far in
    a league of three with 党员01 and 党员02."""
    this_week = week_of(timezone.localdate())
    last_week = this_week - dt.timedelta(days=7)
    contest = Contest.objects.create(
        name="周联赛",
        slug="weekly",
        index=pioneer.index,
        starts_at=at(last_week - dt.timedelta(days=10), 0),
        ends_at=at(this_week + dt.timedelta(days=40), 0),
        org_unit=world.department,
        role="party_member",
        league_size=4,
        league_tiers=2,
        league_promote=1,
        league_relegate=1,
    )
    members = make_members(world, 7, unit=world.grid)
    league_week_form(contest=contest, week_start=last_week)
    confirm_hours(world.member, when=at(last_week))
    confirm_hours(members[0], when=at(last_week))
    confirm_hours(members[0], when=at(last_week + dt.timedelta(days=1)))
    league_week_settle(contest=contest, week_start=last_week)
    league_week_form(contest=contest, week_start=this_week)
    confirm_hours(world.member)
    return contest


def rows(html: str, testid: str) -> list[str]:
    found = re.findall(rf'<li class="([^"]*)" data-testid="{testid}"[^>]*>(.*?)</li>', html, re.S)
    return [f"{cls.strip()}|" + " ".join(re.sub(r"<[^>]+>", " ", body).split()) for cls, body in found]


def text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    assert match, testid
    return " ".join(match.group(1).split())


def test_a_member_sees_their_league_its_zones_the_time_left_and_last_week(client, world, weekly):
    client.force_login(world.member)
    html = client.get("/contests/weekly/league/").content.decode()
    assert "我的本周联赛" in html
    assert text(html, "league-tier") == "第 2 级（共 2 级）"
    assert text(html, "league-rank") == "1" and text(html, "league-score") == "6"
    assert text(html, "league-your-zone") == "安全区"
    assert "最高级：没有升级名额。" in html and "后 1 名降一级" in html
    assert rows(html, "league-row") == [
        "board-row zone-safe mine|1 王建国 6",
        "board-row zone-safe|2 党员01 0",
        "board-row zone-relegation|2 党员02 ▼ 0",
    ]
    # The week ends next Monday at midnight: "N days, M hours" (or hours, minutes) left.
    assert re.fullmatch(r"\d+\s?(日|天|小时|分钟).*", text(html, "league-time-left")), text(html, "league-time-left")
    ends = week_of(timezone.localdate()) + dt.timedelta(days=7)
    assert f"{ends:%m-%d} 00:00 结束" in html
    # Last week: 党员01 (12) above 王建国 (6); the upper tier has nobody to promote; he stayed.
    assert text(html, "last-rank") == "2"
    assert text(html, "last-outcome") == "你保住了级别。"
    assert rows(html, "last-row") == [
        "board-row|1 党员01 12",
        "board-row mine|2 王建国 6",
        "board-row|3 党员02 0",
        "board-row|3 党员03 降级 0",
    ]


def test_the_contest_list_and_the_board_lead_to_the_league(client, world, weekly):
    client.force_login(world.member)
    html = client.get("/contests/").content.decode()
    assert 'data-testid="my-leagues"' in html
    assert 'href="/contests/weekly/league/"' in html and "第 2 级（共 2 级）· 第 1 名，共 3 人" in html
    html = client.get("/contests/weekly/").content.decode()
    assert 'data-testid="league-link"' in html and "/contests/weekly/league/" in html
    home = client.get("/").content.decode()
    block = home[home.index('data-testid="home-league"') :]
    assert "我的本周联赛" in block and "周联赛" in block and "第 2 级（共 2 级）· 第 1 名，共 3 人" in block
    assert 'href="/contests/weekly/league/"' in block
    client.force_login(world.staff)
    assert 'data-testid="home-league"' not in client.get("/").content.decode()


def test_masked_names_in_a_league_keep_ones_own(client, world, weekly):
    weekly.names = Contest.Names.MASKED
    weekly.save()
    client.force_login(world.member)
    html = client.get("/contests/weekly/league/").content.decode()
    assert [row.split("|")[1] for row in rows(html, "league-row")] == ["1 王建国 6", "2 党*** 0", "2 党*** ▼ 0"]


def test_who_plays_no_league_is_told_so_and_visitors_log_in(client, world, weekly):
    assert client.get("/contests/weekly/league/").status_code == 302
    client.force_login(world.staff)  # not a party member: not in the contest
    html = client.get("/contests/weekly/league/").content.decode()
    assert text(html, "no-league").startswith("本周你没有参加这个比赛的联赛。")
    assert "上周你没有参加联赛。" in html
    html = client.get("/contests/").content.decode()
    assert 'data-testid="my-leagues"' not in html


def test_in_english(client, world, weekly):
    client.force_login(world.member)
    client.cookies["django_language"] = "en"
    html = client.get("/contests/weekly/league/").content.decode()
    assert "My league this week" in html
    assert text(html, "league-tier") == "Tier 2 of 2"
    assert "The top tier: nobody goes up." in html and "The bottom 1 goes down a tier" in html
    assert text(html, "last-outcome") == "You stayed in your tier."
