"""The fan-out fast path under daphne: the daphne socket is found behind Channels' session wrapper, a message is
framed once and the same bytes are written to every open socket; a closed socket or another ASGI server's send
falls back to the ordinary send."""

from __future__ import annotations

import functools

import pytest
from autobahn.twisted.websocket import WebSocketServerFactory
from channels.sessions import InstanceSessionWrapper
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet.testing import StringTransport

from realtime import fanout

pytestmark = pytest.mark.embedded


def daphne_send(server: Server) -> tuple[WebSocketProtocol, StringTransport, functools.partial]:
    """A daphne websocket protocol on an in-memory transport, and the ASGI send daphne gives its application."""
    socket = WebSocketProtocol()
    socket.factory = WebSocketServerFactory()
    transport = StringTransport()
    socket.makeConnection(transport)
    return socket, transport, functools.partial(server.handle_reply, socket)


@pytest.fixture
def server():
    return Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])


def test_the_daphne_socket_is_found_behind_the_session_wrapper(server):
    socket, _transport, send = daphne_send(server)
    wrapped = InstanceSessionWrapper({"cookies": {}}, send).send  # what AuthMiddlewareStack hands the consumer
    assert fanout.daphne_socket(wrapped) is socket
    assert fanout.daphne_socket(send) is socket

    async def other_server_send(message):  # Channels' test communicator, another ASGI server
        pass

    assert fanout.daphne_socket(other_server_send) is None
    assert fanout.daphne_socket(InstanceSessionWrapper({"cookies": {}}, other_server_send).send) is None


def test_one_frame_is_made_once_and_written_to_every_open_socket(server, monkeypatch):
    sockets = [daphne_send(server)[:2] for _ in range(3)]
    for socket, _transport in sockets[:2]:
        socket.state = socket.STATE_OPEN  # the opening handshake is done
    prepared = []
    original = WebSocketServerFactory.prepareMessage
    monkeypatch.setattr(
        WebSocketServerFactory,
        "prepareMessage",
        lambda self, payload, *a, **kw: prepared.append(payload) or original(self, payload, *a, **kw),
    )
    text = '{"type":"leaderboard","entries":[{"name":"王建国"}]}'
    frame = fanout.Frame(text)
    written = [fanout.write(socket, frame) for socket, _transport in sockets]

    assert written == [True, True, False]  # the third socket is not open: the caller uses the ordinary send
    payload = text.encode()
    assert prepared == [payload]  # framed once for all of them
    # A final text frame (FIN + opcode 1), unmasked as a server's, its length, then the UTF-8 text.
    assert sockets[0][1].value() == sockets[1][1].value() == bytes([0x81, len(payload)]) + payload
    assert sockets[2][1].value() == b""


def test_bytes_go_straight_to_an_idle_connection_and_queue_behind_waiting_ones():
    """Twisted's write only queues until the loop finds the socket writable; `_send_now` sends at once when nothing
    waits, and otherwise queues behind what waits, so a viewer's bytes never change order."""
    import socket as sockets

    from twisted.internet import reactor, tcp

    ours, viewer = sockets.socketpair()
    viewer.settimeout(5)
    connection = tcp.Connection(ours, None, reactor)
    connection.connected = True
    try:
        fanout._send_now(connection, b"first")
        assert viewer.recv(100) == b"first"  # already sent: nothing queued, the loop never ran
        assert not connection.dataBuffer and not connection._tempDataBuffer

        connection.write(b"queued ")  # waits for the loop
        fanout._send_now(connection, b"second")
        viewer.setblocking(False)
        with pytest.raises(BlockingIOError):
            viewer.recv(100)  # nothing overtook the queued bytes
        connection.doWrite()  # the loop's turn
        viewer.settimeout(5)
        assert viewer.recv(100) == b"queued second"
    finally:
        connection.stopWriting()
        ours.close()
        viewer.close()
