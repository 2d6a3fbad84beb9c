"""The learning API under /api/learning/: catalogue, course detail, enrol, lesson progress, quizzes, my learning.

Handlers stay thin: they look pages up, call services and selectors, and shape the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from core.errors import errors
from core.people.auth import request_person, signed_in

from . import selectors, services
from .models import CoursePage, LessonPage, QuizPage

router = Router(tags=["learning"])

# Page ids are 32-bit integers in the database: a larger one is refused (422), not sent to it.
MAX_PAGE_ID = 2**31 - 1
PageId = Annotated[int, Path(ge=1, le=MAX_PAGE_ID)]


class LearningCourseOut(Schema):
    id: int
    item_id: str
    title: str
    summary: str
    category: str
    category_label: str
    level: str
    tags: list[str]
    estimated_minutes: int
    instructor: str
    url: str


class LearningStepOut(Schema):
    id: int
    title: str
    kind: str = Field(description="video, audio, pictures, text or quiz")
    url: str
    duration_seconds: int | None = None
    done: bool
    percent: int


class LearningCourseDetailOut(LearningCourseOut):
    enrolled: bool
    completed: bool
    progress_percent: int
    steps: list[LearningStepOut]


class LearningCatalogueQuery(Schema):
    category: str | None = Field(None, description="A category code, e.g. display")
    q: str | None = Field(None, max_length=100, description="Search words; Chinese is segmented like the index")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class LearningEnrolmentOut(Schema):
    course_id: int
    enrolled_at: datetime
    progress_percent: int
    completed_at: datetime | None


class LearningProgressIn(Schema):
    position_seconds: float = Field(
        ..., ge=0, le=services.MAX_POSITION_SECONDS, description="Where the player is, in seconds"
    )


class LearningLessonProgressOut(Schema):
    lesson_id: int
    percent: int = Field(description="How far the server credits the learner, in per cent")
    position_seconds: float
    completed: bool
    course_progress_percent: int


class LearningChoiceOut(Schema):
    id: int
    label: str


class LearningQuestionOut(Schema):
    id: int
    number: int
    kind: str
    text: str
    choices: list[LearningChoiceOut]


class LearningQuizOut(Schema):
    id: int
    title: str
    pass_mark: int
    attempts_left: int | None
    attempt_id: int | None = Field(description="The open attempt, or null: POST .../attempts starts one")
    questions: list[LearningQuestionOut] = Field(description="The open attempt's questions; empty without one")


class LearningQuizSubmitIn(Schema):
    attempt_id: int
    answers: dict[str, list[int]] = Field(..., description="question id -> chosen choice ids")


class LearningVerdictOut(Schema):
    question_id: int
    text: str
    correct: bool
    chosen: list[str]
    right_answer: list[str] = Field(description="Shown once the quiz is passed or no attempt is left")
    explanation: str


class LearningQuizResultOut(Schema):
    score_percent: int
    passed: bool
    attempts_left: int | None
    questions: list[LearningVerdictOut]


class LearningMyCourseOut(Schema):
    course: LearningCourseOut
    progress_percent: int
    last_activity_at: datetime
    completed_at: datetime | None
    resume_url: str


class LearningMyLearningOut(Schema):
    in_progress: list[LearningMyCourseOut]
    finished: list[LearningMyCourseOut]


def _course_out(course: CoursePage) -> dict:
    return {
        "id": course.pk,
        "item_id": course.item_id,
        "title": course.title,
        "summary": course.summary,
        "category": course.category,
        "category_label": str(course.get_category_display()),
        "level": course.level,
        "tags": [tag.name for tag in course.tags.all()],
        "estimated_minutes": course.estimated_minutes,
        "instructor": course.instructor,
        "url": course.url or "",
    }


def _live(model, pk: int):
    return get_object_or_404(model.objects.live(), pk=pk)


@router.get(
    "/courses", response={200: list[LearningCourseOut], **errors(422)}, summary="The course catalogue", auth=None
)
def catalogue(request, filters: Query[LearningCatalogueQuery]):
    if filters.q:
        courses = selectors.search_learning(query=filters.q, limit=filters.offset + filters.limit)["courses"]
    else:
        courses = selectors.catalogue_courses(category=filters.category)
    return [_course_out(c) for c in courses[filters.offset : filters.offset + filters.limit]]


@router.get(
    "/courses/{course_id}", response={200: LearningCourseDetailOut, **errors(404, 422)}, summary="One course", auth=None
)
def course_detail(request, course_id: PageId):
    course = _live(CoursePage, course_id)
    state = selectors.course_state(course=course, user=request_person(request))
    enrolment = state["enrolment"]
    steps = [
        {
            "id": s["page"].pk,
            "title": s["page"].title,
            "kind": s["kind"],
            "url": s["page"].url or "",
            "duration_seconds": getattr(s["page"], "duration_seconds", None),
            "done": s["done"],
            "percent": s["percent"],
        }
        for s in state["steps"]
    ]
    return {
        **_course_out(course),
        "enrolled": enrolment is not None,
        "completed": bool(enrolment and enrolment.completed_at),
        "progress_percent": state["progress_percent"],
        "steps": steps,
    }


@router.post(
    "/courses/{course_id}/enrol", response={200: LearningEnrolmentOut, **errors(401, 403, 404, 422)}, auth=signed_in
)
def enrol(request, course_id: PageId):
    enrolment = services.course_enrol(user=request_person(request), course=_live(CoursePage, course_id))
    return {
        "course_id": enrolment.course_id,
        "enrolled_at": enrolment.enrolled_at,
        "progress_percent": enrolment.progress_percent,
        "completed_at": enrolment.completed_at,
    }


@router.post(
    "/lessons/{lesson_id}/view",
    response={200: LearningLessonProgressOut, **errors(400, 401, 403, 404, 422)},
    auth=signed_in,
)
def lesson_view(request, lesson_id: PageId):
    return selectors.progress_state(
        services.lesson_view(user=request_person(request), lesson=_live(LessonPage, lesson_id))
    )


@router.post(
    "/lessons/{lesson_id}/progress",
    response={200: LearningLessonProgressOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
    summary="Report the player's position; the server credits progress",
)
def lesson_progress(request, lesson_id: PageId, payload: LearningProgressIn):
    lesson = selectors.live_lesson(lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    progress = services.lesson_progress_report(
        user=request_person(request), lesson=lesson, position_seconds=payload.position_seconds
    )
    return selectors.progress_state(progress)


@router.post(
    "/lessons/{lesson_id}/complete",
    response={200: LearningLessonProgressOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
    summary="Ask to mark a lesson complete; the server decides",
)
def lesson_complete(request, lesson_id: PageId):
    return selectors.progress_state(
        services.lesson_complete(user=request_person(request), lesson=_live(LessonPage, lesson_id))
    )


def _quiz_out(request, quiz: QuizPage, attempt) -> dict:
    return {
        "id": quiz.pk,
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "attempts_left": services.quiz_attempts_left(user=request_person(request), quiz=quiz),
        "attempt_id": attempt.pk if attempt else None,
        "questions": selectors.attempt_questions(attempt=attempt) if attempt else [],
    }


@router.get(
    "/quizzes/{quiz_id}",
    response={200: LearningQuizOut, **errors(401, 404, 422)},
    auth=signed_in,
    summary="A quiz and the learner's open attempt, if any (reading starts nothing)",
)
def quiz_detail(request, quiz_id: PageId):
    quiz = _live(QuizPage, quiz_id)
    return _quiz_out(request, quiz, selectors.quiz_open_attempt(user=request_person(request), quiz=quiz))


@router.post(
    "/quizzes/{quiz_id}/attempts",
    response={200: LearningQuizOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
    summary="Start an attempt, or get the open one back (idempotent)",
)
def quiz_attempt_start(request, quiz_id: PageId):
    quiz = _live(QuizPage, quiz_id)
    return _quiz_out(request, quiz, services.quiz_start(user=request_person(request), quiz=quiz))


@router.post(
    "/quizzes/{quiz_id}/submit",
    response={200: LearningQuizResultOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def quiz_submit(request, quiz_id: PageId, payload: LearningQuizSubmitIn):
    result = services.quiz_submit(
        user=request_person(request),
        quiz=_live(QuizPage, quiz_id),
        attempt_id=payload.attempt_id,
        answers=payload.answers,
    )
    return {
        "score_percent": result.score_percent,
        "passed": result.passed,
        "attempts_left": result.attempts_left,
        "questions": [vars(q) for q in result.questions],
    }


@router.get(
    "/me",
    response={200: LearningMyLearningOut, **errors(401)},
    auth=signed_in,
    summary="My learning: courses in progress and finished",
)
def my_learning(request):
    state = selectors.my_learning(user=request_person(request))

    def row(enrolment):
        return {
            "course": _course_out(enrolment.course),
            "progress_percent": enrolment.progress_percent,
            "last_activity_at": enrolment.last_activity_at,
            "completed_at": enrolment.completed_at,
            "resume_url": getattr(enrolment, "resume_url", None) or enrolment.course.url or "",
        }

    return {"in_progress": [row(e) for e in state["in_progress"]], "finished": [row(e) for e in state["finished"]]}
