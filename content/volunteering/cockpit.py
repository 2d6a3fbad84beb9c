"""The cockpit indicator volunteer services own, registered from apps.py: volunteer hours approved this month.

Read from the `confirmed-hours` statement alone: its `result.duration` holds the approved hours and its context
names the team's unit (`UNIT_EXTENSION`), so the hours count where the team works, whether or not the volunteer
has a unit of their own."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.activity.durations import duration_seconds
from core.activity.iris import ActivityType, Verb
from core.cockpit.indicators import COUNT, HIGHER, MONTH, Indicator


def volunteer_minutes_count(statement):
    """(approved minutes, 0): the figure is their sum, in hours (scale 60)."""
    if statement.verb_id != Verb.CONFIRMED_HOURS or statement.activity_type != ActivityType.VOLUNTEER_ACTIVITY:
        return None
    seconds = duration_seconds(((statement.full or {}).get("result") or {}).get("duration"))
    return None if not seconds else (round(seconds / 60), 0)


def responsible(unit_ids: list[int]) -> dict[int, str]:
    """The leaders of each unit's teams: two names."""
    from .models import TeamMembership

    names: dict[int, list[str]] = {}
    for unit_id, name, username in (
        TeamMembership.objects.filter(
            team__org_unit__in=unit_ids, role=TeamMembership.Role.LEADER, status=TeamMembership.Status.ACTIVE
        )
        .order_by("team__org_unit", "pk")
        .values_list("team__org_unit", "user__display_name", "user__username")
    ):
        if (name or username) not in names.setdefault(unit_id, []):
            names[unit_id].append(name or username)
    return {unit_id: "、".join(people[:2]) for unit_id, people in names.items()}


def register() -> None:
    from core.cockpit.indicators import indicator_register

    indicator_register(
        Indicator(
            key="volunteer-hours",
            label=_("Volunteer hours this month"),
            owner="volunteering",
            count=volunteer_minutes_count,
            period=MONTH,
            better=HIGHER,
            display=COUNT,
            scale=60,
            thresholds={
                "grid": (10, 0, 0, 0),  # teams are mostly departments': a grid is not flagged for none
                "department": (200, 100, 50, 10),
                "county": (600, 300, 150, 30),
                "default": (2000, 1000, 500, 100),
            },
            paced=True,
            responsible=responsible,
            order=85,
            help_text=_(
                "Volunteer hours approved this month for the teams of the unit; coloured by its pace through the month."
            ),
        )
    )


def seed_demo_statements(ctx) -> int:
    """The demo's approved hours since the start of last month, as the statements approving them would have made
    (same statement ids, so a second run adds nothing). Returns how many entries it recorded."""
    from .models import HoursEntry
    from .services import hours_confirmed_record

    this_month = timezone.localtime(ctx.now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since = (this_month - dt.timedelta(days=1)).replace(day=1)
    entries = (
        HoursEntry.objects.filter(
            status=HoursEntry.Status.APPROVED, approved_hours__gt=0, decided_at__gte=since, decided_at__lte=ctx.now
        )
        .select_related("user", "activity__team__org_unit")
        .order_by("decided_at", "pk")
    )
    recorded = 0
    for entry in entries:
        hours_confirmed_record(entry=entry, activity=entry.activity, now=entry.decided_at)
        recorded += 1
    return recorded
