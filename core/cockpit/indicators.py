"""The cockpit's indicators: a registry, as `core.activity.items` is for recommendable things.

An app that owns a figure registers it from `AppConfig.ready()`:

    indicator_register(Indicator(
        key="visit-coverage", label=_("Visit coverage"), owner="fieldwork",
        count=visit_counts,            # statement -> (numerator, denominator) or None: what it adds
        base=BASE_SHOPS,               # the denominator comes from the units' shops (or BASE_PEOPLE, or none)
        period=MONTH, better=HIGHER, thresholds=(0.9, 0.75, 0.6, 0.4),
    ))

The cockpit (`services.statements_tally`, a statement batch handler) adds what each trusted statement counts to
the summary of the statement's unit and of every unit above it, per day, so a city's cockpit reads a few
summary rows, never the statements. The unit is the one a statement names in its context
(`UNIT_EXTENSION`, the unit's code: a visit counts for the shop's grid) or else the actor's own unit.
The spine imports no app: apps come to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.activity import iris

# context.extensions[UNIT_EXTENSION] = the code of the organisation unit a statement counts for.
UNIT_EXTENSION = iris.PLATFORM_EXTENSIONS + "org-unit"

MONTH = "month"  # the figure sums this calendar month's days (visits this month)
RUNNING = "running"  # the figure sums every day so far (problems open now)

HIGHER = "higher"  # more is better: value >= threshold[i] earns colour i
LOWER = "lower"  # less is better: value <= threshold[i] earns colour i

BASE_SHOPS = "shops"  # share of the unit's shops
BASE_PEOPLE = "people"  # per person of the unit

SHARE = "share"  # shown as a percentage
COUNT = "count"  # shown as a number
RATIO = "ratio"  # shown as a number with two decimals (per person)

# Five colours, best first (五色预警).
COLOURS = ("green", "blue", "yellow", "orange", "red")


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # a lazy translation
    owner: str  # the app label that registered it
    count: Callable[[object], tuple[int, int] | None]  # Statement -> (numerator, denominator) it adds, or None
    thresholds: tuple[float, float, float, float] | dict[str, tuple[float, float, float, float]]
    better: str = HIGHER
    period: str = MONTH
    base: str | None = None  # BASE_SHOPS / BASE_PEOPLE: the denominator; None: the summed denominators, or 1
    display: str = SHARE
    # (unit ids) -> {unit id: name of the person answerable for it}: named in the warning list
    responsible: Callable[[list[int]], dict[int, str]] | None = None
    # (unit, user) -> list of warning dicts {"unit", "person", "text", "url"}: item-level warnings (an overdue
    # problem and its assignee); a read, bounded by the app
    warnings: Callable[[object, object], list[dict]] | None = None
    order: int = 50
    help_text: str = ""
    # A monthly figure that grows through the month (visits): coloured by its pace, the figure divided by the
    # share of the month gone by (the 10th of a 30-day month: a third), so the 3rd is not red for being early.
    paced: bool = False
    # The numerator counts in 1/scale of the figure's unit: minutes (scale 60) for a figure in hours, since the
    # summaries hold whole numbers.
    scale: int = 1

    def thresholds_for(self, unit_kind: str) -> tuple[float, float, float, float]:
        if isinstance(self.thresholds, dict):
            return self.thresholds.get(unit_kind) or self.thresholds["default"]
        return self.thresholds

    def colour(self, value: float, *, unit_kind: str = "default", elapsed: float = 1.0) -> str:
        """The colour of `value`: the first threshold it reaches (edges included), red past the last. A paced
        indicator compares value / `elapsed` (the share of the period gone by, 0..1) instead."""
        if self.paced and 0 < elapsed < 1:
            value = min(value / elapsed, 1.0) if self.display == SHARE else value / elapsed
        for colour, edge in zip(COLOURS, self.thresholds_for(unit_kind), strict=False):
            if (value >= edge) if self.better == HIGHER else (value <= edge):
                return colour
        return COLOURS[-1]


_indicators: dict[str, Indicator] = {}


def indicator_register(indicator: Indicator) -> None:
    """Register (or replace) an indicator; call from `AppConfig.ready()`."""
    _indicators[indicator.key] = indicator


def indicators() -> list[Indicator]:
    """The registered indicators, in display order."""
    return sorted(_indicators.values(), key=lambda indicator: (indicator.order, indicator.key))


def indicator_get(key: str) -> Indicator | None:
    return _indicators.get(key)
