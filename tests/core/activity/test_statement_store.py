"""The batch write: a fixed number of queries however large the batch, handlers in the same transaction,
and activity_record still idempotent by natural key."""

from __future__ import annotations

import uuid

import pytest
from activity_xapi_helpers import statement
from django.utils import translation

from core.activity import services
from core.activity.models import Statement
from core.activity.services import StatementConflict, activity_record, statements_store
from core.activity.vocabulary import ActivityType, Verb

pytestmark = pytest.mark.django_db


def _batch(size: int) -> list[dict]:
    return [statement(n, id=str(uuid.uuid4())) for n in range(size)]


@pytest.mark.embedded
def test_batch_of_100_costs_a_fixed_number_of_queries(lrs, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        results = statements_store(statements=_batch(100), client=lrs.trusted)
    assert len(results) == Statement.objects.count() == 100


def test_handlers_run_once_per_new_statement_in_the_transaction(lrs, monkeypatch):
    seen = []
    monkeypatch.setattr(
        services, "_batch_handlers", [lambda rows: seen.extend((str(row.pk), row._state.adding) for row in rows)]
    )
    batch = _batch(5)
    statements_store(statements=batch, client=lrs.trusted)
    statements_store(statements=batch, client=lrs.trusted)
    # Handlers see saved rows, whichever way the batch was inserted.
    assert seen == [(s["id"], False) for s in batch]


def test_failing_handler_rolls_the_batch_back(lrs, monkeypatch):
    def broken(rows):
        raise RuntimeError("scoring failed")

    monkeypatch.setattr(services, "_batch_handlers", [broken])
    with pytest.raises(RuntimeError):
        statements_store(statements=_batch(3), client=lrs.trusted)
    assert Statement.objects.count() == 0


def test_conflict_after_new_ones_in_same_batch_stores_nothing(lrs):
    stored = _batch(1)
    statements_store(statements=stored, client=lrs.trusted)
    clash = dict(stored[0], verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    with pytest.raises(StatementConflict):
        statements_store(statements=[*_batch(3), clash], client=lrs.trusted)
    assert Statement.objects.count() == 1


def test_actor_of_ours_is_linked_to_the_person(lrs, world, settings):
    body = statement(1, actor={"account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": "li_retailer"}})
    [result] = statements_store(statements=[body], client=lrs.trusted)
    assert result.statement.actor_user == world.retailer


def test_activity_record_is_idempotent(world):
    first = activity_record(
        actor=world.retailer,
        verb=Verb.COMPLETED,
        object_id="https://example.com/courses/1",
        activity_type=ActivityType.COURSE,
        name="卷烟零售基础",
        natural_key=("course-completed", world.retailer.pk, 1),
    )
    again = activity_record(
        actor=world.retailer,
        verb=Verb.COMPLETED,
        object_id="https://example.com/courses/1",
        activity_type=ActivityType.COURSE,
        name="卷烟零售基础",
        natural_key=("course-completed", world.retailer.pk, 1),
    )
    assert first.created is True and again.created is False
    assert Statement.objects.get().trusted is True
    assert Statement.objects.get().actor_user == world.retailer


def test_statement_stored_at_the_same_moment_is_read_again(lrs, monkeypatch):
    """Another request stores the same ids between our read and our write: the insert fails on the key,
    the batch is read again, and the same content is accepted while other content is a 409."""
    batch = _batch(3)
    statements_store(statements=batch, client=lrs.trusted)
    real = services._stored
    calls = []

    def blind_first(ids):
        calls.append(ids)
        return {} if len(calls) == 1 else real(ids)

    monkeypatch.setattr(services, "_stored", blind_first)
    results = statements_store(statements=batch, client=lrs.trusted)
    assert [r.created for r in results] == [False, False, False]
    assert len(calls) == 2

    calls.clear()
    clash = [dict(batch[0], verb={"id": "http://adlnet.gov/expapi/verbs/completed"}), *batch[1:]]
    with translation.override("en"), pytest.raises(StatementConflict) as raised:
        statements_store(statements=clash, client=lrs.trusted)
    assert raised.value.message == f"Statement id {batch[0]['id']} is already stored with different content."
    assert Statement.objects.count() == 3
