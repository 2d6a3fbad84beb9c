"""The national star rating of volunteers (星级志愿者): one to five stars at 100, 300, 600, 1,000 and 1,500
approved hours."""

from __future__ import annotations

from decimal import Decimal

THRESHOLDS = (100, 300, 600, 1000, 1500)


def stars_for_hours(hours) -> int:
    """How many stars `hours` approved hours give: 99.9 -> 0, 100 -> 1, 1,499.9 -> 4, 1,500 -> 5."""
    value = Decimal(str(hours))
    return sum(1 for threshold in THRESHOLDS if value >= threshold)


def next_threshold(hours) -> int | None:
    value = Decimal(str(hours))
    return next((t for t in THRESHOLDS if value < t), None)
