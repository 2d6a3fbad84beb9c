"""Writes of field work: keyword-only, permission-checked, one transaction each, a statement for every state
change (the cockpit's summaries follow the statements). The clock is a parameter (`now`) so tests and the
`fieldwork_tick` command can move it."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.iris import ActivityType, Verb
from core.activity.services import activity_record
from core.cockpit.indicators import UNIT_EXTENSION
from core.errors import ApplicationError, NotFound, PermissionDenied
from core.people.models import OrgUnit, Role, Shop, User

from . import vocabulary as v
from .models import (
    Cadence,
    Evidence,
    FieldRole,
    FieldWorker,
    PlannedVisit,
    Problem,
    Question,
    Questionnaire,
    Response,
    TaskItem,
    Visit,
    VisitPlan,
    WorkTask,
)

MAX_NOTE = 2000
MAX_TITLE = 200
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
CHECK_IN_SALT = "fieldwork.shop-check-in"


class Conflict(ApplicationError):
    status = 409


def checkin_distance_m() -> int:
    return int(getattr(settings, "FIELDWORK_CHECKIN_DISTANCE_M", 200))


def checkin_token_max_age() -> int:
    return int(getattr(settings, "FIELDWORK_QR_MAX_AGE_SECONDS", 600))


def escalate_every() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "FIELDWORK_ESCALATE_EVERY_HOURS", 48)))


def _record(*, actor, verb, activity_type, object_id, name, unit_code, now, natural_key, result=None):
    return activity_record(
        actor=actor,
        verb=verb,
        object_id=object_id,
        activity_type=activity_type,
        name=name,
        result=result,
        context={"extensions": {UNIT_EXTENSION: unit_code}},
        natural_key=natural_key,
        timestamp=now,
    )


def _worker(user) -> FieldWorker:
    worker = FieldWorker.objects.filter(user=user).first() if user.is_authenticated else None
    if worker is None:
        raise PermissionDenied(_("Only field staff (customer managers, inspectors, deliverers) may do this."))
    return worker


def _is_staff(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(user.role_codes() & {Role.STAFF, Role.EDITOR}))


# --- the shop's check-in QR code ---------------------------------------------------------------------------
# The shop's own check-in token, made here: a signed (shop, time) pair that expires, shown as a QR code on the
# shop owner's phone. (The direct line's QR code, built in content/community, is another thing; not imported.)


def shop_checkin_token(*, shop: Shop, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    return signing.Signer(salt=CHECK_IN_SALT).sign(f"{shop.pk}.{int(now.timestamp())}")


def shop_for_checkin_token(*, token: str, now: dt.datetime | None = None) -> Shop:
    """The shop a check-in token names; refuses a forged or expired one."""
    now = now or timezone.now()
    try:
        value = signing.Signer(salt=CHECK_IN_SALT).unsign(token)
        shop_id, issued = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError) as exc:
        raise ApplicationError(_("This QR code is not a shop's check-in code.")) from exc
    age = now.timestamp() - issued
    if age > checkin_token_max_age() or age < -60:
        raise ApplicationError(
            _("This QR code has expired: ask the shop to show a fresh one."), extra={"age": int(age)}
        )
    shop = Shop.objects.filter(pk=shop_id).select_related("grid").first()
    if shop is None:
        raise NotFound(_("No such shop."))
    return shop


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


# --- visit plans -------------------------------------------------------------------------------------------


def visit_plan_create(*, by, grid: OrgUnit, worker, starts_on: dt.date, days: int = 28) -> VisitPlan:
    """Plan one visit to every shop of `grid` within `days` days from `starts_on`, spread evenly over the
    working days (Monday to Friday; every day if the cycle has none)."""
    if not _is_staff(by):
        raise PermissionDenied(_("Only staff may plan visits."))
    if grid.kind != OrgUnit.Kind.GRID:
        raise ApplicationError(_("Visits are planned per grid."))
    if not 1 <= days <= 92:
        raise ApplicationError(_("A cycle lasts 1 to 92 days."))
    calendar = [starts_on + dt.timedelta(days=n) for n in range(days)]
    working = [day for day in calendar if day.weekday() < 5] or calendar
    shops = list(Shop.objects.filter(grid=grid).order_by("licence_number").values_list("pk", flat=True))
    with transaction.atomic():
        plan, created = VisitPlan.objects.get_or_create(
            grid=grid, worker=worker, starts_on=starts_on, defaults={"days": days}
        )
        if not created:
            raise Conflict(_("This grid already has a plan starting that day."))
        PlannedVisit.objects.bulk_create(
            [
                PlannedVisit(plan=plan, shop_id=shop_id, day=working[i * len(working) // max(len(shops), 1)])
                for i, shop_id in enumerate(shops)
            ]
        )
    return plan


# --- visits ------------------------------------------------------------------------------------------------


def visit_check_in(
    *,
    user,
    token: str | None = None,
    shop: Shop | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    now: dt.datetime | None = None,
) -> Visit:
    """Check in at a shop by its QR token, or at `shop` by the phone's location within the set distance."""
    now = now or timezone.now()
    worker = _worker(user)
    if token:
        shop = shop_for_checkin_token(token=token, now=now)
        method, distance = Visit.Method.QR, None
    else:
        if shop is None or latitude is None or longitude is None:
            raise ApplicationError(_("Scan the shop's QR code or share your location."))
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ApplicationError(_("That is not a location."))
        place = getattr(shop, "place", None)
        if place is None:
            raise ApplicationError(_("This shop has no location on record: scan its QR code."))
        distance = round(distance_m(float(place.latitude), float(place.longitude), latitude, longitude))
        if distance > checkin_distance_m():
            raise ApplicationError(
                _("You are %(distance)d m from the shop; check in within %(limit)d m.")
                % {"distance": distance, "limit": checkin_distance_m()},
                extra={"distance": distance, "limit": checkin_distance_m()},
            )
        method = Visit.Method.LOCATION
    if not worker.grids.filter(pk=shop.grid_id).exists():
        raise PermissionDenied(_("This shop is not in a grid you serve."))
    with transaction.atomic():
        visit = Visit.objects.create(
            shop=shop,
            worker=user,
            role=worker.role,
            method=method,
            checked_in_at=now,
            latitude=Decimal(str(round(latitude, 6))) if latitude is not None else None,
            longitude=Decimal(str(round(longitude, 6))) if longitude is not None else None,
            distance_m=distance,
        )
        _record(
            actor=user,
            verb=Verb.CHECKED_IN,
            activity_type=ActivityType.SHOP_VISIT,
            object_id=v.visit_iri(visit.pk),
            name=shop.name,
            unit_code=shop.grid.code,
            now=now,
            natural_key=("fieldwork-check-in", visit.pk),
            result={"extensions": {v.SIDE: method}},
        )
    return visit


def role_checklist(role: str) -> list[tuple[WorkTask, list[str]]]:
    """The per-shop tasks of a role's active work lists that ask for a checklist, with their items."""
    tasks = WorkTask.objects.filter(template__role=role, template__active=True, cadence=Cadence.PER_SHOP).order_by(
        "template_id", "sort_order", "pk"
    )
    return [(task, task.checklist_items()) for task in tasks]


def _period(task: WorkTask, day: dt.date, shop_cycle_start: dt.date | None = None) -> dt.date:
    if task.cadence == Cadence.WEEKLY:
        return day - dt.timedelta(days=day.weekday())
    if task.cadence == Cadence.MONTHLY:
        return day.replace(day=1)
    if task.cadence == Cadence.PER_SHOP:
        return day.replace(day=1)  # the cycle of per-shop tasks is the month
    return day


def task_due_at(task: WorkTask, period_start: dt.date) -> dt.datetime:
    day = period_start + dt.timedelta(days=task.due_days)
    if task.cadence == Cadence.PER_SHOP:
        # the last day of the month
        day = (period_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(task.due_hour)))


def visit_finish(*, user, visit: Visit, ticked: list[str], note: str = "", now: dt.datetime | None = None) -> Visit:
    """Tick the role's checklist on site and finish the visit: its per-shop tasks are done."""
    now = now or timezone.now()
    if visit.worker_id != user.pk:
        raise PermissionDenied(_("Only the visitor finishes a visit."))
    if visit.finished_at is not None:
        raise Conflict(_("This visit is already finished."))
    if len(note) > MAX_NOTE:
        raise ApplicationError(_("A note holds at most %(n)d characters.") % {"n": MAX_NOTE})
    checklist = role_checklist(visit.role)
    allowed = {item for _task, items in checklist for item in items}
    unknown = sorted(set(ticked) - allowed)
    if unknown:
        raise ApplicationError(_("Not on this role's checklist: %(items)s") % {"items": ", ".join(unknown)})
    with transaction.atomic():
        shop = Shop.objects.select_for_update().select_related("grid").get(pk=visit.shop_id)
        month_start = timezone.localdate(now).replace(day=1)
        month_begins = timezone.make_aware(dt.datetime.combine(month_start, dt.time()))
        first = not Visit.objects.filter(shop=shop, finished_at__gte=month_begins).exclude(pk=visit.pk).exists()
        visit.checklist = sorted(set(ticked))
        visit.note = note
        visit.finished_at = now
        visit.save(update_fields=["checklist", "note", "finished_at"])
        _record(
            actor=user,
            verb=Verb.VISITED,
            activity_type=ActivityType.SHOP_VISIT,
            object_id=v.visit_iri(visit.pk),
            name=shop.name,
            unit_code=shop.grid.code,
            now=now,
            natural_key=("fieldwork-visited", visit.pk),
            result={
                "completion": True,
                "response": "|".join(visit.checklist),
                "extensions": {v.FIRST_IN_MONTH: first},
            },
        )
        for task, items in checklist:
            if task.evidence == Evidence.CHECKLIST and not set(items) <= set(ticked):
                continue  # a checklist task is done only when every one of its items is ticked
            _item_done(task=task, person=user, shop=shop, visit=visit, now=now, checklist=visit.checklist)
    return visit


def visit_confirm(*, user, visit: Visit, comment: str = "", now: dt.datetime | None = None) -> Visit:
    """The shop owner confirms the visit record."""
    now = now or timezone.now()
    shop = visit.shop
    if shop.owner_id != user.pk:
        raise PermissionDenied(_("Only the shop's owner confirms its visits."))
    if visit.finished_at is None:
        raise ApplicationError(_("The visit is not finished yet."))
    if visit.confirmed_at is not None:
        raise Conflict(_("You have already confirmed this visit."))
    if len(comment) > 500:
        raise ApplicationError(_("A comment holds at most 500 characters."))
    with transaction.atomic():
        visit.confirmed_at = now
        visit.owner_comment = comment
        visit.save(update_fields=["confirmed_at", "owner_comment"])
        _record(
            actor=user,
            verb=Verb.CONFIRMED,
            activity_type=ActivityType.SHOP_VISIT,
            object_id=v.visit_iri(visit.pk),
            name=shop.name,
            unit_code=shop.grid.code,
            now=now,
            natural_key=("fieldwork-visit-confirmed", visit.pk),
        )
    return visit


# --- work lists --------------------------------------------------------------------------------------------


def _unit_code_of(user) -> str:
    worker = FieldWorker.objects.filter(user=user).first()
    grid = worker.grids.order_by("path").first() if worker else None
    if grid is not None:
        return grid.code
    return user.org_unit.code if user.org_unit_id else ""


def _item_done(*, task, person, now, shop=None, visit=None, photo=None, checklist=None, note="") -> TaskItem:
    period_start = _period(task, timezone.localdate(now))
    due_at = task_due_at(task, period_start)
    item = (
        TaskItem.objects.select_for_update()
        .filter(task=task, person=person, period_start=period_start, shop=shop)
        .first()
    )
    late_counted = item is not None and item.status == TaskItem.Status.LATE
    if item is not None and item.status != TaskItem.Status.LATE:
        return item  # done already: ticking again changes nothing
    on_time = now <= due_at
    status = TaskItem.Status.DONE if on_time else TaskItem.Status.DONE_LATE
    if item is None:
        item = TaskItem(task=task, person=person, period_start=period_start, shop=shop, due_at=due_at)
    item.status = status
    item.done_at = now
    item.visit = visit
    item.checklist = checklist or []
    item.note = note
    if photo is not None:
        item.photo = photo
    item.save()
    unit_code = shop.grid.code if shop is not None else _unit_code_of(person)
    _record(
        actor=person,
        verb=Verb.COMPLETED,
        activity_type=ActivityType.WORK_TASK,
        object_id=v.task_iri(task.pk),
        name=task.title,
        unit_code=unit_code,
        now=now,
        natural_key=("fieldwork-task-done", task.pk, person.pk, period_start, shop.pk if shop else ""),
        result={"success": on_time, "completion": True, "extensions": {v.LATE_COUNTED: late_counted}},
    )
    return item


def task_tick(
    *,
    user,
    task: WorkTask,
    visit: Visit | None = None,
    photo=None,
    checklist: list[str] | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> TaskItem:
    """Tick a task of today's list with the evidence it asks for."""
    now = now or timezone.now()
    worker = _worker(user)
    if task.template.role != worker.role or not task.template.active:
        raise PermissionDenied(_("This task is not on your work list."))
    if len(note) > MAX_NOTE:
        raise ApplicationError(_("A note holds at most %(n)d characters.") % {"n": MAX_NOTE})
    shop = None
    if task.evidence == Evidence.CHECK_IN or task.cadence == Cadence.PER_SHOP:
        if visit is None or visit.worker_id != user.pk:
            raise ApplicationError(_("This task needs a check-in at a shop."))
        shop = visit.shop
    if task.evidence == Evidence.PHOTO:
        if photo is None:
            raise ApplicationError(_("This task needs a photo."))
        if getattr(photo, "size", 0) > MAX_PHOTO_BYTES:
            raise ApplicationError(_("A photo is at most 5 MB."))
        if getattr(photo, "content_type", "") not in PHOTO_TYPES:
            raise ApplicationError(_("A photo is a JPEG, PNG or WebP image."))
    if task.evidence == Evidence.CHECKLIST and set(checklist or []) != set(task.checklist_items()):
        raise ApplicationError(_("Tick every item of the checklist."))
    if task.evidence == Evidence.NOTE and not note.strip():
        raise ApplicationError(_("This task needs a note."))
    with transaction.atomic():
        return _item_done(
            task=task, person=user, shop=shop, visit=visit, photo=photo, checklist=checklist, note=note, now=now
        )


def tasks_mark_late(*, now: dt.datetime | None = None, lookback_days: int = 1, people: set[int] | None = None) -> int:
    """Every daily, weekly or monthly task whose deadline passed in the last days without a tick becomes a late
    item, once, with a statement (`failed`). Looks back `lookback_days` (the scheduler runs it every few minutes).
    Per-shop tasks are measured by visit coverage instead."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    made = 0
    tasks = list(
        WorkTask.objects.filter(template__active=True).exclude(cadence=Cadence.PER_SHOP).select_related("template")
    )
    workers = FieldWorker.objects.select_related("user")
    workers = list(workers.filter(user_id__in=people) if people is not None else workers)
    for task in tasks:
        periods = sorted({_period(task, today - dt.timedelta(days=n)) for n in range(lookback_days + 1)})
        for period_start in periods:
            due_at = task_due_at(task, period_start)
            if not (now - dt.timedelta(days=lookback_days) < due_at <= now):
                continue
            people = [w.user for w in workers if w.role == task.template.role]
            done = set(
                TaskItem.objects.filter(task=task, period_start=period_start, shop__isnull=True).values_list(
                    "person_id", flat=True
                )
            )
            for person in people:
                if person.pk in done:
                    continue
                with transaction.atomic():
                    try:
                        with transaction.atomic():
                            TaskItem.objects.create(
                                task=task,
                                person=person,
                                period_start=period_start,
                                due_at=due_at,
                                status=TaskItem.Status.LATE,
                            )
                    except IntegrityError:
                        continue  # ticked or marked at the same moment
                    _record(
                        actor=person,
                        verb=Verb.FAILED,
                        activity_type=ActivityType.WORK_TASK,
                        object_id=v.task_iri(task.pk),
                        name=task.title,
                        unit_code=_unit_code_of(person),
                        now=due_at,
                        natural_key=("fieldwork-task-late", task.pk, person.pk, period_start),
                        result={"success": False, "completion": False},
                    )
                    made += 1
    return made


# --- problems ----------------------------------------------------------------------------------------------


def problem_raise(
    *,
    by,
    title: str,
    assignee,
    deadline: dt.datetime,
    description: str = "",
    grid: OrgUnit | None = None,
    visit: Visit | None = None,
    now: dt.datetime | None = None,
) -> Problem:
    """A problem found on a visit (by the visitor) or handed down (by staff over the unit): a to-do for
    `assignee` with a deadline."""
    now = now or timezone.now()
    if not _is_staff(by):
        raise PermissionDenied(_("Only staff may raise problems."))
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ApplicationError(_("A problem needs a title of at most %(n)d characters.") % {"n": MAX_TITLE})
    if len(description) > MAX_NOTE:
        raise ApplicationError(_("A description holds at most %(n)d characters.") % {"n": MAX_NOTE})
    if deadline <= now:
        raise ApplicationError(_("The deadline must be in the future."))
    if not _is_staff(assignee):
        raise ApplicationError(_("Problems go to staff."))
    shop = None
    if visit is not None:
        if visit.worker_id != by.pk:
            raise PermissionDenied(_("Only the visitor raises a problem from a visit."))
        shop, grid = visit.shop, visit.shop.grid
    if grid is None:
        raise ApplicationError(_("Name the unit the problem is in."))
    if visit is None and not (
        by.is_superuser or by.has_role(Role.EDITOR) or (by.org_unit_id and grid.path.startswith(by.org_unit.path))
    ):
        raise PermissionDenied(_("You may only hand down problems in the units you work in."))
    with transaction.atomic():
        problem = Problem.objects.create(
            title=title,
            description=description,
            grid=grid,
            shop=shop,
            visit=visit,
            assigner=by,
            assignee=assignee,
            deadline=deadline,
            created_at=now,
        )
        _record(
            actor=by,
            verb=Verb.REQUESTED,
            activity_type=ActivityType.FIELD_PROBLEM,
            object_id=v.problem_iri(problem.pk),
            name=title,
            unit_code=grid.code,
            now=now,
            natural_key=("fieldwork-problem-raised", problem.pk),
        )
    return problem


def problem_close(*, by, problem: Problem, note: str = "", now: dt.datetime | None = None) -> Problem:
    """One side closes ("销号"): the responsible first, then the assigner; closed when both have."""
    now = now or timezone.now()
    if len(note) > MAX_NOTE:
        raise ApplicationError(_("A note holds at most %(n)d characters.") % {"n": MAX_NOTE})
    with transaction.atomic():
        problem = Problem.objects.select_for_update().select_related("grid").get(pk=problem.pk)
        if problem.status == Problem.Status.CLOSED:
            raise Conflict(_("This problem is already closed."))
        sides = []
        if by.pk == problem.assignee_id and problem.assignee_closed_at is None:
            problem.assignee_closed_at = now
            problem.assignee_note = note
            sides.append("assignee")
        if by.pk == problem.assigner_id and problem.assigner_closed_at is None:
            if problem.assignee_closed_at is None:
                raise ApplicationError(_("The responsible person closes it first."))
            problem.assigner_closed_at = now
            sides.append("assigner")
        if not sides:
            if by.pk in (problem.assignee_id, problem.assigner_id):
                raise Conflict(_("You have already closed this problem; the other side has not yet."))
            raise PermissionDenied(_("Only the assigner and the responsible person close a problem."))
        for side in sides:
            _record(
                actor=by,
                verb=Verb.CLOSED,
                activity_type=ActivityType.FIELD_PROBLEM,
                object_id=v.problem_iri(problem.pk),
                name=problem.title,
                unit_code=problem.grid.code,
                now=now,
                natural_key=("fieldwork-problem-closed", problem.pk, side),
                result={"extensions": {v.SIDE: side}},
            )
        if problem.assignee_closed_at and problem.assigner_closed_at:
            problem.status = Problem.Status.CLOSED
            problem.closed_at = now
            _record(
                actor=problem.assignee,
                verb=Verb.COMPLETED,
                activity_type=ActivityType.FIELD_PROBLEM,
                object_id=v.problem_iri(problem.pk),
                name=problem.title,
                unit_code=problem.grid.code,
                now=now,
                natural_key=("fieldwork-problem-completed", problem.pk),
                result={
                    "success": now <= problem.deadline,
                    "completion": True,
                    "extensions": {v.WAS_ESCALATED: problem.escalation_level > 0},
                },
            )
        problem.save()
    return problem


def _leader_above(unit: OrgUnit, levels: int) -> User | None:
    """A staff member of the unit `levels` steps above `unit` (or the highest one there is)."""
    ancestors = list(unit.get_ancestors().order_by("-depth"))
    for ancestor in ancestors[levels - 1 :] or ancestors[-1:]:
        person = (
            User.objects.filter(org_unit=ancestor, roles__role__in=[Role.STAFF, Role.EDITOR], is_active=True)
            .order_by("pk")
            .first()
        )
        if person is not None:
            return person
    return None


def problems_escalate(*, now: dt.datetime | None = None) -> int:
    """Open problems past their deadline go one level up, and one more every FIELDWORK_ESCALATE_EVERY_HOURS
    they stay open; each step a statement. Returns how many steps were taken."""
    now = now or timezone.now()
    steps = 0
    late = Problem.objects.filter(status=Problem.Status.OPEN, deadline__lt=now).values_list(
        "pk", "deadline", "escalation_level"
    )
    for pk, deadline, level in list(late):
        wanted = 1 + int((now - deadline) / escalate_every())
        if wanted <= level:
            continue
        with transaction.atomic():
            problem = Problem.objects.select_for_update().select_related("grid", "assignee").get(pk=pk)
            if problem.status != Problem.Status.OPEN or problem.escalation_level >= wanted:
                continue
            for step in range(problem.escalation_level + 1, wanted + 1):
                problem.escalation_level = step
                problem.escalated_to = _leader_above(problem.grid, step)
                problem.escalated_at = now
                _record(
                    actor=problem.assignee,
                    verb=v.ESCALATED,
                    activity_type=ActivityType.FIELD_PROBLEM,
                    object_id=v.problem_iri(problem.pk),
                    name=problem.title,
                    unit_code=problem.grid.code,
                    now=now,
                    natural_key=("fieldwork-problem-escalated", problem.pk, step),
                    result={"extensions": {v.LEVEL: step}},
                )
                steps += 1
            problem.save(update_fields=["escalation_level", "escalated_to", "escalated_at"])
    return steps


# --- questionnaires ----------------------------------------------------------------------------------------


def questionnaire_may_answer(*, questionnaire: Questionnaire, user) -> bool:
    if questionnaire.status != Questionnaire.Status.OPEN:
        return False
    scope = questionnaire.scope
    if scope == Questionnaire.Scope.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if scope == Questionnaire.Scope.ROLE:
        if questionnaire.scope_role in FieldRole.values:
            return FieldWorker.objects.filter(user=user, role=questionnaire.scope_role).exists()
        return user.has_role(questionnaire.scope_role)
    unit = questionnaire.scope_unit
    if unit is None:
        return False
    if scope == Questionnaire.Scope.UNIT:
        return bool(user.org_unit_id) and user.org_unit.path.startswith(unit.path)
    if scope == Questionnaire.Scope.GRID_SHOPS:
        return Shop.objects.filter(owner=user, grid__path__startswith=unit.path).exists()
    return False


def answers_validate(questions: list[Question], answers: dict) -> dict[str, object]:
    """The answers to keep, after the skip logic: questions skipped must be left empty, required questions on
    the path answered, choices among the question's, scales within range, texts short. Keys are question ids."""
    if not isinstance(answers, dict):
        raise ApplicationError(_("Answers are a mapping of question to answer."))
    by_id = {str(q.pk): q for q in questions}
    unknown = sorted(set(map(str, answers)) - set(by_id))
    if unknown:
        raise ApplicationError(_("No such question: %(ids)s") % {"ids": ", ".join(unknown)})
    given = {str(key): value for key, value in answers.items() if value not in (None, "", [])}
    kept: dict[str, object] = {}
    index = 0
    skipped: list[str] = []
    while index < len(questions):
        question = questions[index]
        key = str(question.pk)
        value = given.get(key)
        jump = None
        if value is None:
            if question.required:
                raise ApplicationError(
                    _("Question %(n)d needs an answer.") % {"n": index + 1}, extra={"question": question.pk}
                )
        else:
            kept[key] = _answer_check(question, value, index + 1)
            if question.kind == Question.Kind.SINGLE and question.skip_when and value == question.skip_when:
                jump = (question.skip_to or len(questions) + 1) - 1
        if jump is not None and jump > index + 1:
            skipped += [str(q.pk) for q in questions[index + 1 : jump]]
            index = jump
        else:
            index += 1
    answered_skipped = [key for key in skipped if key in given]
    if answered_skipped:
        raise ApplicationError(
            _("These questions are skipped by your answers and must stay empty."),
            extra={"questions": [int(key) for key in answered_skipped]},
        )
    return kept


def _answer_check(question: Question, value, number: int):
    wrong = ApplicationError(
        _("Question %(n)d: that answer is not allowed.") % {"n": number}, extra={"question": question.pk}
    )
    if question.kind == Question.Kind.SINGLE:
        if not isinstance(value, str) or value not in question.choice_list():
            raise wrong
        return value
    if question.kind == Question.Kind.MULTIPLE:
        if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
            raise wrong
        if not set(value) <= set(question.choice_list()) or len(set(value)) != len(value):
            raise wrong
        return value
    if question.kind == Question.Kind.SCALE:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= question.scale_max:
            raise wrong
        return value
    if not isinstance(value, str) or len(value) > MAX_NOTE:
        raise wrong
    return value.replace("\x00", "").strip()


def questionnaire_respond(
    *, questionnaire: Questionnaire, user, answers: dict, visitor_key: str = "", now: dt.datetime | None = None
) -> Response:
    """Submit answers once (where the questionnaire takes one answer each: the database's unique index decides
    between concurrent submits); a signed-in respondent's answers become a `responded` statement."""
    now = now or timezone.now()
    if questionnaire.status != Questionnaire.Status.OPEN:
        raise ApplicationError(_("This questionnaire is not open."))
    if not questionnaire_may_answer(questionnaire=questionnaire, user=user):
        if not user.is_authenticated:
            raise PermissionDenied(_("Sign in to answer this questionnaire."), status=401)
        raise PermissionDenied(_("This questionnaire is not for you."))
    questions = list(questionnaire.questions.order_by("sort_order", "pk"))
    kept = answers_validate(questions, answers)
    respondent = user if user.is_authenticated else None
    once_key = None
    if questionnaire.one_answer:
        once_key = f"user:{respondent.pk}" if respondent else (f"visitor:{visitor_key}" if visitor_key else None)
        if once_key is None:
            raise ApplicationError(_("Your browser must accept cookies to answer."))
    try:
        with transaction.atomic():
            response = Response.objects.create(
                questionnaire=questionnaire, respondent=respondent, once_key=once_key, answers=kept, submitted_at=now
            )
            if respondent is not None:
                unit_code = respondent.org_unit.code if respondent.org_unit_id else ""
                _record(
                    actor=respondent,
                    verb=Verb.RESPONDED,
                    activity_type=ActivityType.QUESTIONNAIRE,
                    object_id=v.questionnaire_iri(questionnaire.pk),
                    name=questionnaire.title,
                    unit_code=unit_code,
                    now=now,
                    natural_key=("fieldwork-responded", response.pk),
                    result={"completion": True, "response": _response_text(questions, kept)},
                )
    except IntegrityError as exc:
        raise Conflict(_("You have already answered this questionnaire.")) from exc
    return response


def _response_text(questions: list[Question], kept: dict) -> str:
    import json

    return json.dumps({str(q.pk): kept[str(q.pk)] for q in questions if str(q.pk) in kept}, ensure_ascii=False)


def worker_grids_set(*, user, role: str, grids: list[OrgUnit]) -> FieldWorker:
    """Make `user` a field worker of `role` serving `grids` (used by the demo and the admin)."""
    worker, _created = FieldWorker.objects.update_or_create(user=user, defaults={"role": role})
    worker.grids.set(grids)
    return worker
