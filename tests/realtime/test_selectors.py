"""The leaderboard messages: ranks with ties, the viewer's neighbours, anonymised names, who may watch, team
boards, and final standings frozen by the scheduler after the end (a read before that shows the ledger)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import realtime_contest_world as contest_world
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone
from realtime_contest_world import committed, confirm_hours, make_members

from core.activity.services import activity_record
from core.people.models import BranchMembership, PartyBranch
from realtime.models import Award, Contest, Dimension, FinalStanding, Index, Rule
from realtime.selectors import (
    board_differences,
    contest_visible_to,
    initials,
    leaderboard_snapshot,
    viewer_standing,
)
from realtime.services.boards import board_rebuild

# The embedded default (SQLite, the in-process store) must give the same boards.
pytestmark = pytest.mark.embedded

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer


def board(store, contest, scores: dict) -> None:
    store.replace(contest.pk, {f"u{user.pk}": Decimal(score) for user, score in scores.items()})


def test_snapshot_ranks_ties_alike_and_lists_them_by_id(world, pioneer, clean_store):
    a, b, c, d = make_members(world, 4)
    board(clean_store, pioneer.contest, {a: 10, b: 20, c: 10, d: 5})
    snapshot = leaderboard_snapshot(contest=pioneer.contest, limit=20)
    assert set(snapshot) == {"type", "contest", "version", "entries", "sent_at"}
    assert snapshot["entries"] == [
        {"rank": 1, "user": b.pk, "name": "党员02", "score": 20},
        {"rank": 2, "user": a.pk, "name": "党员01", "score": 10},
        {"rank": 2, "user": c.pk, "name": "党员03", "score": 10},
        {"rank": 4, "user": d.pk, "name": "党员04", "score": 5},
    ]
    assert dt.datetime.fromisoformat(snapshot["sent_at"])
    assert [e["user"] for e in leaderboard_snapshot(contest=pioneer.contest, limit=2)["entries"]] == [b.pk, a.pk]


def test_the_viewer_sees_three_above_and_three_below(world, pioneer, clean_store):
    members = make_members(world, 10)
    # 党员01 has 100 points, 党员02 90, ... 党员10 10.
    board(clean_store, pioneer.contest, {user: 100 - 10 * i for i, user in enumerate(members)})
    you = viewer_standing(contest=pioneer.contest, user=members[4])
    assert you["type"] == "you" and you["contest"] == "arena"
    assert (you["rank"], you["score"]) == (5, 60)
    assert [(n["rank"], n["name"], n["score"]) for n in you["neighbours"]] == [
        (2, "党员02", 90),
        (3, "党员03", 80),
        (4, "党员04", 70),
        (6, "党员06", 50),
        (7, "党员07", 40),
        (8, "党员08", 30),
    ]
    assert you["version"] == leaderboard_snapshot(contest=pioneer.contest)["version"]
    top = viewer_standing(contest=pioneer.contest, user=members[0])
    assert top["rank"] == 1 and [n["rank"] for n in top["neighbours"]] == [2, 3, 4]
    last = viewer_standing(contest=pioneer.contest, user=members[9])
    assert last["rank"] == 10 and [n["rank"] for n in last["neighbours"]] == [7, 8, 9]


def test_neighbours_inside_a_tie_keep_the_tie_rank(world, pioneer, clean_store):
    members = make_members(world, 8)
    board(clean_store, pioneer.contest, {user: 50 if i < 6 else 10 for i, user in enumerate(members)})
    you = viewer_standing(contest=pioneer.contest, user=members[6])
    assert you["rank"] == 7
    assert [n["rank"] for n in you["neighbours"]] == [1, 1, 1, 7]


def test_a_participant_without_points_stands_last(world, pioneer, clean_store):
    a, b = make_members(world, 2)
    board(clean_store, pioneer.contest, {a: 30, b: 20})
    you = viewer_standing(contest=pioneer.contest, user=world.member)
    assert (you["rank"], you["score"]) == (3, 0)
    assert [n["user"] for n in you["neighbours"]] == [a.pk, b.pk]
    assert viewer_standing(contest=pioneer.contest, user=world.villager) is None
    assert viewer_standing(contest=pioneer.contest, user=AnonymousUser()) is None


def test_an_anonymised_board_shows_initials_but_the_viewer_their_own_name(world, pioneer, clean_store):
    pioneer.contest.names = Contest.Names.MASKED
    pioneer.contest.save()
    members = make_members(world, 3)
    board(clean_store, pioneer.contest, {members[0]: 30, members[1]: 20, world.member: 10})
    names = [e["name"] for e in leaderboard_snapshot(contest=pioneer.contest)["entries"]]
    assert names == ["党***", "党***", "王**"]
    you = viewer_standing(contest=pioneer.contest, user=world.member)
    assert [n["name"] for n in you["neighbours"]] == ["党***", "党***"]


def test_initials():
    assert initials("王建国") == "王**"
    assert initials("李明") == "李*"
    assert initials("Li Chunmei") == "L.C."
    assert initials("") == "*"


def test_who_may_watch(world, pioneer):
    contest = pioneer.contest
    assert contest_visible_to(contest, AnonymousUser())
    contest.is_public = False
    contest.role = "party_member"
    contest.save()
    assert contest_visible_to(contest, world.member)  # takes part
    assert contest_visible_to(contest, world.editor)  # editors see every contest
    assert not contest_visible_to(contest, world.staff)  # not a party member
    assert not contest_visible_to(contest, world.villager)
    assert not contest_visible_to(contest, AnonymousUser())


def test_a_team_board_adds_members_indices_and_branch_activities(world, pioneer, clean_store):
    fortress = Index.objects.create(
        name="堡垒指数", slug="fortress", scope=Index.Scope.BRANCH, member_index=pioneer.index
    )
    organisation = Dimension.objects.create(index=fortress, name="组织建设", code="organisation")
    Rule.objects.create(
        name="主题党日", dimension=organisation, verb="https://example.org/verbs/led", points=Decimal(10)
    )
    other_branch = PartyBranch.objects.create(name="城东市场部党支部", code="B02", org_unit=world.other_department)
    (east,) = make_members(world, 1, unit=world.other_department, prefix="east")
    BranchMembership.objects.create(branch=other_branch, user=east)
    now = timezone.now()
    team = Contest.objects.create(
        name="支部比拼",
        slug="branches",
        index=fortress,
        ranking=Contest.Ranking.TEAM,
        starts_at=now - dt.timedelta(days=5),
        ends_at=now + dt.timedelta(days=5),
        org_unit=world.city,
    )
    board_rebuild(contest=team, notify=False)  # the board exists before the statements
    confirm_hours(world.member)  # 6 for 城西 through its member
    confirm_hours(east)
    confirm_hours(east)  # 12 for 城东
    with committed():
        activity_record(
            actor=world.member,
            verb="https://example.org/verbs/led",
            object_id="https://example.org/branch-days/1",
            activity_type="https://example.org/types/branch-day",
            name="主题党日",
            natural_key=("branch-day", 1),
        )  # +10 for 城西 itself
    entries = leaderboard_snapshot(contest=team)["entries"]
    assert [(e["user"], e["name"], e["score"]) for e in entries] == [
        (world.branch.pk, "城西市场部党支部", 16),
        (other_branch.pk, "城东市场部党支部", 12),
    ]
    you = viewer_standing(contest=team, user=east)
    assert (you["rank"], you["score"]) == (2, 12)
    assert board_differences(contest=team) == {}


def test_final_standings_freeze_when_the_scheduler_runs_after_the_end(world, pioneer, clean_store):
    (other,) = make_members(world, 1)
    contest = pioneer.contest
    confirm_hours(world.member, when=timezone.now() - dt.timedelta(days=3))
    confirm_hours(world.member, when=timezone.now() - dt.timedelta(days=3))
    confirm_hours(other, when=timezone.now() - dt.timedelta(days=3))
    contest.ends_at = timezone.now() - dt.timedelta(days=1)
    contest.award_top = 1
    contest.save()
    # Ended, not frozen yet: a read shows what the ledger says and freezes nothing.
    assert [e["score"] for e in leaderboard_snapshot(contest=contest)["entries"]] == [12, 6]
    contest.refresh_from_db()
    assert contest.frozen_at is None and not FinalStanding.objects.filter(contest=contest).exists()
    with committed():
        call_command("freeze_contests", stdout=StringIO())  # the scheduler's job
        snapshot = leaderboard_snapshot(contest=contest)
    contest.refresh_from_db()
    assert contest.frozen_at is not None
    assert [(s.rank, s.user_id, s.score) for s in FinalStanding.objects.filter(contest=contest)] == [
        (1, world.member.pk, Decimal(12)),
        (2, other.pk, Decimal(6)),
    ]
    assert [(a.user_id, a.rank) for a in Award.objects.filter(contest=contest)] == [(world.member.pk, 1)]
    assert [e["score"] for e in snapshot["entries"]] == [12, 6]
    # A late statement dated inside the period changes neither the standings nor the board.
    confirm_hours(other, when=timezone.now() - dt.timedelta(days=2))
    confirm_hours(other, when=timezone.now() - dt.timedelta(days=2))
    assert [e["score"] for e in leaderboard_snapshot(contest=contest)["entries"]] == [12, 6]
    assert board_differences(contest=contest) == {}


@pytest.mark.parametrize("limit", [1, 3])
def test_limit(world, pioneer, clean_store, limit):
    members = make_members(world, 4)
    board(clean_store, pioneer.contest, {u: i + 1 for i, u in enumerate(members)})
    assert len(leaderboard_snapshot(contest=pioneer.contest, limit=limit)["entries"]) == limit
