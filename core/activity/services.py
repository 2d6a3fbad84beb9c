"""The one place statements are written.

Features call `activity_record` (the server speaking about its own users); the xAPI resource calls
`statements_store` (clients speaking in raw xAPI). Both end in `_store_one`, which writes the row and
runs the statement handlers in the same transaction, so a statement and everything derived from it
(points, for example) are written together or not at all.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError

from .models import Statement, XapiClient
from .validation import StatementInvalid, normalise_statement, statements_equivalent
from .vocabulary import VERB_EN, Verb

XAPI_VERSION = "1.0.3"
# uuid5 namespace for statement ids the server derives from a natural key.
STATEMENT_NAMESPACE = uuid.UUID("6f1d3c2e-8a43-5b7e-9d0c-2f6a4b1e7c90")

StatementHandler = Callable[[Statement], None]
_handlers: list[StatementHandler] = []


def statement_handler_register(handler: StatementHandler) -> None:
    """Run `handler(statement)` for every newly stored statement, inside the storing transaction.

    Apps register in `AppConfig.ready()`. A handler that raises rolls the statement back, so keep
    handlers to database writes; push events with `transaction.on_commit`.
    """
    if handler not in _handlers:
        _handlers.append(handler)


class StatementConflict(ApplicationError):
    status = 409


@dataclass(frozen=True)
class StoreResult:
    statement: Statement
    created: bool


def statement_id_for(*natural_key: object) -> uuid.UUID:
    """A deterministic statement id, so recording the same act twice stores it once."""
    return uuid.uuid5(STATEMENT_NAMESPACE, "|".join(str(part) for part in natural_key))


def agent_for_user(user) -> dict:
    return {
        "objectType": "Agent",
        "name": str(user),
        "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": user.username},
    }


def server_authority() -> dict:
    return {
        "objectType": "Agent",
        "name": settings.WAGTAIL_SITE_NAME,
        "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": "platform"},
    }


def client_authority(client: XapiClient) -> dict:
    return {
        "objectType": "Agent",
        "name": client.name,
        "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": f"client:{client.key}"},
    }


def activity_record(
    *,
    actor,
    verb: str,
    object_id: str,
    activity_type: str,
    name: str,
    result: dict | None = None,
    context: dict | None = None,
    natural_key: Iterable[object] | None = None,
    timestamp: datetime | None = None,
) -> StoreResult:
    """Record what `actor` (a user) did, once.

    `natural_key` names the act (for example `("lesson-completed", user.pk, lesson.pk)`); recording
    the same act again returns the stored statement with `created=False` and changes nothing.
    """
    statement_id = statement_id_for(*natural_key) if natural_key is not None else uuid.uuid4()
    statement: dict = {
        "id": str(statement_id),
        "actor": agent_for_user(actor),
        "verb": {"id": verb, "display": {"en-US": VERB_EN.get(verb, verb.rsplit("/", 1)[-1])}},
        "object": {
            "objectType": "Activity",
            "id": object_id,
            "definition": {"type": activity_type, "name": {"zh-CN": name}},
        },
        "timestamp": (timestamp or timezone.now()).isoformat(),
    }
    if result:
        statement["result"] = result
    if context:
        statement["context"] = context
    with transaction.atomic():
        existing = Statement.objects.filter(pk=statement_id).first()
        if existing is not None:
            return StoreResult(existing, created=False)
        return _store_one(statement, client=None, actor_user=actor, authority=server_authority())


def statements_store(*, statements: list[dict], client: XapiClient) -> list[StoreResult]:
    """Store a batch from an xAPI client: all or nothing.

    Raises StatementInvalid (400) for a malformed statement and StatementConflict (409) when an id
    is already stored with other content. A repeated id with the same content is accepted once.
    """
    if len(statements) > settings.XAPI_MAX_BATCH:
        raise StatementInvalid(f"A batch holds at most {settings.XAPI_MAX_BATCH} statements.")
    normalised = [normalise_statement(raw, index=i) for i, raw in enumerate(statements)]
    seen: dict[str, dict] = {}
    for statement in normalised:
        earlier = seen.get(statement["id"])
        if earlier is not None and not statements_equivalent(earlier, statement):
            raise StatementConflict(
                f"Statement id {statement['id']} appears twice in the batch with different content."
            )
        seen[statement["id"]] = statement
    authority = client_authority(client)
    results: list[StoreResult] = []
    try:
        with transaction.atomic():
            stored_ids: set[str] = set()
            existing = {str(row.pk): row for row in Statement.objects.select_for_update().filter(pk__in=list(seen))}
            for statement in normalised:
                sid = statement["id"]
                if sid in existing:
                    if not statements_equivalent(existing[sid].full, statement):
                        raise StatementConflict(f"Statement id {sid} is already stored with different content.")
                    results.append(StoreResult(existing[sid], created=False))
                    continue
                if sid in stored_ids:
                    continue
                _check_voiding_target(statement)
                results.append(_store_one(statement, client=client, actor_user=None, authority=authority))
                stored_ids.add(sid)
    except IntegrityError as exc:
        # Another request stored one of these ids between our read and our write.
        raise StatementConflict("A statement with one of these ids was stored at the same moment; retry.") from exc
    return results


def _check_voiding_target(statement: dict) -> None:
    if statement["verb"]["id"] != Verb.VOIDED:
        return
    target_id = statement["object"]["id"]
    target = Statement.objects.filter(pk=target_id).only("verb_id", "voided").first()
    if target is not None and target.verb_id == Verb.VOIDED:
        raise StatementInvalid("A voiding statement cannot itself be voided.")


def _store_one(statement: dict, *, client: XapiClient | None, actor_user, authority: dict) -> StoreResult:
    from .identity import actor_ifi, user_for_actor

    stored = timezone.now()
    full = copy.deepcopy(statement)
    full.setdefault("timestamp", stored.isoformat())
    full["stored"] = stored.isoformat()
    full["authority"] = authority
    full["version"] = XAPI_VERSION
    obj = full["object"]
    object_type = obj.get("objectType", "Activity")
    is_voiding = full["verb"]["id"] == Verb.VOIDED
    row = Statement(
        id=full["id"],
        actor_ifi=actor_ifi(full["actor"]),
        actor_user=actor_user if actor_user is not None else user_for_actor(full["actor"]),
        verb_id=full["verb"]["id"],
        object_id=obj.get("id") or actor_ifi(obj),
        object_type=object_type,
        activity_type=(obj.get("definition") or {}).get("type", "") if object_type == "Activity" else "",
        registration=(full.get("context") or {}).get("registration"),
        timestamp=datetime.fromisoformat(full["timestamp"].replace("Z", "+00:00")),
        stored=stored,
        voids=obj["id"] if is_voiding else None,
        client=client,
        trusted=client is None or client.trusted,
        full=full,
    )
    row.save(force_insert=True)
    if is_voiding:
        Statement.objects.filter(pk=obj["id"]).exclude(verb_id=Verb.VOIDED).update(voided=True)
    for handler in _handlers:
        handler(row)
    return StoreResult(row, created=True)
