"""Statement batches arriving together on PostgreSQL: every batch moves the same summary rows (the city's and its
ancestors' for today), so none may wait on another's row locks, and the figures stay equal to a recount."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from core.activity.iris import ActivityType, Verb
from core.activity.services import activity_record
from core.cockpit.models import IndicatorTally, PendingTally
from core.cockpit.selectors import cockpit_figures
from core.cockpit.services import cockpit_rebuild

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _adopted(world, n: int) -> None:
    activity_record(
        actor=world.staff,
        verb=Verb.ADOPTED,
        object_id=f"https://example.org/xapi/activities/idea/{n}",
        activity_type=ActivityType.PROPOSAL,
        name="扫码订货",
        natural_key=("test-concurrent-adopted", n),
    )


def _adopted_figure(unit) -> float:
    return next(row["value"] for row in cockpit_figures(unit=unit)["indicators"] if row["key"] == "ideas-adopted")


def _summaries() -> list[tuple]:
    return sorted(IndicatorTally.objects.values_list("indicator", "unit_id", "day", "numerator", "denominator"))


def test_a_batch_never_waits_for_another_writing_the_same_summaries(world):
    """One batch holds the summaries' rows in an open transaction; five more batches for the same units commit
    meanwhile (their deltas pending), the figures count all six, and the next batch folds the pending ones in."""
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                _adopted(world, 1)
                holding.set()
                release.wait(60)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def five_more() -> None:
        try:
            for n in range(2, 7):
                _adopted(world, n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(60)
    others = threading.Thread(target=five_more)
    others.start()
    others.join(timeout=30)
    finished_while_held = not others.is_alive()
    release.set()
    holder.join(timeout=60)
    others.join(timeout=60)
    assert not errors, errors
    assert finished_while_held, "a batch waited for another batch's transaction"
    assert PendingTally.objects.exists()
    for unit in (world.department, world.county, world.city):
        assert _adopted_figure(unit) == 6, unit.kind

    _adopted(world, 7)  # the writer's lock is free: this batch folds the pending deltas in with its own
    assert not PendingTally.objects.exists()
    assert _adopted_figure(world.city) == 7
    kept = _summaries()
    cockpit_rebuild()
    assert [row for row in kept if row[3] or row[4]] == _summaries()


def test_forty_batches_at_once_count_every_statement_once(world):
    """Eight connections record five statements each, released together: no deadlock, no statement lost or
    counted twice at any level, before and after the pending deltas are folded."""
    threads_n, each = 8, 5
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def record(worker: int) -> None:
        try:
            barrier.wait(timeout=60)
            for k in range(each):
                _adopted(world, 100 + worker * each + k)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for unit in (world.department, world.county, world.city):
        assert _adopted_figure(unit) == threads_n * each, unit.kind
    _adopted(world, 1)
    assert not PendingTally.objects.exists()
    assert _adopted_figure(world.city) == threads_n * each + 1
    kept = _summaries()
    cockpit_rebuild()
    assert [row for row in kept if row[3] or row[4]] == _summaries()
