"""The leaderboard stream `ws/contests/<slug>/` (DESIGN.md, "Leaderboard stream"). Thin: the visibility check
and the reads live in selectors, the coalesced fan-out in `broadcast`."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import broadcast, contest_cache, fanout

# Close codes a client can tell apart (4000-4999 are the application's).
CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403


def _contest_for(*, slug: str, user):
    from .selectors import contest_visible_to

    contest = contest_cache.contest_by_slug(slug)
    if contest is None:
        return None, CLOSE_NOT_FOUND
    if not contest_visible_to(contest, user):
        return None, CLOSE_FORBIDDEN
    return contest, None


class LeaderboardConsumer(AsyncWebsocketConsumer):
    """Sends the snapshot on connect, then every newer version of the board; a signed-in viewer also gets
    ``{"type": "you", ...}`` when their own rank or score changes, and every viewer ``{"type": "status",
    "live": false}`` while Redis is away (live updates paused), ``"live": true`` when it is back. Clients send
    nothing."""

    # The process's hub holds the one channel-layer subscription; a socket needs no channel of its own.
    channel_layer_alias = "leaderboard-sockets-have-no-channel"

    contest = None
    version = -1
    standing: tuple | None = None

    async def connect(self):
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        self.user_id = self.user.pk if self.user is not None else None
        slug = self.scope["url_route"]["kwargs"]["slug"]
        # The common case costs no database query (the connection storm of issue #17): the person came from the
        # cache (core.people.socket_auth), a public contest comes from the cache, the board from this worker's hub.
        contest = await sync_to_async(contest_cache.contest_cached, thread_sensitive=False)(slug)
        if contest is contest_cache.MISSING or (contest is not None and not contest.is_public):
            contest, refusal = await database_sync_to_async(_contest_for)(slug=slug, user=self.user or user)
        else:
            refusal = CLOSE_NOT_FOUND
        if contest is None:
            await self.close(code=refusal)
            return
        self.contest = contest
        self.hub = broadcast.Hub.current()
        self.socket = fanout.daphne_socket(self.base_send)
        await self.accept()
        # Join first, so no push between reading the board and joining is missed; versions keep order.
        await self.hub.join(self)
        if self.hub.paused:
            message = await database_sync_to_async(broadcast.snapshot)(contest)
            await self.push(int(message["version"]), fanout.Frame(broadcast.serialise(message)))
            await self.push_status(fanout.Frame(broadcast.serialise(broadcast.status_message(live=False))))
        else:
            await self.push(*await self.hub.board(contest))
        if self.user is not None:
            self.hub.want_standing(self)  # read with the other newcomers' in one go, off the connect path

    async def disconnect(self, code):
        if self.contest is not None:
            await self.hub.leave(self)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen."""

    async def push(self, version: int, frame: fanout.Frame) -> None:
        if version <= self.version:
            return
        self.version = version
        await self._write(frame)

    async def push_standing(self, key: tuple, frame: fanout.Frame) -> None:
        if key == self.standing:
            return
        self.standing = key
        await self._write(frame)

    async def push_status(self, frame: fanout.Frame) -> None:
        """`{"type": "status", "live": ...}`: whether the board follows changes (Redis reachable) or is paused."""
        await self._write(frame)

    async def _write(self, frame: fanout.Frame) -> None:
        """The frame made once for every viewer, straight to the daphne socket; else the ordinary ASGI send."""
        if self.socket is not None and fanout.write(self.socket, frame):
            return
        try:
            await self.send(text_data=frame.text)
        except Exception:  # noqa: BLE001 - the socket went away; disconnect() cleans up
            await self.hub.leave(self)
