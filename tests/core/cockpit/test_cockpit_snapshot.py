"""The shared cockpit snapshot: computed once for every viewer of a unit, kept until a statement batch moves the
unit's summaries, then computed afresh (inside the batch's transaction and again after its commit)."""

from __future__ import annotations

import pytest

from core.activity.iris import ActivityType, Verb
from core.activity.services import activity_record
from core.cockpit.selectors import cockpit_snapshot

pytestmark = pytest.mark.django_db


def _adopted(world, n: int) -> None:
    activity_record(
        actor=world.staff,
        verb=Verb.ADOPTED,
        object_id=f"https://example.org/xapi/activities/idea/{n}",
        activity_type=ActivityType.PROPOSAL,
        name="扫码订货",
        natural_key=("test-adopted", n),
    )


def _adopted_figure(figures) -> float:
    return next(row["value"] for row in figures["indicators"] if row["key"] == "ideas-adopted")


def test_viewers_share_one_snapshot_until_a_statement_moves_the_unit(
    world, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = cockpit_snapshot(unit=world.department)
    assert _adopted_figure(first) == 0
    with django_assert_num_queries(0):
        assert cockpit_snapshot(unit=world.department) == first
    with django_capture_on_commit_callbacks(execute=True):
        _adopted(world, 1)
    assert _adopted_figure(cockpit_snapshot(unit=world.department)) == 1
    assert _adopted_figure(cockpit_snapshot(unit=world.city)) == 1
    # inside the batch's transaction already (before any commit)
    _adopted(world, 2)
    assert _adopted_figure(cockpit_snapshot(unit=world.department)) == 2
    # a unit the statements did not reach keeps its snapshot
    other = cockpit_snapshot(unit=world.other_department)
    _adopted(world, 3)
    with django_assert_num_queries(0):
        assert cockpit_snapshot(unit=world.other_department) == other
