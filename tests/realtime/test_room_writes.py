"""How a live room's pushes reach its sockets (realtime/rooms.py): under daphne each frame is written to every
viewer's socket in the loop turn that made it (no task per viewer); where a socket cannot take it directly (a test
communicator, another ASGI server, a socket not open yet) the ordinary ASGI send is used, and a viewer's frames
still arrive in the order they were made. Snapshots older than the one a viewer has are not sent."""

from __future__ import annotations

import asyncio
import functools
import json

import pytest
from autobahn.twisted.websocket import WebSocketServerFactory
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet.testing import StringTransport

from realtime import fanout, rooms

pytestmark = pytest.mark.embedded
ROOM = "testroom:w1"


def _texts(transport: StringTransport) -> list[str]:
    """The text frames a server wrote: FIN + opcode 1, unmasked, a length (7 bits, or 126 and 16 bits), the text."""
    data, texts = transport.value(), []
    while data:
        assert data[0] == 0x81 and data[1] <= 126
        length, start = (data[1], 2) if data[1] < 126 else (int.from_bytes(data[2:4], "big"), 4)
        texts.append(data[start : start + length].decode())
        data = data[start + length :]
    return texts


def _viewer(hub: rooms.RoomHub, *, open_: bool = True) -> tuple[rooms.RoomConsumer, StringTransport]:
    """A room consumer on a daphne websocket over an in-memory transport, joined to `hub` as `join` would."""
    socket = WebSocketProtocol()
    socket.factory = WebSocketServerFactory()
    transport = StringTransport()
    socket.makeConnection(transport)
    if open_:
        socket.state = socket.STATE_OPEN  # the opening handshake is done
    server = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])  # built, never started
    consumer = rooms.RoomConsumer()
    consumer.room, consumer.hub = ROOM, hub
    consumer.socket = fanout.daphne_socket(functools.partial(server.handle_reply, socket))
    assert consumer.socket is socket
    hub.viewers[ROOM].add(consumer)
    hub.kinds[ROOM] = ("testroom", "w1")
    return consumer, transport


async def test_an_event_batch_reaches_every_daphne_socket_in_the_turn_that_made_it():
    hub = rooms.RoomHub(asyncio.get_running_loop())
    transports = [_viewer(hub)[1] for _ in range(3)]
    hub.pending_events[ROOM] = [{"kind": "chat", "n": 1}, {"kind": "chat", "n": 2}]

    hub._send_events(ROOM)  # what the hub's timer calls; nothing is awaited after it

    sent = [_texts(transport) for transport in transports]
    assert sent[0] == sent[1] == sent[2] and len(sent[0]) == 1  # the same text, one frame each
    message = json.loads(sent[0][0])
    assert message["type"] == "events" and [item["n"] for item in message["items"]] == [1, 2]


async def test_a_viewer_only_gets_snapshots_newer_than_the_one_it_has():
    hub = rooms.RoomHub(asyncio.get_running_loop())
    consumer, transport = _viewer(hub)
    consumer.push(20, fanout.Frame('{"v":20}'))
    consumer.push(10, fanout.Frame('{"v":10}'))  # a slower, older read finishing last
    consumer.push(30, fanout.Frame('{"v":30}'))
    assert _texts(transport) == ['{"v":20}', '{"v":30}']


async def test_frames_that_wait_for_the_asgi_send_are_not_overtaken():
    hub = rooms.RoomHub(asyncio.get_running_loop())
    consumer, transport = _viewer(hub, open_=False)
    sent: list[str] = []

    async def asgi_send(*, text_data):
        await asyncio.sleep(0.01)  # a send that takes a while, as a busy server's does
        sent.append(text_data)

    consumer.send = asgi_send
    consumer.write(fanout.Frame('{"n":1}'))  # the socket is not open: the ASGI send
    consumer.socket.state = consumer.socket.STATE_OPEN
    consumer.write(fanout.Frame('{"n":2}'))  # open now, but "1" has not gone yet: behind it
    assert _texts(transport) == []
    await asyncio.wait_for(consumer.sender, 5)
    assert sent == ['{"n":1}', '{"n":2}']

    consumer.write(fanout.Frame('{"n":3}'))  # nothing waits: straight to the socket
    assert _texts(transport) == ['{"n":3}']


def _register_counted_kind() -> None:
    rooms.room_kind_register(
        rooms.RoomKind(name="countedroom", snapshot=lambda key, user: {}, may_watch=lambda key, user: True)
    )
    rooms.room_kind_register(
        rooms.RoomKind(
            name="viewedroom", snapshot=lambda key, user: {}, may_watch=lambda key, user: True, shows_viewers=True
        )
    )


class _Screen:
    """A viewer that keeps what it is pushed."""

    def __init__(self):
        self.frames = []

    def push(self, version, frame):
        self.frames.append(frame)


def _join(hub: rooms.RoomHub, kind: str) -> str:
    room = rooms.room_id(kind, "v1")
    hub.viewers[room].add(_Screen())
    hub.kinds[room] = (kind, "v1")
    return room


async def test_a_room_that_shows_its_viewer_count_is_pushed_when_the_count_moves(monkeypatch):
    # A livestream shows how many watch: a viewer arriving or leaving must reach the others' screens, not wait for
    # the next pinned product. Other rooms are not pushed for a count they do not show.
    _register_counted_kind()
    hub = rooms.RoomHub(asyncio.get_running_loop())
    hub.layer = None  # one process (the embedded default): its own count is the count
    shown, hidden = _join(hub, "viewedroom"), _join(hub, "countedroom")
    hub._counts_changed(shown)
    hub._counts_changed(hidden)
    assert hub.scheduled == {shown}

    # Across workers (Redis): pushed when the total across workers moved, once per change.
    hub.scheduled.clear()
    hub.layer = object()
    totals = iter([[2], [2], [3]])
    monkeypatch.setattr(rooms, "_counts_write", lambda counts: None)
    monkeypatch.setattr(rooms, "_counts_read", lambda pairs: next(totals))
    monkeypatch.setattr(rooms.asyncio, "sleep", _no_wait)
    for expected in ({shown}, set(), {shown}):
        hub.counts_dirty = {shown, hidden}
        await hub._counts_flush()
        assert hub.scheduled == expected
        hub.scheduled.clear()


async def _no_wait(_seconds):
    return None
