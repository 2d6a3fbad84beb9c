"""Shared by the learning writes: recording a step as a statement, enrolling, and the course's progress and
completion (which lessons and quizzes both move)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Extension, Verb
from core.errors import ApplicationError, PermissionDenied

from ..models import CoursePage, Enrolment, LessonProgress, QuizAttempt

PROGRESS_EXTENSION = Extension.PROGRESS
ITEM_EXTENSION = Extension.ITEM


def iso_duration(seconds: float) -> str:
    """xAPI (ISO 8601) duration, e.g. PT95S or PT12.5S."""
    seconds = max(0.0, round(seconds, 1))
    text = f"{int(seconds)}" if seconds == int(seconds) else f"{seconds}"
    return f"PT{text}S"


def _context(*, item_id: str, parent=None) -> dict:
    context: dict = {"language": "zh-CN", "extensions": {ITEM_EXTENSION: item_id}}
    if parent is not None:
        context["contextActivities"] = {
            "parent": [
                {
                    "objectType": "Activity",
                    "id": parent.activity_iri,
                    "definition": {"type": ActivityType.COURSE, "name": {"zh-CN": parent.title}},
                }
            ]
        }
    return context


def _record(*, user, verb: str, page, activity_type: str, key: tuple, now: datetime, result=None, parent=None):
    return activity_record(
        actor=user,
        verb=verb,
        object_id=page.activity_iri,
        activity_type=activity_type,
        name=page.title,
        result=result,
        context=_context(item_id=page.item_id, parent=parent),
        natural_key=key,
        timestamp=now,
    )


def _require_signed_in(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in first."))


def _require_live(page) -> None:
    if not page.live:
        raise ApplicationError(_("This page is not published."), status=404)


def _course_of(page) -> CoursePage | None:
    """The course a lesson or quiz sits in (its parent page), in one query; None for a standalone quiz."""
    return CoursePage.objects.filter(path=page.path[: -page.steplen]).first()


def course_enrol(*, user, course: CoursePage, now: datetime | None = None) -> Enrolment:
    """Enrol `user` in `course` (once; enrolling again changes nothing)."""
    _require_signed_in(user)
    _require_live(course)
    now = now or timezone.now()
    with transaction.atomic():
        enrolment, created = Enrolment.objects.get_or_create(
            user=user, course=course, defaults={"enrolled_at": now, "last_activity_at": now}
        )
        if created:
            _record(
                user=user,
                verb=Verb.REGISTERED,
                page=course,
                activity_type=ActivityType.COURSE,
                key=("learning-registered", user.pk, course.pk),
                now=now,
            )
    return enrolment


def _enrolment_for(*, user, course: CoursePage, now: datetime) -> Enrolment:
    enrolment = Enrolment.objects.filter(user=user, course=course).first()
    return enrolment or course_enrol(user=user, course=course, now=now)


def _course_refresh(*, user, course: CoursePage, now: datetime) -> Enrolment:
    """Recompute the course progress; complete the course when every lesson is done and every quiz passed."""
    enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if enrolment is None:
        enrolment = course_enrol(user=user, course=course, now=now)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    lesson_ids = list(course.lessons().values_list("pk", flat=True))
    quiz_ids = list(course.quizzes().values_list("pk", flat=True))
    done = LessonProgress.objects.filter(user=user, lesson_id__in=lesson_ids, completed_at__isnull=False).count()
    passed = (
        QuizAttempt.objects.filter(user=user, quiz_id__in=quiz_ids, passed=True).values("quiz_id").distinct().count()
    )
    total = len(lesson_ids) + len(quiz_ids)
    enrolment.progress_percent = (done + passed) * 100 // total if total else 0
    enrolment.last_activity_at = max(enrolment.last_activity_at, now)
    fields = ["progress_percent", "last_activity_at"]
    if total and done + passed == total and enrolment.completed_at is None:
        enrolment.completed_at = now
        fields.append("completed_at")
        _record(
            user=user,
            verb=Verb.COMPLETED,
            page=course,
            activity_type=ActivityType.COURSE,
            key=("learning-completed", user.pk, course.pk),
            now=now,
            result={
                "completion": True,
                "success": True,
                "duration": iso_duration((now - enrolment.enrolled_at).total_seconds()),
            },
        )
    enrolment.save(update_fields=fields)
    return enrolment
