"""The scoring rules held by each process (`realtime.rules_cache`): a statement costs no rules query, a rule change is
seen at once by the process that made it and within `CHECK_SECONDS` by every other, and rules changed in a
transaction that rolls back are never kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import realtime_contest_world as contest_world
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from realtime_contest_world import committed, confirm_hours

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from realtime import rules_cache
from realtime.models import PointsEntry, Rule
from realtime.services.rules import ruleset_version_create

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer


@pytest.fixture
def clock(monkeypatch):
    """The rules cache's clock, moved by hand."""
    now = SimpleNamespace(value=1000.0)
    monkeypatch.setattr(rules_cache, "time", SimpleNamespace(monotonic=lambda: now.value))
    return now


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def points_of(result) -> list[Decimal]:
    return [entry.points for entry in PointsEntry.objects.filter(statement=result.statement)]


def support(user, key):
    return activity_record(
        actor=user,
        verb=Verb.SUPPORTED,
        object_id=f"https://example.org/ideas/{key}",
        activity_type=ActivityType.PROPOSAL,
        name="金点子",
        natural_key=("test-support", user.pk, key),
    )


def another_process_changes_the_hours_rule(points: int) -> None:
    """What a rule change in another process leaves behind: the row changed (no signal here) and a new shared
    token, set by that process when its transaction committed."""
    Rule.objects.filter(verb=Verb.CONFIRMED_HOURS).update(points=Decimal(points))
    cache.set(rules_cache.TOKEN_KEY, f"changed elsewhere to {points}", timeout=None)


def test_a_statement_no_rule_scores_is_one_insert(world, pioneer):
    """Inside the caller's transaction: no savepoint, no id check, no rules query; a repeat is the insert that skips
    and the read of the stored statement."""
    support(world.member, "warm")  # the process reads the rules with its first statement
    with CaptureQueriesContext(connection) as first:
        created = support(world.member, 1)
    assert [query["sql"].split()[0] for query in first] == ["INSERT"]
    assert created.created
    with CaptureQueriesContext(connection) as again:
        repeat = support(world.member, 1)
    assert [query["sql"].split()[0] for query in again] == ["INSERT", "SELECT"]
    assert (repeat.created, str(repeat.statement.pk), repeat.statement.full) == (
        False,
        str(created.statement.pk),
        created.statement.full,
    )


def test_another_processs_rule_change_is_scored_within_the_bound(world, pioneer, clock):
    """The staleness bound: up to CHECK_SECONDS after another process's change this process may score under the rules
    it holds (without asking the cache); from then on, under the new ones."""
    assert [points_of(confirm_hours(world.member, when=days_ago(1)))] == [[Decimal(6)]]
    another_process_changes_the_hours_rule(10)
    clock.value += rules_cache.CHECK_SECONDS - 0.01
    with CaptureQueriesContext(connection) as held:
        assert points_of(confirm_hours(world.member, when=days_ago(2))) == [Decimal(6)]
    assert not any("realtime_rule" in query["sql"] for query in held)
    clock.value += 0.01
    assert points_of(confirm_hours(world.member, when=days_ago(3))) == [Decimal(15)]  # 10 × 1.5


def test_the_process_that_changes_a_rule_scores_under_it_at_once(world, pioneer, clock):
    assert points_of(confirm_hours(world.member, when=days_ago(1))) == [Decimal(6)]
    pioneer.hours.points = Decimal(10)
    with committed():
        pioneer.hours.save()
        ruleset_version_create(index=pioneer.index, by=world.editor)
    result = confirm_hours(world.member, when=days_ago(2))
    assert list(PointsEntry.objects.filter(statement=result.statement).values_list("points", "rules_version")) == [
        (Decimal(15), 2)
    ]


def test_a_transaction_scores_under_its_own_uncommitted_rules_and_a_rollback_leaves_none(world, pioneer, clock):
    confirm_hours(world.member)  # the process holds the rules
    with pytest.raises(RuntimeError), transaction.atomic():
        Rule.objects.create(
            name="支持金点子", dimension=pioneer.service, verb=Verb.SUPPORTED, points=Decimal(2), daily_cap=None
        )
        assert points_of(support(world.member, 1)) == [Decimal(3)]  # 2 × 1.5
        raise RuntimeError("rolled back")
    assert points_of(support(world.member, 2)) == []
    assert Verb.SUPPORTED not in rules_cache.active_rules_by_verb()


def test_without_the_shared_cache_every_check_reads_the_rules(world, pioneer, clock, monkeypatch):
    """With Redis unreachable the fail-open cache answers a miss and writes nothing: the bound still holds."""
    monkeypatch.setattr(
        rules_cache,
        "cache",
        SimpleNamespace(get=lambda key, default=None: default, add=lambda *a, **k: False, set=lambda *a, **k: None),
    )
    rules_cache.rules_cache_forget()
    assert points_of(confirm_hours(world.member, when=days_ago(1))) == [Decimal(6)]
    Rule.objects.filter(verb=Verb.CONFIRMED_HOURS).update(points=Decimal(10))  # another process, its token lost
    assert points_of(confirm_hours(world.member, when=days_ago(2))) == [Decimal(6)]
    clock.value += rules_cache.CHECK_SECONDS
    assert points_of(confirm_hours(world.member, when=days_ago(3))) == [Decimal(15)]


def test_a_lost_token_is_a_change(world, pioneer, clock):
    """Redis restarted empty or the key evicted: the next check finds no token and reads the rules again."""
    assert points_of(confirm_hours(world.member, when=days_ago(1))) == [Decimal(6)]
    Rule.objects.filter(verb=Verb.CONFIRMED_HOURS).update(points=Decimal(10))
    cache.delete(rules_cache.TOKEN_KEY)
    clock.value += rules_cache.CHECK_SECONDS
    assert points_of(confirm_hours(world.member, when=days_ago(2))) == [Decimal(15)]
