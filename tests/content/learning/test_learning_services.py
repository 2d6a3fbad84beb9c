"""The learning services: each step becomes one statement, the server decides progress and completion,
quizzes are scored on the server, and forged reports change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from content.learning import services
from content.learning.models import Enrolment, LessonProgress, QuizAttempt
from core.activity.models import Statement
from core.activity.vocabulary import Verb
from core.errors import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def verbs(user, page=None):
    rows = Statement.objects.filter(actor_user=user)
    if page is not None:
        rows = rows.filter(object_id=page.activity_iri)
    return sorted(row.verb_id.rsplit("/", 1)[-1] for row in rows)


def test_enrolling_twice_records_one_statement(world, course_tree):
    first = services.course_enrol(user=world.retailer, course=course_tree.course, now=at(0))
    again = services.course_enrol(user=world.retailer, course=course_tree.course, now=at(5))
    assert first.pk == again.pk
    assert verbs(world.retailer) == ["registered"]
    statement = Statement.objects.get(actor_user=world.retailer)
    assert statement.object_id.endswith(f"/xapi/activities/course/{course_tree.course.pk}")
    assert statement.full["context"]["extensions"]["https://w3id.org/xapi/xianfeng/extensions/item"] == (
        f"course:{course_tree.course.pk}"
    )


def test_viewing_a_lesson_twice_records_one_viewed_statement_and_enrols(world, course_tree):
    services.lesson_view(user=world.retailer, lesson=course_tree.video, now=at(0))
    services.lesson_view(user=world.retailer, lesson=course_tree.video, now=at(60))
    assert verbs(world.retailer, course_tree.video) == ["experienced"]
    assert Enrolment.objects.filter(user=world.retailer, course=course_tree.course).count() == 1
    statement = Statement.objects.get(actor_user=world.retailer, verb_id=Verb.EXPERIENCED)
    parent = statement.full["context"]["contextActivities"]["parent"][0]
    assert parent["id"] == course_tree.course.activity_iri


def test_forged_progress_and_completion_change_nothing(world, course_tree):
    lesson = course_tree.video  # 100 seconds long
    services.lesson_view(user=world.retailer, lesson=lesson, now=at(0))
    # "I watched all of it", sent the moment the lesson opened.
    progress = services.lesson_progress_report(user=world.retailer, lesson=lesson, position_seconds=100, now=at(0))
    assert progress.progress_seconds == 0
    assert progress.completed_at is None
    # One second later: at most twice real time is credited, far from complete.
    progress = services.lesson_progress_report(user=world.retailer, lesson=lesson, position_seconds=100, now=at(1))
    assert progress.progress_seconds <= 2
    with pytest.raises(ApplicationError) as raised:
        services.lesson_complete(user=world.retailer, lesson=lesson, now=at(2))
    assert raised.value.message == "请先看完或听完。"
    assert raised.value.status == 409
    # Going backwards never lowers progress.
    progress = services.lesson_progress_report(user=world.retailer, lesson=lesson, position_seconds=0, now=at(3))
    assert progress.progress_seconds > 0
    assert LessonProgress.objects.get(user=world.retailer, lesson=lesson).completed_at is None
    assert "completed" not in verbs(world.retailer)
    assert Enrolment.objects.get(user=world.retailer).progress_percent == 0


def test_honest_watching_records_milestones_and_completion_once(world, course_tree):
    lesson = course_tree.video
    services.lesson_view(user=world.retailer, lesson=lesson, now=at(0))
    for second in range(5, 121, 5):
        services.lesson_progress_report(
            user=world.retailer, lesson=lesson, position_seconds=min(second, 100), now=at(second)
        )
    progress = LessonProgress.objects.get(user=world.retailer, lesson=lesson)
    assert progress.completed_at == at(90)
    assert verbs(world.retailer, lesson) == ["completed", "experienced", "progressed", "progressed", "progressed"]
    milestones = sorted(
        s.full["result"]["extensions"]["https://w3id.org/xapi/cmi5/result/extensions/progress"]
        for s in Statement.objects.filter(actor_user=world.retailer, verb_id=Verb.PROGRESSED)
    )
    assert milestones == [25, 50, 75]
    completed = Statement.objects.get(actor_user=world.retailer, verb_id=Verb.COMPLETED, object_id=lesson.activity_iri)
    assert completed.full["result"] == {"completion": True, "duration": "PT90S"}
    # Completing again changes nothing.
    services.lesson_complete(user=world.retailer, lesson=lesson, now=at(200))
    assert Statement.objects.filter(actor_user=world.retailer, verb_id=Verb.COMPLETED).count() == 1
    assert Enrolment.objects.get(user=world.retailer).progress_percent == 20


def test_a_text_lesson_completes_after_its_reading_time(world, course_tree):
    lesson = course_tree.text  # 20 s reading time: 10 s on the page are needed
    services.lesson_view(user=world.retailer, lesson=lesson, now=at(0))
    with pytest.raises(ApplicationError) as raised:
        services.lesson_complete(user=world.retailer, lesson=lesson, now=at(3))
    assert raised.value.extra == {"seconds_left": 7}
    progress = services.lesson_complete(user=world.retailer, lesson=lesson, now=at(10))
    assert progress.completed_at == at(10)
    assert verbs(world.retailer, lesson) == ["completed", "experienced"]


def test_completing_a_lesson_never_opened_is_refused(world, course_tree):
    with pytest.raises(ApplicationError) as raised:
        services.lesson_complete(user=world.retailer, lesson=course_tree.text, now=at(100))
    assert raised.value.message == "请先打开该课时。"
    assert Statement.objects.count() == 0


def test_quiz_is_scored_on_the_server_with_limited_attempts(world, course_tree, answers):
    quiz = course_tree.quiz
    attempt = services.quiz_start(user=world.retailer, quiz=quiz, now=at(0))
    assert sorted(qid for qid, _ in attempt.order) == sorted(q.pk for q in quiz.questions.all())
    assert services.quiz_start(user=world.retailer, quiz=quiz, now=at(1)).pk == attempt.pk

    result = services.quiz_submit(
        user=world.retailer, quiz=quiz, attempt_id=attempt.pk, answers=answers.wrong(quiz), now=at(30)
    )
    assert (result.score_percent, result.passed, result.attempts_left) == (0, False, 1)
    assert len(result.wrong) == 3
    assert all(v.right_answer == [] for v in result.questions), "right answers stay hidden while attempts remain"
    with pytest.raises(ApplicationError):
        services.quiz_submit(user=world.retailer, quiz=quiz, attempt_id=attempt.pk, answers={}, now=at(31))

    second = services.quiz_start(user=world.retailer, quiz=quiz, now=at(40))
    given = answers.right(quiz)
    first_question = str(quiz.questions.first().pk)
    given[first_question] = [i + 1 for i in given[first_question]]  # one wrong out of three: 67 %
    result = services.quiz_submit(user=world.retailer, quiz=quiz, attempt_id=second.pk, answers=given, now=at(100))
    assert (result.score_percent, result.passed, result.attempts_left) == (67, True, 0)
    assert [v.question_id for v in result.wrong] == [int(first_question)]
    assert result.wrong[0].right_answer == ["顾客视线平齐处"]

    assert verbs(world.retailer, quiz) == ["answered", "answered", "failed", "passed"]
    passed = Statement.objects.get(actor_user=world.retailer, verb_id=Verb.PASSED)
    assert passed.full["result"] == {
        "score": {"raw": 2, "min": 0, "max": 3, "scaled": 0.6667},
        "success": True,
        "completion": True,
        "duration": "PT60S",
    }
    with pytest.raises(ApplicationError) as raised:
        services.quiz_start(user=world.retailer, quiz=quiz, now=at(200))
    assert raised.value.message == "你已通过该测验。"


def test_no_attempts_left_after_failing_them_all(world, course_tree, answers):
    quiz = course_tree.quiz
    for n in range(2):
        attempt = services.quiz_start(user=world.retailer, quiz=quiz, now=at(n * 10))
        result = services.quiz_submit(
            user=world.retailer, quiz=quiz, attempt_id=attempt.pk, answers=answers.wrong(quiz), now=at(n * 10 + 5)
        )
    assert result.attempts_left == 0
    assert result.questions[0].right_answer, "the right answers are shown once no attempt is left"
    with pytest.raises(ApplicationError) as raised:
        services.quiz_start(user=world.retailer, quiz=quiz, now=at(100))
    assert raised.value.message == "该测验的答题次数已用完。"
    assert QuizAttempt.objects.filter(user=world.retailer).count() == 2


def test_the_course_completes_on_the_server_once_everything_is_done(world, course_tree, answers):
    user = world.retailer
    t = 0
    for lesson in course_tree.lessons:
        services.lesson_view(user=user, lesson=lesson, now=at(t))
        if lesson.is_media:
            for step in range(10, lesson.duration_seconds + 11, 10):
                services.lesson_progress_report(user=user, lesson=lesson, position_seconds=step, now=at(t + step))
            t += lesson.duration_seconds + 10
        else:
            t += lesson.duration_seconds
            services.lesson_complete(user=user, lesson=lesson, now=at(t))
    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.progress_percent == 80
    assert enrolment.completed_at is None, "the quiz is still to pass"

    attempt = services.quiz_start(user=user, quiz=course_tree.quiz, now=at(t))
    services.quiz_submit(
        user=user, quiz=course_tree.quiz, attempt_id=attempt.pk, answers=answers.right(course_tree.quiz), now=at(t + 60)
    )
    enrolment.refresh_from_db()
    assert enrolment.progress_percent == 100
    assert enrolment.completed_at == at(t + 60)
    course_done = Statement.objects.filter(
        actor_user=user, verb_id=Verb.COMPLETED, object_id=course_tree.course.activity_iri
    )
    assert course_done.count() == 1
    assert course_done.get().full["result"]["completion"] is True
    # Every step once: registered; per lesson viewed + completed (+ 3 progressed for video and audio);
    # quiz answered + passed; course completed.
    assert Statement.objects.filter(actor_user=user).count() == 1 + 4 * 2 + 2 * 3 + 2 + 1
