"""The cockpit indicators field work owns, registered from apps.py: what each statement adds, and who answers
for a unit (the customer managers of a grid, the staff of a department)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.activity.iris import ActivityType, Verb
from core.cockpit.indicators import BASE_SHOPS, COUNT, HIGHER, LOWER, MONTH, RUNNING, SHARE, Indicator
from core.people.models import OrgUnit, Role, User

from . import vocabulary as v

MAX_PROBLEM_WARNINGS = 15


def _extensions(statement) -> dict:
    return ((statement.full or {}).get("result") or {}).get("extensions") or {}


def visit_coverage_count(statement):
    if statement.verb_id == Verb.VISITED and statement.activity_type == ActivityType.SHOP_VISIT:
        return (1, 0) if _extensions(statement).get(v.FIRST_IN_MONTH) else None
    return None


def late_tasks_count(statement):
    if statement.activity_type != ActivityType.WORK_TASK:
        return None
    if statement.verb_id == Verb.FAILED:
        return (1, 1)
    if statement.verb_id == Verb.COMPLETED:
        if _extensions(statement).get(v.LATE_COUNTED):
            return None  # counted late (and due) when its deadline passed
        on_time = ((statement.full or {}).get("result") or {}).get("success", True)
        return (0, 1) if on_time else (1, 1)
    return None


def open_problems_count(statement):
    if statement.activity_type != ActivityType.FIELD_PROBLEM:
        return None
    if statement.verb_id == Verb.REQUESTED:
        return (1, 0)
    if statement.verb_id == Verb.COMPLETED:
        return (-1, 0)
    return None


def overdue_problems_count(statement):
    if statement.activity_type != ActivityType.FIELD_PROBLEM:
        return None
    if statement.verb_id == v.ESCALATED and _extensions(statement).get(v.LEVEL) == 1:
        return (1, 0)
    if statement.verb_id == Verb.COMPLETED and _extensions(statement).get(v.WAS_ESCALATED):
        return (-1, 0)
    return None


def responsible(unit_ids: list[int]) -> dict[int, str]:
    """Grids: their field workers; other units: their staff (two names at most)."""
    from .models import FieldWorker

    names: dict[int, list[str]] = {}
    for grid_id, name, username in (
        FieldWorker.objects.filter(grids__in=unit_ids)
        .order_by("role", "pk")
        .values_list("grids", "user__display_name", "user__username")
    ):
        names.setdefault(grid_id, []).append(name or username)
    rest = [unit_id for unit_id in unit_ids if unit_id not in names]
    if rest:
        for unit_id, name, username in (
            User.objects.filter(org_unit__in=rest, roles__role=Role.STAFF, is_active=True)
            .order_by("pk")
            .values_list("org_unit", "display_name", "username")
        ):
            names.setdefault(unit_id, []).append(name or username)
    return {unit_id: "、".join(people[:2]) for unit_id, people in names.items()}


def problem_warnings(unit: OrgUnit, user) -> list[dict]:
    """Open problems under the unit: overdue ones first (red, orange after the first escalation), then the
    newest (yellow); each names the grid and the person responsible."""
    from .models import Problem

    now = timezone.now()
    base = Problem.objects.filter(status=Problem.Status.OPEN, grid__path__startswith=unit.path).select_related(
        "grid", "assignee"
    )
    overdue = list(base.filter(deadline__lt=now).order_by("deadline")[:MAX_PROBLEM_WARNINGS])
    fresh = list(base.filter(deadline__gte=now).order_by("-created_at")[: MAX_PROBLEM_WARNINGS - len(overdue)])
    out = []
    for problem in overdue + fresh:
        late = problem.deadline < now
        out.append(
            {
                "colour": ("red" if problem.escalation_level > 1 else "orange") if late else "yellow",
                "unit": problem.grid.name,
                "unit_id": problem.grid_id,
                "person": str(problem.assignee),
                "text": problem.title,
                "url": reverse("fieldwork:problem", args=[problem.pk]),
                "problem": problem.pk,
            }
        )
    return out


def register() -> None:
    from core.cockpit.indicators import indicator_register

    indicator_register(
        Indicator(
            key="visit-coverage",
            label=_("Shops visited this month"),
            owner="fieldwork",
            count=visit_coverage_count,
            base=BASE_SHOPS,
            period=MONTH,
            better=HIGHER,
            display=SHARE,
            thresholds=(0.9, 0.7, 0.5, 0.3),
            paced=True,
            responsible=responsible,
            order=10,
            help_text=_("Share of the unit's shops with a finished visit this month; coloured by its pace."),
        )
    )
    indicator_register(
        Indicator(
            key="late-tasks",
            label=_("Work list items late"),
            owner="fieldwork",
            count=late_tasks_count,
            period=MONTH,
            better=LOWER,
            display=SHARE,
            thresholds=(0.02, 0.05, 0.1, 0.2),
            responsible=responsible,
            order=20,
            help_text=_("Share of this month's due work list items done late or not at all."),
        )
    )
    indicator_register(
        Indicator(
            key="open-problems",
            label=_("Open problems"),
            owner="fieldwork",
            count=open_problems_count,
            period=RUNNING,
            better=LOWER,
            display=COUNT,
            thresholds={
                "grid": (0, 1, 2, 4),
                "department": (2, 5, 10, 20),
                "county": (10, 25, 50, 100),
                "default": (30, 80, 150, 300),
            },
            responsible=responsible,
            order=30,
            help_text=_("Problems raised and not yet closed by both sides."),
        )
    )
    indicator_register(
        Indicator(
            key="overdue-problems",
            label=_("Overdue problems"),
            owner="fieldwork",
            count=overdue_problems_count,
            period=RUNNING,
            better=LOWER,
            display=COUNT,
            thresholds={
                "grid": (0, 0, 1, 2),
                "department": (0, 1, 3, 6),
                "county": (2, 5, 10, 20),
                "default": (5, 15, 30, 60),
            },
            responsible=responsible,
            warnings=problem_warnings,
            order=40,
            help_text=_("Open problems past their deadline (escalated)."),
        )
    )
