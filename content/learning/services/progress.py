"""Writes about lessons: opening one, the player's position reports, completing it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError

from ..models import CoursePage, Enrolment, LessonPage, LessonProgress
from .courses import (
    PROGRESS_EXTENSION,
    _course_of,
    _course_refresh,
    _enrolment_for,
    _record,
    _require_live,
    _require_signed_in,
    iso_duration,
)

# The fastest playback speed we credit: progress never grows faster than this times real time.
MAX_PLAYBACK_RATE = 2.0
# A video or audio lesson is complete when this share of it has been credited, or its end: all of it but
# END_TOLERANCE_SECONDS (a duration is stored in whole seconds, rounded from the recording's; durations.py).
MEDIA_COMPLETE_SHARE = 0.9
END_TOLERANCE_SECONDS = 0.5
# A picture or text lesson is complete after this share of its reading time on the page (capped).
READING_SHARE = 0.5
READING_CAP_SECONDS = 120
# Progress milestones (per cent) recorded as "progressed" statements.
MILESTONES = (25, 50, 75)
# No lesson is longer than a day: a position beyond that is not a position.
MAX_POSITION_SECONDS = 86400
# Time on a lesson counted from one report to the next is capped: a paused tab is not study.
MAX_REPORT_GAP_SECONDS = 60


def reading_seconds_required(lesson: LessonPage) -> int:
    """How long a picture or text lesson must stay open before it counts as read."""
    return max(1, min(READING_CAP_SECONDS, math.ceil(lesson.duration_seconds * READING_SHARE)))


def media_watched(*, progress_seconds: float, duration: float) -> bool:
    """Whether credited progress finishes a video or audio lesson of `duration` seconds: MEDIA_COMPLETE_SHARE
    of it, or its end (a player that played to the end reports the recording's last position)."""
    return progress_seconds >= min(duration * MEDIA_COMPLETE_SHARE, duration - END_TOLERANCE_SECONDS)


def lesson_view(*, user, lesson: LessonPage, now: datetime | None = None) -> LessonProgress:
    """The learner opens a lesson: enrols them in its course if needed and starts the clock."""
    _require_signed_in(user)
    _require_live(lesson)
    now = now or timezone.now()
    course = _course_of(lesson)
    if course is None:
        raise ApplicationError(_("This lesson does not belong to a course."))
    with transaction.atomic():
        enrolment = _enrolment_for(user=user, course=course, now=now)
        progress, created = LessonProgress.objects.select_for_update().get_or_create(
            user=user,
            lesson=lesson,
            defaults={"course": course, "first_viewed_at": now, "opened_at": now, "credited_at": now},
        )
        if not created:
            progress.opened_at = now
            progress.credited_at = now
            progress.save(update_fields=["opened_at", "credited_at"])
        Enrolment.objects.filter(pk=enrolment.pk).update(last_page=lesson, last_activity_at=now)
        _record(
            user=user,
            verb=Verb.EXPERIENCED,
            page=lesson,
            activity_type=ActivityType.LESSON,
            key=("learning-viewed", user.pk, lesson.pk),
            now=now,
            parent=course,
        )
    return progress


def _locked_progress(*, user, lesson: LessonPage) -> LessonProgress:
    progress = LessonProgress.objects.select_for_update().filter(user=user, lesson=lesson).first()
    if progress is None:
        raise ApplicationError(_("Open the lesson first."), status=409)
    return progress


def _credit(progress: LessonProgress, *, duration: float, position: float, now: datetime) -> None:
    """The progress rule, applied in memory: forward only, never faster than MAX_PLAYBACK_RATE x real time."""
    elapsed = max(0.0, (now - progress.credited_at).total_seconds())
    gain = min(max(position - progress.progress_seconds, 0.0), elapsed * MAX_PLAYBACK_RATE)
    progress.progress_seconds = min(duration, progress.progress_seconds + gain)
    progress.position_seconds = position
    progress.time_spent_seconds += min(elapsed, MAX_REPORT_GAP_SECONDS)
    progress.credited_at = now


# What a report writes to its row.
PROGRESS_FIELDS = ["progress_seconds", "position_seconds", "time_spent_seconds", "credited_at", "milestone"]


@dataclass(frozen=True)
class ProgressReport:
    """One player's position report, for `lesson_progress_reports`."""

    user: object
    lesson: LessonPage
    position_seconds: float


def lesson_progress_report(
    *, user, lesson: LessonPage, position_seconds: float, now: datetime | None = None
) -> LessonProgress:
    """The player reports its position (the progress API); see `lesson_progress_reports` for the rule.
    The returned row carries `course_progress_percent`."""
    _require_signed_in(user)
    if not isinstance(position_seconds, int | float) or math.isnan(position_seconds):
        raise ApplicationError(_("The position is not a number."))
    (answer,) = lesson_progress_reports([ProgressReport(user, lesson, float(position_seconds))], now=now)
    if isinstance(answer, ApplicationError):
        raise answer
    return answer


def lesson_progress_reports(reports: list[ProgressReport], now: datetime | None = None) -> list:
    """Players report where they are; the server credits progress forward only, and never faster than
    MAX_PLAYBACK_RATE times the real time since the lesson was opened or last credited, so a forged "I am at
    the end" right after opening changes (almost) nothing. Passing a milestone records it; crediting
    MEDIA_COMPLETE_SHARE of a video or audio completes the lesson.

    Many reports are applied at once (the progress socket gathers those that arrive while its previous batch
    is written): one transaction, the rows locked in one query (in id order, so two batches cannot deadlock)
    and written with one UPDATE statement, whatever the number of reports; milestones and completions record
    their statements as they happen. Returns, in the order of `reports`, each credited row (with
    `course_progress_percent`) or the ApplicationError of that report alone (translated when shown).
    """
    now = now or timezone.now()
    answers: list = [None] * len(reports)
    with transaction.atomic():
        rows = {
            (row.user_id, row.lesson_id): row
            for row in LessonProgress.objects.select_for_update()
            .filter(user_id__in={r.user.pk for r in reports}, lesson_id__in={r.lesson.pk for r in reports})
            .order_by("pk")
        }
        unsaved: dict[int, LessonProgress] = {}
        for number, report in enumerate(reports):
            progress = rows.get((report.user.pk, report.lesson.pk))
            if progress is None:
                answers[number] = ApplicationError(gettext_lazy("Open the lesson first."), status=409)
                continue
            progress.user = report.user
            if _credit_and_record(progress, lesson=report.lesson, position=report.position_seconds, now=now):
                unsaved.pop(progress.pk, None)
            else:
                unsaved[progress.pk] = progress
            answers[number] = progress
        _write_progress(list(unsaved.values()))
    credited = [a for a in answers if isinstance(a, LessonProgress)]
    percents = {
        (user_id, course_id): percent
        for user_id, course_id, percent in Enrolment.objects.filter(
            user_id__in={p.user_id for p in credited}, course_id__in={p.course_id for p in credited}
        ).values_list("user_id", "course_id", "progress_percent")
    }
    for progress in credited:
        progress.course_progress_percent = percents.get((progress.user_id, progress.course_id), 0)
    return answers


def _credit_and_record(progress: LessonProgress, *, lesson: LessonPage, position: float, now: datetime) -> bool:
    """On a row locked in the current transaction: credit the report, record the milestone it passes and
    complete the lesson when enough of it is credited. Returns whether the row was saved (it is, before a
    completion); else the caller writes PROGRESS_FIELDS."""
    duration = float(lesson.duration_seconds or 1)
    progress.lesson = lesson
    _credit(progress, duration=duration, position=min(max(position, 0.0), duration), now=now)
    percent = int(progress.progress_seconds * 100 // duration)
    reached = [m for m in MILESTONES if progress.milestone < m <= percent]
    if reached and not progress.completed_at:
        progress.milestone = reached[-1]
        _record(
            user=progress.user,
            verb=Verb.PROGRESSED,
            page=lesson,
            activity_type=ActivityType.LESSON,
            key=("learning-progressed", progress.user_id, lesson.pk, reached[-1]),
            now=now,
            result={
                "duration": iso_duration(progress.time_spent_seconds),
                "extensions": {PROGRESS_EXTENSION: reached[-1]},
            },
            parent=CoursePage.objects.only("id", "title").get(pk=progress.course_id),
        )
    if (
        lesson.is_media
        and not progress.completed_at
        and media_watched(progress_seconds=progress.progress_seconds, duration=duration)
    ):
        progress.save(update_fields=PROGRESS_FIELDS)
        _lesson_mark_complete(progress=progress, lesson=lesson, now=now)
        return True
    return False


def _write_progress(rows: list[LessonProgress]) -> None:
    """Write PROGRESS_FIELDS of rows locked in this transaction: one UPDATE statement executed for many rows
    (psycopg pipelines them into one round trip). The ORM's bulk_update builds a CASE per row and field, which
    took most of a batch's CPU time (platform/BENCHMARKS.md). Values go through each field's
    get_db_prep_save, so they are exactly what the ORM would write."""
    if not rows:
        return
    meta = LessonProgress._meta
    fields = [meta.get_field(name) for name in PROGRESS_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the model
    values = [[field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, [row_values + [row.pk] for row_values, row in zip(values, rows, strict=True)])


def lesson_complete(*, user, lesson: LessonPage, now: datetime | None = None) -> LessonProgress:
    """The learner asks to mark a lesson done; the server decides.

    Video and audio: MEDIA_COMPLETE_SHARE of it must have been credited. Pictures and text: the lesson
    must have stayed open for `reading_seconds_required`.
    """
    _require_signed_in(user)
    now = now or timezone.now()
    with transaction.atomic():
        progress = _locked_progress(user=user, lesson=lesson)
        progress.lesson = lesson
        progress.user = user  # the statement names them: no second read of the person
        if progress.completed_at:
            return progress
        if lesson.is_media:
            if not media_watched(progress_seconds=progress.progress_seconds, duration=lesson.duration_seconds):
                raise ApplicationError(
                    _("Watch or listen to the end first."),
                    extra={"progress_percent": progress.percent},
                    status=409,
                )
        else:
            open_for = (now - progress.opened_at).total_seconds()
            needed = reading_seconds_required(lesson)
            if open_for < needed:
                raise ApplicationError(
                    _("Take a little more time with this lesson."),
                    extra={"seconds_left": math.ceil(needed - open_for)},
                    status=409,
                )
            progress.time_spent_seconds = max(progress.time_spent_seconds, open_for)
            progress.progress_seconds = float(lesson.duration_seconds)
            progress.save(update_fields=["time_spent_seconds", "progress_seconds"])
        _lesson_mark_complete(progress=progress, lesson=lesson, now=now)
    return progress


def _lesson_mark_complete(*, progress: LessonProgress, lesson: LessonPage, now: datetime) -> None:
    progress.completed_at = now
    progress.save(update_fields=["completed_at"])
    course = CoursePage.objects.get(pk=progress.course_id)
    _record(
        user=progress.user,
        verb=Verb.COMPLETED,
        page=lesson,
        activity_type=ActivityType.LESSON,
        key=("learning-completed", progress.user_id, lesson.pk),
        now=now,
        result={"completion": True, "duration": iso_duration(progress.time_spent_seconds)},
        parent=course,
    )
    _course_refresh(user=progress.user, course=course, now=now)
