"""Writes of questions and answers: asking, answering, accepting, hiding and restoring.

Each checks who may act first, then writes in one transaction with one statement through
``core.activity.services.activity_record`` (recorded once: its natural key names the act):

| act | verb | object (activity type) | natural key |
| --- | --- | --- | --- |
| ask on a lesson | asked | the question (lesson-question) | ("qa-asked", question) |
| answer | answered | the question (lesson-question); result.response: the text | ("qa-answered", answer) |
| accept an answer | accepted | the question (lesson-question); the answer in an extension | ("qa-accepted", q, a) |

Answers are "answered" a lesson-question, as a quiz's answers are "answered" an assessment: the object is what was
answered, not the answer. Every statement names the lesson as its parent and the course as its grouping, so the
recommender and the dashboards count a question as activity on its lesson. Hiding and restoring are editors' acts
with a row in the moderation log (``ModerationEntry``), not learning: they write no statement.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.items import item_iri
from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Extension, Verb
from core.errors import ApplicationError, NotFound, PermissionDenied

from .models import Answer, ModerationEntry, Question
from .sanitise import FORMATS, body_html, plain_text
from .selectors import Lesson, is_editor, is_teacher, lesson_find, recent_posts_by

QUESTION_MIN, QUESTION_MAX = 5, 1000  # characters of text, after sanitising
ANSWER_MIN, ANSWER_MAX = 2, 3000
RAW_MAX = 20_000  # characters as sent (markup included)
NAME_CHARS = 60  # of the text, as the statement's activity name
RATE_WINDOW = timedelta(minutes=10)
# The answer a statement is about, in context.extensions (this app's own: iris.py has no such extension).
ANSWER_EXTENSION = "https://w3id.org/xapi/xianfeng/extensions/answer"


def _limits() -> tuple[int, int]:
    """Questions and answers one person may write per RATE_WINDOW."""
    return getattr(settings, "QA_QUESTIONS_PER_WINDOW", 5), getattr(settings, "QA_ANSWERS_PER_WINDOW", 20)


def _require_signed_in(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in first."), status=401)


def _clean(raw: str, fmt: str, low: int, high: int) -> tuple[str, str]:
    if fmt not in FORMATS:
        raise ApplicationError(_("Unknown format."), extra={"formats": list(FORMATS)})
    if not isinstance(raw, str) or len(raw) > RAW_MAX:
        raise ApplicationError(_("The text is too long."), extra={"max": high})
    safe = body_html(raw, fmt)
    text = plain_text(safe)
    if len(text) < low:
        raise ApplicationError(_("Please write at least %(n)d characters.") % {"n": low}, extra={"min": low})
    if len(text) > high:
        raise ApplicationError(_("Please keep it under %(n)d characters.") % {"n": high}, extra={"max": high})
    return safe, text


def _rate_check(user, *, questions: bool, now: datetime) -> None:
    asked, answered = recent_posts_by(user=user, since=now - RATE_WINDOW)
    max_questions, max_answers = _limits()
    if (asked >= max_questions) if questions else (answered >= max_answers):
        raise ApplicationError(
            _("You are writing very fast: please wait a few minutes."),
            extra={"retry_after_seconds": int(RATE_WINDOW.total_seconds())},
            status=429,
        )


def _name(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1] + "…"


def _context(lesson: Lesson, **extensions) -> dict:
    return {
        "language": "zh-CN",
        "contextActivities": {
            "parent": [
                {
                    "objectType": "Activity",
                    "id": item_iri(lesson.item_id),
                    "definition": {"type": ActivityType.LESSON, "name": {"zh-CN": lesson.title}},
                }
            ],
            "grouping": [
                {
                    "objectType": "Activity",
                    "id": item_iri(lesson.course_item_id),
                    "definition": {"type": ActivityType.COURSE, "name": {"zh-CN": lesson.course_title}},
                }
            ],
        },
        "extensions": {Extension.ITEM: lesson.item_id, **extensions},
    }


def _lesson_of(question: Question) -> Lesson:
    lesson = lesson_find(lesson_id=question.lesson_id)
    if lesson is None:
        raise NotFound(_("This lesson is not published."))
    return lesson


def _locked_visible(question: Question, user) -> Question:
    """The question's row, locked for this transaction; a hidden one is not found but by editors."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.hidden and not is_editor(user):
        raise NotFound(_("No such question."))
    return question


def question_ask(*, user, lesson_id: int, body: str, fmt: str = "text", now: datetime | None = None) -> Question:
    """A signed-in person asks on a live lesson."""
    _require_signed_in(user)
    lesson = lesson_find(lesson_id=lesson_id)
    if lesson is None:
        raise NotFound(_("This lesson is not published."))
    safe, text = _clean(body, fmt, QUESTION_MIN, QUESTION_MAX)
    now = now or timezone.now()
    with transaction.atomic():
        _rate_check(user, questions=True, now=now)
        question = Question.objects.create(lesson_id=lesson.page_id, asker=user, body_html=safe, created_at=now)
        activity_record(
            actor=user,
            verb=Verb.ASKED,
            object_id=item_iri(question.item_id),
            activity_type=ActivityType.LESSON_QUESTION,
            name=_name(text),
            context=_context(lesson),
            natural_key=("qa-asked", question.pk),
            timestamp=now,
        )
    return question


def answer_post(*, user, question: Question, body: str, fmt: str = "text", now: datetime | None = None) -> Answer:
    """A signed-in person answers a question they can see (teachers' answers are marked)."""
    _require_signed_in(user)
    lesson = _lesson_of(question)
    safe, text = _clean(body, fmt, ANSWER_MIN, ANSWER_MAX)
    now = now or timezone.now()
    with transaction.atomic():
        question = _locked_visible(question, user)
        _rate_check(user, questions=False, now=now)
        answer = Answer.objects.create(
            question=question, author=user, body_html=safe, created_at=now, by_teacher=is_teacher(user, lesson)
        )
        activity_record(
            actor=user,
            verb=Verb.ANSWERED,
            object_id=item_iri(question.item_id),
            activity_type=ActivityType.LESSON_QUESTION,
            name=_name(plain_text(question.body_html)),
            result={"response": text[:ANSWER_MAX]},
            context=_context(lesson, **{ANSWER_EXTENSION: answer.item_id}),
            natural_key=("qa-answered", answer.pk),
            timestamp=now,
        )
    return answer


def answer_accept(*, user, question: Question, answer_id: int, now: datetime | None = None) -> Question:
    """The asker or a teacher marks one of the question's visible answers accepted (another one may replace it;
    the same one again changes nothing)."""
    _require_signed_in(user)
    lesson = _lesson_of(question)
    if user.pk != question.asker_id and not is_teacher(user, lesson):
        raise PermissionDenied(_("Only the person who asked or a teacher of the course may accept an answer."))
    now = now or timezone.now()
    with transaction.atomic():
        question = _locked_visible(question, user)
        answer = Answer.objects.filter(pk=answer_id, question=question, hidden=False).first()
        if answer is None:
            raise NotFound(_("No such answer to this question."))
        if question.accepted_answer_id == answer.pk:
            return question
        question.accepted_answer = answer
        question.save(update_fields=["accepted_answer"])
        activity_record(
            actor=user,
            verb=Verb.ACCEPTED,
            object_id=item_iri(question.item_id),
            activity_type=ActivityType.LESSON_QUESTION,
            name=_name(plain_text(question.body_html)),
            context=_context(lesson, **{ANSWER_EXTENSION: answer.item_id}),
            natural_key=("qa-accepted", question.pk, answer.pk),
            timestamp=now,
        )
    return question


def post_moderate(*, user, post: Question | Answer, action: str, reason: str = "", now: datetime | None = None):
    """An editor hides or restores a question or an answer; the moderation log keeps who, when and why. Hiding
    what is hidden (or restoring what is shown) changes nothing and logs nothing."""
    _require_signed_in(user)
    if not is_editor(user):
        raise PermissionDenied(_("Only editors may hide or restore questions and answers."))
    if action not in ModerationEntry.Action.values:
        raise ApplicationError(_("Unknown action."), extra={"actions": list(ModerationEntry.Action.values)})
    hide = action == ModerationEntry.Action.HIDE
    now = now or timezone.now()
    model = type(post)
    with transaction.atomic():
        post = model.objects.select_for_update().get(pk=post.pk)
        if post.hidden == hide:
            return post
        post.hidden = hide
        post.save(update_fields=["hidden"])
        target = {"question": post} if model is Question else {"answer": post}
        ModerationEntry.objects.create(action=action, by=user, reason=reason[:200], at=now, **target)
    return post
