"""The leaderboard stream `ws/contests/<slug>/`: the snapshot on connect, coalesced pushes serialised once, the
viewer's own "you" messages only when their standing changes, members-only contests refused, and the board still
served (read-only, from the ledger) when the leaderboard store is down."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from realtime import broadcast
from realtime.models import Contest, Dimension, Index, Rule
from realtime.routing import websocket_urlpatterns
from realtime.store import leaderboard_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded]

_keys = itertools.count()
TIMEOUT = 10


@pytest.fixture
def arena(world):
    """A public contest on a pioneer index where completing a course earns 5 points, and a members-only one."""
    store = leaderboard_store()
    store.clear()
    index = Index.objects.create(name="先锋指数", slug="pioneer-live")
    learning = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1))
    Rule.objects.create(
        name="完成课程", dimension=learning, verb=Verb.COMPLETED, activity_type=ActivityType.COURSE, points=Decimal(5)
    )
    now = timezone.now()
    public = Contest.objects.create(
        name="城西擂台",
        slug="live-arena",
        index=index,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
    )
    private = Contest.objects.create(
        name="支部内赛",
        slug="live-private",
        index=index,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
        is_public=False,
        branches=[world.branch],
    )
    yield type("Arena", (), {"index": index, "public": public, "private": private})
    store.clear()


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """The database thread of sync_to_async keeps its own connection: close it, so the test database can go."""
    yield
    await sync_to_async(connections.close_all)()


def complete_course(user, times: int = 1) -> None:
    for _ in range(times):
        key = next(_keys)
        activity_record(
            actor=user,
            verb=Verb.COMPLETED,
            object_id=f"https://example.org/courses/live-{key}",
            activity_type=ActivityType.COURSE,
            name=f"课程{key}",
            natural_key=("live-test", user.pk, key),
        )


record = sync_to_async(complete_course, thread_sensitive=True)


async def watch(slug: str, user=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/contests/{slug}/")
    if user is not None:
        communicator.scope["user"] = user
    connected, _code = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def next_message(communicator, kind: str | None = None) -> dict:
    message = json.loads(await communicator.receive_from(timeout=TIMEOUT))
    if kind is not None:
        assert message["type"] == kind, message
    return message


async def board_reaching(communicator, predicate) -> dict:
    """Leaderboard messages until one satisfies `predicate` (pushes are coalesced, so a state may be skipped)."""
    while True:
        message = await next_message(communicator)
        if message["type"] == "leaderboard" and predicate(message):
            return message


async def test_snapshot_on_connect_then_the_new_leader_after_a_statement(world, arena):
    await record(world.staff, 2)
    viewer = await watch("live-arena")
    snapshot = await next_message(viewer, "leaderboard")
    assert snapshot["contest"] == "live-arena"
    assert snapshot["entries"] == [{"rank": 1, "user": world.staff.pk, "name": "赵敏", "score": 10}]
    assert set(snapshot) == {"type", "contest", "version", "entries", "sent_at"}

    await record(world.member, 3)
    update = await board_reaching(viewer, lambda m: m["entries"][0]["user"] == world.member.pk)
    assert update["version"] > snapshot["version"]
    assert [(e["rank"], e["name"], e["score"]) for e in update["entries"]] == [(1, "王建国", 15), (2, "赵敏", 10)]
    assert await viewer.receive_nothing()  # a visitor gets no "you" message, and nothing after the last board
    await viewer.disconnect()


async def test_pushes_are_coalesced_and_serialised_once_for_every_viewer(world, arena, monkeypatch):
    await record(world.staff)
    viewers = [await watch("live-arena") for _ in range(3)]
    for viewer in viewers:
        await next_message(viewer, "leaderboard")
    calls = []
    original = broadcast.serialise
    monkeypatch.setattr(broadcast, "serialise", lambda message: calls.append(message["type"]) or original(message))

    await record(world.member, 12)  # 12 statements, 12 versions, one after the other
    final = leaderboard_store().version(arena.public.pk)
    texts = []
    for viewer in viewers:
        seen = []
        while not seen or json.loads(seen[-1])["version"] < final:
            seen.append(await viewer.receive_from(timeout=TIMEOUT))
        texts.append(seen)
        assert json.loads(seen[-1])["entries"][0] == {"rank": 1, "user": world.member.pk, "name": "王建国", "score": 60}
        assert len(seen) < 12  # coalesced: at most a few pushes a second, not one per statement
    assert texts[0] == texts[1] == texts[2]  # the very same text for every viewer...
    assert calls.count("leaderboard") == len(texts[0])  # ...serialised once per push, not once per viewer
    for viewer in viewers:
        assert await viewer.receive_nothing()
        await viewer.disconnect()


async def test_a_signed_in_viewer_gets_you_messages_only_when_their_standing_changes(world, arena):
    await record(world.staff, 2)  # 赵敏 10
    await record(world.member, 1)  # 王建国 5
    staff = await watch("live-arena", world.staff)
    snapshot = await next_message(staff, "leaderboard")
    you = await next_message(staff, "you")
    assert (you["rank"], you["score"], you["contest"]) == (1, 10, "live-arena")
    assert [n["name"] for n in you["neighbours"]] == ["王建国"]
    assert set(you) == {"type", "contest", "version", "rank", "user", "name", "score", "neighbours"}
    assert (you["user"], you["name"]) == (world.staff.pk, "赵敏")  # the viewer's own row, as the board names it
    assert await staff.receive_nothing()  # the snapshot and one "you", nothing else

    member = await watch("live-arena", world.member)
    await next_message(member, "leaderboard")
    assert (await next_message(member, "you"))["rank"] == 2
    assert await member.receive_nothing()

    await record(world.member, 1)  # 王建国 10: ties 赵敏; 赵敏's own rank and score stay the same
    board = await board_reaching(staff, lambda m: m["entries"][-1]["score"] == 10 and len(m["entries"]) == 2)
    assert board["version"] > snapshot["version"]
    mine = await next_message(member, "leaderboard")
    while mine["version"] < board["version"]:
        mine = await next_message(member, "leaderboard")
    moved = await next_message(member, "you")
    assert (moved["rank"], moved["score"]) == (1, 10)

    await record(world.member, 1)  # 王建国 15: now 赵敏 drops to second
    nxt = await next_message(staff)
    assert nxt["type"] == "leaderboard"  # no "you" came in between: 赵敏's standing had not changed
    while nxt["type"] == "leaderboard" and nxt["entries"][0]["user"] != world.member.pk:
        nxt = await next_message(staff)
    dropped = await next_message(staff, "you")
    assert (dropped["rank"], dropped["score"]) == (2, 10)
    assert [n["name"] for n in dropped["neighbours"]] == ["王建国"]
    assert await staff.receive_nothing()
    # 王建国 saw the same board, then his own new score (still first).
    await board_reaching(member, lambda m: (m["entries"][0]["user"], m["entries"][0]["score"]) == (world.member.pk, 15))
    mine = await next_message(member, "you")
    assert (mine["rank"], mine["score"]) == (1, 15)
    assert await member.receive_nothing()
    await staff.disconnect()
    await member.disconnect()


async def test_a_members_only_contest_refuses_outsiders_and_admits_its_members(world, arena):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/contests/live-private/")
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert (connected, code) == (False, 4403)

    outsider = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/contests/live-private/")
    outsider.scope["user"] = world.villager
    assert await outsider.connect(timeout=TIMEOUT) == (False, 4403)

    missing = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/contests/no-such-contest/")
    assert await missing.connect(timeout=TIMEOUT) == (False, 4404)

    member = await watch("live-private", world.member)
    board = await next_message(member, "leaderboard")
    assert (board["contest"], board["entries"]) == ("live-private", [])
    you = await next_message(member, "you")  # takes part, no points yet: first of none
    assert (you["contest"], you["rank"], you["score"], you["neighbours"]) == ("live-private", 1, 0, [])
    assert await member.receive_nothing()
    await member.disconnect()


async def test_the_board_is_served_from_the_ledger_when_the_store_is_down(world, arena, monkeypatch):
    await record(world.member, 2)

    class Down:
        def __getattr__(self, name):
            raise ConnectionError("the leaderboard store is down")

    monkeypatch.setattr("realtime.selectors.leaderboard_store", lambda: Down())
    viewer = await watch("live-arena", world.member)
    snapshot = await next_message(viewer, "leaderboard")
    assert snapshot["entries"] == [{"rank": 1, "user": world.member.pk, "name": "王建国", "score": 10}]
    assert snapshot["version"] == 0  # read-only: live versions resume when the store is back
    assert await viewer.receive_nothing()  # no "you": the viewer's standing needs the store
    await viewer.disconnect()
