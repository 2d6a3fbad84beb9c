"""Opening a board costs no database query once the session, the person, the contest and the board are at hand
(issue #17, the connection storm): what a whole branch opening its board at 20:00 must not queue behind."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends import utils
from django.test import Client
from django.utils import timezone

from core.activity.vocabulary import ActivityType, Verb
from core.people.socket_auth import CachedAuthMiddlewareStack
from realtime import broadcast
from realtime.models import Contest, Dimension, Index, Rule
from realtime.routing import websocket_urlpatterns
from realtime.store import leaderboard_store

pytestmark = [pytest.mark.django_db(transaction=True)]
TIMEOUT = 10
APP = CachedAuthMiddlewareStack(URLRouter(websocket_urlpatterns))


class QueryCounter:
    """Counts SQL statements run by any thread (the consumer's work runs in worker threads)."""

    def __init__(self):
        self.queries: list[str] = []
        self.lock = threading.Lock()
        self.original = utils.CursorWrapper._execute

    def __enter__(self):
        counter = self

        def counting(cursor, sql, params, *ignored_wrappers):
            with counter.lock:
                counter.queries.append(sql)
            return counter.original(cursor, sql, params, *ignored_wrappers)

        utils.CursorWrapper._execute = counting
        return self

    def __exit__(self, *exc):
        utils.CursorWrapper._execute = self.original


@pytest.fixture
def contest(world):
    leaderboard_store().clear()
    cache.clear()
    index = Index.objects.create(name="先锋指数", slug="pioneer-storm")
    dimension = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1))
    Rule.objects.create(
        name="完成课程", dimension=dimension, verb=Verb.COMPLETED, activity_type=ActivityType.COURSE, points=Decimal(5)
    )
    now = timezone.now()
    yield Contest.objects.create(
        name="晚八点擂台",
        slug="storm",
        index=index,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
    )
    leaderboard_store().clear()


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _open(cookie: str | None) -> tuple[WebsocketCommunicator, dict]:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    communicator = WebsocketCommunicator(APP, "/ws/contests/storm/", headers=headers)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator, json.loads(await communicator.receive_from(timeout=TIMEOUT))


async def test_a_signed_in_viewer_connects_without_a_query_once_the_caches_hold_what_it_needs(
    world, contest, monkeypatch
):
    monkeypatch.setattr(broadcast, "STANDINGS_WAIT", 2.0)  # the viewer's own standing comes after, batched
    cookie = await sync_to_async(_session_cookie)(world.member)
    first, board = await _open(cookie)  # fills the caches: session, person, contest, this worker's board
    assert board["type"] == "leaderboard" and board["contest"] == "storm"
    with QueryCounter() as counter:
        second, board = await _open(cookie)
    assert board["type"] == "leaderboard"
    assert counter.queries == []
    you = json.loads(await second.receive_from(timeout=TIMEOUT))
    assert you["type"] == "you" and you["rank"] == 1  # the member takes part: last place with no points, first
    for communicator in (first, second):
        await communicator.disconnect()


async def test_a_visitor_connects_without_a_query_and_the_first_viewer_reads_the_board_once(world, contest):
    with QueryCounter() as first_counter:
        first, _ = await _open(None)
    # The first viewer in this worker reads the contest and the board: the contest once, the names once.
    assert 0 < len(first_counter.queries) <= 3
    with QueryCounter() as counter:
        viewers = [await _open(None) for _ in range(5)]
    assert counter.queries == []
    assert {json.dumps(board, sort_keys=True) for _c, board in viewers} == {json.dumps(viewers[0][1], sort_keys=True)}
    for communicator in [first, *(c for c, _b in viewers)]:
        await communicator.disconnect()


async def test_a_cached_person_is_forgotten_when_saved_and_a_changed_password_signs_the_socket_out(world, contest):
    cookie = await sync_to_async(_session_cookie)(world.member)
    viewer, _ = await _open(cookie)
    await viewer.disconnect()

    def change_password():
        world.member.set_password("another-pass-9876")
        world.member.save()

    await sync_to_async(change_password)()
    with QueryCounter():
        viewer, board = await _open(cookie)
    # The old session no longer matches the person: the socket is a visitor's (no "you" message follows).
    assert board["type"] == "leaderboard"
    assert await viewer.receive_nothing(timeout=2.5)
    await viewer.disconnect()


async def test_a_members_only_contest_is_still_checked_for_each_person(world, contest):
    def make_private():
        contest.is_public = False
        contest.save()

    await sync_to_async(make_private)()
    refused = WebsocketCommunicator(APP, "/ws/contests/storm/")
    connected, code = await refused.connect(timeout=TIMEOUT)
    assert not connected and code == 4403
