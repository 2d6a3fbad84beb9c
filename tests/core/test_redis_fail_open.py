"""The cache and the leaderboard store with Redis gone: misses (never an exception) for the cache, an immediate
`StoreUnavailable` for the store during its back-off, and on Redis's return nothing stale: keys written during the
outage are deleted, boards that missed a change are dropped and rebuilt from the ledger. Uses a redis-server of the
test's own, killed and started again with its append-only file, as a production Redis comes back."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from platform_faults import ThrowawayRedis, environment_has_redis_server

pytestmark = pytest.mark.embedded


@pytest.fixture
def redis_server(tmp_path):
    missing = environment_has_redis_server()
    if missing:
        pytest.skip(missing)
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def fail_open_cache(url: str):
    from core.cache import FailOpenRedisCache

    return FailOpenRedisCache(
        url, {"KEY_PREFIX": f"failopen{time.monotonic_ns()}", "OPTIONS": {"socket_connect_timeout": 1}}
    )


def test_the_cache_answers_misses_while_redis_is_away_and_forgets_what_went_stale(redis_server, monkeypatch):
    from core import cache as module

    monkeypatch.setattr(module, "RETRY_SECONDS", 0.2)
    cache = fail_open_cache(redis_server.url)
    cache.set("session", "signed in", None)
    cache.set("page", "old page", None)
    cache.set("version", 7, None)
    assert cache.get("session") == "signed in"

    redis_server.kill()
    started = time.monotonic()
    assert cache.get("session") is None
    assert cache.get("page", "default") == "default"
    assert cache.get_many(["session", "page"]) == {}
    cache.delete("session")  # signed out while Redis is away
    cache.set("page", "new page")  # not stored, but remembered as stale
    assert cache.incr("version") == 1
    assert cache.add("other", 1) is False
    assert time.monotonic() - started < 1.0  # misses cost nothing during the back-off

    redis_server.start()
    time.sleep(0.3)
    assert cache.get("session") is None  # the signed-out session does not come back
    assert cache.get("page") is None  # nor the page from before the outage
    assert cache.get("version") == 8  # a lost increment is applied, never lost
    cache.set("page", "fresh")
    assert cache.get("page") == "fresh"


def test_the_cache_never_raises_when_redis_was_never_there():
    cache = fail_open_cache("redis://127.0.0.1:9/0")  # the discard port: nothing answers
    assert cache.get("x", 5) == 5
    cache.set("x", 1)
    assert cache.has_key("x") is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]


def test_the_store_backs_off_and_rebuilds_boards_that_missed_changes(redis_server, monkeypatch):
    import redis

    from realtime import store as module

    monkeypatch.setattr(module, "RETRY_SECONDS", 0.5)
    store = module.RedisStore(redis_server.url, f"failopen{time.monotonic_ns()}", 10)
    store.replace(1, {"u1": Decimal(5)})
    store.replace(2, {"u2": Decimal(3)})
    assert store.available() and store.probe()

    redis_server.kill()
    with pytest.raises(redis.RedisError):
        store.apply({1: {"u1": Decimal(5)}})  # the first failure is Redis's own
    assert not store.available()
    started = time.monotonic()
    for _ in range(20):  # every call in the back-off fails at once, and does not push the next try away
        with pytest.raises(module.StoreUnavailable):
            store.top(2, 5)
        assert store.probe() is False
    assert time.monotonic() - started < 0.5

    redis_server.start()
    deadline = time.monotonic() + 5
    while not store.probe():
        assert time.monotonic() < deadline, "the store did not come back"
        time.sleep(0.1)
    assert store.available()
    assert store.exists(1) is False  # missed a change: dropped, so it is rebuilt from the ledger
    assert store.top(2, 5)[1] == [("u2", Decimal("3.00"))]  # untouched boards stay
