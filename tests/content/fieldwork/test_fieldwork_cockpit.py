"""The cockpit's figures for field work equal a recount from the statements, at every level of the tree, and the
rebuild from statements gives the same summaries the batch handler kept."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import at
from django.utils import timezone

from content.fieldwork import vocabulary as v
from content.fieldwork.services import (
    problem_close,
    problem_raise,
    problems_escalate,
    shop_checkin_token,
    task_tick,
    tasks_mark_late,
    visit_check_in,
    visit_finish,
)
from core.activity.iris import ActivityType, Verb
from core.activity.models import Statement
from core.cockpit.models import IndicatorTally
from core.cockpit.selectors import cockpit_figures
from core.cockpit.services import cockpit_rebuild
from core.people.models import OrgUnit, Shop

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)  # a fixed day, so the month's figures hold the three days of visits before it


def _work(field, today: dt.date):
    """Visits to 7 shops (one twice), two problems (one closed, one overdue), ticks and late items."""
    staff = field.world.staff
    for n, shop in enumerate(field.shops[:7]):
        day = today - dt.timedelta(days=n % 3)
        visit = visit_check_in(user=staff, token=shop_checkin_token(shop=shop, now=at(day)), now=at(day))
        visit_finish(user=staff, visit=visit, ticked=field.checklist, now=at(day, 11))
    token = shop_checkin_token(shop=field.shops[0], now=at(today, 15))
    again = visit_check_in(user=staff, token=token, now=at(today, 15))
    visit_finish(user=staff, visit=again, ticked=[], now=at(today, 16))
    first = problem_raise(
        by=field.world.member,
        title="缺货",
        assignee=staff,
        grid=field.world.grid,
        deadline=at(today - dt.timedelta(days=1), 18),
        now=at(today - dt.timedelta(days=2)),
    )
    second = problem_raise(
        by=field.world.member,
        title="价签",
        assignee=staff,
        grid=field.world.grid,
        deadline=at(today, 23),
        now=at(today - dt.timedelta(days=2)),
    )
    problem_close(by=staff, problem=second, now=at(today, 9))
    problem_close(by=field.world.member, problem=second, now=at(today, 9, 30))
    problems_escalate(now=at(today, 12))
    task_tick(user=staff, task=field.weekly, now=at(today - dt.timedelta(days=1), 9))
    tasks_mark_late(now=at(today, 19))
    return first


def _recount(unit: OrgUnit, today: dt.date) -> dict:
    """The figures straight from the statements (not the summaries)."""
    month_start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time()))
    grids = set(OrgUnit.objects.filter(path__startswith=unit.path, kind="grid").values_list("code", flat=True))
    ext = "https://w3id.org/xapi/xianfeng/extensions/org-unit"

    def mine(statements):
        return [s for s in statements if s.full["context"]["extensions"][ext] in grids]

    visited = mine(Statement.objects.filter(verb_id=Verb.VISITED, timestamp__gte=month_start))
    shops = {s.object_id for s in visited}  # one visit object per visit: count shops by the visits' shops
    from content.fieldwork.models import Visit

    visited_shops = set(
        Visit.objects.filter(pk__in=[int(s.object_id.rsplit("/", 1)[1]) for s in visited]).values_list(
            "shop", flat=True
        )
    )
    assert len(shops) >= len(visited_shops)
    problems = mine(Statement.objects.filter(activity_type=ActivityType.FIELD_PROBLEM))
    raised = {s.object_id for s in problems if s.verb_id == Verb.REQUESTED}
    completed = {s.object_id for s in problems if s.verb_id == Verb.COMPLETED}
    escalated = {s.object_id for s in problems if s.verb_id == v.ESCALATED}
    tasks = [s for s in Statement.objects.filter(activity_type=ActivityType.WORK_TASK, timestamp__gte=month_start)]
    failed = sum(1 for s in tasks if s.verb_id == Verb.FAILED)
    completed_tasks = sum(1 for s in tasks if s.verb_id == Verb.COMPLETED)
    return {
        "visit-coverage": round(len(visited_shops) / Shop.objects.filter(grid__path__startswith=unit.path).count(), 4),
        "open-problems": len(raised - completed),
        "overdue-problems": len(escalated - completed),
        "late-tasks": round(failed / (failed + completed_tasks), 4),
    }


def test_cockpit_figures_equal_a_recount_from_the_statements_at_every_level(field):
    today = TODAY
    _work(field, today)
    for unit in (field.world.grid, field.world.department, field.world.county, field.world.city):
        figures = {row["key"]: row["value"] for row in cockpit_figures(unit=unit, at=at(today, 23))["indicators"]}
        expected = _recount(unit, today)
        assert {key: figures[key] for key in expected} == expected, unit.kind
    grid = {row["key"]: row for row in cockpit_figures(unit=field.world.grid, at=at(today, 23))["indicators"]}
    assert grid["visit-coverage"]["value"] == round(7 / 23, 4)
    assert grid["open-problems"]["value"] == 1 and grid["overdue-problems"]["colour"] == "yellow"


def test_the_rebuild_from_statements_gives_the_summaries_the_handler_kept(field):
    today = TODAY
    _work(field, today)
    kept = sorted(IndicatorTally.objects.values_list("indicator", "unit_id", "day", "numerator", "denominator"))
    assert kept
    cockpit_rebuild()
    rebuilt = sorted(IndicatorTally.objects.values_list("indicator", "unit_id", "day", "numerator", "denominator"))
    # the handler may leave rows at zero (a problem opened and closed the same day); the rebuild never writes them
    assert [row for row in kept if row[3] or row[4]] == rebuilt


def test_the_department_cockpit_names_the_grid_and_person_and_lists_the_overdue_problem(field):
    today = TODAY
    overdue = _work(field, today)
    figures = cockpit_figures(unit=field.world.department, at=at(today, 23))
    grid_rows = {row["key"]: row["children"] for row in figures["indicators"]}
    assert grid_rows["overdue-problems"][0]["name"] == "城西一网格"
    problem_rows = [w for w in figures["warnings"] if w.get("problem") == overdue.pk]
    assert problem_rows and problem_rows[0]["person"] == "赵敏" and problem_rows[0]["colour"] == "orange"
    coverage = [w for w in figures["warnings"] if w["indicator"] == "visit-coverage"]
    assert coverage and coverage[0]["unit"] == "城西一网格" and coverage[0]["person"] == "赵敏、王建国"


def test_a_city_cockpit_reads_summaries_in_a_fixed_number_of_queries(field, django_assert_max_num_queries):
    _work(field, TODAY)
    # the summaries, bases and children, plus each flagged indicator's own `responsible` read (two at most): a
    # bound that grows with the registered indicators, not with the shops or statements
    with django_assert_max_num_queries(16):
        cockpit_figures(unit=field.world.city, at=at(TODAY, 23))
