"""Writing the same text to many websockets: framed once, not once per viewer.

Why: under daphne, every ``consumer.send(text_data=...)`` goes through Channels' session wrapper, daphne's reply
handler and autobahn, which encodes and frames the message again for each socket; with thousands of viewers of one
board that per-socket work is most of a worker's time. autobahn's answer for broadcasting is a `PreparedMessage`:
the frame is built once and written as bytes to every socket. Then what remains is Twisted's write, which queues
the bytes, registers the socket for writing and sends on the next loop turn; `_send_now` sends at once instead when
nothing is queued (see there).

`daphne_socket(send)` finds the daphne protocol behind a consumer's ASGI ``send`` callable, when there is one;
elsewhere (Channels' test communicator, another ASGI server) it returns None and `Frame` goes through the
ordinary ASGI send. Either way a socket's messages are written in the order they are given.
"""

from __future__ import annotations

import functools
from typing import Any

from twisted.internet import tcp


class Frame:
    """One message for many sockets: its text, and its websocket frame made once on first use."""

    __slots__ = ("text", "_prepared")

    def __init__(self, text: str):
        self.text = text
        self._prepared = None

    def prepared(self, socket):
        if self._prepared is None:
            # Never compressed (daphne does not offer compression), so it is the same bytes for every socket.
            self._prepared = socket.factory.prepareMessage(self.text.encode("utf-8"), doNotCompress=True)
        return self._prepared


def daphne_socket(send) -> Any | None:
    """The daphne websocket protocol that `send` (an ASGI send callable) writes to, or None.

    Under daphne the application gets ``functools.partial(server.handle_reply, protocol)``; Channels'
    `SessionMiddleware` (in `AuthMiddlewareStack`) wraps it in a method that only acts on HTTP responses.
    """
    try:
        from channels.sessions import InstanceSessionWrapper
        from daphne.server import Server
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:  # pragma: no cover - daphne is a dependency, but the fallback needs none of it
        return None
    while isinstance(getattr(send, "__self__", None), InstanceSessionWrapper):
        send = send.__self__.real_send
    if (
        isinstance(send, functools.partial)
        and getattr(send.func, "__func__", None) is Server.handle_reply
        and len(send.args) == 1
        and isinstance(send.args[0], WebSocketProtocol)
    ):
        return send.args[0]
    return None


def write(socket, frame: Frame) -> bool:
    """Write `frame` to a daphne socket now; False when the socket is no longer open."""
    if socket.state != socket.STATE_OPEN:
        return False
    data = frame.prepared(socket).payloadHybi
    if socket.send_queue:  # autobahn is sending something in pieces: keep behind it
        socket.sendData(data)
    else:
        _send_now(socket.transport, data)
    return True


def _send_now(transport, data: bytes) -> None:
    """Send `data` on a Twisted TCP connection at once when nothing is queued on it; else queue it as usual.

    Twisted's `write` only queues: it registers the socket for writing and sends when the loop next finds it
    writable, then unregisters it. For a small frame that round trip costs a daphne worker several times the send
    itself, and with thousands of viewers per push it was most of its time (platform/BENCHMARKS.md). With nothing
    queued (the usual case, a viewer that keeps up) the bytes go straight to the kernel; whatever the kernel does not
    take, and any connection with data already waiting, goes through `write`, so the bytes keep their order.
    """
    if (
        isinstance(transport, tcp.Connection)
        and not getattr(transport, "TLS", True)
        and transport.connected
        and not transport.disconnecting
        and not transport.dataBuffer
        and not getattr(transport, "_tempDataBuffer", True)
    ):
        sent = transport.writeSomeData(data)
        if isinstance(sent, int):  # else the connection is lost: `write` lets Twisted notice it as usual
            data = data[sent:]
            if not data:
                return
    transport.write(data)
