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

from .identity import actor_ifi
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
    related_activities: bool = False  # the activity anywhere in the statement, not only as its object
    related_agents: bool = False  # the agent anywhere in the statement, not only as actor or object
    form: str = "exact"  # exact, ids or canonical: how GET shows the statements
    attachments: bool = False  # answer multipart/mixed with the attachments' data


@dataclass(frozen=True)
class StatementPage:
    statements: list[dict]
    more: str | None  # a signed cursor, or None when this was the last page
    consistent_through: datetime
    form: str = "exact"
    attachments: bool = False


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
    visible = statements_visible(client=client)
    rows = visible.filter(voided=False, stored__lte=through)
    matching = _matching(filters)
    if matching:
        rows = rows.filter(matching | _targeting(visible.filter(stored__lte=through), matching))
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
    rows = rows.order_by(*order).values_list("stored", "id", "full")
    if filters.related_activities and filters.activity or filters.related_agents and filters.agent:
        found = _related(rows, filters)
    else:
        found = list(rows[: filters.limit + 1])
    next_cursor = None
    if len(found) > filters.limit:
        found = found[: filters.limit]
        last_stored, last_id, _full = found[-1]
        next_cursor = signing.dumps(
            {"f": asdict(filters), "t": through.isoformat(), "k": [last_stored.isoformat(), str(last_id)]},
            salt=CURSOR_SALT,
            compress=True,
        )
    return StatementPage(
        [full for _stored, _id, full in found], next_cursor, through, form=filters.form, attachments=filters.attachments
    )


def _matching(filters: StatementFilters) -> Q | None:
    """The statements the agent, verb, activity and registration filters select, voided or not."""
    conditions = Q()
    if filters.agent:
        if filters.related_agents:
            # Narrowed in the database by the identifier's text, then checked exactly in _related.
            conditions &= Q(full__icontains=_ifi_text(filters.agent))
        else:
            conditions &= Q(actor_ifi=filters.agent) | Q(object_type__in=("Agent", "Group"), object_id=filters.agent)
    if filters.verb:
        conditions &= Q(verb_id=filters.verb)
    if filters.activity:
        if filters.related_activities:
            conditions &= Q(full__icontains=filters.activity)
        else:
            conditions &= Q(object_type="Activity", object_id=filters.activity)
    if filters.registration:
        conditions &= Q(registration=filters.registration)
    return conditions or None


def _targeting(rows: QuerySet[Statement], matching: Q) -> Q:
    """Statements whose StatementRef targets a statement the filters select: xAPI returns those too, so that a
    voiding statement (or any reference) still comes back when its target, voided or not, matches."""
    targets = set(rows.filter(object_type="StatementRef").values_list("object_id", flat=True).distinct())
    if not targets:
        return Q(pk__in=[])
    pks = []
    for target in targets:
        try:
            pks.append(uuid.UUID(target))
        except ValueError:
            continue
    matched = {str(pk) for pk in rows.filter(matching, pk__in=pks).values_list("pk", flat=True)}
    return Q(object_type="StatementRef", object_id__in=matched)


def _ifi_text(ifi: str) -> str:
    """The part of an identifier (as identity.actor_ifi writes it) that appears verbatim in a statement's JSON."""
    kind, _sep, value = ifi.partition(":")
    if kind == "account":
        return value.rsplit("|", 1)[-1]
    return value


def _related(rows, filters: StatementFilters) -> list:
    """Rows (in order) that really name the activity or agent somewhere, up to one more than a page."""
    found = []
    for row in rows.iterator(chunk_size=200):
        full = row[2]
        if filters.related_activities and filters.activity and filters.activity not in _activities_in(full):
            continue
        if filters.related_agents and filters.agent and filters.agent not in _agents_in(full):
            continue
        found.append(row)
        if len(found) > filters.limit:
            break
    return found


def _activities_in(statement: dict) -> set[str]:
    found = set()
    obj = statement.get("object") or {}
    if obj.get("objectType", "Activity") == "Activity":
        found.add(obj.get("id"))
    elif obj.get("objectType") == "SubStatement":
        found |= _activities_in(obj)
    for activities in ((statement.get("context") or {}).get("contextActivities") or {}).values():
        found |= {activity.get("id") for activity in activities}
    return found


def _agents_in(statement: dict) -> set[str]:
    found = set()

    def add(agent) -> None:
        if isinstance(agent, dict):
            found.add(actor_ifi(agent))
            for member in agent.get("member", []):
                found.add(actor_ifi(member))

    add(statement.get("actor"))
    add(statement.get("authority"))
    obj = statement.get("object") or {}
    if obj.get("objectType") in ("Agent", "Group"):
        add(obj)
    elif obj.get("objectType") == "SubStatement":
        found |= _agents_in(obj)
    context = statement.get("context") or {}
    add(context.get("instructor"))
    add(context.get("team"))
    return found


# --- how GET shows a statement: format=exact, ids or canonical ---------------------------------------------

_AGENT_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def statement_formatted(full: dict, *, form: str, languages: list[str]) -> dict:
    """The statement as `format` asks: exact (as stored), ids (agents by identifier, activities and verbs by id)
    or canonical (every language map down to the one language the client prefers)."""
    if form == "exact":
        return full
    if form == "ids":
        return _ids(full)
    return _canonical(full, languages)


_AGENT_PLACES = {"actor", "instructor", "team", "authority", "member"}
_ACTIVITY_PLACES = {"object", "parent", "grouping", "category", "other"}


def _ids(value, key: str | None = None):
    if isinstance(value, list):
        return [_ids(item, key) for item in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("objectType")
    if key in _AGENT_PLACES or (key == "object" and kind in ("Agent", "Group")):
        slim = {name: value[name] for name in ("objectType", *_AGENT_IFIS) if name in value}
        if "member" in value and not any(name in value for name in _AGENT_IFIS):
            slim["member"] = _ids(value["member"], "member")
        return slim
    if key == "verb":
        return {"id": value["id"]}
    if key in _ACTIVITY_PLACES and kind in (None, "Activity"):
        return {"id": value["id"]}
    return {name: _ids(item, name) for name, item in value.items()}


_LANGUAGE_MAP_KEYS = {"display", "name", "description"}


def _canonical(value, languages: list[str], key: str | None = None):
    if isinstance(value, list):
        return [_canonical(item, languages) for item in value]
    if not isinstance(value, dict):
        return value
    if key in _LANGUAGE_MAP_KEYS and value and all(isinstance(text, str) for text in value.values()):
        chosen = _best_language(value, languages)
        return {chosen: value[chosen]}
    if key == "extensions":
        return value
    return {name: _canonical(item, languages, name) for name, item in value.items()}


def _best_language(texts: dict, languages: list[str]) -> str:
    lowered = {tag.lower(): tag for tag in texts}
    for wanted in languages:
        if wanted in lowered:
            return lowered[wanted]
        for tag in texts:  # "en" asks for any English; "en-GB" settles for "en"
            if tag.lower().split("-")[0] == wanted.split("-")[0]:
                return tag
    for fallback in ("en-us", "en"):
        if fallback in lowered:
            return lowered[fallback]
    return next(iter(texts))
