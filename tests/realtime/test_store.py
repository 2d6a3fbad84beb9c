"""The leaderboard store: Redis sorted sets and the in-process store behave the same (order, ties, windows,
versions), apply deltas atomically per contest only to boards that exist, and keep versions increasing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.conf import settings

from realtime.store import InProcessStore, RedisStore


def _redis_store():
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL=redis://...")
    return RedisStore(settings.REDIS_URL, f"{settings.REDIS_KEY_PREFIX}:st{uuid.uuid4().hex[:8]}", 10)


@pytest.fixture(params=["in-process", pytest.param("redis", marks=pytest.mark.integration)])
def store(request):
    store = InProcessStore() if request.param == "in-process" else _redis_store()
    yield store
    store.clear()


def D(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def test_deltas_only_move_boards_that_exist(store):
    assert store.apply({1: {"u1": Decimal(5)}}) == {1: None}
    assert not store.exists(1)
    version = store.replace(1, {"u1": Decimal(5)})
    assert store.exists(1)
    after = store.apply({1: {"u1": Decimal("2.5"), "u2": Decimal(1)}, 2: {"u1": Decimal(1)}})
    assert after == {1: version + 1, 2: None}
    assert store.scores(1) == {"u1": D("7.5"), "u2": D(1)}


def test_order_ties_and_windows(store):
    store.replace(7, {"u3": Decimal(10), "u12": Decimal(10), "u2": Decimal(30), "u40": Decimal(1), "u5": Decimal(10)})
    version, top = store.top(7, 10)
    # Ties are listed by id, the same in Redis and in-process.
    assert top == [("u2", D(30)), ("u3", D(10)), ("u5", D(10)), ("u12", D(10)), ("u40", D(1))]
    assert store.top(7, 2) == (version, top[:2])
    assert store.count_above(7, Decimal(10)) == 1
    assert store.standing(7, "u12", 1) == (version, 2, [("u5", D(10)), ("u12", D(10)), ("u40", D(1))])
    assert store.standing(7, "u2", 3) == (version, 0, top[:4])
    assert store.standing(7, "u99", 3) is None
    assert store.tail(7, 2) == (version, 5, top[-2:])


def test_versions_keep_increasing_across_rebuilds(store):
    first = store.replace(3, {})
    second = store.apply({3: {"b1": Decimal(1)}})[3]
    third = store.replace(3, {"b1": Decimal(1)})
    assert first < second < third
    store.delete(3)
    assert not store.exists(3)
    assert store.replace(3, {}) >= first  # a fresh board starts at the clock, not at 1


async def test_async_reads_match(store):
    store.replace(9, {"u1": Decimal(3), "u2": Decimal(4)})
    assert await store.atop(9, 5) == store.top(9, 5)
    assert await store.astanding(9, "u1") == store.standing(9, "u1")
    assert await store.aversion(9) == store.version(9)
    assert await store.acount_above(9, Decimal(3)) == 1
