"""The pages of the live boards, in Chinese first: the phone board, the big screen, the archive, my index with its
weekly chart (inline SVG), the branch board; members-only boards ask outsiders to log in."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from realtime.models import Contest, Dimension, Index, Rule
from realtime.store import leaderboard_store

_keys = itertools.count()


@pytest.fixture
def arena(world):
    store = leaderboard_store()
    store.clear()
    index = Index.objects.create(name="先锋指数", slug="pioneer-pages")
    learning = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1))
    Rule.objects.create(
        name="完成课程", dimension=learning, verb=Verb.COMPLETED, activity_type=ActivityType.COURSE, points=Decimal(5)
    )
    now = timezone.now()
    period = {"starts_at": now - dt.timedelta(days=30), "ends_at": now + dt.timedelta(days=7)}
    contest = Contest.objects.create(name="城西擂台", slug="pages-arena", index=index, **period)
    Contest.objects.create(
        name="支部内赛", slug="pages-private", index=index, is_public=False, branches=[world.branch], **period
    )
    Contest.objects.create(
        name="支部堡垒赛", slug="pages-branches", index=index, ranking=Contest.Ranking.TEAM, **period
    )
    for user, times in ((world.member, 3), (world.staff, 1)):
        for _ in range(times):
            key = next(_keys)
            activity_record(
                actor=user,
                verb=Verb.COMPLETED,
                object_id=f"https://example.org/pages/{key}",
                activity_type=ActivityType.COURSE,
                name=f"课程{key}",
                natural_key=("pages", user.pk, key),
            )
    yield contest
    store.clear()


def test_the_phone_board_shows_the_leader_and_the_stream_hooks(client, world, arena):
    html = client.get("/contests/pages-arena/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'data-testid="leader-name">王建国<' in html
    assert 'data-testid="leader-score">15<' in html
    assert 'data-ws-path="/ws/contests/pages-arena/"' in html
    assert 'data-snapshot-url="/api/contests/pages-arena/leaderboard"' in html


def test_a_board_the_store_does_not_hold_yet_is_not_called_paused(client, world, arena):
    # After a restart (the embedded default's in-process store starts empty) the board is read from the ledger;
    # live updates are not paused for that, only when the store is out of reach.
    leaderboard_store().clear()
    html = client.get("/contests/pages-arena/").content.decode()
    assert 'data-testid="leader-name">王建国<' in html
    assert 'data-state="connecting"' in html
    assert ">正在连接…</span>" in html
    assert "正在连接" in html and "realtime/leaderboard.js" in html
    assert 'data-testid="you"' not in html  # anonymous: no "you" panel

    client.force_login(world.staff)
    html = client.get("/contests/pages-arena/").content.decode()
    assert 'data-testid="you-rank">2<' in html
    assert 'data-me-url="/api/contests/pages-arena/me"' in html


def test_the_big_screen_and_english(client, world, arena):
    html = client.get("/contests/pages-arena/screen/").content.decode()
    assert "数字驾驶舱" in html
    assert 'data-testid="participants" data-stat="participants">2<' in html
    assert 'data-testid="total-points" data-stat="total">20<' in html
    client.cookies["django_language"] = "en"
    html = client.get("/contests/pages-arena/screen/").content.decode()
    assert "Digital cockpit" in html


def test_members_only_boards_ask_outsiders_to_log_in(client, world, arena):
    response = client.get("/contests/pages-private/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.villager)
    assert client.get("/contests/pages-private/").status_code == 403
    client.force_login(world.member)
    assert client.get("/contests/pages-private/").status_code == 200
    assert client.get("/contests/nothing-here/").status_code == 404


def test_the_archive_my_index_and_the_branch_board(client, world, arena):
    html = client.get("/contests/").content.decode()
    assert "城西擂台" in html and "支部内赛" not in html
    assert client.get("/pioneer-index/").status_code == 302
    client.force_login(world.member)
    html = client.get("/pioneer-index/").content.decode()
    assert 'data-testid="index-total">15<' in html
    assert "学习成长" in html
    assert '<svg class="trend"' in html and html.count('data-testid="trend-week"') == 12
    html = client.get("/branches/").content.decode()
    assert 'data-testid="branch-row"' in html and "城西市场部党支部" in html
