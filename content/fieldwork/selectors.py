"""Reads of field work: today's list, objectives, visits, problems, questionnaires and their results."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.people.models import Shop

from .models import (
    Cadence,
    FieldWorker,
    Objective,
    PlannedVisit,
    Problem,
    Question,
    Questionnaire,
    TaskItem,
    Visit,
    WorkTask,
)
from .services import _period, questionnaire_may_answer, task_due_at


def worker_of(user) -> FieldWorker | None:
    if not user.is_authenticated:
        return None
    return FieldWorker.objects.filter(user=user).prefetch_related("grids").first()


def today_list(*, user, now: dt.datetime | None = None) -> dict:
    """The person's work list for today: each task of their role's active lists with its period, deadline and
    state (done, done late, late, open), the shops planned for today, and what is late from earlier days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    worker = worker_of(user)
    if worker is None:
        return {"worker": None, "tasks": [], "stops": [], "late": []}
    tasks = list(
        WorkTask.objects.filter(template__role=worker.role, template__active=True)
        .select_related("template")
        .order_by("template__name", "sort_order", "pk")
    )
    periods = {task.pk: _period(task, today) for task in tasks}
    items = {
        (item.task_id, item.period_start): item
        for item in TaskItem.objects.filter(
            person=user, shop__isnull=True, task__in=tasks, period_start__in=set(periods.values())
        )
    }
    rows = []
    for task in tasks:
        if task.cadence == Cadence.PER_SHOP:
            continue
        period_start = periods[task.pk]
        due_at = task_due_at(task, period_start)
        item = items.get((task.pk, period_start))
        state = item.status if item else ("late" if now > due_at else "open")
        rows.append({"task": task, "period_start": period_start, "due_at": due_at, "state": state, "item": item})
    stops = list(
        PlannedVisit.objects.filter(plan__worker=user, day=today).select_related("shop").order_by("shop__name")
    )
    visited_today = set(Visit.objects.filter(worker=user, checked_in_at__date=today).values_list("shop_id", flat=True))
    late = list(
        TaskItem.objects.filter(person=user, status=TaskItem.Status.LATE)
        .select_related("task")
        .order_by("-due_at")[:20]
    )
    return {
        "worker": worker,
        "tasks": rows,
        "stops": [{"shop": stop.shop, "visited": stop.shop_id in visited_today} for stop in stops],
        "late": late,
        "open_visit": Visit.objects.filter(worker=user, finished_at__isnull=True).select_related("shop").first(),
    }


def objectives_of(*, user, now: dt.datetime | None = None) -> list[dict]:
    """This month's objectives of the person and of their unit (and the units above), each key result's
    progress counted from the items of its task done this month (the unit's people together)."""
    now = now or timezone.now()
    month = timezone.localdate(now).replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    unit_ids = []
    if user.org_unit_id:
        unit_ids = [user.org_unit_id, *user.org_unit.get_ancestors().values_list("pk", flat=True)]
    objectives = (
        Objective.objects.filter(Q(person=user) | Q(unit_id__in=unit_ids), month__gte=month, month__lt=next_month)
        .select_related("unit", "person")
        .prefetch_related("key_results__task")
    )
    out = []
    done = TaskItem.objects.filter(
        status__in=[TaskItem.Status.DONE, TaskItem.Status.DONE_LATE],
        done_at__date__gte=month,
        done_at__date__lt=next_month,
    )
    for objective in objectives:
        scope = (
            done.filter(person=objective.person)
            if objective.person_id
            else done.filter(person__org_unit__path__startswith=objective.unit.path)
        )
        results = []
        for key_result in objective.key_results.all():
            count = scope.filter(task=key_result.task).count()
            results.append(
                {
                    "task": key_result.task.title,
                    "target": key_result.target,
                    "done": count,
                    "share": min(1.0, count / key_result.target),
                }
            )
        share = sum(r["share"] for r in results) / len(results) if results else 0.0
        out.append({"objective": objective, "results": results, "share": share})
    return out


def plan_coverage(*, plan) -> dict:
    """A visit plan's shops, the days they are planned, and which were visited within the cycle."""
    stops = list(plan.stops.select_related("shop").order_by("day", "shop__licence_number"))
    end = plan.starts_on + dt.timedelta(days=plan.days)
    visited = set(
        Visit.objects.filter(
            shop__grid=plan.grid,
            finished_at__isnull=False,
            checked_in_at__date__gte=plan.starts_on,
            checked_in_at__date__lt=end,
        ).values_list("shop_id", flat=True)
    )
    return {"stops": stops, "visited": visited, "ends_on": end}


def visit_get(*, pk: int) -> Visit:
    return get_object_or_404(Visit.objects.select_related("shop", "shop__grid", "shop__owner", "worker"), pk=pk)


def visits_of_shop_owner(*, user) -> list[Visit]:
    return list(Visit.objects.filter(shop__owner=user, finished_at__isnull=False).select_related("shop", "worker")[:30])


def shops_of_owner(*, user) -> list[Shop]:
    return list(Shop.objects.filter(owner=user).order_by("name"))


def problem_get(*, pk: int) -> Problem:
    return get_object_or_404(
        Problem.objects.select_related("grid", "shop", "assigner", "assignee", "escalated_to"), pk=pk
    )


def problem_may_see(*, problem: Problem, user) -> bool:
    if not user.is_authenticated:
        return False
    if user.pk in (problem.assigner_id, problem.assignee_id, problem.escalated_to_id) or user.is_superuser:
        return True
    from core.cockpit.selectors import cockpit_units_allowed, may_see_cockpit

    return may_see_cockpit(user) and cockpit_units_allowed(user).filter(pk=problem.grid_id).exists()


def problems_of(*, user) -> dict:
    """Problems the person must close (theirs), has handed down, or has been escalated to."""
    related = ("grid", "assignee", "assigner")
    return {
        "mine": list(Problem.objects.filter(assignee=user, status=Problem.Status.OPEN).select_related(*related)),
        "handed": list(
            Problem.objects.filter(assigner=user, status=Problem.Status.OPEN)
            .exclude(assignee=user)
            .select_related(*related)
        ),
        "escalated": list(
            Problem.objects.filter(escalated_to=user, status=Problem.Status.OPEN).select_related(*related)
        ),
        "closed": list(
            Problem.objects.filter(Q(assignee=user) | Q(assigner=user), status=Problem.Status.CLOSED)
            .select_related(*related)
            .order_by("-closed_at")[:10]
        ),
    }


def questionnaires_for(*, user) -> list[Questionnaire]:
    candidates = Questionnaire.objects.filter(status=Questionnaire.Status.OPEN).select_related("scope_unit")
    return [
        q
        for q in candidates
        if q.scope != Questionnaire.Scope.PUBLIC and questionnaire_may_answer(questionnaire=q, user=user)
    ]


def questionnaire_get(*, pk: int) -> Questionnaire:
    return get_object_or_404(Questionnaire, pk=pk)


def questions_of(questionnaire: Questionnaire) -> list[Question]:
    return list(questionnaire.questions.order_by("sort_order", "pk"))


def questionnaire_results(*, questionnaire: Questionnaire) -> dict:
    """Per question: counts per choice (or scale point) and the texts; the number of responses."""
    questions = questions_of(questionnaire)
    counters = {q.pk: Counter() for q in questions}
    texts: dict[int, list[str]] = {q.pk: [] for q in questions}
    total = 0
    for answers in questionnaire.responses.values_list("answers", flat=True).iterator(2000):
        total += 1
        for q in questions:
            value = answers.get(str(q.pk))
            if value is None:
                continue
            if q.kind == Question.Kind.MULTIPLE:
                counters[q.pk].update(value)
            elif q.kind == Question.Kind.TEXT:
                if len(texts[q.pk]) < 50:
                    texts[q.pk].append(value)
            else:
                counters[q.pk][str(value)] += 1
    rows = []
    for number, q in enumerate(questions, start=1):
        options = [str(n) for n in q.scale_range()] if q.kind == Question.Kind.SCALE else q.choice_list()
        answered = sum(counters[q.pk].values()) if q.kind != Question.Kind.TEXT else len(texts[q.pk])
        rows.append(
            {
                "number": number,
                "question": q,
                "options": [{"label": o, "count": counters[q.pk][o]} for o in options],
                "texts": texts[q.pk],
                "answered": answered,
            }
        )
    return {"questionnaire": questionnaire, "responses": total, "questions": rows}


def questionnaire_csv(*, questionnaire: Questionnaire) -> str:
    questions = questions_of(questionnaire)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["response", "submitted_at", "respondent", *[q.text for q in questions]])
    for response in questionnaire.responses.select_related("respondent").order_by("pk").iterator(2000):
        row = [
            response.pk,
            response.submitted_at.isoformat(),
            response.respondent.username if response.respondent else "",
        ]
        for q in questions:
            value = response.answers.get(str(q.pk), "")
            row.append("; ".join(value) if isinstance(value, list) else value)
        writer.writerow(row)
    return out.getvalue()
