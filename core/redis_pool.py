"""Django's Redis cache with one connection pool per process."""

import threading


class SharedRedisConnectionPool:
    """One Redis connection pool per process for Django's cache (`OPTIONS["pool_class"]`).

    Django keeps a cache client per thread, each with its own pool, and under ASGI every request runs in
    a new thread: so each request opened (and dropped) a new Redis connection, which cost more than the
    cache saved (platform/BENCHMARKS.md, "Learning"). redis-py pools are thread-safe; share one.
    """

    _pools: dict = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **options):
        import redis

        key = (url, tuple(sorted((name, repr(value)) for name, value in options.items())))
        with cls._lock:
            if key not in cls._pools:
                cls._pools[key] = redis.ConnectionPool.from_url(url, **options)
            return cls._pools[key]
