"""Live push of leaderboards: coalesced, serialised once per tick, fanned out locally by each worker.

How a change travels:

1. The scoring code sends `realtime.signals.scores_changed(contest_ids, user_ids)` after commit, in whichever
   process recorded the statement (a daphne worker, a management command, a script).
2. `_on_scores_changed` marks the contests dirty in the hubs of this process and, with Redis, publishes one
   small notice per contest through the channel layer (`group_send` to ``leaderboard.<contest id>``) from a
   background publisher loop, so the recording request never waits on Redis and a Redis outage costs only
   the live push.
3. Each daphne process has one `Hub` per event loop. The hub joins the channel-layer group of every contest
   that has viewers in this process, with ONE channel for the whole process (not one per socket: the
   consumers have no channel-layer channel of their own). A notice marks the contest dirty.
4. At most `LEADERBOARD_PUSHES_PER_SECOND` times a second per contest, the hub reads the snapshot once,
   serialises it once and writes that same text, framed once (`fanout`), to every local socket watching the
   contest whose version is older. Signed-in viewers whose own rank or score changed also get a
   ``{"type": "you"}`` message.

5. Redis down: the store and the channel layer share it. Each hub with viewers asks the store every
   `WATCH_SECONDS` whether Redis answers (`probe`, no I/O while backing off); when it stops, viewers get
   ``{"type": "status", "live": false}`` ("live updates paused") and boards are read from the ledger; when it
   answers again, the hub joins the groups it could not join, viewers get ``{"type": "status", "live": true}``
   and a fresh board (stale boards are rebuilt from the ledger, see `store`). Status messages are sent only on
   these changes (and on connect while paused).

The cost of a tick is therefore one snapshot read and one `json.dumps` per worker process, plus one socket
write per viewer; Redis carries one small notice per contest per change instead of one message per viewer.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import threading
import weakref
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.dispatch import receiver

from .fanout import Frame
from .signals import scores_changed
from .store import leaderboard_store

if TYPE_CHECKING:  # pragma: no cover
    from .consumers import LeaderboardConsumer

logger = logging.getLogger(__name__)

NOTICE_TYPE = "leaderboard.changed"
SNAPSHOT_LIMIT = 20
WATCH_SECONDS = 1.0
STANDINGS_WAIT = 0.05  # newcomers' own standings are read together, this long after the first one joins


def pushes_per_second() -> float:
    value = getattr(settings, "LEADERBOARD_PUSHES_PER_SECOND", None)
    if value is None:
        value = os.environ.get("LEADERBOARD_PUSHES_PER_SECOND", "4")
    return max(0.1, float(value))


def group_name(contest_id: int) -> str:
    return f"leaderboard.{int(contest_id)}"


def serialise(message: dict) -> str:
    """The one serialisation of a message, shared by every viewer it is sent to."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


# --- reading (sync, run in the database thread) -----------------------------------------------------


def snapshot(contest) -> dict:
    """The leaderboard message; from the store, or from the ledger when the store (Redis) is down."""
    from . import selectors

    try:
        return selectors.leaderboard_snapshot(contest=contest, limit=SNAPSHOT_LIMIT)
    except Exception as exc:  # noqa: BLE001 - any store failure falls back to the ledger
        logger.warning("leaderboard store unavailable (%s); reading contest %s from the ledger", exc, contest.pk)
        return snapshot_from_ledger(contest)


def boards_restore(contest_ids) -> None:
    """After Redis returns, from the hub's watch (never from a read): the boards of these contests that the store
    no longer holds (lost, or dropped as stale because they missed changes) are computed again from the ledger."""
    from . import selectors
    from .models import Contest

    store = leaderboard_store()
    for contest in Contest.objects.filter(pk__in=contest_ids):
        if not store.exists(contest.pk):
            store.replace(contest.pk, selectors.board_scores(contest=contest))


def snapshot_from_ledger(contest, limit: int = SNAPSHOT_LIMIT) -> dict:
    """The same message computed from the ledger alone (read-only mode). Its version is 0, so a client that saw
    a live version keeps it, and the first live push after Redis returns replaces it."""
    from django.utils import timezone

    from .selectors import board_name, board_scores, member_names, ranked, score_json

    rows = ranked(board_scores(contest=contest))[:limit]
    names = member_names(member for _rank, member, _score in rows)
    entries = [
        {
            "rank": rank,
            "user": int(member[1:]),
            "name": board_name(contest, names.get(member, "")),
            "score": score_json(score),
        }
        for rank, member, score in rows
    ]
    return {
        "type": "leaderboard",
        "contest": contest.slug,
        "version": 0,
        "entries": entries,
        "sent_at": timezone.now().isoformat(),
    }


def standings(contest, users: dict[int, Any]) -> dict[int, dict | None]:
    """Each signed-in viewer's own standing (``{"type": "you", ...}``), by user id."""
    from . import selectors

    many = getattr(selectors, "viewer_standings", None)
    if many is not None:
        return many(contest=contest, users=list(users.values()))
    result: dict[int, dict | None] = {}
    for user_id, user in users.items():
        try:
            result[user_id] = selectors.viewer_standing(contest=contest, user=user)
        except Exception:  # noqa: BLE001 - a viewer's standing is a nicety; never break the tick
            logger.exception("standing of user %s in contest %s failed", user_id, contest.pk)
            result[user_id] = None
    return result


def status_message(*, live: bool) -> dict:
    """Whether the board on screen follows changes ("live") or shows the last scores ("live updates paused")."""
    from django.utils import timezone

    return {"type": "status", "live": live, "sent_at": timezone.now().isoformat()}


def standing_key(message: dict | None) -> tuple | None:
    if not message:
        return None
    return (message.get("rank"), str(message.get("score")))


# --- the hub: one per event loop (one per daphne process in production) -----------------------------

_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


class Hub:
    """The viewers of this process, by contest, and the coalesced pushes to them."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.period = 1.0 / pushes_per_second()
        self.viewers: dict[int, set[LeaderboardConsumer]] = defaultdict(set)
        self.contests: dict[int, Any] = {}
        self.last_text: dict[int, tuple[int, Frame]] = {}
        self.last_flush: dict[int, float] = {}
        self.scheduled: set[int] = set()
        self.changed_users: dict[int, set[int]] = defaultdict(set)
        self.layer = get_channel_layer() if settings.REDIS_URL else None
        self.channel: str | None = None
        self.receiver: asyncio.Task | None = None
        self.ticks = 0  # pushes made, for tests and benchmarks
        self.paused = False  # Redis unreachable: boards come from the ledger and nothing is pushed
        self.unsubscribed: set[int] = set()  # contests whose group could not be joined (Redis was away)
        self.watcher: asyncio.Task | None = None
        self.reading: dict[int, asyncio.Future] = {}  # boards being read for newcomers, one read per contest
        self.standings_wanted: dict[int, set[LeaderboardConsumer]] = defaultdict(set)
        self.subscribing = asyncio.Lock()

    @classmethod
    def current(cls) -> Hub:
        loop = asyncio.get_running_loop()
        with _hubs_lock:
            hub = _hubs.get(loop)
            if hub is None:
                hub = _hubs[loop] = cls(loop)
        return hub

    # viewers come and go
    async def join(self, consumer: LeaderboardConsumer) -> None:
        contest = consumer.contest
        first = not self.viewers[contest.pk]
        self.viewers[contest.pk].add(consumer)
        self.contests[contest.pk] = contest
        if first and self.layer is not None:
            try:
                await self._subscribe(contest.pk)
            except Exception as exc:  # noqa: BLE001 - without Redis the board still shows, read-only
                logger.warning("live push of contest %s unavailable: %s", contest.pk, exc)
                self.unsubscribed.add(contest.pk)
                leaderboard_store().note_failure(exc)
        if self.layer is not None and (self.watcher is None or self.watcher.done()):
            self.watcher = self.loop.create_task(self._watch())

    async def leave(self, consumer: LeaderboardConsumer) -> None:
        contest_id = consumer.contest.pk
        viewers = self.viewers.get(contest_id)
        if viewers is None:
            return
        viewers.discard(consumer)
        if viewers:
            return
        del self.viewers[contest_id]
        self.contests.pop(contest_id, None)
        self.last_text.pop(contest_id, None)
        self.unsubscribed.discard(contest_id)
        if self.layer is not None and self.channel is not None:
            try:
                await self.layer.group_discard(group_name(contest_id), self.channel)
            except Exception as exc:  # noqa: BLE001
                logger.warning("leaving the group of contest %s failed: %s", contest_id, exc)
        if not self.viewers and self.receiver is not None:
            # Cancelling a pub/sub receive drops its channel: the next viewer makes a new one.
            self.receiver.cancel()
            self.receiver = None
            self.channel = None
        if not self.viewers and self.watcher is not None:
            self.watcher.cancel()
            self.watcher = None

    async def _subscribe(self, contest_id: int) -> None:
        # One channel for the process: contests whose first viewers arrive together must not each make their own
        # (the others' notices would go to a channel nobody reads).
        async with self.subscribing:
            if self.channel is None:
                self.channel = await self.layer.new_channel("leaderboard-hub.")
            if self.receiver is None or self.receiver.done():
                self.receiver = self.loop.create_task(self._receive())
            await self.layer.group_add(group_name(contest_id), self.channel)

    async def _receive(self) -> None:
        """The process's one subscription: notices from every process that records statements."""
        backoff = 0.5
        while True:
            try:
                message = await self.layer.receive(self.channel)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis away: wait and listen again
                logger.warning("leaderboard notices interrupted: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
                continue
            if message.get("type") == NOTICE_TYPE:
                self.mark_dirty(message.get("contest_ids") or [], message.get("user_ids") or [])

    async def _watch(self) -> None:
        """While this process has viewers: notice Redis going away and coming back (module docstring, 5)."""
        store = leaderboard_store()
        while self.viewers:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                live = await sync_to_async(store.probe, thread_sensitive=False)()
            except Exception:  # noqa: BLE001 - probe never raises; be safe in a loop that must not die
                live = False
            if live and self.unsubscribed:
                for contest_id in sorted(self.unsubscribed):
                    try:
                        await self._subscribe(contest_id)
                        self.unsubscribed.discard(contest_id)
                    except Exception as exc:  # noqa: BLE001 - try again on the next turn
                        logger.warning("joining the group of contest %s failed: %s", contest_id, exc)
                        live = False
                        break
            if live == (not self.paused):
                continue
            self.paused = not live
            await self.send_status()
            if live:
                # Changes made while Redis was away were never pushed: put back the boards Redis lost or that went
                # stale, then send every board afresh.
                try:
                    await database_sync_to_async(boards_restore)(list(self.viewers))
                except Exception as exc:  # noqa: BLE001 - the scheduler's check_leaderboards repairs them later
                    logger.warning("restoring boards after Redis returned failed: %s", exc)
                self.mark_dirty(list(self.viewers), [])

    async def send_status(self) -> None:
        frame = Frame(serialise(status_message(live=not self.paused)))
        for viewers in list(self.viewers.values()):
            for consumer in list(viewers):
                await consumer.push_status(frame)

    # changes
    def mark_dirty(self, contest_ids, user_ids) -> None:
        """Schedule a push for each contest with viewers here: now, or one period after the last one."""
        now = self.loop.time()
        for contest_id in contest_ids:
            if contest_id not in self.viewers:
                continue
            self.changed_users[contest_id].update(user_ids)
            if contest_id in self.scheduled:
                continue
            self.scheduled.add(contest_id)
            delay = max(0.0, self.last_flush.get(contest_id, -1e9) + self.period - now)
            self.loop.call_later(delay, self._start_flush, contest_id)

    def _start_flush(self, contest_id: int) -> None:
        self.loop.create_task(self.flush(contest_id))

    async def flush(self, contest_id: int) -> None:
        self.scheduled.discard(contest_id)
        self.last_flush[contest_id] = self.loop.time()
        contest = self.contests.get(contest_id)
        if contest is None:
            return
        changed = self.changed_users.pop(contest_id, set())
        try:
            message = await database_sync_to_async(snapshot)(contest)
        except Exception:  # noqa: BLE001 - keep the last board on screen; the next change tries again
            logger.exception("leaderboard snapshot of contest %s failed", contest_id)
            return
        version = int(message["version"])
        previous = self.last_text.get(contest_id)
        if previous is None or version > previous[0]:
            frame = Frame(serialise(message))  # serialised once, framed once (`fanout`), for every viewer
            self.last_text[contest_id] = (version, frame)
            self.ticks += 1
            for consumer in list(self.viewers.get(contest_id, ())):
                await consumer.push(version, frame)
        await self._push_standings(contest_id, contest, changed)

    async def _push_standings(self, contest_id: int, contest, changed: set[int]) -> None:
        signed_in = [c for c in self.viewers.get(contest_id, ()) if c.user_id is not None]
        if not signed_in:
            return
        users = {c.user_id: c.user for c in signed_in}
        try:
            result = await database_sync_to_async(standings)(contest, users)
        except Exception:  # noqa: BLE001
            logger.exception("viewer standings of contest %s failed", contest_id)
            return
        frames: dict[int, tuple[tuple | None, Frame]] = {}
        for consumer in signed_in:
            message = result.get(consumer.user_id)
            key = standing_key(message)
            if key is None or key == consumer.standing:
                continue
            if consumer.user_id not in frames:
                frames[consumer.user_id] = (key, Frame(serialise(message)))
            await consumer.push_standing(*frames[consumer.user_id])

    def latest(self, contest_id: int) -> tuple[int, Frame] | None:
        return self.last_text.get(contest_id)

    async def board(self, contest) -> tuple[int, Frame]:
        """The board for a viewer who just joined: the last one pushed here (kept current by the pushes), else one
        read shared by every viewer who arrives while it is under way, serialised once."""
        latest = self.last_text.get(contest.pk)
        if latest is not None:
            return latest
        reading = self.reading.get(contest.pk)
        if reading is None:
            reading = self.reading[contest.pk] = self.loop.create_future()
            try:
                message = await database_sync_to_async(snapshot)(contest)
                result = (int(message["version"]), Frame(serialise(message)))
                previous = self.last_text.get(contest.pk)
                if contest.pk in self.viewers and (previous is None or result[0] > previous[0]):
                    self.last_text[contest.pk] = result
                reading.set_result(result)
            except Exception as exc:
                reading.set_exception(exc)
            finally:
                del self.reading[contest.pk]
        return await asyncio.shield(reading)

    def want_standing(self, consumer: LeaderboardConsumer) -> None:
        """A signed-in newcomer's own standing, read together with the others' who join within `STANDINGS_WAIT`."""
        contest_id = consumer.contest.pk
        first = not self.standings_wanted[contest_id]
        self.standings_wanted[contest_id].add(consumer)
        if first:
            self.loop.call_later(STANDINGS_WAIT, lambda: self.loop.create_task(self._newcomer_standings(contest_id)))

    async def _newcomer_standings(self, contest_id: int) -> None:
        consumers = [c for c in self.standings_wanted.pop(contest_id, ()) if c in self.viewers.get(contest_id, ())]
        if not consumers:
            return
        contest = consumers[0].contest
        try:
            result = await database_sync_to_async(standings)(contest, {c.user_id: c.user for c in consumers})
        except Exception:  # noqa: BLE001 - a viewer's standing is a nicety; the next change sends it
            logger.exception("newcomers' standings in contest %s failed", contest_id)
            return
        frames: dict[int, Frame] = {}
        for consumer in consumers:
            message = result.get(consumer.user_id)
            key = standing_key(message)
            if key is None:
                continue
            if consumer.user_id not in frames:
                frames[consumer.user_id] = Frame(serialise(message))
            await consumer.push_standing(key, frames[consumer.user_id])


def hubs() -> list[Hub]:
    with _hubs_lock:
        return list(_hubs.values())


# --- the sending side ----------------------------------------------------------------------------------


class Publisher:
    """A background event loop that publishes change notices through the channel layer.

    Notices that arrive while a publish is under way are merged, so a burst of statements costs Redis one
    message per contest, and the thread that recorded the statement never waits on the network.
    """

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.pending: dict[int, set[int]] = defaultdict(set)
        self.lock = threading.Lock()
        self.scheduled = False
        self.thread = threading.Thread(target=self.loop.run_forever, name="leaderboard-publisher", daemon=True)
        self.thread.start()

    def publish(self, contest_ids, user_ids) -> None:
        with self.lock:
            for contest_id in contest_ids:
                self.pending[int(contest_id)].update(int(u) for u in user_ids)
            if self.scheduled:
                return
            self.scheduled = True
        self.loop.call_soon_threadsafe(lambda: self.loop.create_task(self._send()))

    async def _send(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, defaultdict(set)
            self.scheduled = False
        layer = get_channel_layer()
        for contest_id, user_ids in pending.items():
            message = {"type": NOTICE_TYPE, "contest_ids": [contest_id], "user_ids": sorted(user_ids)}
            try:
                await asyncio.wait_for(layer.group_send(group_name(contest_id), message), timeout=5)
            except Exception as exc:  # noqa: BLE001 - Redis down: the live push degrades, nothing else
                logger.warning("leaderboard notice for contest %s not sent: %s", contest_id, exc)
                leaderboard_store().note_failure(exc)

    def flush(self, timeout: float = 5) -> None:
        """Wait until every notice given so far has been sent (tests, scripts that exit)."""
        done = threading.Event()

        async def _wait():
            await self._send()
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


@receiver(scores_changed, dispatch_uid="realtime.broadcast.scores_changed")
def _on_scores_changed(sender, contest_ids=(), user_ids=(), **kwargs) -> None:
    contest_ids = [int(c) for c in contest_ids]
    user_ids = [int(u) for u in user_ids]
    for hub in hubs():
        try:
            # A fresh context: the caller's (a sync_to_async thread's) must not leak into the hub's tasks.
            hub.loop.call_soon_threadsafe(hub.mark_dirty, contest_ids, user_ids, context=contextvars.Context())
        except RuntimeError:  # that loop is closed
            with _hubs_lock:
                _hubs.pop(hub.loop, None)
    if settings.REDIS_URL:
        publisher().publish(contest_ids, user_ids)
