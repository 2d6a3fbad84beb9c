"""The end of a contest (`realtime.services.freeze`): the scheduler freezes the final standings from the ledger once,
awards the winners (a statement for each winning person), and the board shows the standings; the exact queries it
costs, inside its transaction and after commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import realtime_contest_world as contest_world
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from realtime_contest_world import confirm_hours, make_members

from core.activity.models import Statement
from core.activity.services import activity_record
from core.activity.vocabulary import Verb
from core.errors import ApplicationError
from realtime.models import Award, Contest, FinalStanding
from realtime.selectors import leaderboard_snapshot
from realtime.services.freeze import BADGE_TYPE, contest_freeze, contests_freeze_ended

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer
web_worker = contest_world.web_worker


def statement_queries(user) -> int:
    """The queries recording one award-like statement costs (the statement store and its handlers, which another
    part of the house owns): freezing records one for each winning person."""
    with CaptureQueriesContext(connection) as recorded:
        activity_record(
            actor=user,
            verb=Verb.EARNED,
            object_id="https://example.org/contests/baseline/award/1",
            activity_type=BADGE_TYPE,
            name="baseline",
            natural_key=("baseline-award", user.pk),
        )
    return len(recorded)


@pytest.fixture
def ended(world, pioneer):
    """The arena, ended yesterday, with three people on its board (王建国 12, 党员01 6, 党员02 6) and the top two
    places awarded."""
    a, b = make_members(world, 2)
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    for person in (world.member, world.member, a, b):
        confirm_hours(person, when=three_days_ago)
    contest = pioneer.contest
    contest.ends_at = timezone.now() - dt.timedelta(days=1)
    contest.award_top = 2
    contest.save()
    return contest, a, b


def test_freezing_costs_exact_queries_and_one_statement_per_winning_person(world, web_worker, ended, clean_store):
    """In one transaction (a savepoint here): lock the contest; its branches and the ledger's sums (the board); the
    names; the standings in one insert; for each winner an award, the person, and the award's statement; the
    contest's frozen_at. After commit: the board rebuilt from the standings (one query; the store is no database)."""
    contest, a, b = ended
    per_statement = statement_queries(world.staff)
    winners = 3  # 王建国 first, 党员01 and 党员02 tied second
    with (
        TestCase.captureOnCommitCallbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        assert contest_freeze(contest=contest) is True
    assert len(queries) == 8 + winners * (2 + per_statement), [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as after:
        for callback in callbacks:
            callback()
    assert len(after) == 1, [q["sql"] for q in after]

    contest.refresh_from_db()
    assert contest.frozen_at is not None
    assert [(s.rank, s.user_id, s.score) for s in FinalStanding.objects.filter(contest=contest)] == [
        (1, world.member.pk, Decimal(12)),
        (2, a.pk, Decimal(6)),
        (2, b.pk, Decimal(6)),
    ]
    assert [(award.user_id, award.rank, award.title) for award in Award.objects.filter(contest=contest)] == [
        (world.member.pk, 1, "党员擂台 · 第 1 名 徽章"),
        (a.pk, 2, "党员擂台 · 第 2 名 徽章"),
        (b.pk, 2, "党员擂台 · 第 2 名 徽章"),
    ]
    earned = Statement.objects.filter(verb_id=Verb.EARNED, activity_type=BADGE_TYPE).exclude(actor_user=world.staff)
    assert sorted(earned.values_list("actor_user_id", flat=True)) == sorted([world.member.pk, a.pk, b.pk])
    assert [e["score"] for e in leaderboard_snapshot(contest=contest)["entries"]] == [12, 6, 6]


def test_the_scheduler_freezes_each_ended_contest_once(world, web_worker, ended, clean_store):
    contest, _a, _b = ended
    with CaptureQueriesContext(connection) as first:
        assert contests_freeze_ended() == [contest]
    with CaptureQueriesContext(connection) as again:
        assert contests_freeze_ended() == []
    assert len(again) == 1  # the ended contests not frozen yet: none
    assert len(first) > len(again)
    assert FinalStanding.objects.filter(contest=contest).count() == 3
    assert Award.objects.filter(contest=contest).count() == 3
    # Frozen already: a second freeze of the same contest changes nothing and says so.
    stale = Contest.objects.get(pk=contest.pk)
    with CaptureQueriesContext(connection) as twice:
        assert contest_freeze(contest=stale) is False
    assert len(twice) == 3  # savepoint, the locked contest, release


def test_a_running_contest_is_not_frozen(world, pioneer):
    with translation.override("en"), pytest.raises(ApplicationError, match="^The contest has not ended yet.$"):
        contest_freeze(contest=pioneer.contest)
    assert not FinalStanding.objects.exists()
