"""Progress reports, the endpoint players call every few seconds: one read and one write for a plain
report, forward only even when two reports race, and the lesson row cached only until the next publish."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.learning import services
from content.learning.models import LessonPage, LessonProgress
from core.activity.models import Statement
from core.activity.vocabulary import Verb

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def test_a_plain_report_is_one_read_and_one_write(world, course_tree, django_assert_num_queries):
    video = course_tree.video
    services.lesson_view(user=world.retailer, lesson=video, now=at(0))
    with django_assert_num_queries(2):
        progress = services.lesson_progress_report(user=world.retailer, lesson=video, position_seconds=10, now=at(5))
    assert progress.progress_seconds == 10
    assert progress.course_progress_percent == 0
    stored = LessonProgress.objects.get(user=world.retailer, lesson=video)
    assert (stored.progress_seconds, stored.position_seconds, stored.credited_at) == (10, 10, at(5))
    assert stored.time_spent_seconds == 5


def test_a_report_that_loses_a_race_is_credited_from_the_winners_row(world, course_tree, monkeypatch):
    video = course_tree.video
    services.lesson_view(user=world.retailer, lesson=video, now=at(0))
    credit = services._credit
    raced = []

    def credit_after_another_report(progress, **kwargs):
        if not raced:
            # Another report for the same lesson lands between our read and our write.
            raced.append(True)
            LessonProgress.objects.filter(pk=progress.pk).update(progress_seconds=20, credited_at=at(15.5))
        return credit(progress, **kwargs)

    monkeypatch.setattr(services, "_credit", credit_after_another_report)
    progress = services.lesson_progress_report(user=world.retailer, lesson=video, position_seconds=24, now=at(16))
    # Credited from the winner's 20 s at 15.5 s (1 s at most for half a second), not from the stale row read
    # before it (0 s at 0 s, which would have allowed the whole 24 s).
    assert progress.progress_seconds == 21
    stored = LessonProgress.objects.get(pk=progress.pk)
    assert (stored.progress_seconds, stored.credited_at) == (21, at(16))
    # Passing 25 % still records the milestone once, under the lock.
    services.lesson_progress_report(user=world.retailer, lesson=video, position_seconds=26, now=at(18))
    services.lesson_progress_report(user=world.retailer, lesson=video, position_seconds=27, now=at(19))
    assert Statement.objects.filter(actor_user=world.retailer, verb_id=Verb.PROGRESSED).count() == 1


@pytest.fixture
def retailer_client(client, world):
    client.force_login(world.retailer)
    return client


def report(client, lesson_id, position):
    return client.post(
        f"/api/learning/lessons/{lesson_id}/progress", {"position_seconds": position}, content_type="application/json"
    )


def test_the_endpoint_reads_the_lesson_once_until_a_publish(retailer_client, course_tree):
    video = course_tree.video
    assert retailer_client.post(f"/api/learning/lessons/{video.pk}/view").status_code == 200
    assert report(retailer_client, video.pk, 0.5).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = report(retailer_client, video.pk, 1)
    assert response.status_code == 200
    assert response.json()["course_progress_percent"] == 0
    assert not [q for q in queries.captured_queries if "learning_lessonpage" in q["sql"]]

    # An editor unpublishes the lesson: the next report is refused at once.
    LessonPage.objects.get(pk=video.pk).unpublish()
    gone = report(retailer_client, video.pk, 1.5)
    assert gone.status_code == 404
    assert gone.json()["message"] == "未找到。"
    # Published again with a shorter duration: the next report is measured against the new one.
    lesson = LessonPage.objects.get(pk=video.pk)
    lesson.duration_seconds = 2
    lesson.save_revision().publish()
    assert report(retailer_client, video.pk, 50).json()["position_seconds"] == 2


def test_the_endpoint_still_rejects_bad_input(retailer_client, course_tree):
    assert report(retailer_client, course_tree.video.pk, -1).status_code == 422
    assert report(retailer_client, course_tree.video.pk, "far").status_code == 422
    assert report(retailer_client, 999999, 1).status_code == 404
    not_opened = report(retailer_client, course_tree.audio.pk, 1)
    assert not_opened.status_code == 409
    assert not_opened.json()["message"] == "请先打开该课时。"
