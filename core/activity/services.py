"""The one place statements are written.

Features call `activity_record` (the server speaking about its own users); the xAPI resource calls
`statements_store` (clients speaking in raw xAPI). They write the rows (`_store_one`, `_store_batch`) and run the
statement handlers in the same transaction, so a statement and everything derived from it
(points, for example) are written together or not at all. Handlers see only statements the trust rule
(`models.statement_vouched_for`) lets change platform state.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql.subqueries import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .models import Statement, XapiClient, statement_vouched_for
from .validation import StatementInvalid, normalise_statement, statements_equivalent
from .vocabulary import VERB_EN, Verb

XAPI_VERSION = "1.0.3"
# uuid5 namespace for statement ids the server derives from a natural key.
STATEMENT_NAMESPACE = uuid.UUID("6f1d3c2e-8a43-5b7e-9d0c-2f6a4b1e7c90")

BatchHandler = Callable[[list[Statement]], None]
_batch_handlers: list[BatchHandler] = []


def statement_batch_handler_register(handler: BatchHandler) -> None:
    """Run `handler(statements)` once per write with the statements it newly stored that may change platform
    state (the trust rule, `models.statement_vouched_for`), in the order they were sent (one for
    `activity_record`, the whole batch for an xAPI POST), inside the storing transaction. A handler does a
    batch's work in a fixed number of queries. Apps register in `AppConfig.ready()`. A handler that raises
    rolls the statements back, so keep handlers to database writes; push events with `transaction.on_commit`.
    """
    if handler not in _batch_handlers:
        _batch_handlers.append(handler)


def _dispatch(rows: list[Statement]) -> None:
    """Hand newly stored rows to the handlers: only those the trust rule lets change state, and only when
    there are any. Untrusted clients' statements are stored and served, and change nothing else."""
    trusted = [row for row in rows if row.trusted]
    if not trusted:
        return
    for handler in _batch_handlers:
        handler(trusted)


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
    # No savepoint of its own: inside a caller's transaction an error here rolls the caller's work back with it (the
    # statement and what it records are one act), and a repeat is no error (the insert skips a stored id). Outside
    # one, this is the transaction. A savepoint and an id check were two of a feature's ten round trips.
    with transaction.atomic(savepoint=False):
        return _store_one(statement, client=None, actor_user=actor, authority=server_authority())


def statements_store(*, statements: list[dict], client: XapiClient) -> list[StoreResult]:
    """Store a batch from an xAPI client: all or nothing.

    Raises StatementInvalid (400) for a malformed statement and StatementConflict (409) when an id
    is already stored with other content. A repeated id with the same content is accepted once.
    Returns one result per statement sent, in order (a statement repeated in the batch, twice).

    The batch costs a fixed number of queries whatever its size: one read of the ids already stored,
    one of the people the actors name, one of the statements voided, one insert, then the handlers once for the
    whole batch (with the statements the trust rule lets change state; not at all when there are none).
    """
    if len(statements) > settings.XAPI_MAX_BATCH:
        raise StatementInvalid(
            _("A batch holds at most %(limit)d statements.") % {"limit": settings.XAPI_MAX_BATCH},
            extra={"limit": settings.XAPI_MAX_BATCH},
        )
    normalised = [normalise_statement(raw, index=i) for i, raw in enumerate(statements)]
    seen: dict[str, dict] = {}
    for statement in normalised:
        earlier = seen.get(statement["id"])
        if earlier is not None and not statements_equivalent(earlier, statement):
            raise StatementConflict(
                _("Statement id %(id)s appears twice in the batch with different content.") % {"id": statement["id"]},
                extra={"id": statement["id"]},
            )
        seen[statement["id"]] = statement
    authority = client_authority(client)
    for attempt in range(3):
        try:
            with transaction.atomic():
                stored = _store_batch(list(seen.values()), client=client, authority=authority)
            return [stored[statement["id"]] for statement in normalised]
        except IntegrityError as exc:
            # Another request stored one of these ids between our read and our write: read again, so the
            # same content is accepted and other content is a 409 like any stored id.
            if attempt == 2:
                raise StatementConflict(
                    _("A statement with one of these ids was stored at the same moment; retry.")
                ) from exc
    raise AssertionError("unreachable")


def _store_batch(unique: list[dict], *, client: XapiClient, authority: dict) -> dict[str, StoreResult]:
    from .identity import users_for_actors

    ids = [statement["id"] for statement in unique]
    existing = _stored(ids)
    results: dict[str, StoreResult] = {}
    new: list[dict] = []
    for statement in unique:
        sid = statement["id"]
        row = existing.get(sid)
        if row is None:
            new.append(statement)
        elif statements_equivalent(row.full, statement):
            results[sid] = StoreResult(row, created=False)
        else:
            raise StatementConflict(
                _("Statement id %(id)s is already stored with different content.") % {"id": sid}, extra={"id": sid}
            )
    if new:
        _check_voiding_targets(new)
        stored = timezone.now()
        users = users_for_actors([statement["actor"] for statement in new])
        rows = [
            _row_for(statement, stored=stored, client=client, actor_user=None, users=users, authority=authority)
            for statement in new
        ]
        _mark_voided(rows)
        _insert(rows)
        _void_targets(rows)
        for row in rows:
            results[str(row.pk)] = StoreResult(row, created=True)
        _dispatch(rows)
    return results


def _stored(ids: list[str]) -> dict[str, Statement]:
    return {str(row.pk): row for row in Statement.objects.filter(pk__in=ids)}


def _insert(rows: list[Statement]) -> None:
    """One bulk insert. On PostgreSQL a COPY: the ORM's bulk INSERT there binds each column as an array whose
    JSON elements psycopg escapes in Python, which took a quarter of a batch's CPU time (platform/BENCHMARKS.md).
    Values still go through each field's get_db_prep_save, so they are exactly what the ORM would write."""
    if connection.vendor != "postgresql" or len(rows) < 2:
        Statement.objects.bulk_create(rows)
        return
    fields = Statement._meta.concrete_fields
    quote = connection.ops.quote_name
    sql = f"COPY {quote(Statement._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    values = [[field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] for row in rows]
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row_values in values:
            copy.write_row(row_values)
    for row in rows:  # as bulk_create leaves them: saved rows of this database
        row._state.adding = False
        row._state.db = connection.alias


def _check_voiding_targets(new: list[dict]) -> None:
    targets = {s["object"]["id"] for s in new if s["verb"]["id"] == Verb.VOIDED}
    if not targets:
        return
    voiding_in_batch = {s["id"] for s in new if s["verb"]["id"] == Verb.VOIDED}
    stored_voiding = set(Statement.objects.filter(pk__in=targets, verb_id=Verb.VOIDED).values_list("pk", flat=True))
    for target in sorted(targets):
        if target in voiding_in_batch or uuid.UUID(target) in stored_voiding:
            raise StatementInvalid(_("A voiding statement cannot itself be voided."), extra={"id": target})


def _may_void(*, voiding_trusted: bool, voiding_client_id, target_client_id) -> bool:
    """Voiding changes what every reader sees, so it follows the trust rule: a statement the trust rule lets change
    state may void any statement; another client's voiding statement only the statements that client sent."""
    return voiding_trusted or (voiding_client_id is not None and voiding_client_id == target_client_id)


def _mark_voided(rows: list[Statement]) -> None:
    """A statement whose voiding statement arrived first is stored voided (xAPI lets voiding come first)."""
    candidates = [row for row in rows if row.verb_id != Verb.VOIDED]
    if not candidates:
        return
    voiders: dict[str, list[tuple[bool, int | None]]] = {}
    for row in rows:
        if row.voids is not None:
            voiders.setdefault(str(row.voids), []).append((row.trusted, row.client_id))
    stored = Statement.objects.filter(voids__in=[row.pk for row in candidates]).values_list(
        "voids", "trusted", "client_id"
    )
    for target, trusted, client_id in stored:
        voiders.setdefault(str(target), []).append((trusted, client_id))
    for row in candidates:
        if any(
            _may_void(voiding_trusted=trusted, voiding_client_id=client_id, target_client_id=row.client_id)
            for trusted, client_id in voiders.get(str(row.pk), ())
        ):
            row.voided = True


def _void_targets(rows: list[Statement]) -> None:
    """Void the stored targets of these voiding statements that they may void (one UPDATE for the trusted ones,
    one per other client)."""
    by_client: dict[int | None, list] = {}
    for row in rows:
        if row.voids is not None:
            by_client.setdefault(None if row.trusted else row.client_id, []).append(row.voids)
    for client_id, targets in by_client.items():
        targeted = Statement.objects.filter(pk__in=targets, voided=False).exclude(verb_id=Verb.VOIDED)
        if client_id is not None:
            targeted = targeted.filter(client_id=client_id)
        targeted.update(voided=True)


def _row_for(
    statement: dict, *, stored: datetime, client: XapiClient | None, actor_user, users: dict | None, authority: dict
) -> Statement:
    from .identity import actor_ifi, user_for_actor

    full = dict(statement)
    full.setdefault("timestamp", stored.isoformat())
    full["stored"] = stored.isoformat()
    full["authority"] = authority
    full["version"] = XAPI_VERSION
    obj = full["object"]
    object_type = obj.get("objectType", "Activity")
    is_voiding = full["verb"]["id"] == Verb.VOIDED
    actor = full["actor"]
    if actor_user is None:
        if users is None:
            actor_user = user_for_actor(actor)
        else:
            account = actor.get("account")
            actor_user = users.get(account.get("name")) if account else None
    return Statement(
        id=full["id"],
        actor_ifi=actor_ifi(actor),
        actor_user=actor_user,
        verb_id=full["verb"]["id"],
        object_id=obj.get("id") or actor_ifi(obj),
        object_type=object_type,
        activity_type=(obj.get("definition") or {}).get("type", "") if object_type == "Activity" else "",
        registration=(full.get("context") or {}).get("registration"),
        timestamp=datetime.fromisoformat(full["timestamp"].replace("Z", "+00:00")),
        stored=stored,
        voids=obj["id"] if is_voiding else None,
        client=client,
        trusted=statement_vouched_for(client),
        full=full,
    )


def _store_one(statement: dict, *, client: XapiClient | None, actor_user, authority: dict) -> StoreResult:
    """Store one statement unless its id is stored already (then return the stored one, `created=False`): the insert
    itself decides, so a repeat costs no error and no savepoint, also against a concurrent insert of the same id."""
    row = _row_for(
        copy.deepcopy(statement),
        stored=timezone.now(),
        client=client,
        actor_user=actor_user,
        users=None,
        authority=authority,
    )
    if not _insert_if_new(row):
        return StoreResult(Statement.objects.get(pk=row.pk), created=False)
    _void_targets([row])
    _dispatch([row])
    return StoreResult(row, created=True)


def _insert_if_new(row: Statement) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING (SQLite: INSERT OR IGNORE), built by the ORM's own compiler; whether a row
    was written is the cursor's row count. On PostgreSQL a concurrent insert of the same id waits for the other
    transaction and then skips, so exactly one of them stores it."""
    query = InsertQuery(Statement, on_conflict=OnConflict.IGNORE)
    query.insert_values(Statement._meta.local_concrete_fields, [row])
    with connection.cursor() as cursor:
        for sql, params in query.get_compiler(connection=connection).as_sql():
            cursor.execute(sql, params)
        inserted = cursor.rowcount == 1
    if inserted:  # as save() leaves it: a saved row of this database
        row._state.adding = False
        row._state.db = connection.alias
    return inserted


# --- xAPI clients -----------------------------------------------------------------------------------

SECRET_HASH_PREFIX = "sha256$"


def xapi_secret_hash(secret: str) -> str:
    """The stored form of a client secret.

    Secrets are 256-bit random tokens the server generates, never passwords people choose, so one SHA-256
    is as safe as a slow password hash against a stolen table, and keeps every request's check cheap.
    """
    return SECRET_HASH_PREFIX + hashlib.sha256(secret.encode()).hexdigest()


def xapi_client_create(*, name: str, trusted: bool = False, active: bool = True) -> tuple[XapiClient, str]:
    """Create a client; return it with its secret, which is shown this once and kept only as a hash."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("A client needs a name."))
    if XapiClient.objects.filter(name=name).exists():
        raise ApplicationError(_("A client named %(name)s already exists.") % {"name": name}, extra={"name": name})
    secret = secrets.token_urlsafe(32)
    client = XapiClient(name=name, trusted=trusted, active=active)
    xapi_client_credentials_set(client=client, secret=secret)
    client.save()
    return client, secret


def xapi_client_credentials_set(*, client: XapiClient, secret: str) -> None:
    """Give an unsaved or existing client a fresh key and the hash of `secret` (the caller saves)."""
    client.key = secrets.token_hex(16)
    client.secret_hash = xapi_secret_hash(secret)


def xapi_client_authenticate(*, key: str, secret: str) -> XapiClient | None:
    """The active client these credentials name, or None."""
    client = XapiClient.objects.filter(key=key, active=True).first()
    if client is None or not hmac.compare_digest(client.secret_hash, xapi_secret_hash(secret)):
        return None
    return client
