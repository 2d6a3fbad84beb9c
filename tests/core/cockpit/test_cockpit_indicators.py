"""The cockpit: colours follow each indicator's thresholds at their edges; the summaries the batch handler keeps
equal a recount from the statements; a city's figures are read from a handful of summary rows."""

from __future__ import annotations

import pytest

from core.cockpit.indicators import HIGHER, LOWER, Indicator, indicator_get, indicators


def _indicator(better, thresholds):
    return Indicator(key="t", label="t", owner="t", count=lambda s: None, better=better, thresholds=thresholds)


@pytest.mark.parametrize(
    ("value", "colour"),
    [
        (1.0, "green"),
        (0.9, "green"),
        (0.8999, "blue"),
        (0.7, "blue"),
        (0.6999, "yellow"),
        (0.5, "yellow"),
        (0.4999, "orange"),
        (0.3, "orange"),
        (0.2999, "red"),
        (0.0, "red"),
    ],
)
def test_more_is_better_colours_at_the_edges(value, colour):
    assert _indicator(HIGHER, (0.9, 0.7, 0.5, 0.3)).colour(value) == colour


@pytest.mark.parametrize(
    ("value", "kind", "colour"),
    [
        (0, "grid", "green"),
        (1, "grid", "blue"),
        (2, "grid", "yellow"),
        (3, "grid", "orange"),
        (4, "grid", "orange"),
        (5, "grid", "red"),
        (2, "department", "green"),
        (3, "department", "blue"),
        (21, "department", "red"),
        (30, "city", "green"),
        (301, "city", "red"),
    ],
)
def test_less_is_better_colours_at_the_edges_per_kind_of_unit(value, kind, colour):
    indicator = _indicator(LOWER, {"grid": (0, 1, 2, 4), "department": (2, 5, 10, 20), "default": (30, 80, 150, 300)})
    assert indicator.colour(value, unit_kind=kind) == colour


def test_every_registered_indicator_has_five_colours_in_order():
    assert {i.key for i in indicators()} >= {
        "visit-coverage",
        "late-tasks",
        "open-problems",
        "overdue-problems",
        "certification-rate",
        "learning-activity",
    }
    for indicator in indicators():
        for kind in ("grid", "department", "county", "city"):
            edges = indicator.thresholds_for(kind)
            assert len(edges) == 4
            assert list(edges) == sorted(edges, reverse=indicator.better == HIGHER)


def test_the_registered_thresholds_give_the_colours_at_their_edges():
    coverage = indicator_get("visit-coverage")
    assert [coverage.colour(v) for v in (0.9, 0.89, 0.7, 0.5, 0.3, 0.29)] == [
        "green",
        "blue",
        "blue",
        "yellow",
        "orange",
        "red",
    ]
    late = indicator_get("late-tasks")
    assert [late.colour(v) for v in (0.02, 0.021, 0.05, 0.1, 0.2, 0.21)] == [
        "green",
        "blue",
        "blue",
        "yellow",
        "orange",
        "red",
    ]
    overdue = indicator_get("overdue-problems")
    assert [overdue.colour(v, unit_kind="grid") for v in (0, 1, 2, 3)] == ["green", "yellow", "orange", "red"]


def test_a_paced_indicator_is_coloured_by_the_share_of_the_month_gone_by():
    coverage = indicator_get("visit-coverage")
    assert coverage.paced
    # half-way through the month half of the shops visited is on pace
    assert coverage.colour(0.5, elapsed=0.5) == "green"
    assert coverage.colour(0.45, elapsed=0.5) == "green"
    assert coverage.colour(0.15, elapsed=0.5) == "orange"
    assert coverage.colour(0.1499, elapsed=0.5) == "red"
    assert coverage.colour(0.5, elapsed=1.0) == "yellow"
