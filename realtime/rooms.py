"""Live rooms: an idea page, a volunteer activity, a station, a livestream. One broadcaster for every app.

An app registers a kind of room from `AppConfig.ready()` and says, after a commit, that a room changed or that
something happened in it; the viewers of that room, in every daphne worker, get it:

    room_kind_register(RoomKind(name="ideas", snapshot=idea_room_snapshot, may_watch=idea_room_may_watch))
    transaction.on_commit(lambda: room_changed("ideas", str(idea.pk)))        # the room's state: coalesced
    transaction.on_commit(lambda: room_send("livestreams", key, {"kind": "chat", ...}))  # an event: each one

Messages a viewer receives (DESIGN.md, "Live rooms"):
- ``{"type": "snapshot", "room": "ideas:12", "version": n, "sent_at": ..., "data": {...}}`` on connect and after
  changes, at most `RoomKind.pushes_per_second` times a second: the snapshot is read once per worker, serialised
  once and framed once for every viewer of the room in that worker (`fanout`), as the leaderboards are, and written
  to every socket in the same loop turn (`RoomConsumer.write`: no task per viewer);
- ``{"type": "events", "room": ..., "version": n, "sent_at": ..., "items": [...]}``: the `room_send` payloads
  given since the last such message, in the order they were sent, batched at most `EVENTS_PER_SECOND` times a
  second, serialised once per batch;
- ``{"type": "status", "live": false|true}`` when Redis goes away and when it is back (live updates paused).

Versions increase per room for a viewer (microseconds of the worker's clock, never repeated; a snapshot's is taken
when its read starts), so a client keeps the newest snapshot whatever order overlapping reads finish in; events are
never dropped, and a client orders snapshots by their versions only.

With Redis, `room_changed` and `room_send` publish one small notice through the channel layer and each worker's
hub (one per event loop) receives it on its one channel, as the leaderboard hub does; without Redis (the embedded
default, one process) the notice goes straight to this process's hubs. Writes never wait on Redis: a background
publisher sends the notices in the order they were given. Snapshots are the same for every viewer: whatever is
personal belongs in the page or the REST read, not in the push.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import os
import re
import socket
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from . import fanout
from .broadcast import serialise
from .store import leaderboard_store

logger = logging.getLogger(__name__)

NOTICE_CHANGED = "room.changed"
NOTICE_EVENTS = "room.events"
EVENTS_PER_SECOND = 10.0
WATCH_SECONDS = 1.0
COUNT_TTL_SECONDS = 15
CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403
# A room key goes into a channel-layer group name (letters, digits, "-", "_", "." and under 100 characters).
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class RoomKind:
    name: str  # "ideas"; rooms are "ideas:<key>"
    snapshot: Callable[[str, Any], dict]  # (key, user) -> data; reads only; pushes call it with user=None
    may_watch: Callable[[str, Any], bool]  # (key, user) -> whether this person may open the room
    pushes_per_second: float = 4.0
    # The snapshot shows `room_viewer_count`: a push follows when the count across workers moves.
    shows_viewers: bool = False


_kinds: dict[str, RoomKind] = {}


def room_kind_register(kind: RoomKind) -> None:
    """Register (or replace) a kind of room; call from `AppConfig.ready()`."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", kind.name):
        raise ValueError(f"a room kind is lower-case letters, digits and _: {kind.name!r}")
    _kinds[kind.name] = kind


def room_kind(name: str) -> RoomKind | None:
    return _kinds.get(name)


def valid_key(key: str) -> bool:
    return isinstance(key, str) and bool(_KEY.match(key))


def group_name(kind: str, key: str) -> str:
    return f"room.{kind}.{key}"


def room_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


# --- what apps call, after commit -----------------------------------------------------------------------


def room_changed(kind: str, key: str) -> None:
    """The room's state changed: its viewers get a fresh snapshot (coalesced)."""
    _notify(kind, str(key), {"type": NOTICE_CHANGED, "kind": kind, "key": str(key)})


def room_send(kind: str, key: str, *payloads: dict) -> None:
    """Something happened in the room (a chat message, a reaction): every viewer gets each payload, in order.
    Several payloads (a batch of chat messages) go as one notice."""
    _notify(kind, str(key), {"type": NOTICE_EVENTS, "kind": kind, "key": str(key), "items": list(payloads)})


def _notify(kind: str, key: str, notice: dict) -> None:
    if kind not in _kinds:
        raise ValueError(f"unknown room kind {kind!r}")
    if not valid_key(key):
        raise ValueError(f"not a room key: {key!r}")
    if settings.REDIS_URL:
        # Every worker's hub (this one's too) receives it from the channel layer: once, in the order sent.
        publisher().publish(group_name(kind, key), notice)
    else:
        for hub in hubs():
            hub.call(hub.take, notice)


def room_viewer_count(kind: str, key: str) -> int:
    """How many sockets watch the room now, across every worker (counts written by each worker's hub)."""
    client = _redis_client()
    if client is None:
        return sum(hub.local_count(room_id(kind, key)) for hub in hubs())
    try:
        counts = client.hgetall(_count_key(kind, key))
        if not counts:
            return 0
        workers = list(counts)
        alive = client.mget([_alive_key(_text(w)) for w in workers])
    except Exception as exc:  # noqa: BLE001 - a count is a nicety; without Redis say what this worker knows
        logger.warning("room viewer count unavailable: %s", exc)
        return sum(hub.local_count(room_id(kind, key)) for hub in hubs())
    return sum(int(counts[w]) for w, up in zip(workers, alive, strict=True) if up)


# --- counting viewers across workers ---------------------------------------------------------------------

WORKER = f"{socket.gethostname()}:{os.getpid()}"


def _prefix() -> str:
    return f"{getattr(settings, 'REDIS_KEY_PREFIX', 'gp')}:rooms"


def _count_key(kind: str, key: str) -> str:
    return f"{_prefix()}:viewers:{kind}:{key}"


def _alive_key(worker: str) -> str:
    return f"{_prefix()}:worker:{worker}"


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


_client = None
_client_lock = threading.Lock()


def _redis_client():
    global _client
    if not settings.REDIS_URL:
        return None
    with _client_lock:
        if _client is None:
            import redis

            _client = redis.Redis.from_url(
                settings.REDIS_URL,
                socket_connect_timeout=getattr(settings, "REDIS_CONNECT_TIMEOUT", 1),
                socket_timeout=getattr(settings, "REDIS_SOCKET_TIMEOUT", 2),
                max_connections=8,
            )
        return _client


def _counts_write(counts: dict[tuple[str, str], int]) -> None:
    """This worker's viewer counts (absolute, so a lost write is repaired by the next) and its heartbeat."""
    client = _redis_client()
    if client is None:
        return
    pipe = client.pipeline(transaction=False)
    for (kind, key), count in counts.items():
        if count:
            pipe.hset(_count_key(kind, key), WORKER, count)
            pipe.expire(_count_key(kind, key), 24 * 3600)
        else:
            pipe.hdel(_count_key(kind, key), WORKER)
    pipe.set(_alive_key(WORKER), 1, ex=COUNT_TTL_SECONDS)
    pipe.execute()


def _counts_read(rooms: list[tuple[str, str]]) -> list[int]:
    return [room_viewer_count(kind, key) for kind, key in rooms]


# --- the hub: one per event loop (one per daphne process) ----------------------------------------------

_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub] = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


def hubs() -> list[RoomHub]:
    with _hubs_lock:
        return list(_hubs.values())


def _version(previous: int) -> int:
    return max(previous + 1, time.time_ns() // 1000)


class RoomHub:
    """The room viewers of this process, the one channel-layer subscription, and the coalesced pushes."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.viewers: dict[str, set[RoomConsumer]] = collections.defaultdict(set)
        self.kinds: dict[str, tuple[str, str]] = {}  # room -> (kind, key)
        self.latest: dict[str, tuple[int, fanout.Frame]] = {}
        self.versions: dict[str, int] = collections.defaultdict(int)
        self.last_flush: dict[str, float] = {}
        self.scheduled: set[str] = set()
        self.pending_events: dict[str, list] = collections.defaultdict(list)
        self.events_scheduled: set[str] = set()
        self.last_events: dict[str, float] = {}
        self.layer = get_channel_layer() if settings.REDIS_URL else None
        self.channel: str | None = None
        self.receiver: asyncio.Task | None = None
        self.watcher: asyncio.Task | None = None
        self.unsubscribed: set[str] = set()
        self.paused = False
        self.counts_dirty: set[str] = set()
        self.counts_task: asyncio.Task | None = None
        self.viewers_shown: dict[str, int] = {}  # room -> the count across workers its last push was asked for
        self.pushes = 0  # snapshot pushes made, for tests and benchmarks
        self.subscribing = asyncio.Lock()

    @classmethod
    def current(cls) -> RoomHub:
        loop = asyncio.get_running_loop()
        with _hubs_lock:
            hub = _hubs.get(loop)
            if hub is None:
                hub = _hubs[loop] = cls(loop)
        return hub

    def call(self, function, *args) -> None:
        """Run `function(*args)` on the hub's loop, from any thread."""
        try:
            self.loop.call_soon_threadsafe(function, *args, context=contextvars.Context())
        except RuntimeError:  # that loop is closed
            with _hubs_lock:
                _hubs.pop(self.loop, None)

    def local_count(self, room: str) -> int:
        return len(self.viewers.get(room, ()))

    # viewers come and go
    async def join(self, consumer: RoomConsumer) -> None:
        room = consumer.room
        first = not self.viewers[room]
        self.viewers[room].add(consumer)
        self.kinds[room] = (consumer.kind, consumer.key)
        if first and self.layer is not None:
            try:
                await self._subscribe(room)
            except Exception as exc:  # noqa: BLE001 - without Redis the room still shows, without live pushes
                logger.warning("live room %s unavailable: %s", room, exc)
                self.unsubscribed.add(room)
                leaderboard_store().note_failure(exc)
        if self.layer is not None and (self.watcher is None or self.watcher.done()):
            self.watcher = self.loop.create_task(self._watch())
        self._counts_changed(room)

    async def leave(self, consumer: RoomConsumer) -> None:
        room = consumer.room
        viewers = self.viewers.get(room)
        if viewers is None or consumer not in viewers:
            return
        viewers.discard(consumer)
        self._counts_changed(room)
        if viewers:
            return
        del self.viewers[room]
        self.latest.pop(room, None)
        self.viewers_shown.pop(room, None)
        self.pending_events.pop(room, None)
        self.unsubscribed.discard(room)
        if self.layer is not None and self.channel is not None:
            kind, key = self.kinds[room]
            try:
                await self.layer.group_discard(group_name(kind, key), self.channel)
            except Exception as exc:  # noqa: BLE001
                logger.warning("leaving live room %s failed: %s", room, exc)
        if not self.viewers:
            for task in (self.receiver, self.watcher):
                if task is not None:
                    task.cancel()
            self.receiver = self.watcher = None
            self.channel = None

    def _shows_viewers(self, room: str) -> bool:
        kind = _kinds.get(self.kinds.get(room, ("", ""))[0])
        return bool(kind and kind.shows_viewers)

    def _counts_changed(self, room: str) -> None:
        if self.layer is None:  # one process: its own count is the count
            if self._shows_viewers(room):
                self.mark_dirty(room)
            return
        self.counts_dirty.add(room)
        if self.counts_task is None or self.counts_task.done():
            self.counts_task = self.loop.create_task(self._counts_flush())

    async def _counts_flush(self) -> None:
        await asyncio.sleep(0.2)  # a burst of connects costs one write
        rooms, self.counts_dirty = self.counts_dirty, set()
        counts = {self.kinds[room]: self.local_count(room) for room in rooms if room in self.kinds}
        try:
            await sync_to_async(_counts_write, thread_sensitive=False)(counts)
        except Exception as exc:  # noqa: BLE001 - written again on the next change or watch turn
            logger.warning("room viewer counts not written: %s", exc)
            self.counts_dirty.update(rooms)
            return
        # Rooms that show their viewer count: push when the count across workers moved. Every worker's watch turn
        # rewrites its counts each second, so a viewer arriving at another worker shows here within about a second.
        shown = [room for room in rooms if room in self.viewers and self._shows_viewers(room)]
        if not shown:
            return
        try:
            totals = await sync_to_async(_counts_read, thread_sensitive=False)([self.kinds[room] for room in shown])
        except Exception as exc:  # noqa: BLE001 - the next turn tries again
            logger.warning("room viewer counts not read: %s", exc)
            return
        for room, total in zip(shown, totals, strict=True):
            if self.viewers_shown.get(room) != total:
                self.viewers_shown[room] = total
                self.mark_dirty(room)

    async def _subscribe(self, room: str) -> None:
        # One channel for the process: rooms whose first viewers arrive together must not each make their own (the
        # others' notices would go to a channel nobody reads).
        async with self.subscribing:
            if self.channel is None:
                self.channel = await self.layer.new_channel("room-hub.")
            if self.receiver is None or self.receiver.done():
                self.receiver = self.loop.create_task(self._receive())
            kind, key = self.kinds[room]
            await self.layer.group_add(group_name(kind, key), self.channel)

    async def _receive(self) -> None:
        backoff = 0.5
        while True:
            try:
                message = await self.layer.receive(self.channel)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis away: wait and listen again
                logger.warning("live room notices interrupted: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
                continue
            self.take(message)

    async def _watch(self) -> None:
        """While there are viewers: notice Redis going and coming back, and keep this worker's counts alive."""
        store = leaderboard_store()
        while self.viewers:
            await asyncio.sleep(WATCH_SECONDS)
            live = await sync_to_async(store.probe, thread_sensitive=False)()
            if live:
                for room in sorted(self.unsubscribed):
                    try:
                        await self._subscribe(room)
                        self.unsubscribed.discard(room)
                    except Exception as exc:  # noqa: BLE001 - next turn
                        logger.warning("joining live room %s failed: %s", room, exc)
                        live = False
                        break
                self.counts_dirty.update(self.viewers)
                if self.counts_task is None or self.counts_task.done():
                    self.counts_task = self.loop.create_task(self._counts_flush())
            if live == (not self.paused):
                continue
            self.paused = not live
            frame = fanout.Frame(serialise(status_message(live=live)))
            for viewers in list(self.viewers.values()):
                for consumer in list(viewers):
                    consumer.write(frame)
            if live:  # what changed while Redis was away was never announced
                for room in list(self.viewers):
                    self.mark_dirty(room)

    # notices
    def take(self, notice: dict) -> None:
        kind, key = notice.get("kind"), notice.get("key")
        if not isinstance(kind, str) or not isinstance(key, str):
            return
        room = room_id(kind, key)
        if room not in self.viewers:
            return
        if notice.get("type") == NOTICE_CHANGED:
            self.mark_dirty(room)
        elif notice.get("type") == NOTICE_EVENTS:
            self.pending_events[room].extend(notice.get("items") or [])
            if room not in self.events_scheduled:
                self.events_scheduled.add(room)
                delay = max(0.0, self.last_events.get(room, -1e9) + 1.0 / EVENTS_PER_SECOND - self.loop.time())
                self.loop.call_later(delay, self._send_events, room)

    def mark_dirty(self, room: str) -> None:
        if room not in self.viewers or room in self.scheduled:
            return
        kind = _kinds.get(self.kinds[room][0])
        period = 1.0 / max(0.1, kind.pushes_per_second if kind else 4.0)
        self.scheduled.add(room)
        delay = max(0.0, self.last_flush.get(room, -1e9) + period - self.loop.time())
        self.loop.call_later(delay, lambda: self.loop.create_task(self.flush(room)))

    def _send_events(self, room: str) -> None:
        self.events_scheduled.discard(room)
        self.last_events[room] = self.loop.time()
        items = self.pending_events.pop(room, [])
        if not items or room not in self.viewers:
            return
        self.versions[room] = _version(self.versions[room])
        message = {
            "type": "events",
            "room": room,
            "version": self.versions[room],
            "sent_at": timezone.now().isoformat(),
            "items": items,
        }
        frame = fanout.Frame(serialise(message))  # one serialisation for every viewer in this worker
        for consumer in list(self.viewers[room]):
            consumer.write(frame)

    async def flush(self, room: str) -> None:
        self.scheduled.discard(room)
        self.last_flush[room] = self.loop.time()
        if room not in self.viewers:
            return
        kind, key = self.kinds[room]
        try:
            version, frame = await self.read(kind, key)
        except Exception:  # noqa: BLE001 - keep what is on screen; the next change tries again
            logger.exception("snapshot of live room %s failed", room)
            return
        self.pushes += 1
        for consumer in list(self.viewers.get(room, ())):
            consumer.push(version, frame)

    async def read(self, kind: str, key: str) -> tuple[int, fanout.Frame]:
        """The room's snapshot now, serialised once; kept as the room's latest for viewers who connect next."""
        room = room_id(kind, key)
        # The version is taken before the read: when two reads overlap (a slow read under load), the one that
        # started later saw the newer state, and viewers drop the older one whichever finishes last.
        self.versions[room] = _version(self.versions[room])
        version = self.versions[room]
        data = await database_sync_to_async(_kinds[kind].snapshot)(key, None)
        message = {"type": "snapshot", "room": room, "version": version, "sent_at": timezone.now().isoformat()}
        message["data"] = data
        frame = fanout.Frame(serialise(message))
        if room in self.viewers and version > self.latest.get(room, (-1, None))[0]:
            self.latest[room] = (version, frame)
        return version, frame


def status_message(*, live: bool) -> dict:
    return {"type": "status", "live": live, "sent_at": timezone.now().isoformat()}


# --- the sending side -------------------------------------------------------------------------------------


class Publisher:
    """Sends notices through the channel layer from a background loop, in the order given; a "changed" notice
    for a room already waiting to be sent is not sent twice."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.queue: collections.deque[tuple[str, dict]] = collections.deque()
        self.waiting_changes: set[str] = set()
        self.lock = threading.Lock()
        self.scheduled = False
        threading.Thread(target=self.loop.run_forever, name="room-publisher", daemon=True).start()

    def publish(self, group: str, notice: dict) -> None:
        with self.lock:
            if notice["type"] == NOTICE_CHANGED:
                if group in self.waiting_changes:
                    return
                self.waiting_changes.add(group)
            self.queue.append((group, notice))
            if self.scheduled:
                return
            self.scheduled = True
        self.loop.call_soon_threadsafe(lambda: self.loop.create_task(self._send()))

    async def _send(self) -> None:
        layer = get_channel_layer()
        while True:
            with self.lock:
                if not self.queue:
                    self.scheduled = False
                    return
                group, notice = self.queue.popleft()
                if notice["type"] == NOTICE_CHANGED:
                    self.waiting_changes.discard(group)
            try:
                await asyncio.wait_for(layer.group_send(group, notice), timeout=5)
            except Exception as exc:  # noqa: BLE001 - Redis down: live pushes pause, nothing else
                logger.warning("live room notice to %s not sent: %s", group, exc)
                leaderboard_store().note_failure(exc)

    def flush(self, timeout: float = 5) -> None:
        """Wait until every notice given so far has been sent (tests, scripts that exit)."""
        done = threading.Event()

        async def _wait():
            while True:
                with self.lock:
                    if not self.queue and not self.scheduled:
                        break
                await asyncio.sleep(0.01)
            done.set()

        self.loop.call_soon_threadsafe(lambda: self.loop.create_task(_wait()))
        done.wait(timeout)


_publisher: Publisher | None = None
_publisher_lock = threading.Lock()


def publisher() -> Publisher:
    global _publisher
    with _publisher_lock:
        if _publisher is None:
            _publisher = Publisher()
        return _publisher


# --- the socket ---------------------------------------------------------------------------------------------


def _may_watch(kind: RoomKind, key: str, user) -> bool:
    return bool(kind.may_watch(key, user))


class RoomConsumer(AsyncJsonWebsocketConsumer):
    """A viewer of one room (`ws/<app>/<key>/`). Subclasses set `kind`, and override `receive_json` when viewers
    send something (chat, heartbeats), calling their app's services; by default viewers only listen."""

    kind: str = ""
    # The process's hub holds the one channel-layer subscription; a socket needs no channel of its own.
    channel_layer_alias = "room-sockets-have-no-channel"
    room: str = ""
    version = -1
    outbox: collections.deque[fanout.Frame] | None = None  # frames waiting for the ASGI send, oldest first
    sender: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        self.key = str(self.scope["url_route"]["kwargs"].get("key", ""))
        kind = _kinds.get(self.kind)
        if kind is None or not valid_key(self.key):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not await database_sync_to_async(_may_watch)(kind, self.key, self.user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.room = room_id(self.kind, self.key)
        self.hub = RoomHub.current()
        self.socket = fanout.daphne_socket(self.base_send)
        await self.accept()
        # Join first, so nothing announced between the read and the join is missed; versions keep order.
        await self.hub.join(self)
        latest = self.hub.latest.get(self.room)
        if latest is None:
            latest = await self.hub.read(self.kind, self.key)
        self.push(*latest)
        if self.hub.paused:
            self.write(fanout.Frame(serialise(status_message(live=False))))

    async def disconnect(self, code):
        if self.room:
            await self.hub.leave(self)

    async def receive_json(self, content, **kwargs):
        """Viewers only listen, unless the room's consumer says otherwise."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not text_data or len(text_data) > 8192:
            return  # nothing to read, or more than any room message needs
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            return
        if isinstance(content, dict):
            await self.receive_json(content, **kwargs)

    def push(self, version: int, frame: fanout.Frame) -> None:
        """A snapshot, unless this viewer already has a newer one."""
        if version <= self.version:
            return
        self.version = version
        self.write(frame)

    def write(self, frame: fanout.Frame) -> None:
        """The frame made once for every viewer, written now, in the caller's loop turn: straight to the daphne
        socket when there is one (no task, no await: a push to a thousand viewers is a thousand writes, not a
        thousand tasks); else (a test communicator, another ASGI server, a socket no longer open) through the
        ordinary ASGI send, by one task per socket that sends its frames in order. A frame never overtakes one
        waiting for that task."""
        if not self.outbox and self.socket is not None and fanout.write(self.socket, frame):
            return
        if self.outbox is None:
            self.outbox = collections.deque()
        self.outbox.append(frame)
        if self.sender is None or self.sender.done():
            self.sender = asyncio.get_running_loop().create_task(self._send_outbox())

    async def _send_outbox(self) -> None:
        while self.outbox:
            try:
                await self.send(text_data=self.outbox[0].text)
            except Exception:  # noqa: BLE001 - the socket went away; disconnect() cleans up
                self.outbox.clear()
                await self.hub.leave(self)
                return
            self.outbox.popleft()  # only now: until it is sent, later frames wait behind it
