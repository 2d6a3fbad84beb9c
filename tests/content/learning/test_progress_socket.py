"""The lesson-progress socket `ws/learning/lessons/<id>/progress/`: the same rule as the progress API (forward
only, never faster than the playback cap, milestones recorded once), its answers in the API's shape, and bad,
oversized or too frequent reports answered with an error that changes nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import limits
import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import OperationalError, connections
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from content.learning import consumers, services
from content.learning.models import LessonProgress
from content.learning.routing import websocket_urlpatterns
from core.activity.models import Statement
from core.activity.vocabulary import Verb
from core.home.models import HomePage

# Transactional: the consumer reads and writes in sync_to_async's thread, which must see the test's data.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded]

TIMEOUT = 10


@pytest.fixture(autouse=True)
def _site_tree(transactional_db):
    """A transactional test empties every table when it ends, the Wagtail tree that migrations made included:
    build it again as the migrations do (a root, the home page, the default site) when it is gone."""
    if Site.objects.filter(is_default_site=True).exists():
        return
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="先锋学苑", slug="home"))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="先锋学苑")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    consumers.report_limiter.storage.reset()


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """The database thread of sync_to_async keeps its own connection: close it, so the test database can go."""
    yield
    await sync_to_async(connections.close_all)()


async def open_socket(lesson_id: int, user=None, headers=None) -> tuple[WebsocketCommunicator, bool, int | None]:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/learning/lessons/{lesson_id}/progress/", headers=headers or []
    )
    if user is not None:
        communicator.scope["user"] = user
    connected, code = await communicator.connect(timeout=TIMEOUT)
    return communicator, connected, code


async def report(communicator: WebsocketCommunicator, body) -> dict:
    await communicator.send_to(text_data=body if isinstance(body, str) else json.dumps(body))
    return json.loads(await communicator.receive_from(timeout=TIMEOUT))


def opened_seconds_ago(user, lesson, seconds: float) -> None:
    """The learner opened the lesson `seconds` ago (and has not reported since)."""
    services.lesson_view(user=user, lesson=lesson)
    then = timezone.now() - timedelta(seconds=seconds)
    LessonProgress.objects.filter(user=user, lesson=lesson).update(opened_at=then, credited_at=then)


def stored(user, lesson) -> tuple[float, float, int]:
    row = LessonProgress.objects.get(user=user, lesson=lesson)
    return row.progress_seconds, row.position_seconds, row.milestone


async def test_visitors_and_missing_lessons_are_told_why_the_socket_closes(world, course_tree):
    # Accepted, then closed with the reason: a browser sees the code only on an accepted socket.
    for lesson_id, user, code in (
        (course_tree.video.pk, None, consumers.CLOSE_FORBIDDEN),
        (999_999, world.retailer, consumers.CLOSE_NOT_FOUND),
    ):
        socket, connected, _code = await open_socket(lesson_id, user)
        assert connected
        assert await socket.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": code}


async def test_reports_are_credited_by_the_server_rule_and_the_milestone_is_recorded_once(world, course_tree):
    video = course_tree.video  # 100 s
    await sync_to_async(opened_seconds_ago)(world.retailer, video, 15)
    socket, connected, _code = await open_socket(video.pk, world.retailer)
    assert connected

    # 15 s after opening, at most 30 s can be credited (double speed): a claim of 99 s gets 30.
    forged = await report(socket, {"position_seconds": 99})
    assert forged["type"] == "progress"
    assert (forged["lesson_id"], forged["completed"], forged["course_progress_percent"]) == (video.pk, False, 0)
    assert 30 <= forged["percent"] <= 31
    progress, position, milestone = await sync_to_async(stored)(world.retailer, video)
    assert 30 <= progress < 31.5 and position == 99 and milestone == 25

    # Forward only: going back moves the position, not the credit; nothing new is recorded.
    back = await report(socket, {"position_seconds": 5})
    assert back["percent"] == forged["percent"] and back["position_seconds"] == 5
    await socket.disconnect()

    progressed = await sync_to_async(
        lambda: list(
            Statement.objects.filter(actor_user=world.retailer, verb_id=Verb.PROGRESSED).values_list(
                "full__result__extensions", flat=True
            )
        )
    )()
    assert progressed == [{services.PROGRESS_EXTENSION: 25}]
    assert not await sync_to_async(Statement.objects.filter(actor_user=world.retailer, verb_id=Verb.COMPLETED).exists)()


async def test_bad_reports_are_answered_with_an_error_and_change_nothing(world, course_tree, monkeypatch):
    monkeypatch.setattr(consumers, "REPORT_RATE", limits.parse("100/minute"))  # bad reports count too
    video = course_tree.video
    await sync_to_async(opened_seconds_ago)(world.retailer, video, 10)
    before = await sync_to_async(stored)(world.retailer, video)
    socket, _connected, _code = await open_socket(video.pk, world.retailer)
    for body in ("not json", {"position_seconds": "end"}, {"position_seconds": -1}, {"position_seconds": 1e9}, {}):
        answer = await report(socket, body)
        assert (answer["type"], answer["status"]) == ("error", 400), body
        assert answer["message"]
    oversized = await report(socket, {"position_seconds": 5, "padding": "x" * consumers.MAX_MESSAGE_CHARS})
    assert (oversized["type"], oversized["status"]) == ("error", 400)
    assert await sync_to_async(stored)(world.retailer, video) == before
    await socket.disconnect()


async def test_a_lesson_not_opened_yet_is_a_conflict_in_the_browsers_language(world, course_tree):
    socket, _connected, _code = await open_socket(
        course_tree.audio.pk, world.retailer, headers=[(b"accept-language", b"en-GB,en;q=0.9")]
    )
    answer = await report(socket, {"position_seconds": 3})
    assert answer == {"type": "error", "status": 409, "message": "Open the lesson first."}
    await socket.disconnect()

    chinese, _connected, _code = await open_socket(course_tree.audio.pk, world.retailer)
    answer = await report(chinese, {"position_seconds": 3})
    assert (answer["status"], answer["message"]) == (409, "请先打开该课时。")
    await chinese.disconnect()


async def test_reports_beyond_the_rate_are_refused_and_change_nothing(world, course_tree, monkeypatch):
    video = course_tree.video
    await sync_to_async(opened_seconds_ago)(world.retailer, video, 60)
    # The shipped rate is per second; a per-minute one keeps the test independent of how fast the machine is.
    monkeypatch.setattr(consumers, "REPORT_RATE", limits.parse("3/minute"))
    socket, _connected, _code = await open_socket(video.pk, world.retailer)

    answers = [await report(socket, {"position_seconds": 10 + n}) for n in range(5)]
    assert [a["type"] for a in answers] == ["progress"] * 3 + ["error"] * 2
    assert {a["status"] for a in answers[3:]} == {429}
    # The refused reports changed nothing: the row holds the last accepted position.
    assert (await sync_to_async(stored)(world.retailer, video))[1] == 12

    # The limit is the person's, not the socket's: a second socket of theirs is refused too; another person is not.
    second, _connected, _code = await open_socket(video.pk, world.retailer)
    assert (await report(second, {"position_seconds": 20}))["status"] == 429
    await sync_to_async(services.lesson_view)(user=world.staff, lesson=video)
    other, _connected, _code = await open_socket(video.pk, world.staff)
    assert (await report(other, {"position_seconds": 1}))["type"] == "progress"
    for communicator in (socket, second, other):
        await communicator.disconnect()


async def test_reports_arriving_while_a_batch_is_written_go_together_and_each_gets_its_own_answer(
    world, course_tree, monkeypatch
):
    video = course_tree.video
    learners = [world.retailer, world.staff, world.member]
    for learner in learners:
        await sync_to_async(opened_seconds_ago)(learner, video, 30)
    sockets = [(await open_socket(video.pk, learner))[0] for learner in learners]
    queue = consumers.ReportQueue.current()
    write_batch = consumers._report_batch
    batches = []

    def held_first_batch(reports):
        # The first batch is written only once all three reports are in it or waiting, so that whichever
        # did not make it into the first batch go together in the second.
        deadline = time.monotonic() + TIMEOUT
        while not batches and len(reports) + len(queue.waiting) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        batches.append([report.position_seconds for report in reports])
        return write_batch(reports)

    monkeypatch.setattr(consumers, "_report_batch", held_first_batch)
    for number, socket in enumerate(sockets):
        await socket.send_to(text_data=json.dumps({"position_seconds": 11 + number}))
    answers = [json.loads(await socket.receive_from(timeout=TIMEOUT)) for socket in sockets]
    assert sorted(sum(batches, [])) == [11, 12, 13] and len(batches) <= 2
    assert [a["position_seconds"] for a in answers] == [11, 12, 13]
    assert [(a["type"], a["percent"]) for a in answers] == [("progress", 11), ("progress", 12), ("progress", 13)]
    positions = await sync_to_async(
        lambda: {row.user_id: row.position_seconds for row in LessonProgress.objects.filter(lesson=video)}
    )()
    assert positions == {learner.pk: 11 + n for n, learner in enumerate(learners)}
    for socket in sockets:
        await socket.disconnect()


async def test_a_failed_write_is_answered_and_the_next_report_is_written(world, course_tree, monkeypatch):
    video = course_tree.video
    await sync_to_async(opened_seconds_ago)(world.retailer, video, 30)
    socket, _connected, _code = await open_socket(video.pk, world.retailer)
    write_batch = consumers._report_batch
    failures = []

    def database_away_once(reports):
        if not failures:
            failures.append(len(reports))
            raise OperationalError("the database went away")
        return write_batch(reports)

    monkeypatch.setattr(consumers, "_report_batch", database_away_once)
    failed = await report(socket, {"position_seconds": 10})
    assert (failed["type"], failed["status"]) == ("error", 503)
    assert failed["message"] == "进度保存失败，请重试。"
    assert (await sync_to_async(stored)(world.retailer, video))[1] == 0
    again = await report(socket, {"position_seconds": 12})
    assert (again["type"], again["position_seconds"]) == ("progress", 12)
    await socket.disconnect()
