"""Progress reports, which players send every second: a batch of them costs the queries of one, each report is
credited by the rule on its own, and the lesson row is cached only until the next publish."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.learning import services
from content.learning.models import LessonPage, LessonProgress
from core.activity.models import Statement
from core.activity.vocabulary import Verb
from core.errors import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def test_a_batch_of_reports_costs_the_queries_of_one(world, course_tree):
    video = course_tree.video
    learners = [world.retailer, world.member, world.staff, world.editor, world.villager, world.volunteer]
    for learner in learners:
        services.lesson_view(user=learner, lesson=video, now=at(0))

    def queries_for(reports, now):
        with CaptureQueriesContext(connection) as queries:
            answers = services.lesson_progress_reports(reports, now=now)
        assert all(isinstance(a, LessonProgress) for a in answers)
        return len(queries.captured_queries)

    one = queries_for([services.ProgressReport(world.retailer, video, 5)], at(5))
    six = queries_for([services.ProgressReport(learner, video, 10) for learner in learners], at(10))
    assert one == six <= 5  # savepoint, locking read, one UPDATE for every row, release, course progress read
    rows = LessonProgress.objects.filter(lesson=video).order_by("user_id")
    assert {(row.progress_seconds, row.position_seconds, row.credited_at) for row in rows} == {(10, 10, at(10))}


def test_each_report_in_a_batch_is_credited_by_the_rule_and_answered_on_its_own(world, course_tree):
    video, audio = course_tree.video, course_tree.audio  # 100 s and 60 s
    for learner in (world.retailer, world.staff):
        services.lesson_view(user=learner, lesson=video, now=at(0))
    services.lesson_view(user=world.member, lesson=audio, now=at(0))
    answers = services.lesson_progress_reports(
        [
            services.ProgressReport(world.retailer, video, 10),
            services.ProgressReport(world.staff, video, 99),  # forged: 5 s after opening, 10 s at most
            services.ProgressReport(world.member, audio, 31),  # past half of the audio, 15.5 s after opening
            services.ProgressReport(world.villager, video, 5),  # never opened it
            services.ProgressReport(world.retailer, video, 50),  # the same player again, no time later
        ],
        now=at(5),
    )
    retailer, staff, member, villager, retailer_again = answers
    assert retailer is retailer_again and retailer.progress_seconds == 10 and retailer.position_seconds == 50
    assert staff.progress_seconds == 10
    assert isinstance(villager, ApplicationError) and villager.status == 409
    assert str(villager.message) == "请先打开该课时。"
    assert (member.progress_seconds, member.milestone) == (10, 0)

    services.lesson_progress_reports([services.ProgressReport(world.member, audio, 31)], now=at(15.5))
    services.lesson_progress_reports([services.ProgressReport(world.member, audio, 32)], now=at(16))
    progressed = Statement.objects.filter(actor_user=world.member, verb_id=Verb.PROGRESSED)
    assert [s.full["result"]["extensions"][services.PROGRESS_EXTENSION] for s in progressed] == [50]
    stored = {row.user_id: row for row in LessonProgress.objects.all()}
    assert (stored[world.retailer.pk].progress_seconds, stored[world.retailer.pk].position_seconds) == (10, 50)
    assert stored[world.staff.pk].progress_seconds == 10
    assert (stored[world.member.pk].progress_seconds, stored[world.member.pk].milestone) == (32, 50)
    assert not LessonProgress.objects.filter(user=world.villager).exists()


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
