"""The xAPI document resources: State, Activity Profile and Agent Profile documents, and the Activities and
Agents resources that describe what statements name.

Writes and reads of documents live here, beside the statements (which stay in services and selectors). The
same trust rule as statements: untrusted clients each keep their own documents, which no other client sees;
trusted clients share one namespace. Documents are opaque bytes with their media type, except that POSTing a
JSON object onto a stored JSON object merges the two (xAPI 1.0.3, Communication 2.2).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .identity import actor_ifi
from .models import Document, StatementAttachment, XapiClient
from .selectors import statements_visible
from .validation import StatementInvalid

# A document body above this size is refused (XAPI_DOCUMENT_MAX_BYTES, default 4 MiB).
DOCUMENT_MAX_BYTES = getattr(settings, "XAPI_DOCUMENT_MAX_BYTES", 4 * 1024 * 1024)
JSON_TYPE = "application/json"


class PreconditionFailed(ApplicationError):
    status = 412


class DocumentConflict(ApplicationError):
    status = 409


@dataclass(frozen=True)
class DocumentAddress:
    """What names a document, or (without `document_id`) a set of them."""

    kind: str
    activity_id: str = ""
    agent: dict | None = None
    registration: str | None = None
    document_id: str | None = None


def _scope(client: XapiClient) -> int:
    return 0 if client.trusted else client.pk


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join("" if part is None else str(part) for part in parts).encode()).hexdigest()


def _group_key(address: DocumentAddress, client: XapiClient) -> str:
    agent = actor_ifi(address.agent) if address.agent is not None else ""
    return _digest(address.kind, _scope(client), address.activity_id, agent, address.registration)


def _key(address: DocumentAddress, client: XapiClient) -> str:
    return _digest(_group_key(address, client), address.document_id)


def etag_for(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - xAPI names SHA-1 for ETags; not a security use


def document_get(*, client: XapiClient, address: DocumentAddress) -> Document | None:
    return Document.objects.filter(key=_key(address, client)).first()


def document_ids(*, client: XapiClient, address: DocumentAddress, since: datetime | None = None) -> list[str]:
    """The ids of the documents at this address (changed after `since` when given)."""
    rows = Document.objects.filter(group_key=_group_key(address, client))
    if since is not None:
        rows = rows.filter(updated__gt=since)
    return list(rows.order_by("updated", "pk").values_list("document_id", flat=True))


def _check_preconditions(existing: Document | None, *, if_match: str | None, if_none_match: str | None) -> None:
    if if_match is not None:
        tags = {tag.strip().strip('"') for tag in if_match.split(",")}
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise PreconditionFailed(_("The document has changed (If-Match does not match its ETag)."))
    if if_none_match is not None and existing is not None:
        tags = {tag.strip().strip('"') for tag in if_none_match.split(",")}
        if "*" in tags or existing.etag in tags:
            raise PreconditionFailed(_("The document already exists (If-None-Match)."))


def _json_object(content: bytes) -> dict | None:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def document_store(
    *,
    client: XapiClient,
    address: DocumentAddress,
    content: bytes,
    content_type: str,
    merge: bool,
    if_match: str | None = None,
    if_none_match: str | None = None,
    require_precondition: bool = False,
) -> Document:
    """Write a document (PUT replaces it; `merge`, for POST, merges JSON objects one level deep).

    `require_precondition` (the profile resources' PUT) needs If-Match or If-None-Match: without either, it
    refuses with 409 to overwrite a stored document (so a client cannot lose another's change unknowingly) and
    with 400 to create one, as the conformance suite reads xAPI 1.0.3.
    """
    if len(content) > DOCUMENT_MAX_BYTES:
        raise StatementInvalid(
            _("The document is larger than %(limit)d bytes.") % {"limit": DOCUMENT_MAX_BYTES},
            extra={"limit": DOCUMENT_MAX_BYTES},
        )
    content_type = (content_type or "application/octet-stream").split(";")[0].strip().lower()
    incoming_json = _json_object(content) if content_type == JSON_TYPE or merge else None
    if merge and incoming_json is None:
        raise StatementInvalid(_("POST merges JSON objects: send the document as a JSON object."))
    key = _key(address, client)
    with transaction.atomic():
        existing = Document.objects.select_for_update().filter(key=key).first()
        _check_preconditions(existing, if_match=if_match, if_none_match=if_none_match)
        if require_precondition and if_match is None and if_none_match is None:
            if existing is not None:
                raise DocumentConflict(
                    _("The document exists: send If-Match with its ETag (or If-None-Match: *) to change it."),
                )
            raise StatementInvalid(_("Send If-None-Match: * to create a profile document (or If-Match to change one)."))
        if merge and existing is not None:
            stored_json = _json_object(bytes(existing.content)) if existing.content_type == JSON_TYPE else None
            if stored_json is None:
                raise StatementInvalid(_("The stored document is not a JSON object, so it cannot be merged."))
            stored_json.update(incoming_json)
            content = json.dumps(stored_json, ensure_ascii=False).encode()
            content_type = JSON_TYPE
        elif merge:
            content_type = JSON_TYPE
        document = existing or Document(
            key=key,
            kind=address.kind,
            scope=_scope(client),
            activity_id=address.activity_id,
            agent_ifi=actor_ifi(address.agent) if address.agent is not None else "",
            registration=address.registration,
            document_id=address.document_id,
            group_key=_group_key(address, client),
        )
        document.content = content
        document.content_type = content_type
        document.etag = etag_for(content)
        document.updated = timezone.now()
        document.client = client
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            # Another request created it between our read and our write.
            raise DocumentConflict(_("The document was written at the same moment; retry.")) from None
    return document


def document_delete(*, client: XapiClient, address: DocumentAddress, if_match: str | None = None) -> int:
    """Delete one document, or every document at the address when it names none; returns how many."""
    if address.document_id is None:
        deleted, _detail = Document.objects.filter(group_key=_group_key(address, client)).delete()
        return deleted
    with transaction.atomic():
        existing = Document.objects.select_for_update().filter(key=_key(address, client)).first()
        _check_preconditions(existing, if_match=if_match, if_none_match=None)
        if existing is None:
            return 0
        existing.delete()
    return 1


# --- Activities and Agents ------------------------------------------------------------------------------

# How many statements about one activity are read to assemble its definition (the newest ones).
ACTIVITY_STATEMENTS_READ = 1000
_LANGUAGE_MAPS = ("name", "description")


def activity_describe(*, client: XapiClient, activity_id: str) -> dict:
    """The Activity object for `activity_id`: its definitions from the statements this client may read, merged
    (language maps joined, the newest value of everything else winning)."""
    rows = (
        statements_visible(client=client)
        .filter(object_type="Activity", object_id=activity_id)
        .order_by("stored")
        .values_list("full", flat=True)
    )
    total = rows.count()
    definition: dict = {}
    for full in rows[max(0, total - ACTIVITY_STATEMENTS_READ) :]:
        for key, value in (full["object"].get("definition") or {}).items():
            if key in _LANGUAGE_MAPS or key == "extensions":
                definition.setdefault(key, {}).update(value)
            else:
                definition[key] = value
    activity = {"objectType": "Activity", "id": activity_id}
    if definition:
        activity["definition"] = definition
    return activity


def person_describe(*, client: XapiClient, agent: dict) -> dict:
    """The Person object for an agent: its names and identifiers, each a list (this store links no
    identities, so a person has the one identifier asked for, and the names statements gave it)."""
    ifi = actor_ifi(agent)
    person: dict = {"objectType": "Person"}
    names = {agent["name"]} if isinstance(agent.get("name"), str) else set()
    rows = statements_visible(client=client).filter(actor_ifi=ifi).order_by("-stored").values_list("full", flat=True)
    for full in rows[:100]:
        name = full["actor"].get("name")
        if isinstance(name, str):
            names.add(name)
    if names:
        person["name"] = sorted(names)
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return person


# --- statement attachments ------------------------------------------------------------------------------


def statement_attachments_store(*, parts: list) -> None:
    """Keep the data of attachments sent with statements, once per SHA-2 (the same file sent again is kept once).
    Call it inside the transaction that stores the statements."""
    hashes = [part.sha2 for part in parts]
    known = set(StatementAttachment.objects.filter(sha2__in=hashes).values_list("sha2", flat=True))
    StatementAttachment.objects.bulk_create(
        [
            StatementAttachment(sha2=part.sha2, content_type=part.content_type, content=part.content)
            for part in parts
            if part.sha2 not in known
        ],
        ignore_conflicts=True,
    )
