"""Exact query counts of learning's writing paths, in the style of tests/realtime/test_scoring.py: a progress report
that passes a milestone, completing a lesson, submitting a quiz, and the step that completes the course. The
statement handlers (certification, contests) are counted in their own apps' tests, so they are left out here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from content.learning import services
from content.learning.models import Enrolment, LessonProgress
from core.activity import services as activity_services
from core.activity.models import Statement
from core.activity.vocabulary import Verb

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def without_handlers(monkeypatch):
    monkeypatch.setattr(activity_services, "_batch_handlers", [])


def answers_for(quiz, *, right: bool) -> dict:
    answers = {}
    for question in quiz.questions.all():
        correct = sorted(question.correct_indexes())
        answers[str(question.pk)] = correct if right else [(correct[0] + 1) % len(question.parsed_choices())]
    return answers


def test_a_report_that_passes_a_milestone(world, course_tree, django_assert_num_queries):
    """Savepoint, lock the row, the course for the statement's parent, the statement (one insert), one UPDATE,
    release, the course progress."""
    video = course_tree.video
    services.lesson_view(user=world.retailer, lesson=video, now=at(0))
    with django_assert_num_queries(7):
        services.lesson_progress_report(user=world.retailer, lesson=video, position_seconds=30, now=at(20))
    progressed = Statement.objects.filter(actor_user=world.retailer, verb_id=Verb.PROGRESSED)
    assert [s.full["result"]["extensions"][services.PROGRESS_EXTENSION] for s in progressed] == [25]


def test_completing_a_lesson(world, course_tree, django_assert_num_queries):
    """Savepoint, lock the row, write it twice (progress, completion), the course, the statement (one insert),
    then the course's progress (lock the enrolment, its lessons and quizzes, the
    lessons done and quizzes passed, write it); release. The person is not read again."""
    text = course_tree.text
    services.lesson_view(user=world.retailer, lesson=text, now=at(0))
    with django_assert_num_queries(13):
        services.lesson_complete(user=world.retailer, lesson=text, now=at(60))
    assert LessonProgress.objects.get(user=world.retailer, lesson=text).completed_at == at(60)
    assert Enrolment.objects.get(user=world.retailer).progress_percent == 20


def test_submitting_a_quiz(world, course_tree, django_assert_num_queries):
    """Savepoint, lock the attempt, its questions, write it, the course and the enrolment, the enrolment's last
    page, "answered" and "failed" (one insert each), the attempts left; release."""
    quiz = course_tree.quiz
    services.course_enrol(user=world.retailer, course=course_tree.course, now=at(0))
    attempt = services.quiz_start(user=world.retailer, quiz=quiz, now=at(0))
    answers = answers_for(quiz, right=False)
    with django_assert_num_queries(11):
        result = services.quiz_submit(
            user=world.retailer, quiz=quiz, attempt_id=attempt.pk, answers=answers, now=at(30)
        )
    assert not result.passed


def test_the_step_that_completes_the_course(world, course_tree, django_assert_num_queries):
    """A passing submission that completes the course: the quiz submission's queries with "passed" for "failed",
    then the course's progress and its "completed" statement."""
    for n, lesson in enumerate(course_tree.lessons):
        services.lesson_view(user=world.retailer, lesson=lesson, now=at(n))
        if lesson.is_media:
            for second in range(0, lesson.duration_seconds + 1, 10):
                services.lesson_progress_report(
                    user=world.retailer, lesson=lesson, position_seconds=second, now=at(n + second)
                )
        else:
            services.lesson_complete(user=world.retailer, lesson=lesson, now=at(n + 300))
    quiz = course_tree.quiz
    attempt = services.quiz_start(user=world.retailer, quiz=quiz, now=at(400))
    answers = answers_for(quiz, right=True)
    with django_assert_num_queries(18):
        result = services.quiz_submit(
            user=world.retailer, quiz=quiz, attempt_id=attempt.pk, answers=answers, now=at(500)
        )
    assert result.passed
    assert Enrolment.objects.get(user=world.retailer).completed_at == at(500)
