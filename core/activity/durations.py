"""The one reader of xAPI durations (ISO 8601, as xAPI 1.0.3 allows them).

Pure Python on purpose: the recommender's Django-free engine reads durations too.

xAPI takes the ISO 8601 duration forms `PnYnMnDTnHnMnS` and `PnW`; a week may not be mixed with
the other units (`P4W1D` is refused), and only the last unit given may carry a fraction. Calendar
units become seconds at their mean length (a year of 365.25 days, a month of a twelfth of that).
"""

from __future__ import annotations

import math
import re

_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(
    rf"^P(?:(?P<weeks>{_NUMBER})W"
    rf"|(?=\d|T\d)(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?)$"
)
DAY = 86400.0
UNIT_SECONDS = {
    "years": 365.25 * DAY,
    "months": 365.25 / 12 * DAY,
    "weeks": 7 * DAY,
    "days": DAY,
    "hours": 3600.0,
    "minutes": 60.0,
    "seconds": 1.0,
}
_ORDER = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")


def _parts(value: str) -> dict[str, str] | None:
    match = _DURATION.match(value)
    if not match:
        return None
    parts = {unit: amount for unit, amount in match.groupdict().items() if amount is not None}
    if not parts:
        return None
    # ISO 8601: only the smallest unit given may have a decimal fraction.
    given = [unit for unit in _ORDER if unit in parts]
    if any("." in parts[unit] for unit in given[:-1]):
        return None
    return parts


def is_duration(value: object) -> bool:
    """Whether `value` is a duration xAPI accepts."""
    return isinstance(value, str) and _parts(value) is not None


def duration_seconds(value: object) -> float | None:
    """Seconds in an xAPI duration such as "PT4M30S" (or a plain non-negative number of seconds);
    None when absent or malformed."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = float(value)
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    if not isinstance(value, str):
        try:  # numpy scalars and the like, without importing numpy here
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    parts = _parts(value.strip())
    if parts is None:
        return None
    return sum(float(amount) * UNIT_SECONDS[unit] for unit, amount in parts.items())
