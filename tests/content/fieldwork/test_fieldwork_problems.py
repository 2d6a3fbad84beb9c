"""A problem is a to-do for the responsible person; it is closed ("销号") only when both the responsible person
and the assigner have closed it; past its deadline it escalates, one level at a time (fake clock)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import at
from django.core.management import call_command
from django.test import override_settings

from content.fieldwork import vocabulary as v
from content.fieldwork.models import Problem
from content.fieldwork.services import problem_close, problem_raise, problems_escalate
from core.activity.iris import Verb
from core.activity.models import Statement
from core.cockpit.models import IndicatorTally
from core.errors import ApplicationError, PermissionDenied

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def _raise(field, **extra):
    return problem_raise(
        by=field.world.member,
        title="价签缺失",
        assignee=field.world.staff,
        grid=field.world.grid,
        deadline=at(DAY + dt.timedelta(days=3)),
        now=at(DAY),
        **extra,
    )


def _tally(key, unit):
    return sum(IndicatorTally.objects.filter(indicator=key, unit=unit).values_list("numerator", flat=True))


def test_a_problem_closes_only_when_both_sides_close_it(field):
    problem = _raise(field)
    assert _tally("open-problems", field.world.grid) == 1
    assert _tally("open-problems", field.world.city) == 1
    with pytest.raises(ApplicationError) as early:
        problem_close(by=field.world.member, problem=problem, now=at(DAY, 11))
    assert early.value.message == "The responsible person closes it first."
    with pytest.raises(PermissionDenied):
        problem_close(by=field.world.editor, problem=problem, now=at(DAY, 11))
    problem = problem_close(by=field.world.staff, problem=problem, note="已补齐价签", now=at(DAY, 12))
    assert problem.status == Problem.Status.OPEN and problem.assignee_closed_at == at(DAY, 12)
    assert _tally("open-problems", field.world.grid) == 1
    with pytest.raises(ApplicationError) as twice:
        problem_close(by=field.world.staff, problem=problem, now=at(DAY, 13))
    assert twice.value.message == "You have already closed this problem; the other side has not yet."
    problem = problem_close(by=field.world.member, problem=problem, now=at(DAY, 14))
    assert problem.status == Problem.Status.CLOSED and problem.closed_at == at(DAY, 14)
    assert _tally("open-problems", field.world.grid) == 0
    verbs = sorted(Statement.objects.values_list("verb_id", flat=True))
    assert verbs == sorted([Verb.REQUESTED, Verb.CLOSED, Verb.CLOSED, Verb.COMPLETED])
    with pytest.raises(ApplicationError):
        problem_close(by=field.world.member, problem=problem, now=at(DAY, 15))


def test_a_problem_one_person_gave_themselves_closes_at_once(field):
    problem = problem_raise(
        by=field.world.staff,
        title="自查",
        assignee=field.world.staff,
        grid=field.world.grid,
        deadline=at(DAY, 18),
        now=at(DAY),
    )
    problem = problem_close(by=field.world.staff, problem=problem, now=at(DAY, 12))
    assert problem.status == Problem.Status.CLOSED


@override_settings(FIELDWORK_ESCALATE_EVERY_HOURS=48)
def test_an_overdue_problem_escalates_one_level_at_a_time_and_counts_as_overdue_until_closed(field):
    problem = _raise(field)
    deadline = problem.deadline
    assert problems_escalate(now=deadline) == 0  # at the deadline it is not late yet
    assert problems_escalate(now=deadline + dt.timedelta(minutes=1)) == 1
    problem.refresh_from_db()
    assert problem.escalation_level == 1
    assert problem.escalated_to == field.world.member  # the first staff member of the grid's department
    assert problems_escalate(now=deadline + dt.timedelta(hours=1)) == 0  # nothing new within the step
    assert _tally("overdue-problems", field.world.department) == 1
    call_command("fieldwork_tick", now=(deadline + dt.timedelta(hours=49)).isoformat(), stdout=io.StringIO())
    problem.refresh_from_db()
    assert problem.escalation_level == 2
    levels = [
        s.full["result"]["extensions"][v.LEVEL]
        for s in Statement.objects.filter(verb_id=v.ESCALATED).order_by("timestamp")
    ]
    assert levels == [1, 2]
    assert _tally("overdue-problems", field.world.department) == 1  # one problem, however high it went
    problem_close(by=field.world.staff, problem=problem, now=deadline + dt.timedelta(hours=50))
    problem_close(by=field.world.member, problem=problem, now=deadline + dt.timedelta(hours=51))
    assert _tally("overdue-problems", field.world.department) == 0
    assert problems_escalate(now=deadline + dt.timedelta(days=30)) == 0


def test_handing_down_is_for_the_units_one_works_in(field):
    with pytest.raises(PermissionDenied):
        problem_raise(
            by=field.world.staff,
            title="越权",
            assignee=field.world.member,
            grid=field.world.other_grid,
            deadline=at(DAY, 18),
            now=at(DAY),
        )
    with pytest.raises(ApplicationError) as past:
        problem_raise(
            by=field.world.staff,
            title="过期",
            assignee=field.world.member,
            grid=field.world.grid,
            deadline=at(DAY, 9),
            now=at(DAY),
        )
    assert past.value.message == "The deadline must be in the future."
    with pytest.raises(ApplicationError):
        problem_raise(
            by=field.world.staff,
            title="给零售户",
            assignee=field.world.retailer,
            grid=field.world.grid,
            deadline=at(DAY, 18),
            now=at(DAY),
        )
    assert not Problem.objects.exists() and not Statement.objects.exists()
