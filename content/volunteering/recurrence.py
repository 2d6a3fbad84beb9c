"""Recurring activities as an RFC 5545 rule, never as copies: validation and expansion of an RRULE.

The rule is parsed by `icalendar` (its vRecur, so what we store is what calendars read) and expanded by
`dateutil.rrule` (icalendar's own dependency). Occurrences keep the first start's wall-clock time in the
site's time zone, so "every Saturday 09:00" stays 09:00.
"""

from __future__ import annotations

import datetime as dt

from dateutil.rrule import rrulestr
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar.prop import vRecur

MAX_OCCURRENCES = 520  # ten years of weekly activities
ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY"}


def rule_validate(rule: str) -> vRecur:
    """The parsed rule, or ValueError with a sentence for people."""
    text = (rule or "").strip().removeprefix("RRULE:")
    try:
        parsed = vRecur.from_ical(text)
    except Exception as exc:  # noqa: BLE001 - icalendar raises ValueError or its own errors
        raise ValueError(_("Not a valid repeat rule: %(rule)s") % {"rule": rule}) from exc
    freq = parsed.get("FREQ")
    if not freq:
        raise ValueError(_("Not a valid repeat rule: %(rule)s") % {"rule": rule})
    if freq[0] not in ALLOWED_FREQ:
        raise ValueError(_("A repeat rule must repeat daily, weekly or monthly."))
    if not parsed.get("COUNT") and not parsed.get("UNTIL"):
        raise ValueError(_("A repeat rule must end: give COUNT or UNTIL."))
    if parsed.get("COUNT") and int(parsed["COUNT"][0]) > MAX_OCCURRENCES:
        raise ValueError(_("A repeat rule may give at most %(n)d occurrences.") % {"n": MAX_OCCURRENCES})
    return parsed


def _rule(first: dt.datetime, rule: str):
    local_first = timezone.localtime(first).replace(tzinfo=None)
    text = rule.strip().removeprefix("RRULE:")
    if "UNTIL=" in text:
        # Compare UNTIL in the same naive local time as DTSTART (dateutil refuses to mix aware and naive).
        parts = []
        for part in text.split(";"):
            if part.startswith("UNTIL="):
                value = part[6:]
                until = vRecur.from_ical(part)["UNTIL"][0]
                if isinstance(until, dt.datetime):
                    if timezone.is_aware(until):
                        until = timezone.localtime(until).replace(tzinfo=None)
                    value = until.strftime("%Y%m%dT%H%M%S")
                else:
                    value = until.strftime("%Y%m%dT235959")
                part = "UNTIL=" + value
            parts.append(part)
        text = ";".join(parts)
    return rrulestr(text, dtstart=local_first)


def _aware(naive: dt.datetime) -> dt.datetime:
    return timezone.make_aware(naive, timezone.get_current_timezone())


def starts_between(first: dt.datetime, rule: str, *, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
    if not rule:
        return [first] if after <= first < before else []
    lo = timezone.localtime(after).replace(tzinfo=None)
    hi = timezone.localtime(before).replace(tzinfo=None)
    found = _rule(first, rule).between(lo, hi, inc=True)
    return [start for start in (_aware(s) for s in found[:MAX_OCCURRENCES]) if after <= start < before]


def is_start(first: dt.datetime, rule: str, start: dt.datetime) -> bool:
    if not rule:
        return start == first
    local = timezone.localtime(start).replace(tzinfo=None)
    return local in _rule(first, rule).between(local, local, inc=True)


def last_start(first: dt.datetime, rule: str) -> dt.datetime:
    """The last occurrence's start (every rule here ends)."""
    if not rule:
        return first
    starts = list(_rule(first, rule)[:MAX_OCCURRENCES])
    return _aware(starts[-1]) if starts else first
