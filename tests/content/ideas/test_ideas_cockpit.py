"""Golden ideas' cockpit indicator: ideas adopted this month equal a recount from the "adopted" statements at every
level of the tree (each author credited in their own unit), and the colours follow the thresholds at their edges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from content.ideas import services
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.cockpit.indicators import indicator_get
from core.cockpit.models import IndicatorTally
from core.cockpit.selectors import cockpit_figures
from core.cockpit.services import cockpit_rebuild
from core.people.models import User

pytestmark = pytest.mark.django_db


def _decide(ideas_world, author, decision: str, *, at, title: str, **extra):
    idea = services.idea_create(
        board=ideas_world.board,
        author=author,
        title=title,
        problem="零售户订货要打电话,高峰时打不通。",
        proposal="<p>在柜台旁放一个二维码。</p>",
        **extra,
    )
    services.idea_assign(idea=idea, reviewer=ideas_world.reviewer, by=ideas_world.reviewer)
    return services.idea_decide(idea=idea, by=ideas_world.reviewer, decision=decision, reason="理由", at=at)


def _work(ideas_world, now):
    world = ideas_world.world
    last_month = now.replace(day=1) - dt.timedelta(days=3)
    # this month: a department idea with a co-author (both credited), the retailer's (the grid's), a rejected one
    _decide(ideas_world, world.staff, "adopt", at=now, title="扫码订货", coauthor_ids=[world.member.pk])
    _decide(ideas_world, world.retailer, "adopt", at=now, title="夜间自提柜")
    _decide(ideas_world, world.member, "reject", at=now, title="再来一次")
    _decide(ideas_world, world.member, "adopt", at=last_month, title="上月的点子")


def _recount(unit, month_start) -> int:
    """Straight from the statements: this month's "adopted" proposals whose actor works under `unit`."""
    adopted = Statement.objects.filter(
        verb_id=Verb.ADOPTED, activity_type=ActivityType.PROPOSAL, timestamp__gte=month_start
    )
    under = set(User.objects.filter(org_unit__path__startswith=unit.path).values_list("pk", flat=True))
    return sum(1 for statement in adopted if statement.actor_user_id in under)


def test_ideas_adopted_equal_a_recount_from_the_statements_at_every_level(ideas_world):
    world = ideas_world.world
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    _work(ideas_world, now)
    month_start = now.replace(day=1, hour=0)
    for unit in (world.grid, world.department, world.county, world.city, world.other_department):
        figures = {row["key"]: row for row in cockpit_figures(unit=unit, at=now)["indicators"]}
        assert figures["ideas-adopted"]["value"] == _recount(unit, month_start), unit.kind
    department = {row["key"]: row for row in cockpit_figures(unit=world.department, at=now)["indicators"]}
    assert department["ideas-adopted"]["value"] == 3  # two authors of one idea and the retailer's
    assert department["ideas-adopted"]["previous"] == 1
    grid = {row["key"]: row for row in cockpit_figures(unit=world.grid, at=now)["indicators"]}
    assert grid["ideas-adopted"]["value"] == 1


def test_the_rebuild_from_statements_gives_the_summaries_the_handler_kept(ideas_world):
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    _work(ideas_world, now)
    rows = IndicatorTally.objects.filter(indicator="ideas-adopted")
    kept = sorted(rows.values_list("unit", "day", "numerator", "denominator"))
    assert kept
    cockpit_rebuild(keys=["ideas-adopted"])
    assert sorted(rows.values_list("unit", "day", "numerator", "denominator")) == kept


@pytest.mark.parametrize(
    ("kind", "value", "colour"),
    [
        ("department", 3, "green"),
        ("department", 2.99, "blue"),
        ("department", 2, "blue"),
        ("department", 1, "yellow"),
        ("department", 0.5, "orange"),
        ("department", 0, "red"),
        ("grid", 1, "green"),
        ("grid", 0.99, "blue"),
        ("grid", 0, "blue"),
        ("city", 20, "green"),
        ("city", 19, "blue"),
        ("city", 1.99, "red"),
    ],
)
def test_ideas_adopted_colour_at_their_edges(kind, value, colour):
    assert indicator_get("ideas-adopted").colour(value, unit_kind=kind) == colour


def test_ideas_adopted_are_coloured_by_the_pace_of_the_month():
    adopted = indicator_get("ideas-adopted")
    # a third of the month gone: one adoption is on the pace of three
    assert adopted.colour(1, unit_kind="department", elapsed=1 / 3) == "green"
    assert adopted.colour(1, unit_kind="department", elapsed=1.0) == "yellow"
