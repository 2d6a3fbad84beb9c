"""What the learning app records, recorded directly: course completed, enrolled, quiz passed or failed."""

from __future__ import annotations

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb


def course_completed(user, course, *, timestamp=None):
    return activity_record(
        actor=user,
        verb=Verb.COMPLETED,
        object_id=course.activity_iri,
        activity_type=ActivityType.COURSE,
        name=course.title,
        result={"completion": True},
        natural_key=("test-course-completed", user.pk, course.pk),
        timestamp=timestamp,
    )


def course_enrolled(user, course):
    return activity_record(
        actor=user,
        verb=Verb.REGISTERED,
        object_id=course.activity_iri,
        activity_type=ActivityType.COURSE,
        name=course.title,
        natural_key=("test-course-enrolled", user.pk, course.pk),
    )


def quiz_finished(user, quiz, *, scaled: float, attempt: int = 1):
    """Like learning's quiz_submit: "answered" for every attempt, then "passed" (once per quiz) or "failed"."""
    passed = scaled * 100 >= quiz.pass_mark
    result = {"score": {"scaled": scaled}, "success": passed, "completion": True}
    common = {
        "actor": user,
        "object_id": quiz.activity_iri,
        "activity_type": ActivityType.ASSESSMENT,
        "name": quiz.title,
        "result": result,
    }
    activity_record(verb=Verb.ANSWERED, natural_key=("test-answered", user.pk, quiz.pk, attempt), **common)
    if passed:
        return activity_record(verb=Verb.PASSED, natural_key=("test-passed", user.pk, quiz.pk), **common)
    return activity_record(verb=Verb.FAILED, natural_key=("test-failed", user.pk, quiz.pk, attempt), **common)


def meet_programme(cert, user):
    """Everything the programme asks, in the order a learner does it."""
    course_completed(user, cert.display)
    course_completed(user, cert.law)
    quiz_finished(user, cert.exam, scaled=0.9)
