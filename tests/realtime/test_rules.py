"""Rules over time (`realtime.services.rules`): a rule change is a new version with a snapshot of the rules, and a
recomputation scores the period again under the current rules; the exact queries both cost, and recomputing costs
the same few queries however many statements it scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import realtime_contest_world as contest_world
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from realtime_contest_world import complete_lesson, confirm_hours, make_members, total

from realtime.models import PersonDay, PointsEntry
from realtime.selectors import board_differences
from realtime.services.boards import board_rebuild
from realtime.services.rules import contest_recompute, ruleset_version_create

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer
web_worker = contest_world.web_worker


def test_a_new_rules_version_costs_exact_queries(world, pioneer, web_worker, django_assert_num_queries):
    """A savepoint; the index locked and its version raised; its rules and their bonus windows; the version row."""
    pioneer.hours.points = Decimal(10)
    pioneer.hours.save()
    with django_assert_num_queries(7):
        version = ruleset_version_create(index=pioneer.index, by=world.editor)
    assert (version.number, version.created_by) == (2, world.editor)
    assert [(rule["name"], rule["points"]) for rule in version.rules] == [("完成课时", "2.00"), ("志愿服务", "10.00")]
    pioneer.index.refresh_from_db()
    assert pioneer.index.rules_version == 2


def recompute_queries(contest, editor) -> tuple[int, int]:
    """(queries in the recomputation's transaction, queries after commit)."""
    with (
        TestCase.captureOnCommitCallbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as inside,
    ):
        contest_recompute(contest=contest, by=editor)
    with CaptureQueriesContext(connection) as after:
        for callback in callbacks:
            callback()
    return len(inside), len(after)


def test_recomputing_costs_the_same_queries_for_few_and_many_statements(world, pioneer, web_worker, clean_store):
    """Before the transaction: the rules, their bonus windows, who holds the eligible roles, branch memberships.
    In it (a savepoint here): the period's day rows and entries deleted, its statements read, the entries written in
    one insert, the day rows in another. After commit: the contests touched and their branches, then each board
    rebuilt (one query for the ledger's sums)."""
    world.editor.is_superuser = True
    confirm_hours(world.member, when=timezone.now() - dt.timedelta(days=2))
    few = recompute_queries(pioneer.contest, world.editor)
    for person in make_members(world, 6):
        for days_ago in (1, 2, 3):
            confirm_hours(person, when=timezone.now() - dt.timedelta(days=days_ago))
            complete_lesson(person, when=timezone.now() - dt.timedelta(days=days_ago))
    entries_before = PointsEntry.objects.count()
    many = recompute_queries(pioneer.contest, world.editor)
    assert few == many == (11, 3)
    assert PointsEntry.objects.count() == entries_before == 1 + 6 * 3 * 2
    assert total(world.member, pioneer.index) == Decimal(6)
    assert PersonDay.objects.filter(index=pioneer.index).count() == 1 + 6 * 3
    board_rebuild(contest=pioneer.contest, notify=False)
    assert board_differences(contest=pioneer.contest) == {}
