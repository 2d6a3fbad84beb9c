"""Writes of the learning app: enrolling, viewing and progressing through lessons, quizzes, completion.

Every rule is decided here, on the server: a client reports where its player is, never how far the
learner got, and never whether something is complete. Each step becomes one activity statement
through `core.activity.services.activity_record`, recorded once (its natural key names the step):

| step | verb | object | natural key |
| --- | --- | --- | --- |
| enrol | registered | course | ("learning-registered", user, course) |
| open a lesson (first time) | experienced | lesson | ("learning-viewed", user, lesson) |
| pass 25/50/75 % of a video or audio | progressed | lesson | ("learning-progressed", user, lesson, milestone) |
| lesson complete | completed | lesson | ("learning-completed", user, lesson) |
| submit a quiz attempt | answered | quiz | ("learning-answered", user, quiz, attempt number) |
| the attempt passed | passed | quiz | ("learning-passed", user, quiz) |
| the attempt failed | failed | quiz | ("learning-failed", user, quiz, attempt number) |
| all lessons done and quizzes passed | completed | course | ("learning-completed", user, course) |

Object ids are the stable IRIs described in selectors.py. `now` parameters exist for the demo seed,
which replays months of history with past timestamps; requests never pass them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, PermissionDenied

from .models import CoursePage, Enrolment, LessonPage, LessonProgress, QuizAttempt, QuizPage, QuizQuestion

# The fastest playback speed we credit: progress never grows faster than this times real time.
MAX_PLAYBACK_RATE = 2.0
# A video or audio lesson is complete when this share of it has been credited.
MEDIA_COMPLETE_SHARE = 0.9
# A picture or text lesson is complete after this share of its reading time on the page (capped).
READING_SHARE = 0.5
READING_CAP_SECONDS = 120
# Progress milestones (per cent) recorded as "progressed" statements.
MILESTONES = (25, 50, 75)
# No lesson is longer than a day: a position beyond that is not a position.
MAX_POSITION_SECONDS = 86400
# Time on a lesson counted from one report to the next is capped: a paused tab is not study.
MAX_REPORT_GAP_SECONDS = 60

PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
ITEM_EXTENSION = "https://w3id.org/xapi/xianfeng/extensions/item"


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


# --- enrolment --------------------------------------------------------------------------------------


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


# --- lessons ----------------------------------------------------------------------------------------


def reading_seconds_required(lesson: LessonPage) -> int:
    """How long a picture or text lesson must stay open before it counts as read."""
    return max(1, min(READING_CAP_SECONDS, math.ceil(lesson.duration_seconds * READING_SHARE)))


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
    if lesson.is_media and not progress.completed_at and progress.progress_seconds >= duration * MEDIA_COMPLETE_SHARE:
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
        if progress.completed_at:
            return progress
        if lesson.is_media:
            needed = lesson.duration_seconds * MEDIA_COMPLETE_SHARE
            if progress.progress_seconds < needed:
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


# --- quizzes ----------------------------------------------------------------------------------------


def _questions(quiz: QuizPage) -> dict[int, QuizQuestion]:
    return {q.pk: q for q in QuizQuestion.objects.filter(page=quiz).order_by("sort_order", "pk")}


def quiz_attempts_left(*, user, quiz: QuizPage) -> int | None:
    """Submissions left, or None for no limit."""
    if not quiz.max_attempts:
        return None
    used = QuizAttempt.objects.filter(user=user, quiz=quiz, submitted_at__isnull=False).count()
    return max(0, quiz.max_attempts - used)


def quiz_start(*, user, quiz: QuizPage, now: datetime | None = None, rng: random.Random | None = None) -> QuizAttempt:
    """The attempt the learner answers now: the open one, or a new one in a freshly shuffled order."""
    _require_signed_in(user)
    _require_live(quiz)
    now = now or timezone.now()
    with transaction.atomic():
        attempts = list(QuizAttempt.objects.select_for_update().filter(user=user, quiz=quiz).order_by("number"))
        if any(a.passed for a in attempts):
            raise ApplicationError(_("You have already passed this quiz."), status=409)
        open_attempt = next((a for a in attempts if a.submitted_at is None), None)
        if open_attempt is not None:
            return open_attempt
        if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
            raise ApplicationError(_("You have used all your attempts at this quiz."), status=409)
        rng = rng or random.SystemRandom()
        order = []
        for question in _questions(quiz).values():
            choice_ids = list(range(len(question.parsed_choices())))
            if quiz.shuffle and question.kind != QuizQuestion.Kind.TRUE_FALSE:
                rng.shuffle(choice_ids)
            order.append([question.pk, choice_ids])
        if quiz.shuffle:
            rng.shuffle(order)
        if not order:
            raise ApplicationError(_("This quiz has no questions yet."))
        return QuizAttempt.objects.create(user=user, quiz=quiz, number=len(attempts) + 1, started_at=now, order=order)


@dataclass
class QuestionVerdict:
    question_id: int
    text: str
    correct: bool
    chosen: list[str]
    right_answer: list[str] = field(default_factory=list)
    explanation: str = ""


@dataclass
class QuizResult:
    attempt: QuizAttempt
    score_percent: int
    passed: bool
    attempts_left: int | None
    questions: list[QuestionVerdict]

    @property
    def wrong(self) -> list[QuestionVerdict]:
        return [q for q in self.questions if not q.correct]


def _parse_answers(raw: dict) -> dict[int, set[int]]:
    if not isinstance(raw, dict) or len(raw) > 500:
        raise ApplicationError(_("The answers are not valid."))
    answers: dict[int, set[int]] = {}
    for key, value in raw.items():
        try:
            qid = int(key)
            values = value if isinstance(value, list | tuple | set) else [value]
            answers[qid] = {int(v) for v in values}
        except (TypeError, ValueError) as exc:
            raise ApplicationError(_("The answers are not valid.")) from exc
    return answers


def quiz_submit(*, user, quiz: QuizPage, attempt_id: int, answers: dict, now: datetime | None = None) -> QuizResult:
    """Check an attempt's answers on the server, record answered and passed/failed, and tell the
    learner what was wrong. `answers` maps question id -> chosen choice indexes."""
    _require_signed_in(user)
    _require_live(quiz)
    now = now or timezone.now()
    chosen = _parse_answers(answers)
    with transaction.atomic():
        attempt = QuizAttempt.objects.select_for_update().filter(pk=attempt_id, user=user, quiz=quiz).first()
        if attempt is None:
            raise ApplicationError(_("This attempt does not exist."), status=404)
        if attempt.submitted_at is not None:
            raise ApplicationError(_("This attempt has already been submitted."), status=409)
        questions = _questions(quiz)
        verdicts = []
        right = 0
        for qid, _choice_order in attempt.order:
            question = questions.get(qid)
            if question is None:
                continue
            labels = [label for label, _ok in question.parsed_choices()]
            given = {i for i in chosen.get(qid, set()) if 0 <= i < len(labels)}
            correct = given == question.correct_indexes()
            right += correct
            verdicts.append(
                QuestionVerdict(
                    question_id=qid,
                    text=question.text,
                    correct=correct,
                    chosen=[labels[i] for i in sorted(given)],
                    right_answer=[labels[i] for i in sorted(question.correct_indexes())],
                    explanation=question.explanation,
                )
            )
        total = len(verdicts) or 1
        score = round(right * 100 / total)
        passed = score >= quiz.pass_mark
        attempt.answers = {str(q): sorted(v) for q, v in chosen.items() if q in questions}
        attempt.submitted_at = now
        attempt.score_percent = score
        attempt.passed = passed
        attempt.save(update_fields=["answers", "submitted_at", "score_percent", "passed"])
        course = _course_of(quiz)
        if course is not None:
            enrolment = _enrolment_for(user=user, course=course, now=now)
            Enrolment.objects.filter(pk=enrolment.pk).update(last_page=quiz, last_activity_at=now)
        result = {
            "score": {"raw": right, "min": 0, "max": total, "scaled": round(right / total, 4)},
            "success": passed,
            "completion": True,
            "duration": iso_duration((now - attempt.started_at).total_seconds()),
        }
        common = {"user": user, "page": quiz, "activity_type": ActivityType.ASSESSMENT, "now": now, "parent": course}
        _record(
            verb=Verb.ANSWERED, key=("learning-answered", user.pk, quiz.pk, attempt.number), result=result, **common
        )
        if passed:
            _record(verb=Verb.PASSED, key=("learning-passed", user.pk, quiz.pk), result=result, **common)
        else:
            _record(
                verb=Verb.FAILED, key=("learning-failed", user.pk, quiz.pk, attempt.number), result=result, **common
            )
        if course is not None and passed:
            _course_refresh(user=user, course=course, now=now)
        left = quiz_attempts_left(user=user, quiz=quiz)
        # The right answers are shown once they can no longer help pass: after passing or the last attempt.
        if not passed and left != 0:
            for verdict in verdicts:
                verdict.right_answer = []
    return QuizResult(attempt=attempt, score_percent=score, passed=passed, attempts_left=left, questions=verdicts)


# --- the course -------------------------------------------------------------------------------------


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
