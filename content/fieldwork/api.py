"""Field work API: today's list, check-in, finishing and confirming visits, problems and their closing,
questionnaires (questions, answers, results). The phone app and the pages share the services."""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from core.errors import NotFound, PermissionDenied, errors
from core.people.auth import request_person, signed_in
from core.people.models import OrgUnit, Shop, User

from . import selectors, services
from .models import Problem, Questionnaire, Visit, WorkTask

router = Router(tags=["fieldwork"])


class FieldworkTaskOut(Schema):
    id: int
    title: str
    cadence: str
    evidence: str
    checklist: list[str]
    period_start: date
    due_at: datetime
    state: str


class FieldworkStopOut(Schema):
    shop: int
    name: str
    visited: bool


class FieldworkTodayOut(Schema):
    role: str
    grids: list[str]
    tasks: list[FieldworkTaskOut]
    stops: list[FieldworkStopOut]
    late: int


class FieldworkCheckInIn(Schema):
    token: str | None = Field(None, max_length=200)
    shop: int | None = Field(None, ge=1, le=2**31 - 1)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class FieldworkVisitOut(Schema):
    id: int
    shop: int
    shop_name: str
    method: str
    checked_in_at: datetime
    distance_m: int | None
    checklist: list[str]
    finished_at: datetime | None
    confirmed_at: datetime | None


class FieldworkFinishIn(Schema):
    checklist: list[str] = Field(default_factory=list, max_length=100)
    note: str = Field("", max_length=2000)


class FieldworkConfirmIn(Schema):
    comment: str = Field("", max_length=500)


class FieldworkTickIn(Schema):
    visit: int | None = Field(None, ge=1, le=2**31 - 1)
    checklist: list[str] = Field(default_factory=list, max_length=100)
    note: str = Field("", max_length=2000)


class FieldworkTickOut(Schema):
    task: int
    status: str
    done_at: datetime | None


class FieldworkProblemIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=2000)
    assignee: int = Field(..., ge=1, le=2**31 - 1)
    deadline: datetime
    visit: int | None = Field(None, ge=1, le=2**31 - 1)
    unit: int | None = Field(None, ge=1, le=2**31 - 1)


class FieldworkProblemOut(Schema):
    id: int
    title: str
    unit: str
    assigner: str
    assignee: str
    deadline: datetime
    status: str
    assignee_closed_at: datetime | None
    assigner_closed_at: datetime | None
    escalation_level: int


class FieldworkProblemsOut(Schema):
    mine: list[FieldworkProblemOut]
    handed: list[FieldworkProblemOut]
    escalated: list[FieldworkProblemOut]


class FieldworkCloseIn(Schema):
    note: str = Field("", max_length=2000)


class FieldworkQuestionOut(Schema):
    id: int
    number: int
    text: str
    kind: str
    required: bool
    choices: list[str]
    scale_max: int
    skip_when: str
    skip_to: int | None


class FieldworkQuestionnaireOut(Schema):
    id: int
    title: str
    intro: str
    one_answer: bool
    questions: list[FieldworkQuestionOut]


class FieldworkAnswersIn(Schema):
    answers: dict[str, str | int | list[str] | None] = Field(..., max_length=200)


class FieldworkResponseOut(Schema):
    id: int
    submitted_at: datetime


class FieldworkOptionOut(Schema):
    label: str
    count: int


class FieldworkResultOut(Schema):
    number: int
    question: str
    kind: str
    answered: int
    options: list[FieldworkOptionOut]
    texts: list[str]


class FieldworkResultsOut(Schema):
    id: int
    title: str
    responses: int
    questions: list[FieldworkResultOut]


def _visit_out(visit: Visit) -> dict:
    return {
        "id": visit.pk,
        "shop": visit.shop_id,
        "shop_name": visit.shop.name,
        "method": visit.method,
        "checked_in_at": visit.checked_in_at,
        "distance_m": visit.distance_m,
        "checklist": visit.checklist,
        "finished_at": visit.finished_at,
        "confirmed_at": visit.confirmed_at,
    }


def _problem_out(problem: Problem) -> dict:
    return {
        "id": problem.pk,
        "title": problem.title,
        "unit": problem.grid.name,
        "assigner": str(problem.assigner),
        "assignee": str(problem.assignee),
        "deadline": problem.deadline,
        "status": problem.status,
        "assignee_closed_at": problem.assignee_closed_at,
        "assigner_closed_at": problem.assigner_closed_at,
        "escalation_level": problem.escalation_level,
    }


@router.get("/today", response={200: FieldworkTodayOut, **errors(401, 403)}, auth=signed_in)
def today(request):
    """Your work list for today (field staff only): tasks with deadline and state, shops planned for today."""
    listing = selectors.today_list(user=request_person(request))
    worker = listing["worker"]
    if worker is None:
        raise PermissionDenied(_("Only field staff have a work list."))
    return {
        "role": worker.role,
        "grids": [grid.name for grid in worker.grids.all()],
        "tasks": [
            {
                "id": row["task"].pk,
                "title": row["task"].title,
                "cadence": row["task"].cadence,
                "evidence": row["task"].evidence,
                "checklist": row["task"].checklist_items(),
                "period_start": row["period_start"],
                "due_at": row["due_at"],
                "state": row["state"],
            }
            for row in listing["tasks"]
        ],
        "stops": [{"shop": s["shop"].pk, "name": s["shop"].name, "visited": s["visited"]} for s in listing["stops"]],
        "late": len(listing["late"]),
    }


@router.post("/check-in", response={201: FieldworkVisitOut, **errors(400, 401, 403, 404, 422)}, auth=signed_in)
def check_in(request, payload: FieldworkCheckInIn):
    """Check in at a shop: by its QR token, or by `shop` with your location (within the set distance)."""
    shop = None
    if not payload.token and payload.shop is not None:
        shop = Shop.objects.filter(pk=payload.shop).select_related("grid").first()
        if shop is None:
            raise NotFound(_("No such shop."))
    visit = services.visit_check_in(
        user=request_person(request),
        token=payload.token,
        shop=shop,
        latitude=payload.latitude,
        longitude=payload.longitude,
    )
    return Status(201, _visit_out(visit))


def _visit(visit_id: int) -> Visit:
    visit = Visit.objects.filter(pk=visit_id).select_related("shop", "shop__grid").first()
    if visit is None:
        raise NotFound(_("No such visit."))
    return visit


@router.post(
    "/visits/{visit_id}/finish",
    response={200: FieldworkVisitOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def visit_finish(request, visit_id: int, payload: FieldworkFinishIn):
    """Tick the checklist and finish your visit."""
    visit = services.visit_finish(
        user=request_person(request), visit=_visit(visit_id), ticked=payload.checklist, note=payload.note
    )
    return _visit_out(visit)


@router.post(
    "/visits/{visit_id}/confirm",
    response={200: FieldworkVisitOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def visit_confirm(request, visit_id: int, payload: FieldworkConfirmIn):
    """The shop owner confirms a finished visit."""
    visit = services.visit_confirm(user=request_person(request), visit=_visit(visit_id), comment=payload.comment)
    return _visit_out(visit)


@router.post(
    "/tasks/{task_id}/tick", response={200: FieldworkTickOut, **errors(400, 401, 403, 404, 422)}, auth=signed_in
)
def task_tick(request, task_id: int, payload: FieldworkTickIn):
    """Tick a task of your list (a photo task is ticked on the page, which takes the upload)."""
    person = request_person(request)
    task = WorkTask.objects.filter(pk=task_id).select_related("template").first()
    if task is None:
        raise NotFound(_("No such task."))
    visit = (
        Visit.objects.filter(pk=payload.visit, worker=person).select_related("shop").first() if payload.visit else None
    )
    item = services.task_tick(user=person, task=task, visit=visit, checklist=payload.checklist, note=payload.note)
    return {"task": task.pk, "status": item.status, "done_at": item.done_at}


@router.get("/problems", response={200: FieldworkProblemsOut, **errors(401)}, auth=signed_in)
def problems(request):
    """Problems you must close, you handed down, or that were escalated to you."""
    found = selectors.problems_of(user=request_person(request))
    return {key: [_problem_out(p) for p in found[key]] for key in ("mine", "handed", "escalated")}


@router.post("/problems", response={201: FieldworkProblemOut, **errors(400, 401, 403, 404, 422)}, auth=signed_in)
def problem_raise(request, payload: FieldworkProblemIn):
    """Raise a problem from your visit (`visit`) or hand one down over a unit (`unit`)."""
    assignee = User.objects.filter(pk=payload.assignee).first()
    if assignee is None:
        raise NotFound(_("No such person."))
    visit = _visit(payload.visit) if payload.visit else None
    unit = OrgUnit.objects.filter(pk=payload.unit).first() if payload.unit else None
    if payload.unit and unit is None:
        raise NotFound(_("No such organisation unit."))
    problem = services.problem_raise(
        by=request_person(request),
        title=payload.title,
        description=payload.description,
        assignee=assignee,
        deadline=payload.deadline,
        visit=visit,
        grid=unit,
    )
    return Status(201, _problem_out(problem))


@router.post(
    "/problems/{problem_id}/close",
    response={200: FieldworkProblemOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def problem_close(request, problem_id: int, payload: FieldworkCloseIn):
    """Close your side (销号): the responsible person first, then the assigner; closed when both have."""
    problem = Problem.objects.filter(pk=problem_id).select_related("grid", "assigner", "assignee").first()
    if problem is None:
        raise NotFound(_("No such problem."))
    person = request_person(request)
    if not selectors.problem_may_see(problem=problem, user=person):
        raise NotFound(_("No such problem."))
    problem = services.problem_close(by=person, problem=problem, note=payload.note)
    return _problem_out(problem)


def _questionnaire(questionnaire_id: int) -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(pk=questionnaire_id).exclude(status=Questionnaire.Status.DRAFT).first()
    if questionnaire is None:
        raise NotFound(_("No such questionnaire."))
    return questionnaire


@router.get("/questionnaires/{questionnaire_id}", response={200: FieldworkQuestionnaireOut, **errors(403, 404, 422)})
def questionnaire(request, questionnaire_id: int):
    """A questionnaire's questions, with their skip logic (for those it is sent to; public ones for anyone)."""
    found = _questionnaire(questionnaire_id)
    if not services.questionnaire_may_answer(questionnaire=found, user=request_person(request)):
        raise PermissionDenied(_("This questionnaire is not for you."))
    return {
        "id": found.pk,
        "title": found.title,
        "intro": found.intro,
        "one_answer": found.one_answer,
        "questions": [
            {
                "id": q.pk,
                "number": n,
                "text": q.text,
                "kind": q.kind,
                "required": q.required,
                "choices": q.choice_list(),
                "scale_max": q.scale_max,
                "skip_when": q.skip_when,
                "skip_to": q.skip_to,
            }
            for n, q in enumerate(selectors.questions_of(found), start=1)
        ],
    }


@router.post(
    "/questionnaires/{questionnaire_id}/responses",
    response={201: FieldworkResponseOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def respond(request, questionnaire_id: int, payload: FieldworkAnswersIn):
    """Answer (once, where the questionnaire takes one answer each: a second answer is 409). Consumers answer a
    public questionnaire on its public page."""
    response = services.questionnaire_respond(
        questionnaire=_questionnaire(questionnaire_id), user=request_person(request), answers=payload.answers
    )
    return Status(201, {"id": response.pk, "submitted_at": response.submitted_at})


@router.get(
    "/questionnaires/{questionnaire_id}/results",
    response={200: FieldworkResultsOut, **errors(401, 403, 404, 422)},
    auth=signed_in,
)
def results(request, questionnaire_id: int):
    """Counts per choice and scale point, texts (the first 50 per question); editors and the author."""
    found = get_object_or_404(Questionnaire, pk=questionnaire_id)
    person = request_person(request)
    if not (person.is_superuser or person.has_role("editor") or found.created_by_id == person.pk):
        raise PermissionDenied(_("Only editors see the results."))
    data = selectors.questionnaire_results(questionnaire=found)
    return {
        "id": found.pk,
        "title": found.title,
        "responses": data["responses"],
        "questions": [
            {
                "number": row["number"],
                "question": row["question"].text,
                "kind": row["question"].kind,
                "answered": row["answered"],
                "options": row["options"],
                "texts": row["texts"],
            }
            for row in data["questions"]
        ],
    }
