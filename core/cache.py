"""Django's Redis cache, failing open: with Redis unreachable the site runs uncached instead of answering 500.

Django's `RedisCache` raises on every call when Redis is down, and everything behind the cache (sessions, which
are `cached_db`, the page cache, throttles, the recommender's lists) turned into a 500. This backend answers a
miss instead (`get` gives the default, `set` does nothing), logs once, and does not try Redis again for
`RETRY_SECONDS`, so an outage costs each request nothing but the work the cache would have saved.

Nothing goes stale when Redis comes back with its old contents (a restart with persistence, a healed network):
every write that failed during the outage is remembered by key and repaired before the first call that reaches
Redis again. A lost `set`/`delete` deletes the key (a logged-out session, a page rendered before a publish); a
lost `incr` is applied (version counters such as the catalogue's must move on, never back). If more than
`MAX_REMEMBERED` keys were written during one outage, the rest expire on their own timeouts (logged).
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
MAX_REMEMBERED = 10_000


class _Outage:
    """One per Redis location and key prefix, shared by the per-thread cache objects of a process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0  # monotonic time before which Redis is not tried
        self.down_since: float | None = None
        self.lost_writes: set[str] = set()
        self.lost_increments: dict[str, int] = {}
        self.overflowed = False

    def remember(self, keys=(), increments=None) -> None:
        with self.lock:
            for key in keys:
                if len(self.lost_writes) >= MAX_REMEMBERED:
                    self.overflowed = True
                    break
                self.lost_writes.add(key)
            for key, delta in (increments or {}).items():
                self.lost_increments[key] = self.lost_increments.get(key, 0) + delta


_outages: dict[tuple, _Outage] = {}
_outages_lock = threading.Lock()


class FailOpenRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that answers misses while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        with _outages_lock:
            self._outage = _outages.setdefault((str(server), self.key_prefix), _Outage())

    # --- the guard ---------------------------------------------------------------------------------
    def _call(self, operation, fallback, *, writes=(), increments=None):
        outage = self._outage
        if outage.down_until > time.monotonic():
            outage.remember(writes, increments)
            return fallback
        try:
            if outage.down_since is not None:
                self._repair()
            return operation()
        except redis.RedisError as exc:
            with outage.lock:
                if outage.down_since is None:
                    outage.down_since = time.monotonic()
                    logger.warning("cache unavailable, serving uncached for now: %s", exc)
                outage.down_until = time.monotonic() + RETRY_SECONDS
            outage.remember(writes, increments)
            return fallback

    def _repair(self) -> None:
        """Undo what the outage left stale, then mark Redis as back (raises while it is not)."""
        outage = self._outage
        with outage.lock:
            writes, increments = set(outage.lost_writes), dict(outage.lost_increments)
        client = self._cache.get_client(write=True)
        for key, delta in increments.items():
            if client.exists(key):
                client.incr(key, delta)
            with outage.lock:
                outage.lost_increments.pop(key, None)
        ordered = sorted(writes)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            client.delete(*chunk)
            with outage.lock:
                outage.lost_writes.difference_update(chunk)
        with outage.lock:
            seconds = time.monotonic() - (outage.down_since or time.monotonic())
            if outage.overflowed:
                logger.warning("cache back; more than %d keys were written while it was down", MAX_REMEMBERED)
            outage.down_since, outage.overflowed = None, False
        logger.warning("cache back after %.1f s; %d stale keys removed", seconds, len(writes) + len(increments))

    def _key(self, key, version):
        return self.make_and_validate_key(key, version=version)

    # --- the cache API -----------------------------------------------------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        made = self._key(key, version)
        timeout = self.get_backend_timeout(timeout)
        return self._call(lambda: self._cache.add(made, value, timeout), False, writes=[made])

    def get(self, key, default=None, version=None):
        made = self._key(key, version)
        return self._call(lambda: self._cache.get(made, default), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        made = self._key(key, version)
        timeout = self.get_backend_timeout(timeout)
        self._call(lambda: self._cache.set(made, value, timeout), None, writes=[made])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        made = self._key(key, version)
        timeout = self.get_backend_timeout(timeout)
        return self._call(lambda: self._cache.touch(made, timeout), False)

    def delete(self, key, version=None):
        made = self._key(key, version)
        return self._call(lambda: self._cache.delete(made), False, writes=[made])

    def get_many(self, keys, version=None):
        key_map = {self._key(key, version): key for key in keys}
        found = self._call(lambda: self._cache.get_many(key_map.keys()), {})
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key, version=None):
        made = self._key(key, version)
        return self._call(lambda: self._cache.has_key(made), False)

    def incr(self, key, delta=1, version=None):
        made = self._key(key, version)
        # Unknown while Redis is away: callers get a value, and the increment is applied when it returns.
        return self._call(lambda: self._cache.incr(made, delta), delta, increments={made: delta})

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        safe = {self._key(key, version): value for key, value in data.items()}
        timeout = self.get_backend_timeout(timeout)
        failed = self._call(lambda: self._cache.set_many(safe, timeout) or [], None, writes=list(safe))
        return list(data) if failed is None else []

    def delete_many(self, keys, version=None):
        if not keys:
            return
        safe = [self._key(key, version) for key in keys]
        self._call(lambda: self._cache.delete_many(safe), None, writes=safe)

    def clear(self):
        return self._call(lambda: self._cache.clear(), False)
