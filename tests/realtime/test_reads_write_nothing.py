"""Reads only read (DESIGN.md): every page and API that lists or shows contests, and every contest websocket, as a
visitor and as a member, sends no INSERT, UPDATE or DELETE to the database and locks no row. That holds for a running
contest, a members-only one, a team board, a frozen one, and one that has ended but that the scheduler has not
frozen yet (its board shows what the ledger says), whether the leaderboard store holds the boards or was flushed.
Freezing is the scheduler's work (`freeze_contests`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
from decimal import Decimal
from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from realtime.days import week_of
from realtime.models import Award, Contest, Dimension, FinalStanding, Index, LeagueMember, Rule
from realtime.routing import websocket_urlpatterns
from realtime.services.leagues import league_week_form, league_week_settle
from realtime.store import leaderboard_store

# Websocket consumers close and reopen their connection (channels' database_sync_to_async): committed data only.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded]

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")
TIMEOUT = 10
_keys = itertools.count()


@contextlib.contextmanager
def no_writes(what: str):
    """Fail when the block sends the database a write or a row lock."""
    with CaptureQueriesContext(connection) as captured:
        yield
    writes = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().split(None, 1)[0].upper() in WRITES or "FOR UPDATE" in query["sql"].upper()
    ]
    assert writes == [], f"{what} wrote: {writes}"


def complete_course(user, *, when) -> None:
    key = next(_keys)
    activity_record(
        actor=user,
        verb=Verb.COMPLETED,
        object_id=f"https://example.org/reads/{key}",
        activity_type=ActivityType.COURSE,
        name=f"课程{key}",
        natural_key=("reads-test", user.pk, key),
        timestamp=when,
    )


@pytest.fixture(params=["store holds the boards", "store flushed"])
def contests(request, world):
    """Five contests on one index where a course earns 5 points: 王建国 has two courses two days ago, 赵敏 one; 王建国
    one more 35 days ago, inside the frozen contest. `reads-ended` ended yesterday and is not frozen yet."""
    store = leaderboard_store()
    store.clear()
    index = Index.objects.create(name="先锋指数", slug="reads-index")
    learning = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1))
    Rule.objects.create(
        name="完成课程", dimension=learning, verb=Verb.COMPLETED, activity_type=ActivityType.COURSE, points=Decimal(5)
    )
    now = timezone.now()
    days = dt.timedelta(days=1)
    Contest.objects.create(
        name="上月擂台", slug="reads-frozen", index=index, starts_at=now - 40 * days, ends_at=now - 30 * days
    )
    complete_course(world.member, when=now - 35 * days)
    call_command("freeze_contests", stdout=StringIO())  # the scheduler's job
    running = {"starts_at": now - 10 * days, "ends_at": now + 10 * days}
    Contest.objects.create(name="城西擂台", slug="reads-arena", index=index, **running)
    Contest.objects.create(
        name="支部内赛", slug="reads-private", index=index, is_public=False, branches=[world.branch], **running
    )
    Contest.objects.create(name="支部堡垒赛", slug="reads-team", index=index, ranking=Contest.Ranking.TEAM, **running)
    Contest.objects.create(
        name="昨天结束的擂台",
        slug="reads-ended",
        index=index,
        starts_at=now - 20 * days,
        ends_at=now - days,
        award_top=3,
    )
    complete_course(world.member, when=now - 2 * days)
    complete_course(world.member, when=now - 2 * days)
    complete_course(world.staff, when=now - 2 * days)
    # Weekly leagues of two, as the scheduler leaves them: last week settled, this week formed.
    league = Contest.objects.create(
        name="周联赛", slug="reads-league", index=index, league_size=2, league_tiers=2, **running
    )
    this_week = week_of(timezone.localdate())
    league_week_form(contest=league, week_start=this_week - 7 * days)
    league_week_settle(contest=league, week_start=this_week - 7 * days)
    league_week_form(contest=league, week_start=this_week)
    if request.param == "store holds the boards":
        call_command("rebuild_leaderboards", stdout=StringIO())
    else:
        store.clear()  # a fresh process, a flushed Redis
    yield request.param
    store.clear()


def entries(board: dict) -> list[tuple[int, str, float]]:
    return [(e["rank"], e["name"], e["score"]) for e in board["entries"]]


BOARDS = {
    "reads-arena": [(1, "王建国", 10), (2, "赵敏", 5)],
    "reads-ended": [(1, "王建国", 10), (2, "赵敏", 5)],  # what the ledger says: not frozen, nothing awarded
    "reads-frozen": [(1, "王建国", 5)],
    "reads-team": [(1, "城西市场部党支部", 10)],
    "reads-private": [(1, "王建国", 10)],
}
PUBLIC = ["reads-arena", "reads-ended", "reads-frozen", "reads-team"]


def read(client, url: str, status: int):
    with no_writes(f"GET {url}"):
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def test_a_visitor_reading_every_contest_page_and_api_writes_nothing(client, world, contests):
    for url in ("/contests/", "/branches/", "/api/contests", "/api/contests?status=ended", "/api/branches/board"):
        read(client, url, 200)
    for slug in PUBLIC:
        read(client, f"/contests/{slug}/", 200)
        read(client, f"/contests/{slug}/screen/", 200)
        board = read(client, f"/api/contests/{slug}/leaderboard", 200).json()
        assert entries(board) == BOARDS[slug]
        read(client, f"/api/contests/{slug}/me", 401)
        read(client, f"/api/contests/{slug}/stats", 200)
    read(client, "/contests/reads-league/league/", 302)
    read(client, "/contests/reads-private/", 302)
    read(client, "/api/contests/reads-private/leaderboard", 403)
    for url in ("/pioneer-index/", "/me/"):
        read(client, url, 302)
    read(client, "/api/me/index", 401)
    ended = Contest.objects.get(slug="reads-ended")
    assert ended.frozen_at is None
    assert not FinalStanding.objects.filter(contest=ended).exists() and not Award.objects.filter(contest=ended).exists()


def test_a_member_reading_every_contest_page_and_api_writes_nothing(client, world, contests):
    client.force_login(world.member)
    for url in ("/contests/", "/branches/", "/pioneer-index/", "/me/", "/api/contests", "/api/me/index"):
        read(client, url, 200)
    assert read(client, "/api/branches/board", 200).json()["contest"] == "reads-team"
    for slug in [*PUBLIC, "reads-private"]:
        read(client, f"/contests/{slug}/", 200)
        read(client, f"/contests/{slug}/screen/", 200)
        assert entries(read(client, f"/api/contests/{slug}/leaderboard", 200).json()) == BOARDS[slug]
        me = read(client, f"/api/contests/{slug}/me", 200).json()
        assert (me["rank"], me["score"]) == (1, BOARDS[slug][0][2])
        read(client, f"/api/contests/{slug}/stats", 200)
    # The league page and the contest list's league card read the leagues the scheduler formed and settled.
    leagues = LeagueMember.objects.count()
    html = read(client, "/contests/reads-league/league/", 200).content.decode()
    assert 'data-testid="league"' in html and 'data-testid="last-week"' in html
    assert 'data-testid="league-card"' in read(client, "/contests/", 200).content.decode()
    assert 'data-testid="no-league"' in read(client, "/contests/reads-arena/league/", 200).content.decode()
    assert LeagueMember.objects.count() == leagues
    assert Contest.objects.get(slug="reads-ended").frozen_at is None


async def _watch(slug: str, user) -> tuple[list[dict], bool]:
    """The messages a viewer gets on connecting, and whether nothing else arrives."""
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/contests/{slug}/")
    if user is not None:
        communicator.scope["user"] = user
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert connected, (slug, code)
    messages = [json.loads(await communicator.receive_from(timeout=TIMEOUT))]
    if user is not None:
        messages.append(json.loads(await communicator.receive_from(timeout=TIMEOUT)))
    quiet = await communicator.receive_nothing()
    await communicator.disconnect()
    return messages, quiet


async def _refused(slug: str, user) -> int | None:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/contests/{slug}/")
    if user is not None:
        communicator.scope["user"] = user
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert not connected
    return code


def test_opening_every_contest_socket_writes_nothing(world, contests):
    # async_to_sync from this thread: the consumer's database work runs here, on the captured connection.
    for slug in PUBLIC:
        with no_writes(f"a visitor opening ws/contests/{slug}/"):
            messages, quiet = async_to_sync(_watch)(slug, None)
        assert [(m["type"], m["contest"]) for m in messages] == [("leaderboard", slug)]
        assert entries(messages[0]) == BOARDS[slug]
        assert quiet
    for slug in [*PUBLIC, "reads-private"]:
        with no_writes(f"a member opening ws/contests/{slug}/"):
            messages, quiet = async_to_sync(_watch)(slug, world.member)
        assert [(m["type"], m["contest"]) for m in messages] == [("leaderboard", slug), ("you", slug)]
        assert entries(messages[0]) == BOARDS[slug]
        assert (messages[1]["rank"], messages[1]["score"]) == (1, BOARDS[slug][0][2])
        assert [(n["rank"], n["name"], n["score"]) for n in messages[1]["neighbours"]] == BOARDS[slug][1:]
        assert quiet
    for slug, code in (("reads-private", 4403), ("no-such-contest", 4404)):
        with no_writes(f"a visitor refused at ws/contests/{slug}/"):
            assert async_to_sync(_refused)(slug, None) == code
    assert Contest.objects.get(slug="reads-ended").frozen_at is None


@pytest.mark.parametrize("module", ["selectors", "reports", "days", "store", "broadcast", "consumers", "views", "api"])
def test_the_reads_import_no_service(module):
    """Reads, pages, the API and the sockets reach the writes of realtime through nothing, not even a function-level
    import: what a read needs that a service also needs (boards from the ledger, who takes part, names, ranks, days)
    lives in selectors or `realtime.days`, which the services import."""
    import ast
    from pathlib import Path

    import realtime

    tree = ast.parse((Path(realtime.__file__).parent / f"{module}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            imported |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    assert not {name for name in imported if name.startswith(("realtime.services", ".services", "..services"))}
