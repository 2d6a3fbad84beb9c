"""The questions-and-answers API under /api/qa/: a lesson's questions, asking, answering, accepting, moderating.

Handlers stay thin: they find what the person may see (a hidden question or answer is 404 to everyone but the
editors), call the services and shape the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import Http404
from ninja import Field, Path, Router, Schema

from core.errors import errors
from core.people.auth import request_person, signed_in

from . import selectors, services
from .models import Answer, Question

router = Router(tags=["questions and answers"])

MAX_ID = 2**31 - 1
LessonId = Annotated[int, Path(ge=1, le=MAX_ID)]
PostId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class QaPostIn(Schema):
    body: str = Field(..., max_length=services.RAW_MAX, description="What the person wrote")
    format: Literal["text", "html"] = Field("text", description="text (plain, line breaks kept) or html (sanitised)")


class QaAcceptIn(Schema):
    answer_id: int = Field(..., ge=1, le=2**63 - 1)


class QaModerationIn(Schema):
    action: Literal["hide", "restore"]
    reason: str = Field("", max_length=200)


class QaPersonOut(Schema):
    id: int
    name: str


class QaAnswerOut(Schema):
    id: int
    body_html: str = Field(description="Sanitised HTML")
    author: QaPersonOut
    by_teacher: bool
    accepted: bool
    hidden: bool = Field(description="Hidden by an editor (only editors see hidden answers)")
    created_at: datetime


class QaQuestionOut(Schema):
    id: int
    lesson_id: int
    body_html: str = Field(description="Sanitised HTML")
    asker: QaPersonOut
    hidden: bool = Field(description="Hidden by an editor (only editors see hidden questions)")
    created_at: datetime
    accepted_answer_id: int | None
    may_accept: bool = Field(description="Whether the person asking may mark an answer accepted")
    answers: list[QaAnswerOut]


class QaQuestionsOut(Schema):
    lesson_id: int
    may_ask: bool
    questions: list[QaQuestionOut]


class QaModerationOut(Schema):
    id: int
    hidden: bool


def _person(user) -> dict:
    return {"id": user.pk, "name": user.name}


def _answer_out(answer: Answer, accepted_id: int | None) -> dict:
    return {
        "id": answer.pk,
        "body_html": answer.body_html,
        "author": _person(answer.author),
        "by_teacher": answer.by_teacher,
        "accepted": answer.pk == accepted_id,
        "hidden": answer.hidden,
        "created_at": answer.created_at,
    }


def question_out(question: Question, *, viewer, teacher: bool, answers: list[Answer]) -> dict:
    signed_in_viewer = viewer is not None and viewer.is_authenticated
    return {
        "id": question.pk,
        "lesson_id": question.lesson_id,
        "body_html": question.body_html,
        "asker": _person(question.asker),
        "hidden": question.hidden,
        "created_at": question.created_at,
        "accepted_answer_id": question.accepted_answer_id,
        "may_accept": signed_in_viewer and (teacher or viewer.pk == question.asker_id),
        "answers": [_answer_out(a, question.accepted_answer_id) for a in answers],
    }


def _lesson(lesson_id: int) -> selectors.Lesson:
    lesson = selectors.lesson_find(lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    return lesson


def _question(request, question_id: int) -> Question:
    question = selectors.question_find(question_id=question_id, viewer=request_person(request))
    if question is None:
        raise Http404
    return question


def _one_question(request, question: Question) -> dict:
    viewer = request_person(request)
    lesson = _lesson(question.lesson_id)
    shown = selectors.question_shown(question_id=question.pk, viewer=viewer)
    if shown is None:
        raise Http404
    return question_out(shown, viewer=viewer, teacher=selectors.is_teacher(viewer, lesson), answers=shown.shown_answers)


@router.get(
    "/lessons/{lesson_id}/questions",
    response={200: QaQuestionsOut, **errors(404, 422)},
    summary="A lesson's questions with their answers",
    auth=None,
)
def lesson_questions(request, lesson_id: LessonId):
    lesson = _lesson(lesson_id)
    viewer = request_person(request)
    teacher = selectors.is_teacher(viewer, lesson)
    questions = selectors.visible_questions(lesson=lesson, viewer=viewer)
    return {
        "lesson_id": lesson.page_id,
        "may_ask": viewer.is_authenticated,
        "questions": [question_out(q, viewer=viewer, teacher=teacher, answers=q.shown_answers) for q in questions],
    }


@router.post(
    "/lessons/{lesson_id}/questions",
    response={201: QaQuestionOut, **errors(400, 401, 403, 404, 422, 429)},
    summary="Ask a question on a lesson",
    auth=signed_in,
)
def ask(request, lesson_id: LessonId, payload: QaPostIn):
    question = services.question_ask(
        user=request_person(request), lesson_id=lesson_id, body=payload.body, fmt=payload.format
    )
    return 201, _one_question(request, question)


@router.post(
    "/questions/{question_id}/answers",
    response={201: QaQuestionOut, **errors(400, 401, 403, 404, 422, 429)},
    summary="Answer a question",
    auth=signed_in,
)
def answer(request, question_id: PostId, payload: QaPostIn):
    question = _question(request, question_id)
    services.answer_post(user=request_person(request), question=question, body=payload.body, fmt=payload.format)
    return 201, _one_question(request, question)


@router.post(
    "/questions/{question_id}/accept",
    response={200: QaQuestionOut, **errors(400, 401, 403, 404, 422)},
    summary="Mark an answer accepted (the asker or a teacher)",
    auth=signed_in,
)
def accept(request, question_id: PostId, payload: QaAcceptIn):
    question = _question(request, question_id)
    question = services.answer_accept(user=request_person(request), question=question, answer_id=payload.answer_id)
    return _one_question(request, question)


def _moderate(request, post, payload: QaModerationIn) -> dict:
    post = services.post_moderate(user=request_person(request), post=post, action=payload.action, reason=payload.reason)
    return {"id": post.pk, "hidden": post.hidden}


@router.post(
    "/questions/{question_id}/moderation",
    response={200: QaModerationOut, **errors(400, 401, 403, 404, 422)},
    summary="Hide or restore a question (editors)",
    auth=signed_in,
)
def moderate_question(request, question_id: PostId, payload: QaModerationIn):
    return _moderate(request, _question(request, question_id), payload)


@router.post(
    "/answers/{answer_id}/moderation",
    response={200: QaModerationOut, **errors(400, 401, 403, 404, 422)},
    summary="Hide or restore an answer (editors)",
    auth=signed_in,
)
def moderate_answer(request, answer_id: PostId, payload: QaModerationIn):
    answer = selectors.answer_find(answer_id=answer_id, viewer=request_person(request))
    if answer is None:
        raise Http404
    return _moderate(request, answer, payload)
