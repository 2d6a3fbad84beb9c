"""The leaderboard store: one sorted set per contest plus a version counter, mirroring the ledger.

Redis sorted sets when settings.REDIS_URL is set, else an in-process store with the same behaviour (the embedded
default runs one process). Members are strings ("u12" for a person, "b3" for a branch); scores are kept in
hundredths of a point as integers, so sums stay exact. The ledger is the source of truth: a board that does not
exist yet (a fresh process, a flushed Redis) is read from the ledger (`BoardCopy`) until
`realtime.services.boards.board_rebuild` puts it back: the scheduler's `rebuild_leaderboards`, or the next
scored statement. Reads never fill the store.

Order: score descending; ties by member id ascending (deterministic). Every change bumps the contest's version.

Redis down (`RedisHealth`): a failed call is retried only after `RETRY_SECONDS`, and meanwhile every call raises
`StoreUnavailable` at once (callers fall back to the ledger and pause live updates). A board whose change could
not be applied is remembered as stale; on the first call that reaches Redis again its keys are deleted, so the
next read or change rebuilds it from the ledger: nothing recorded during the outage is missing from the boards.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from decimal import Decimal
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

Scores = list[tuple[str, Decimal]]

RETRY_SECONDS = 2.0


class StoreUnavailable(RuntimeError):
    """Redis did not answer a moment ago; not tried again until the back-off has passed."""


# Within equal scores Redis orders members by their bytes, descending. Encoding "u12" as "u" + (10**12 - 12),
# zero-padded, makes that order "lower id first".
_ID_SPAN = 10**12


def _encode(member: str) -> str:
    kind, ident = member[0], int(member[1:])
    return f"{kind}{_ID_SPAN - ident:012d}"


def _decode(raw: str | bytes) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode()
    return f"{raw[0]}{_ID_SPAN - int(raw[1:])}"


def to_cents(points: Decimal | int | float) -> int:
    return int((Decimal(points) * 100).to_integral_value())


def from_cents(cents: float | int) -> Decimal:
    return (Decimal(int(round(cents))) / 100).quantize(Decimal("0.01"))


def _initial_version() -> int:
    """A fresh board starts at the current time in milliseconds, so versions keep increasing across restarts."""
    return int(time.time() * 1000)


class InProcessStore:
    """The embedded default: a dict per contest behind one lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._boards: dict[int, dict[str, int]] = {}
        self._versions: dict[int, int] = {}

    # --- writes -----------------------------------------------------------------------------------
    def apply(self, changes: dict[int, dict[str, Decimal]]) -> dict[int, int | None]:
        """Add deltas to existing boards, atomically per contest; returns each contest's new version, or None
        for a contest whose board does not exist (rebuild it from the ledger instead)."""
        versions: dict[int, int | None] = {}
        with self._lock:
            for contest_id, deltas in changes.items():
                if contest_id not in self._versions:
                    versions[contest_id] = None
                    continue
                board = self._boards.setdefault(contest_id, {})
                for member, delta in deltas.items():
                    board[member] = board.get(member, 0) + to_cents(delta)
                self._versions[contest_id] += 1
                versions[contest_id] = self._versions[contest_id]
        return versions

    def replace(self, contest_id: int, scores: dict[str, Decimal]) -> int:
        with self._lock:
            self._boards[contest_id] = {member: to_cents(score) for member, score in scores.items()}
            version = max(self._versions.get(contest_id, 0) + 1, _initial_version())
            self._versions[contest_id] = version
            return version

    def delete(self, contest_id: int) -> None:
        with self._lock:
            self._boards.pop(contest_id, None)
            self._versions.pop(contest_id, None)

    def clear(self) -> None:
        with self._lock:
            self._boards.clear()
            self._versions.clear()

    # --- health: nothing to fail in-process -----------------------------------------------------------
    def available(self) -> bool:
        return True

    def probe(self) -> bool:
        return True

    def note_failure(self, exc: BaseException) -> None:
        """Only the Redis store can be down."""

    # --- reads ------------------------------------------------------------------------------------
    def _ordered(self, contest_id: int) -> list[tuple[str, int]]:
        board = self._boards.get(contest_id, {})
        # Exactly Redis's ZREVRANGE order: score descending, then the encoded member descending.
        return sorted(board.items(), key=lambda item: (item[1], _encode(item[0])), reverse=True)

    def exists(self, contest_id: int) -> bool:
        return contest_id in self._versions

    def version(self, contest_id: int) -> int:
        return self._versions.get(contest_id, 0)

    def top(self, contest_id: int, limit: int) -> tuple[int, Scores]:
        with self._lock:
            ordered = self._ordered(contest_id)[:limit]
            return self._versions.get(contest_id, 0), [(m, from_cents(c)) for m, c in ordered]

    def standing(self, contest_id: int, member: str, around: int = 3) -> tuple[int, int, Scores] | None:
        """(version, position of the first returned member (0-based), members around `member` with scores),
        or None when the member is not on the board."""
        with self._lock:
            ordered = self._ordered(contest_id)
            for position, (candidate, _cents) in enumerate(ordered):
                if candidate == member:
                    start = max(position - around, 0)
                    window = ordered[start : position + around + 1]
                    return self._versions.get(contest_id, 0), start, [(m, from_cents(c)) for m, c in window]
            return None

    def tail(self, contest_id: int, count: int) -> tuple[int, int, Scores]:
        """(version, board size, the last `count` places)."""
        with self._lock:
            ordered = self._ordered(contest_id)
            return (
                self._versions.get(contest_id, 0),
                len(ordered),
                [(m, from_cents(c)) for m, c in ordered[max(len(ordered) - count, 0) :]],
            )

    def count_above(self, contest_id: int, score: Decimal) -> int:
        cents = to_cents(score)
        with self._lock:
            return sum(1 for value in self._boards.get(contest_id, {}).values() if value > cents)

    def scores(self, contest_id: int) -> dict[str, Decimal]:
        with self._lock:
            return {member: from_cents(cents) for member, cents in self._boards.get(contest_id, {}).items()}

    # --- async reads (no I/O here: the same calls) ------------------------------------------------
    async def atop(self, contest_id: int, limit: int) -> tuple[int, Scores]:
        return self.top(contest_id, limit)

    async def astanding(self, contest_id: int, member: str, around: int = 3):
        return self.standing(contest_id, member, around)

    async def aversion(self, contest_id: int) -> int:
        return self.version(contest_id)

    async def acount_above(self, contest_id: int, score: Decimal) -> int:
        return self.count_above(contest_id, score)


class BoardCopy(InProcessStore):
    """One contest's board held for one read, with the store's read methods: a selector computes it from the ledger
    when the store does not hold the board. Version 0 (read-only), so the first live version replaces it on a
    client; shared with no one and never written back."""

    def __init__(self, contest_id: int, scores: dict[str, Decimal]):
        super().__init__()
        self._boards[contest_id] = {member: to_cents(score) for member, score in scores.items()}
        self._versions[contest_id] = 0


# Adds deltas to a board and bumps its version in one atomic step, but only if the board exists (its version key
# is the marker): a missing board is rebuilt from the ledger, never started from one delta.
_APPLY = """
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
for i = 1, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
return redis.call('INCR', KEYS[2])
"""

# Replaces a board with the members staged in KEYS[3] and raises the version to at least ARGV[1].
_REPLACE = """
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], KEYS[1]) else redis.call('DEL', KEYS[1]) end
local v = redis.call('INCR', KEYS[2])
if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]); v = tonumber(ARGV[1]) end
return v
"""

_TOP = """
local v = tonumber(redis.call('GET', KEYS[2]) or '0')
return {v, redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')}
"""

_STANDING = """
local pos = redis.call('ZREVRANK', KEYS[1], ARGV[1])
local v = tonumber(redis.call('GET', KEYS[2]) or '0')
if not pos then return {v, -1, {}} end
local around = tonumber(ARGV[2])
local start = pos - around
if start < 0 then start = 0 end
return {v, start, redis.call('ZREVRANGE', KEYS[1], start, pos + around, 'WITHSCORES')}
"""


def _pairs(flat: list) -> Scores:
    return [(_decode(flat[i]), from_cents(float(flat[i + 1]))) for i in range(0, len(flat), 2)]


class RedisHealth:
    """Whether this process reaches Redis, and which boards went stale while it did not (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.stale: set[int] = set()

    def waiting(self) -> bool:
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, exc: BaseException, contest_ids=()) -> None:
        with self.lock:
            self.stale.update(contest_ids)
            if self.down_since is None:
                self.down_since = time.monotonic()
                logger.warning("leaderboard store unavailable, live updates paused: %s", exc)
            self.retry_at = time.monotonic() + RETRY_SECONDS

    def mark_stale(self, contest_ids) -> None:
        with self.lock:
            self.stale.update(contest_ids)

    def recovered(self) -> None:
        with self.lock:
            if self.down_since is not None:
                logger.warning("leaderboard store back after %.1f s", time.monotonic() - self.down_since)
            self.down_since = None


class RedisStore:
    """Redis sorted sets; keys share a hash tag per contest, so a cluster keeps one contest on one shard."""

    def __init__(self, url: str, prefix: str, max_connections: int):
        import redis

        self.url = url
        self.prefix = prefix
        self.max_connections = max_connections
        self.health = RedisHealth()
        # Short timeouts: a Redis that does not answer must cost a request a second, not minutes.
        self.timeouts = {
            "socket_connect_timeout": getattr(settings, "REDIS_CONNECT_TIMEOUT", 1),
            "socket_timeout": getattr(settings, "REDIS_SOCKET_TIMEOUT", 2),
        }
        pool = redis.BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=10, **self.timeouts)
        self.client = redis.Redis(connection_pool=pool)
        self._apply = self.client.register_script(_APPLY)
        self._replace = self.client.register_script(_REPLACE)
        self._top = self.client.register_script(_TOP)
        self._standing = self.client.register_script(_STANDING)
        self._async_clients: dict[int, object] = {}

    def keys(self, contest_id: int) -> tuple[str, str]:
        base = f"{self.prefix}:lb:{{{contest_id}}}"
        return base, base + ":v"

    # --- health -----------------------------------------------------------------------------------
    def _run(self, call, *, changes=()):
        """Run `call()` against Redis, unless it failed a moment ago; boards in `changes` go stale on failure."""
        import redis

        health = self.health
        if health.waiting():
            health.mark_stale(changes)  # not `failed`: that would push the next try further away at every call
            raise StoreUnavailable("the leaderboard store did not answer a moment ago")
        try:
            if health.down_since is not None or health.stale:
                self._drop_stale()
            result = call()
        except redis.RedisError as exc:
            health.failed(exc, changes)
            raise
        health.recovered()
        return result

    def _drop_stale(self) -> None:
        """Delete the boards that missed changes, so they are rebuilt from the ledger on next use."""
        with self.health.lock:
            stale = sorted(self.health.stale)
        if stale:
            self.client.delete(*[key for contest_id in stale for key in self.keys(contest_id)])
            with self.health.lock:
                self.health.stale.difference_update(stale)
            logger.warning("leaderboards %s missed changes while Redis was away: rebuilt from the ledger", stale)

    def available(self) -> bool:
        """Whether the last call reached Redis (no I/O)."""
        return self.health.down_since is None

    def probe(self) -> bool:
        """Ping Redis (respecting the back-off) and repair stale boards; True when it answers."""
        try:
            self._run(self.client.ping)
        except Exception:  # noqa: BLE001 - any failure means "not available"
            return False
        return True

    def note_failure(self, exc: BaseException) -> None:
        """Another user of the same Redis (the channel layer) saw it fail."""
        self.health.failed(exc)

    # --- writes -----------------------------------------------------------------------------------
    def apply(self, changes: dict[int, dict[str, Decimal]]) -> dict[int, int | None]:
        return self._run(lambda: self._apply_now(changes), changes=list(changes))

    def _apply_now(self, changes: dict[int, dict[str, Decimal]]) -> dict[int, int | None]:
        ordered = sorted(changes.items())
        pipe = self.client.pipeline(transaction=False)
        for contest_id, deltas in ordered:
            args: list = []
            for member, delta in deltas.items():
                args += [_encode(member), to_cents(delta)]
            self._apply(keys=list(self.keys(contest_id)), args=args, client=pipe)
        results = pipe.execute()
        return {cid: (None if result == -1 else int(result)) for (cid, _), result in zip(ordered, results, strict=True)}

    def replace(self, contest_id: int, scores: dict[str, Decimal]) -> int:
        return self._run(lambda: self._replace_now(contest_id, scores), changes=[contest_id])

    def _replace_now(self, contest_id: int, scores: dict[str, Decimal]) -> int:
        board, version = self.keys(contest_id)
        staging = f"{board}:staging"
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(staging)
        items = [(_encode(member), to_cents(score)) for member, score in scores.items()]
        for start in range(0, len(items), 5000):
            pipe.zadd(staging, dict(items[start : start + 5000]))
        self._replace(keys=[board, version, staging], args=[_initial_version()], client=pipe)
        return int(pipe.execute()[-1])

    def delete(self, contest_id: int) -> None:
        self._run(lambda: self.client.delete(*self.keys(contest_id)))

    def clear(self) -> None:
        def _clear():
            keys = list(self.client.scan_iter(f"{self.prefix}:lb:*", count=1000))
            if keys:
                self.client.delete(*keys)

        self._run(_clear)

    # --- reads ------------------------------------------------------------------------------------
    def exists(self, contest_id: int) -> bool:
        return self._run(lambda: bool(self.client.exists(self.keys(contest_id)[1])))

    def version(self, contest_id: int) -> int:
        return self._run(lambda: int(self.client.get(self.keys(contest_id)[1]) or 0))

    def top(self, contest_id: int, limit: int) -> tuple[int, Scores]:
        version, flat = self._run(lambda: self._top(keys=list(self.keys(contest_id)), args=[limit]))
        return int(version), _pairs(flat)

    def standing(self, contest_id: int, member: str, around: int = 3):
        version, start, flat = self._run(
            lambda: self._standing(keys=list(self.keys(contest_id)), args=[_encode(member), around])
        )
        if int(start) < 0:
            return None
        return int(version), int(start), _pairs(flat)

    def tail(self, contest_id: int, count: int) -> tuple[int, int, Scores]:
        board, version = self.keys(contest_id)

        def _tail():
            pipe = self.client.pipeline(transaction=True)
            pipe.get(version)
            pipe.zcard(board)
            pipe.zrevrange(board, -count, -1, withscores=True)
            return pipe.execute()

        raw_version, size, flat = self._run(_tail)
        return int(raw_version or 0), int(size), [(_decode(m), from_cents(s)) for m, s in flat]

    def count_above(self, contest_id: int, score: Decimal) -> int:
        return int(self._run(lambda: self.client.zcount(self.keys(contest_id)[0], f"({to_cents(score)}", "+inf")))

    def scores(self, contest_id: int) -> dict[str, Decimal]:
        flat = self._run(lambda: self.client.zrange(self.keys(contest_id)[0], 0, -1, withscores=True))
        return {_decode(member): from_cents(score) for member, score in flat}

    # --- async reads: one client per event loop, with its own bounded pool ---------------------------
    def _aclient(self):
        import redis.asyncio as aredis

        loop = asyncio.get_running_loop()
        client = self._async_clients.get(id(loop))
        if client is None:
            pool = aredis.BlockingConnectionPool.from_url(
                self.url, max_connections=self.max_connections, timeout=10, **self.timeouts
            )
            client = aredis.Redis(connection_pool=pool)
            self._async_clients = {id(loop): client}
        return client

    async def atop(self, contest_id: int, limit: int) -> tuple[int, Scores]:
        version, flat = await self._aclient().eval(_TOP, 2, *self.keys(contest_id), limit)
        return int(version), _pairs(flat)

    async def astanding(self, contest_id: int, member: str, around: int = 3):
        version, start, flat = await self._aclient().eval(_STANDING, 2, *self.keys(contest_id), _encode(member), around)
        if int(start) < 0:
            return None
        return int(version), int(start), _pairs(flat)

    async def aversion(self, contest_id: int) -> int:
        return int(await self._aclient().get(self.keys(contest_id)[1]) or 0)

    async def acount_above(self, contest_id: int, score: Decimal) -> int:
        return int(await self._aclient().zcount(self.keys(contest_id)[0], f"({to_cents(score)}", "+inf"))


@lru_cache(maxsize=4)
def _store_for(url: str, prefix: str, max_connections: int):
    if url:
        return RedisStore(url, prefix, max_connections)
    return InProcessStore()


def leaderboard_store() -> InProcessStore | RedisStore:
    """The process's leaderboard store, chosen by settings.REDIS_URL."""
    return _store_for(settings.REDIS_URL, settings.REDIS_KEY_PREFIX, settings.REDIS_MAX_CONNECTIONS)
