"""The cockpit indicators the direct line owns, registered from apps.py: how long requests wait for an answer and
how many are answered within their category's target.

Both are read from the "resolved" statement alone: it carries the time from filing to the answer
(`result.duration`), whether that was within the target (`result.success`) and the unit that answered
(`UNIT_EXTENSION`), so the cockpit's batch handler counts it without reading the request."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from core.activity.durations import duration_seconds
from core.activity.iris import ActivityType, Verb
from core.cockpit.indicators import HIGHER, LOWER, MONTH, RATIO, SHARE, UNIT_EXTENSION, Indicator


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


def answered_on_time_count(statement):
    result = _resolved(statement)
    if not result or not isinstance(result.get("success"), bool):
        return None
    return (1 if result["success"] else 0, 1)


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
            order=80,
            help_text=_("Mean hours from filing to answer of the direct-line requests the unit answered this month."),
        )
    )
    indicator_register(
        Indicator(
            key="requests-on-time",
            label=_("Requests answered within target"),
            owner="community",
            count=answered_on_time_count,
            period=MONTH,
            better=HIGHER,
            display=SHARE,
            thresholds=(0.95, 0.85, 0.7, 0.5),
            order=81,
            help_text=_("Share of this month's answers given within the target time of the request's category."),
        )
    )
