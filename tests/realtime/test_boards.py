"""Boards rebuilt from the ledger (`realtime.services.boards.board_rebuild`, what `rebuild_leaderboards` runs): the
board a person and a team contest get, and the exact queries each costs (the store is not the database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import realtime_contest_world as contest_world
from django.utils import timezone
from realtime_contest_world import committed, confirm_hours, make_members

from core.activity.services import activity_record
from core.people.models import BranchMembership, PartyBranch
from realtime.models import Contest, Dimension, Index, Rule
from realtime.selectors import board_differences
from realtime.services.boards import board_rebuild

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer
web_worker = contest_world.web_worker


def test_rebuilding_a_persons_board_costs_exact_queries(
    world, pioneer, web_worker, clean_store, django_assert_num_queries
):
    """The contest's branches (its scope), then the ledger's sums per person."""
    a, b = make_members(world, 2)
    for person in (a, a, b, world.member):
        confirm_hours(person)
    clean_store.clear()
    with django_assert_num_queries(2):
        version = board_rebuild(contest=pioneer.contest, notify=False)
    assert clean_store.version(pioneer.contest.pk) == version
    assert clean_store.scores(pioneer.contest.pk) == {
        f"u{a.pk}": Decimal(12),
        f"u{b.pk}": Decimal(6),
        f"u{world.member.pk}": Decimal(6),
    }


def test_rebuilding_a_team_board_costs_exact_queries(
    world, pioneer, web_worker, clean_store, django_assert_num_queries
):
    """The contest's branches; the members' index summed per person, who belongs to which branch, and the branch
    index's own entries summed per branch."""
    fortress = Index.objects.create(
        name="堡垒指数", slug="fortress", scope=Index.Scope.BRANCH, member_index=pioneer.index
    )
    organisation = Dimension.objects.create(index=fortress, name="组织建设", code="organisation")
    Rule.objects.create(
        name="主题党日", dimension=organisation, verb="https://example.org/verbs/led", points=Decimal(10)
    )
    east = PartyBranch.objects.create(name="城东市场部党支部", code="B02", org_unit=world.other_department)
    (easterner,) = make_members(world, 1, unit=world.other_department, prefix="east")
    BranchMembership.objects.create(branch=east, user=easterner)
    team = Contest.objects.create(
        name="支部比拼",
        slug="branches",
        index=fortress,
        ranking=Contest.Ranking.TEAM,
        starts_at=timezone.now() - dt.timedelta(days=5),
        ends_at=timezone.now() + dt.timedelta(days=5),
        org_unit=world.city,
    )
    confirm_hours(world.member)  # 6 for 城西 through its member
    confirm_hours(easterner)
    confirm_hours(easterner)  # 12 for 城东
    with committed():
        activity_record(
            actor=world.member,
            verb="https://example.org/verbs/led",
            object_id="https://example.org/branch-days/1",
            activity_type="https://example.org/types/branch-day",
            name="主题党日",
            natural_key=("branch-day", 1),
        )  # +10 for 城西 itself
    clean_store.clear()
    with django_assert_num_queries(4):
        board_rebuild(contest=team, notify=False)
    assert clean_store.scores(team.pk) == {f"b{world.branch.pk}": Decimal(16), f"b{east.pk}": Decimal(12)}
    assert board_differences(contest=team) == {}
