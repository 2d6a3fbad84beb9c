"""A raw asyncio websocket client for the benchmarks: the upgrade, masked client frames, and frame parsing.

Thousands of these run in the load generator's one process, which shares the machine's two cores with the
server, so it does as little as a client can: no extensions, no fragmentation (the servers send whole frames),
text frames handed to `on_text` as bytes. Used by leaderboard_ws.py (viewers) and learning.py (players).
"""

from __future__ import annotations

import asyncio
import base64
import os
import resource
import time


def raise_file_limit(needed: int) -> int:
    """Raise this process's open-file limit towards `needed` (one descriptor per socket); returns the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask): FIN + opcode, length, mask, masked payload. Shorter than 126 bytes."""
    mask = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawWebSocket(asyncio.Protocol):
    """Opens `path` on `host` with the given extra header lines (e.g. a session cookie); `open` resolves once the
    server accepts. Subclasses override `on_text(payload, received_at)`."""

    def __init__(self, path: str, host: str, headers: dict[str, str] | None = None):
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: http://{host}",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.buffer = bytearray()
        self.handshaken = False
        self.closed = False
        self.open = asyncio.get_running_loop().create_future()

    def on_text(self, payload: bytes, received_at: float) -> None:
        """A text frame from the server."""

    def on_closed(self, exc: BaseException | None) -> None:
        """The connection is gone."""

    def send_text(self, payload: bytes) -> None:
        self.transport.write(masked_frame(0x1, payload))

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        if self.buffer:  # the rest of an earlier read comes first
            data = bytes(self.buffer + data)
            self.buffer = bytearray()
        if not self.handshaken:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.buffer += data
                return
            status_line = data[: data.find(b"\r\n")]
            data = data[end + 4 :]
            if b" 101 " not in status_line:
                if not self.open.done():
                    self.open.set_exception(RuntimeError(status_line.decode()))
                self.transport.close()
                return
            self.handshaken = True
            if not self.open.done():
                self.open.set_result(True)
        now = time.time()
        # The frames are read from one bytes object by index (no copy of what remains after each one); what is left
        # of an incomplete frame waits in `buffer` for the next read.
        size, at = len(data), 0
        while size - at >= 2:
            opcode = data[at] & 0x0F
            length = data[at + 1] & 0x7F
            offset = 2
            if length == 126:
                if size - at < 4:
                    break
                length = int.from_bytes(data[at + 2 : at + 4], "big")
                offset = 4
            elif length == 127:
                if size - at < 10:
                    break
                length = int.from_bytes(data[at + 2 : at + 10], "big")
                offset = 10
            end = at + offset + length
            if end > size:
                break
            payload = data[at + offset : end]
            at = end
            if opcode == 1:
                self.on_text(payload, now)
            elif opcode == 9:  # ping: answer, or the server drops us (daphne pings every 20 s)
                self.transport.write(masked_frame(0xA, payload))
            elif opcode == 8:
                self.closed = True
                self.transport.close()
                return
        if at < size:
            self.buffer += data[at:]

    def connection_lost(self, exc):
        self.closed = True
        if not self.open.done():
            self.open.set_exception(exc or RuntimeError("closed"))
        self.on_closed(exc)
