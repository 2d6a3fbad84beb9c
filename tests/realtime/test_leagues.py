"""Weekly leagues: comparable people grouped by tier, a week played, the top promoted and the bottom relegated,
next week's leagues formed from the results."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import realtime_contest_world as contest_world
from django.core.management import call_command
from django.utils import timezone
from realtime_contest_world import confirm_hours, make_members

from realtime.days import day_bounds, week_of
from realtime.models import Contest, League, LeagueMember
from realtime.selectors import league_board
from realtime.services.leagues import league_week_form, league_week_settle

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer
web_worker = contest_world.web_worker


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return day_bounds(day, day)[0] + dt.timedelta(hours=hour)


def tiers(contest, week):
    return {
        m.user.display_name: m.league.tier
        for m in LeagueMember.objects.filter(contest=contest, week_start=week).select_related("league", "user")
    }


def test_a_week_of_promotion_and_relegation(world, pioneer):
    today = timezone.localdate()
    week = week_of(today) - dt.timedelta(days=14)
    contest = Contest.objects.create(
        name="周联赛",
        slug="weekly",
        index=pioneer.index,
        starts_at=at(week - dt.timedelta(days=10), 0),
        ends_at=at(today + dt.timedelta(days=30), 0),
        org_unit=world.grid,
        role="party_member",
        league_size=4,
        league_tiers=2,
        league_promote=1,
        league_relegate=1,
    )
    members = make_members(world, 8, unit=world.grid)  # 党员01 .. 党员08, comparable: one grid
    # Before the first week: 党员01..04 did more, so they start in the upper tier.
    for i, person in enumerate(members[:4]):
        for n in range(4 - i):
            confirm_hours(person, when=at(week - dt.timedelta(days=5 + n)))
    leagues = league_week_form(contest=contest, week_start=week)
    assert [(league.tier, league.members.count()) for league in leagues] == [(2, 4), (1, 4)]
    assert tiers(contest, week) == {**{f"党员0{i}": 2 for i in range(1, 5)}, **{f"党员0{i}": 1 for i in range(5, 9)}}
    # The week: 党员07 works hardest in the lower tier; 党员02 and 党员03 do something in the upper tier,
    # 党员01 and 党员04 nothing (ties at the bottom go by id: 党员04 goes down).
    for day, person in [(0, members[6]), (1, members[6]), (2, members[4]), (3, members[1]), (3, members[2])]:
        confirm_hours(person, when=at(week + dt.timedelta(days=day)))
    assert league_week_settle(contest=contest, week_start=week) == 8
    assert league_week_settle(contest=contest, week_start=week) == 0  # settled once
    outcomes = {
        m.user.display_name: (m.rank, m.score, m.outcome)
        for m in LeagueMember.objects.filter(contest=contest, week_start=week).select_related("user")
    }
    assert outcomes == {
        # The upper tier: nowhere to go up; the last (ties go by id) goes down.
        "党员02": (1, 6, "stayed"),
        "党员03": (1, 6, "stayed"),
        "党员01": (3, 0, "stayed"),
        "党员04": (3, 0, "relegated"),
        # The lower tier: the best goes up; nowhere to go down.
        "党员07": (1, 12, "promoted"),
        "党员05": (2, 6, "stayed"),
        "党员06": (3, 0, "stayed"),
        "党员08": (3, 0, "stayed"),
    }

    next_week = week + dt.timedelta(days=7)
    out = StringIO()
    call_command(
        "league_rollover", "--contest", "weekly", "--today", (next_week + dt.timedelta(days=2)).isoformat(), stdout=out
    )
    assert "weekly:" in out.getvalue()
    after = tiers(contest, next_week)
    assert after["党员07"] == 2 and after["党员04"] == 1
    assert after["党员01"] == 2 and after["党员05"] == 1
    assert League.objects.filter(contest=contest, week_start=next_week).count() == 2

    board = league_board(contest=contest, user=members[6], week_start=week)
    assert board["tier"] == 1 and board["settled"]
    assert board["entries"][0] == {
        "rank": 1,
        "user": members[6].pk,
        "name": "党员07",
        "score": 12,
        "outcome": "promoted",
        "zone": "promotion",
        "you": True,
    }


def test_forming_and_settling_a_week_cost_exact_queries(world, pioneer, web_worker, django_assert_num_queries):
    """Forming: the week's leagues if any; the contest's branches and its participants; last week's members; the
    points so far (first week); then, in a savepoint here, one insert per league and one for all members. A second
    call reads that the week exists. Settling, in a savepoint: the week's open leagues locked, then for each league
    its members, their points that week, their ranks and outcomes in one update, and the league marked settled."""
    today = timezone.localdate()
    week = week_of(today) - dt.timedelta(days=7)
    contest = Contest.objects.create(
        name="周联赛",
        slug="weekly-counted",
        index=pioneer.index,
        starts_at=at(week - dt.timedelta(days=10), 0),
        ends_at=at(today + dt.timedelta(days=30), 0),
        org_unit=world.grid,
        role="party_member",
        league_size=4,
        league_tiers=2,
        league_promote=1,
        league_relegate=1,
    )
    members = make_members(world, 8, unit=world.grid)
    confirm_hours(members[0], when=at(week - dt.timedelta(days=3)))
    with django_assert_num_queries(5 + 1 + 2 + 1 + 1):
        leagues = league_week_form(contest=contest, week_start=week)
    assert [(league.tier, league.members.count()) for league in leagues] == [(2, 4), (1, 4)]
    with django_assert_num_queries(1):
        assert league_week_form(contest=contest, week_start=week) == leagues
    confirm_hours(members[5], when=at(week + dt.timedelta(days=1)))
    with django_assert_num_queries(2 + 2 * 4 + 1):
        assert league_week_settle(contest=contest, week_start=week) == 8
    outcomes = dict(LeagueMember.objects.filter(contest=contest, week_start=week).values_list("user_id", "outcome"))
    assert outcomes[members[5].pk] == "promoted" and outcomes[members[3].pk] == "relegated"
    with django_assert_num_queries(3):  # nothing left to settle
        assert league_week_settle(contest=contest, week_start=week) == 0
