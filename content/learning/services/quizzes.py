"""Writes about quizzes: starting an attempt, submitting it (checked on the server only)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError

from ..models import Enrolment, QuizAttempt, QuizPage, QuizQuestion
from .courses import (
    _course_of,
    _course_refresh,
    _enrolment_for,
    _record,
    _require_live,
    _require_signed_in,
    iso_duration,
)


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
