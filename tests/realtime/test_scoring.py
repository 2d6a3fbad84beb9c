"""Scoring statements into the ledger and the live board: caps, dwell time, bonus windows, idempotency, trust,
voiding, rule versions, and the exact queries scoring one statement costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import realtime_contest_world as contest_world
from django.test import TestCase
from django.utils import timezone, translation
from realtime_contest_world import committed, complete_lesson, confirm_hours, total

from core.activity.models import XapiClient
from core.activity.services import statements_store
from core.activity.vocabulary import ActivityType, Verb
from core.errors import PermissionDenied
from realtime.models import BonusWindow, PersonDay, PointsEntry, Rule
from realtime.selectors import board_differences, leaderboard_snapshot, viewer_standing
from realtime.services.boards import board_rebuild
from realtime.services.rules import contest_recompute, ruleset_version_create
from realtime.services.scoring import scoring_paused, statement_score
from realtime.signals import scores_changed

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer
web_worker = contest_world.web_worker


@pytest.mark.django_db(transaction=True)
def test_a_statement_moves_the_board_and_signals_once(world, pioneer):
    received = []

    def listener(sender, signal, **kwargs):
        received.append(kwargs)

    scores_changed.connect(listener)
    try:
        board_rebuild(contest=pioneer.contest, notify=False)  # the board exists, empty
        confirm_hours(world.member)
    finally:
        scores_changed.disconnect(listener)
    assert received == [{"contest_ids": [pioneer.contest.pk], "user_ids": [world.member.pk]}]
    snapshot = leaderboard_snapshot(contest=pioneer.contest)
    assert snapshot["type"] == "leaderboard" and snapshot["contest"] == "arena"
    assert snapshot["entries"] == [{"rank": 1, "user": world.member.pk, "name": "王建国", "score": 6}]
    assert board_differences(contest=pioneer.contest) == {}


def test_a_repeated_statement_adds_nothing(world, pioneer):
    first = complete_lesson(world.member, key="same")
    again = complete_lesson(world.member, key="same")
    assert first.created and not again.created
    assert total(world.member, pioneer.index) == Decimal(2)
    assert PointsEntry.objects.count() == 1


def test_daily_cap_per_rule_and_daily_limit_across_rules(world, pioneer):
    for _ in range(7):
        complete_lesson(world.member)
    assert total(world.member, pioneer.index) == Decimal(10)  # the lesson rule's cap
    for _ in range(5):
        confirm_hours(world.member)  # 6 points each, capped at 24 by the rule, then by the daily limit of 30
    assert total(world.member, pioneer.index) == Decimal(30)
    day = PersonDay.objects.get(user=world.member, index=pioneer.index)
    assert day.points == Decimal(30)
    # The next day starts afresh.
    complete_lesson(world.member, when=timezone.now() - dt.timedelta(days=1))
    assert total(world.member, pioneer.index) == Decimal(32)


def test_dwell_minimum(world, pioneer):
    complete_lesson(world.member, seconds=59)
    assert total(world.member, pioneer.index) == 0
    complete_lesson(world.member, seconds=60)
    assert total(world.member, pioneer.index) == Decimal(2)


def test_bonus_window_multiplies(world, pioneer):
    now = timezone.now()
    BonusWindow.objects.create(
        rule=pioneer.lesson,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
        multiplier=Decimal(3),
    )
    complete_lesson(world.member)
    complete_lesson(world.member, when=now - dt.timedelta(hours=2))
    assert sorted(e.points for e in PointsEntry.objects.all()) == [Decimal(2), Decimal(6)]


def test_only_eligible_people_earn(world, pioneer):
    complete_lesson(world.retailer)
    assert PointsEntry.objects.count() == 0


def test_untrusted_client_statements_earn_nothing(world, pioneer):
    from django.conf import settings

    def statement(n):
        return {
            "actor": {"account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": world.member.username}},
            "verb": {"id": Verb.CONFIRMED_HOURS},
            "object": {
                "id": f"https://example.org/activities/x{n}",
                "definition": {"type": ActivityType.VOLUNTEER_ACTIVITY},
            },
        }

    untrusted = XapiClient.objects.create(name="app", key="k1", secret_hash="x", trusted=False)
    trusted = XapiClient.objects.create(name="hr", key="k2", secret_hash="x", trusted=True)
    statements_store(statements=[statement(1)], client=untrusted)
    assert total(world.member, pioneer.index) == 0
    statements_store(statements=[statement(2)], client=trusted)
    assert total(world.member, pioneer.index) == Decimal(6)


def test_a_voided_statement_loses_its_points(world, pioneer):
    trusted = XapiClient.objects.create(name="hr", key="k2", secret_hash="x", trusted=True)
    stored = confirm_hours(world.member)
    confirm_hours(world.member)
    assert total(world.member, pioneer.index) == Decimal(12)
    board_rebuild(contest=pioneer.contest, notify=False)
    with committed():
        statements_store(
            statements=[
                {
                    "actor": {"mbox": "mailto:hr@example.org"},
                    "verb": {"id": Verb.VOIDED},
                    "object": {"objectType": "StatementRef", "id": str(stored.statement.pk)},
                }
            ],
            client=trusted,
        )
    assert total(world.member, pioneer.index) == Decimal(6)
    assert PersonDay.objects.get(user=world.member).points == Decimal(6)
    assert leaderboard_snapshot(contest=pioneer.contest)["entries"][0]["score"] == 6
    assert board_differences(contest=pioneer.contest) == {}


def test_voiding_a_statement_costs_exact_queries(world, pioneer, web_worker, django_assert_num_queries):
    """In the voiding statement's transaction: the voided statement's entries, the day row they were counted on
    (locked) and its new totals, the entries' delete. After commit: the board update scoring makes."""
    trusted = XapiClient.objects.create(name="hr", key="k2", secret_hash="x", trusted=True)
    stored = confirm_hours(world.member)
    confirm_hours(world.member)
    with scoring_paused():  # stored, then handled below where the queries are counted
        [voiding] = statements_store(
            statements=[
                {
                    "actor": {"mbox": "mailto:hr@example.org"},
                    "verb": {"id": Verb.VOIDED},
                    "object": {"objectType": "StatementRef", "id": str(stored.statement.pk)},
                }
            ],
            client=trusted,
        )
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks, django_assert_num_queries(4):
        assert statement_score(voiding.statement) == []
    with django_assert_num_queries(5):
        for callback in callbacks:
            callback()
    assert total(world.member, pioneer.index) == Decimal(6)
    assert PersonDay.objects.get(user=world.member).points == Decimal(6)
    assert leaderboard_snapshot(contest=pioneer.contest)["entries"][0]["score"] == 6
    assert board_differences(contest=pioneer.contest) == {}


def test_rule_change_does_not_rewrite_history_until_recomputed(world, pioneer):
    confirm_hours(world.member, when=timezone.now() - dt.timedelta(days=2))
    assert total(world.member, pioneer.index) == Decimal(6)
    before = leaderboard_snapshot(contest=pioneer.contest)
    pioneer.hours.points = Decimal(10)
    pioneer.hours.save()
    version = ruleset_version_create(index=pioneer.index, by=world.editor)
    assert version.number == 2
    confirm_hours(world.member)
    entries = list(PointsEntry.objects.order_by("occurred_at").values_list("points", "rules_version"))
    assert entries == [(Decimal(6), 1), (Decimal(15), 2)]
    assert leaderboard_snapshot(contest=pioneer.contest)["entries"][0]["score"] == 21

    with (
        translation.override("en"),
        pytest.raises(PermissionDenied, match="^Only editors of scoring rules can recompute"),
    ):
        contest_recompute(contest=pioneer.contest, by=world.member)
    world.editor.is_superuser = True
    with committed():
        contest_recompute(contest=pioneer.contest, by=world.editor)
    entries = list(PointsEntry.objects.order_by("occurred_at").values_list("points", "rules_version"))
    assert entries == [(Decimal(15), 2), (Decimal(15), 2)]
    after = leaderboard_snapshot(contest=pioneer.contest)
    assert after["entries"][0]["score"] == 30
    assert after["version"] > before["version"]
    assert board_differences(contest=pioneer.contest) == {}


def test_viewer_standing_outside_the_board(world, pioneer):
    confirm_hours(world.member)
    standing = viewer_standing(contest=pioneer.contest, user=world.member)
    assert standing["rank"] == 1 and standing["score"] == 6 and standing["neighbours"] == []


def _rule_active_set(rule: Rule, active: bool) -> None:
    """As an editor does in the admin: saved, committed."""
    rule.active = active
    with committed():
        rule.save()


def test_scoring_one_statement_costs_exact_queries(world, pioneer, web_worker, django_assert_num_queries):
    """In the statement's transaction, with the rules held by the process (as after its first statement): the
    person's roles, the day row (insert if missing, lock), the entry, the day row's new totals. Reading the rules
    again after they changed: the rules and their bonus windows. After commit: the contests touched (and their
    branches) and who the person is (unit, roles, branches); then the store, which is not the database."""
    complete_lesson(world.member)  # the person's day row exists from now on, as on any busy day
    _rule_active_set(pioneer.lesson, False)
    statement = complete_lesson(world.member).statement
    later = complete_lesson(world.member).statement
    assert not PointsEntry.objects.filter(statement__in=[statement, later]).exists()
    _rule_active_set(pioneer.lesson, True)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks, django_assert_num_queries(7):
        entries = statement_score(statement)  # the rule changed: this process reads the rules again
    assert [e.points for e in entries] == [Decimal(2)]
    with TestCase.captureOnCommitCallbacks(execute=False) as later_callbacks, django_assert_num_queries(5):
        assert [e.points for e in statement_score(later)] == [Decimal(2)]
    with django_assert_num_queries(5):
        for callback in callbacks:
            callback()
    assert leaderboard_snapshot(contest=pioneer.contest)["entries"][0]["score"] == 4
    for callback in later_callbacks:
        callback()
    assert leaderboard_snapshot(contest=pioneer.contest)["entries"][0]["score"] == 6


def test_an_xapi_batch_is_scored_in_the_queries_of_one_statement_and_in_its_order(world, pioneer):
    """A trusted client POSTs 60 statements for ten people: scoring them costs the very queries scoring one costs,
    caps and the daily limit are applied in the batch's order, and the boards move once, after commit."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    members = contest_world.make_members(world, 10)
    trusted = XapiClient.objects.create(name="hr", key="k2", secret_hash="x", trusted=True)
    serial = iter(range(10**6))

    def statement(user, verb, activity_type, **extra):
        return {
            "actor": {"account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": user.username}},
            "verb": {"id": verb},
            "object": {"id": f"https://example.org/batch/{next(serial)}", "definition": {"type": activity_type}},
            **extra,
        }

    def hours(user):
        return statement(user, Verb.CONFIRMED_HOURS, ActivityType.VOLUNTEER_ACTIVITY)

    def lesson(user):
        return statement(user, Verb.COMPLETED, ActivityType.LESSON, result={"duration": "PT5M"})

    def scoring_queries(batch) -> int:
        """The queries storing `batch` costs beyond storing a batch like it without scoring."""
        twin = [dict(s, object={**s["object"], "id": s["object"]["id"] + "-unscored"}) for s in batch]
        with CaptureQueriesContext(connection) as unscored, scoring_paused():
            statements_store(statements=twin, client=trusted)
        with CaptureQueriesContext(connection) as scored:
            statements_store(statements=batch, client=trusted)
        return len(scored) - len(unscored)

    board_rebuild(contest=pioneer.contest, notify=False)  # the board exists
    confirm_hours(world.staff)  # the process holds the rules from its first statement on
    with committed():
        one = scoring_queries([hours(world.member)])
    # Member 1: six hours (6 each, the rule's cap is 24), then seven lessons (2 each): the daily limit of 30 is
    # reached after three lessons. Everyone else: six hours, capped at 24.
    batch = [hours(members[0]) for _ in range(6)] + [lesson(members[0]) for _ in range(7)]
    batch += [hours(member) for member in members[1:] for _ in range(6)]
    received = []
    scores_changed.connect(lambda sender, signal, **kwargs: received.append(kwargs), weak=False, dispatch_uid="t")
    try:
        with committed():
            many = scoring_queries(batch)
    finally:
        scores_changed.disconnect(dispatch_uid="t")
    assert many == one == 5  # roles, the day rows (insert, lock), the entries, the day rows' totals
    points = PointsEntry.objects.filter(user=members[0]).order_by("pk")
    assert [e.points for e in points] == [6, 6, 6, 6, 2, 2, 2]
    assert [total(member, pioneer.index) for member in members] == [30] + [24] * 9
    assert PersonDay.objects.get(user=members[0]).points == 30
    assert [r["contest_ids"] for r in received] == [[pioneer.contest.pk]]  # one board update for the batch
    assert board_differences(contest=pioneer.contest) == {}
