"""Contests in the /api/: the archive, a board with the same entries as the stream, one's own standing with
neighbours, one's own index by dimension and by week, the branch board, and no 500 when the store is down."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from core.people.models import BranchMembership, PartyBranch
from realtime.models import Contest, Dimension, Index, Rule
from realtime.selectors import leaderboard_snapshot
from realtime.store import leaderboard_store

_keys = itertools.count()


@pytest.fixture
def boards(world):
    store = leaderboard_store()
    store.clear()
    index = Index.objects.create(name="先锋指数", slug="pioneer-api")
    learning = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1), sort_order=1)
    service = Dimension.objects.create(index=index, name="服务实践", code="service", weight=Decimal(2), sort_order=2)
    Rule.objects.create(
        name="完成课程", dimension=learning, verb=Verb.COMPLETED, activity_type=ActivityType.COURSE, points=Decimal(5)
    )
    Rule.objects.create(name="志愿服务", dimension=service, verb=Verb.CONFIRMED_HOURS, points=Decimal(3))
    now = timezone.now()
    period = {"starts_at": now - dt.timedelta(days=30), "ends_at": now + dt.timedelta(days=7)}
    public = Contest.objects.create(name="城西擂台", slug="api-arena", index=index, **period)
    private = Contest.objects.create(
        name="支部内赛", slug="api-private", index=index, is_public=False, branches=[world.branch], **period
    )
    ended = Contest.objects.create(
        name="去年擂台",
        slug="api-ended",
        index=index,
        starts_at=now - dt.timedelta(days=400),
        ends_at=now - dt.timedelta(days=300),
    )
    other = PartyBranch.objects.create(name="城东市场部党支部", code="B02", org_unit=world.other_department)
    BranchMembership.objects.create(branch=other, user=world.staff)
    team = Contest.objects.create(
        name="支部堡垒赛", slug="api-branches", index=index, ranking=Contest.Ranking.TEAM, **period
    )
    yield type("Boards", (), {"public": public, "private": private, "ended": ended, "team": team, "other": other})
    store.clear()


def act(user, verb=Verb.COMPLETED, times=1, when=None):
    kind = ActivityType.COURSE if verb == Verb.COMPLETED else ActivityType.VOLUNTEER_ACTIVITY
    for _ in range(times):
        key = next(_keys)
        activity_record(
            actor=user,
            verb=verb,
            object_id=f"https://example.org/api/{key}",
            activity_type=kind,
            name=f"活动{key}",
            natural_key=("api-test", user.pk, key),
            timestamp=when,
        )


def test_the_board_has_the_same_entries_as_the_stream(client, world, boards):
    act(world.member, times=2)
    act(world.staff, times=3)
    response = client.get("/api/contests/api-arena/leaderboard")
    assert response.status_code == 200
    body = response.json()
    stream = leaderboard_snapshot(contest=boards.public)
    assert (
        body["entries"]
        == stream["entries"]
        == [
            {"rank": 1, "user": world.staff.pk, "name": "赵敏", "score": 15},
            {"rank": 2, "user": world.member.pk, "name": "王建国", "score": 10},
        ]
    )
    assert (body["type"], body["contest"], body["version"]) == ("leaderboard", "api-arena", stream["version"])


def test_members_only_boards_and_missing_ones(client, world, boards):
    assert client.get("/api/contests/api-private/leaderboard").json() == {
        "message": "此榜单仅对参赛者开放。",
        "extra": {},
    }
    assert client.get("/api/contests/api-private/leaderboard").status_code == 403
    assert client.get("/api/contests/nothing-here/leaderboard").status_code == 404
    client.force_login(world.member)
    assert client.get("/api/contests/api-private/leaderboard").status_code == 200


def test_my_standing_with_the_people_around_me(client, world, boards):
    act(world.staff, times=3)
    act(world.member, times=2)
    act(world.retailer, times=1)
    assert client.get("/api/contests/api-arena/me").status_code == 401
    client.force_login(world.member)
    body = client.get("/api/contests/api-arena/me").json()
    assert (body["type"], body["rank"], body["score"]) == ("you", 2, 10)
    assert [(n["rank"], n["name"], n["score"]) for n in body["neighbours"]] == [(1, "赵敏", 15), (3, "李春梅", 5)]
    client.force_login(world.villager)  # takes part, no points yet: last, with the bottom of the board around
    body = client.get("/api/contests/api-arena/me").json()
    assert (body["rank"], body["score"]) == (4, 0)
    client.force_login(world.member)
    assert client.get("/api/contests/api-private/me").json()["rank"] == 1
    client.force_login(world.villager)
    assert client.get("/api/contests/api-private/me").status_code == 403


def test_my_index_by_dimension_and_by_week(client, world, boards):
    act(world.member, times=2)
    act(world.member, Verb.CONFIRMED_HOURS, times=1)
    act(world.member, times=1, when=timezone.now() - dt.timedelta(days=14))
    assert client.get("/api/me/index").status_code == 401
    client.force_login(world.member)
    body = client.get("/api/me/index").json()
    assert body["index"] == "先锋指数"
    assert body["total"] == 21  # 3 courses x 5 + 3 hours-points x weight 2
    assert [(d["code"], d["points"]) for d in body["dimensions"]] == [("learning", 15), ("service", 6)]
    assert len(body["weeks"]) == 12
    assert body["weeks"][-1]["points"] == 16
    assert body["weeks"][-3]["points"] == 5


def test_the_contest_archive(client, world, boards):
    body = client.get("/api/contests").json()
    slugs = [c["slug"] for c in body]
    assert "api-private" not in slugs
    assert slugs.index("api-arena") < slugs.index("api-ended")
    ended = client.get("/api/contests", {"status": "ended"}).json()
    assert [c["slug"] for c in ended] == ["api-ended"]
    assert ended[0]["status"] == "ended"
    client.force_login(world.member)
    assert "api-private" in [c["slug"] for c in client.get("/api/contests").json()]


def test_the_branch_board(client, world, boards):
    act(world.member, times=2)
    act(world.staff, times=1)
    body = client.get("/api/branches/board").json()
    assert body["contest"] == "api-branches"
    assert [(e["rank"], e["name"], e["score"]) for e in body["entries"]] == [
        (1, "城西市场部党支部", 10),
        (2, "城东市场部党支部", 5),
    ]


def test_the_board_stays_readable_when_the_store_is_down(client, world, boards, monkeypatch):
    act(world.member, times=1)

    class Down:
        def __getattr__(self, name):
            raise ConnectionError("the leaderboard store is down")

    monkeypatch.setattr("realtime.selectors.leaderboard_store", lambda: Down())
    monkeypatch.setattr("realtime.services.boards.leaderboard_store", lambda: Down())
    response = client.get("/api/contests/api-arena/leaderboard")
    assert response.status_code == 200
    assert response.json()["entries"] == [{"rank": 1, "user": world.member.pk, "name": "王建国", "score": 5}]
    client.force_login(world.member)
    me = client.get("/api/contests/api-arena/me")
    assert me.status_code == 503
    assert client.get("/contests/api-arena/").status_code == 200
