"""Live rooms (realtime/rooms.py), the broadcaster the idea, station, volunteering and livestream pages share:
the snapshot on connect, changes coalesced and serialised once for every viewer, events delivered in order,
refusals, and the viewer count. Runs on the embedded layer and, in the PostgreSQL+Redis pass, through Redis."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.urls import path

from realtime import rooms

pytestmark = [pytest.mark.django_db(transaction=True)]
TIMEOUT = 10

STATE: dict[str, dict] = {}


def _snapshot(key, user):
    return dict(STATE.get(key, {}))


def _may_watch(key, user):
    return key != "secret"


class _TestRoomConsumer(rooms.RoomConsumer):
    kind = "testroom"


APP = URLRouter([path("ws/testroom/<str:key>/", _TestRoomConsumer.as_asgi())])


@pytest.fixture(autouse=True)
def _kind():
    rooms.room_kind_register(
        rooms.RoomKind(name="testroom", snapshot=_snapshot, may_watch=_may_watch, pushes_per_second=5)
    )
    STATE.clear()
    yield
    STATE.clear()


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


async def _open(key: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(APP, f"/ws/testroom/{key}/")
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def _next(communicator, kind: str) -> dict:
    while True:
        message = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if message["type"] == kind:
            return message


def _announce(call, *args) -> None:
    call(*args)
    if rooms.settings.REDIS_URL:
        rooms.publisher().flush()


async def test_a_viewer_gets_the_snapshot_on_connect_and_every_change():
    STATE["a1"] = {"supports": 3}
    viewer = await _open("a1")
    first = await _next(viewer, "snapshot")
    assert first["room"] == "testroom:a1" and first["data"] == {"supports": 3}
    STATE["a1"] = {"supports": 4}
    await sync_to_async(_announce)(rooms.room_changed, "testroom", "a1")
    second = await _next(viewer, "snapshot")
    assert second["data"] == {"supports": 4}
    assert second["version"] > first["version"]
    await viewer.disconnect()


async def test_a_burst_of_changes_is_read_and_serialised_once_per_period_for_all_viewers():
    STATE["b1"] = {"n": 0}
    viewers = [await _open("b1") for _ in range(5)]
    for viewer in viewers:
        await _next(viewer, "snapshot")
    hub = rooms.RoomHub.current()
    before = hub.pushes
    for n in range(1, 21):
        STATE["b1"] = {"n": n}
        await sync_to_async(_announce)(rooms.room_changed, "testroom", "b1")
    finals = []
    for viewer in viewers:
        message = await _next(viewer, "snapshot")
        while message["data"]["n"] != 20:
            message = await _next(viewer, "snapshot")
        finals.append(message)
    # Every viewer got the same text (one serialisation), and 20 changes cost at most a couple of reads.
    assert len({json.dumps(m, sort_keys=True) for m in finals}) == 1
    assert 1 <= hub.pushes - before <= 3
    for viewer in viewers:
        await viewer.disconnect()


async def test_events_reach_every_viewer_in_the_order_sent():
    first, second = await _open("c1"), await _open("c1")
    for viewer in (first, second):
        await _next(viewer, "snapshot")

    def send_all():
        for n in range(30):
            rooms.room_send("testroom", "c1", {"kind": "chat", "n": n})
        if rooms.settings.REDIS_URL:
            rooms.publisher().flush()

    await sync_to_async(send_all)()
    for viewer in (first, second):
        received = []
        while len(received) < 30:
            received += (await _next(viewer, "events"))["items"]
        assert [item["n"] for item in received] == list(range(30))
    await first.disconnect()
    await second.disconnect()


async def test_a_room_the_person_may_not_watch_and_a_malformed_key_are_refused():
    refused = WebsocketCommunicator(APP, "/ws/testroom/secret/")
    connected, code = await refused.connect(timeout=TIMEOUT)
    assert not connected and code == rooms.CLOSE_FORBIDDEN
    malformed = WebsocketCommunicator(APP, "/ws/testroom/a%20b/")
    connected, code = await malformed.connect(timeout=TIMEOUT)
    assert not connected and code == rooms.CLOSE_NOT_FOUND


async def test_events_for_another_room_do_not_arrive():
    viewer = await _open("d1")
    await _next(viewer, "snapshot")
    await sync_to_async(_announce)(rooms.room_send, "testroom", "d2", {"kind": "chat", "n": 1})
    await sync_to_async(_announce)(rooms.room_send, "testroom", "d1", {"kind": "chat", "n": 2})
    assert (await _next(viewer, "events"))["items"] == [{"kind": "chat", "n": 2}]
    await viewer.disconnect()


async def test_the_viewer_count_follows_connects_and_disconnects():
    viewers = [await _open("e1") for _ in range(3)]
    for viewer in viewers:
        await _next(viewer, "snapshot")

    async def count_becomes(expected):
        for _ in range(100):
            if await sync_to_async(rooms.room_viewer_count)("testroom", "e1") == expected:
                return True
            await asyncio.sleep(0.05)
        return False

    assert await count_becomes(3)
    await viewers[0].disconnect()
    assert await count_becomes(2)
    for viewer in viewers[1:]:
        await viewer.disconnect()
    assert await count_becomes(0)


def test_unknown_kinds_and_bad_keys_are_refused_when_announcing():
    with pytest.raises(ValueError, match="unknown room kind"):
        rooms.room_changed("no-such-kind", "1")
    with pytest.raises(ValueError, match="not a room key"):
        rooms.room_send("testroom", "../x", {})


async def test_rooms_whose_first_viewers_arrive_together_all_get_their_changes():
    """Two rooms opened at the same moment share the worker's one subscription (none is left on a channel that
    nobody reads), so a change reaches both."""
    STATE["f1"], STATE["f2"] = {"n": 0}, {"n": 0}
    first, second = await asyncio.gather(_open("f1"), _open("f2"))
    for viewer in (first, second):
        await _next(viewer, "snapshot")
    STATE["f1"], STATE["f2"] = {"n": 1}, {"n": 1}
    await sync_to_async(_announce)(rooms.room_changed, "testroom", "f1")
    await sync_to_async(_announce)(rooms.room_changed, "testroom", "f2")
    for viewer in (first, second):
        assert (await _next(viewer, "snapshot"))["data"] == {"n": 1}
        await viewer.disconnect()
