"""The cockpit indicators the direct line owns, registered from apps.py: how long requests wait for an answer and
how many answers came after their category's target. Both are "less is better", so a unit that answered nothing
this month (a grid: its department answers) is not flagged.

Both are read from the "resolved" statement alone: it carries the time from filing to the answer
(`result.duration`), whether that was within the target (`result.success`) and the unit that answered
(`UNIT_EXTENSION`), so the cockpit's batch handler counts it without reading the request."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from core.activity.durations import duration_seconds
from core.activity.iris import ActivityType, Verb
from core.cockpit.indicators import LOWER, MONTH, RATIO, SHARE, UNIT_EXTENSION, Indicator


def resolution_facts(request, *, now: dt.datetime) -> dict:
    """The `result` and `context` of a request's "resolved" statement (for `activity_record`)."""
    seconds = max(0, int((now - request.created_at).total_seconds()))
    return {
        "result": {"duration": f"PT{seconds}S", "success": now <= request.due_at},
        "context": {"extensions": {UNIT_EXTENSION: request.unit.code}},
    }


def _resolved(statement) -> dict | None:
    if statement.verb_id != Verb.RESOLVED or statement.activity_type != ActivityType.HELP_REQUEST:
        return None
    return (statement.full or {}).get("result") or None


def response_minutes_count(statement):
    """(minutes from filing to answer, 1 answer): the figure is the mean, in hours (scale 60)."""
    result = _resolved(statement)
    seconds = duration_seconds(result.get("duration")) if result else None
    return None if seconds is None else (round(seconds / 60), 1)


def answered_late_count(statement):
    """(1 if answered after the target, 1 answer)."""
    result = _resolved(statement)
    if not result or not isinstance(result.get("success"), bool):
        return None
    return (0 if result["success"] else 1, 1)


def responsible(unit_ids: list[int]) -> dict[int, str]:
    """Who answers each unit's requests (the direct line's named responders, else the unit's staff): two names."""
    from core.people.models import Role, User

    from .models import DirectLineUnit

    names: dict[int, list[str]] = {}
    for unit_id, name, username in (
        DirectLineUnit.objects.filter(unit__in=unit_ids, responders__is_active=True)
        .order_by("unit", "responders__pk")
        .values_list("unit", "responders__display_name", "responders__username")
    ):
        names.setdefault(unit_id, []).append(name or username)
    rest = [unit_id for unit_id in unit_ids if unit_id not in names]
    if rest:
        for unit_id, name, username in (
            User.objects.filter(org_unit__in=rest, roles__role=Role.STAFF, is_active=True)
            .order_by("pk")
            .values_list("org_unit", "display_name", "username")
        ):
            names.setdefault(unit_id, []).append(name or username)
    return {unit_id: "、".join(people[:2]) for unit_id, people in names.items()}


def register() -> None:
    from core.cockpit.indicators import indicator_register

    indicator_register(
        Indicator(
            key="request-response-hours",
            label=_("Hours to answer a request"),
            owner="community",
            count=response_minutes_count,
            period=MONTH,
            better=LOWER,
            display=RATIO,
            scale=60,
            thresholds=(8, 24, 48, 72),
            responsible=responsible,
            order=80,
            help_text=_("Mean hours from filing to answer of the direct-line requests the unit answered this month."),
        )
    )
    indicator_register(
        Indicator(
            key="requests-late",
            label=_("Requests answered late"),
            owner="community",
            count=answered_late_count,
            period=MONTH,
            better=LOWER,
            display=SHARE,
            thresholds=(0.05, 0.15, 0.3, 0.5),
            responsible=responsible,
            order=81,
            help_text=_("Share of this month's answers given after the target time of the request's category."),
        )
    )
