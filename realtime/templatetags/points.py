"""`{{ score|points }}`: the one way points are written for people, the same as `formatPoints` in
`realtime/static/realtime/leaderboard.js` (server-rendered rows and rows the stream redraws must read alike)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


def points_text(value) -> str:
    """Whole points without decimals, others with exactly two, thousands grouped: 126 · 126.40 · 7,412.40."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}"


@register.filter
def points(value) -> str:
    return points_text(value)
