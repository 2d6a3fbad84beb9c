"""Reads of the statement store: one statement by id, and filtered pages with a stable cursor.

A page is ordered by (stored, id), both fixed when a statement is written, and the cursor carries the
last key it returned and the moment the first page was read: later pages continue strictly after that
key and never look past that moment, so paging returns every statement exactly once even while new ones
arrive. The cursor is signed, so a client cannot forge its filters.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Statement, XapiClient
from .validation import StatementInvalid

PAGE_MAX = 500
PAGE_DEFAULT = 100
CURSOR_SALT = "core.activity.statements.more"
CURSOR_MAX_AGE = 24 * 60 * 60


@dataclass(frozen=True)
class StatementFilters:
    agent: str | None = None  # the agent's IFI, as identity.actor_ifi gives it
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    since: str | None = None  # ISO date-times
    until: str | None = None
    limit: int = PAGE_DEFAULT
    ascending: bool = False


@dataclass(frozen=True)
class StatementPage:
    statements: list[dict]
    more: str | None  # a signed cursor, or None when this was the last page
    consistent_through: datetime


def statements_visible(*, client: XapiClient) -> QuerySet[Statement]:
    """A trusted client reads every statement; any other client only the statements it sent."""
    rows = Statement.objects.all()
    if not client.trusted:
        rows = rows.filter(client=client)
    return rows


def statement_get(*, client: XapiClient, statement_id: str, voided: bool) -> dict | None:
    """The statement with this id: by `statementId` only when not voided, by `voidedStatementId` only when voided."""
    try:
        pk = uuid.UUID(statement_id)
    except ValueError:
        return None
    row = statements_visible(client=client).filter(pk=pk, voided=voided).only("full").first()
    return row.full if row is not None else None


def statements_page(*, client: XapiClient, filters: StatementFilters | None = None, more: str | None = None):
    """One page of statements (voided ones left out), newest first unless `ascending`."""
    if more is not None:
        try:
            state = signing.loads(more, salt=CURSOR_SALT, max_age=CURSOR_MAX_AGE)
            filters = StatementFilters(**state["f"])
            through = datetime.fromisoformat(state["t"])
            after = (datetime.fromisoformat(state["k"][0]), uuid.UUID(state["k"][1]))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise StatementInvalid(_("The more link is not valid or has expired; start again.")) from None
    else:
        filters = filters or StatementFilters()
        through = timezone.now()
        after = None
    rows = statements_visible(client=client).filter(voided=False, stored__lte=through)
    if filters.agent:
        rows = rows.filter(Q(actor_ifi=filters.agent) | Q(object_type__in=("Agent", "Group"), object_id=filters.agent))
    if filters.verb:
        rows = rows.filter(verb_id=filters.verb)
    if filters.activity:
        rows = rows.filter(object_type="Activity", object_id=filters.activity)
    if filters.registration:
        rows = rows.filter(registration=filters.registration)
    if filters.since:
        rows = rows.filter(stored__gt=datetime.fromisoformat(filters.since))
    if filters.until:
        rows = rows.filter(stored__lte=datetime.fromisoformat(filters.until))
    if after is not None:
        stored, pk = after
        if filters.ascending:
            rows = rows.filter(Q(stored__gt=stored) | Q(stored=stored, id__gt=pk))
        else:
            rows = rows.filter(Q(stored__lt=stored) | Q(stored=stored, id__lt=pk))
    order = ("stored", "id") if filters.ascending else ("-stored", "-id")
    found = list(rows.order_by(*order).values_list("stored", "id", "full")[: filters.limit + 1])
    next_cursor = None
    if len(found) > filters.limit:
        found = found[: filters.limit]
        last_stored, last_id, _full = found[-1]
        next_cursor = signing.dumps(
            {"f": asdict(filters), "t": through.isoformat(), "k": [last_stored.isoformat(), str(last_id)]},
            salt=CURSOR_SALT,
            compress=True,
        )
    return StatementPage([full for _stored, _id, full in found], next_cursor, through)
