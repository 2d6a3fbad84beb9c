"""Volunteer services' cockpit indicator: hours approved this month equal a recount from the `confirmed-hours`
statements at every level of the tree, count for the team's unit (not the volunteer's own), and colour at their
edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from content.volunteering.models import HoursEntry, SignUp
from content.volunteering.services import hours_decide
from core.activity.durations import duration_seconds
from core.activity.models import Statement
from core.activity.vocabulary import Verb
from core.cockpit.indicators import indicator_get
from core.cockpit.models import IndicatorTally
from core.cockpit.selectors import cockpit_figures
from core.cockpit.services import cockpit_rebuild
from core.people.models import OrgUnit

pytestmark = pytest.mark.django_db
UNIT = "https://w3id.org/xapi/xianfeng/extensions/org-unit"


def _pending(vol, person, hours: str) -> HoursEntry:
    signup = SignUp.objects.create(shift=vol.shift, occurrence=vol.start, user=person, status="confirmed")
    return HoursEntry.objects.create(
        signup=signup,
        user=person,
        activity=vol.activity,
        checked_in_at=vol.start,
        checked_out_at=vol.start + dt.timedelta(hours=float(hours)),
        status=HoursEntry.Status.PENDING,
        hours=Decimal(hours),
    )


def _work(vol, now):
    world, leader = vol.world, vol.world.staff
    # the volunteer has no unit, the retailer's is the grid: both count for the team's department
    hours_decide(entry=_pending(vol, world.volunteer, "3"), by=leader, action="approve", now=now)
    hours_decide(
        entry=_pending(vol, world.retailer, "3"),
        by=leader,
        action="adjust",
        hours=Decimal("2.5"),
        reason="早退",
        now=now,
    )
    hours_decide(entry=_pending(vol, world.member, "4"), by=leader, action="decline", reason="未到岗", now=now)
    last_month = now.replace(day=1) - dt.timedelta(days=2)
    hours_decide(entry=_pending(vol, world.villager, "1.25"), by=leader, action="approve", now=last_month)


def _recount(unit: OrgUnit, month_start) -> float:
    """Straight from the statements: this month's approved hours of teams under `unit`."""
    codes = set(OrgUnit.objects.filter(path__startswith=unit.path).values_list("code", flat=True))
    minutes = [
        round(duration_seconds(s.full["result"]["duration"]) / 60)
        for s in Statement.objects.filter(verb_id=Verb.CONFIRMED_HOURS, timestamp__gte=month_start)
        if s.full["context"]["extensions"][UNIT] in codes
    ]
    return round(sum(minutes) / 60, 4) if minutes else 0.0


def test_volunteer_hours_equal_a_recount_from_the_statements_at_every_level(vol):
    world = vol.world
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    _work(vol, now)
    month_start = now.replace(day=1, hour=0)
    for unit in (world.grid, world.department, world.county, world.city, world.other_department):
        figures = {row["key"]: row for row in cockpit_figures(unit=unit, at=now)["indicators"]}
        assert figures["volunteer-hours"]["value"] == _recount(unit, month_start), unit.kind
    department = {row["key"]: row for row in cockpit_figures(unit=world.department, at=now)["indicators"]}
    assert department["volunteer-hours"]["value"] == 5.5  # 3 approved + 2.5 adjusted; the declined 4 not
    assert department["volunteer-hours"]["previous"] == 1.25
    grid = {row["key"]: row for row in cockpit_figures(unit=world.grid, at=now)["indicators"]}
    assert grid["volunteer-hours"]["value"] == 0.0  # the retailer's hours are the team's, in the department


def test_the_rebuild_from_statements_gives_the_summaries_the_handler_kept(vol):
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    _work(vol, now)
    rows = IndicatorTally.objects.filter(indicator="volunteer-hours")
    kept = sorted(rows.values_list("unit", "day", "numerator", "denominator"))
    assert kept
    cockpit_rebuild(keys=["volunteer-hours"])
    assert sorted(rows.values_list("unit", "day", "numerator", "denominator")) == kept


@pytest.mark.parametrize(
    ("kind", "hours", "colour"),
    [
        ("department", 200, "green"),
        ("department", 199.99, "blue"),
        ("department", 100, "blue"),
        ("department", 50, "yellow"),
        ("department", 10, "orange"),
        ("department", 9.99, "red"),
        ("grid", 10, "green"),
        ("grid", 9.99, "blue"),
        ("grid", 0, "blue"),
        ("city", 2000, "green"),
        ("city", 99, "red"),
    ],
)
def test_volunteer_hours_colour_at_their_edges(kind, hours, colour):
    assert indicator_get("volunteer-hours").colour(hours, unit_kind=kind) == colour


def test_volunteer_hours_are_coloured_by_the_pace_of_the_month():
    hours = indicator_get("volunteer-hours")
    assert hours.colour(100, unit_kind="department", elapsed=0.5) == "green"
    assert hours.colour(100, unit_kind="department", elapsed=1.0) == "blue"
