"""Through the learning app's own services: a learner who finishes the programme's course and passes its
quiz holds the certificate the moment the last step is recorded, once, with one "earned" statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from content.certification.models import Certificate, Programme, ProgrammeCourse
from content.learning import services as learning
from content.learning.models import CoursePage, LessonPage, QuizPage, QuizQuestion
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def course(cert):
    course = cert.catalogue.add_child(
        instance=CoursePage(title="依法经营入门", slug="lawful", summary="许可证与明码标价", category="law")
    )
    lesson = course.add_child(
        instance=LessonPage(
            title="许可证须知", slug="licence", kind="text", duration_seconds=20, body=[("text", "<p>亮证经营。</p>")]
        )
    )
    quiz = QuizPage(title="依法经营小测验", slug="quiz", pass_mark=100, max_attempts=3, shuffle=False)
    quiz.questions.add(QuizQuestion(kind="true_false", text="许可证要挂在醒目处吗?", choices="*对\n错"))
    quiz.questions.add(QuizQuestion(kind="single", text="卷烟能卖给未成年人吗?", choices="能\n*不能"))
    course.add_child(instance=quiz)
    programme = Programme.objects.create(
        title="依法经营合格证",
        slug="lawful",
        description="d",
        criteria="学完依法经营入门并通过小测验。",
        final_quiz=quiz,
        pass_mark=100,
        validity_months=12,
        issuer=cert.issuer,
    )
    ProgrammeCourse.objects.create(programme=programme, course=course)
    return course, lesson, quiz, programme


def submit(user, quiz, *, right: bool, now):
    attempt = learning.quiz_start(user=user, quiz=quiz, now=now)
    answers = {}
    for question in quiz.questions.all():
        correct = sorted(question.correct_indexes())
        answers[str(question.pk)] = correct if right else [1 - correct[0]]
    return learning.quiz_submit(user=user, quiz=quiz, attempt_id=attempt.pk, answers=answers, now=now)


def test_the_certificate_is_issued_when_the_course_is_completed_and_the_quiz_passed(course, cert):
    course_page, lesson, quiz, programme = course
    retailer = cert.world.retailer
    t = timezone.now() - timedelta(minutes=30)
    learning.course_enrol(user=retailer, course=course_page, now=t)
    learning.lesson_view(user=retailer, lesson=lesson, now=t)
    t += timedelta(seconds=learning.reading_seconds_required(lesson) + 5)
    learning.lesson_complete(user=retailer, lesson=lesson, now=t)
    half = {str(q.pk): sorted(q.correct_indexes()) for q in quiz.questions.all()[:1]}
    attempt = learning.quiz_start(user=retailer, quiz=quiz, now=t)
    result = learning.quiz_submit(user=retailer, quiz=quiz, attempt_id=attempt.pk, answers=half, now=t)
    # 50 %: fails the quiz, so the course is not complete and nothing is issued.
    assert not result.passed
    assert not Certificate.objects.exists()

    t += timedelta(minutes=2)
    result = submit(retailer, quiz, right=True, now=t)

    assert result.passed
    certificate = Certificate.objects.get(recipient=retailer)
    assert certificate.programme == programme
    assert certificate.status == Certificate.Status.VALID
    assert [item.get("course") or item.get("quiz") for item in certificate.evidence] == [
        "依法经营入门",
        "依法经营小测验",
    ]
    earned = Statement.objects.filter(actor_user=retailer, verb_id=Verb.EARNED, activity_type=ActivityType.CERTIFICATE)
    assert earned.count() == 1
    assert earned.get().object_id.endswith(f"/certificates/{certificate.uuid}/assertion.json")
    # Viewing the lesson again or enrolling again changes nothing.
    learning.lesson_view(user=retailer, lesson=lesson, now=t + timedelta(minutes=5))
    learning.course_enrol(user=retailer, course=course_page, now=t + timedelta(minutes=5))
    assert Certificate.objects.count() == 1
    assert earned.count() == 1
