"""xAPI 1.0.3 statement validation and comparison.

`normalise_statement` checks a statement a client sent and returns it with an id; anything malformed
raises StatementInvalid naming the property and the reason. Nothing here touches the database.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .durations import is_duration


class StatementInvalid(ApplicationError):
    status = 400


TOP_LEVEL = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
SUBSTATEMENT_KEYS = {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
VERB_KEYS = {"id", "display"}
ACTIVITY_KEYS = {"objectType", "id", "definition"}
DEFINITION_KEYS = {
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    "choices",
    "scale",
    "source",
    "target",
    "steps",
}
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
INTERACTION_KEYS = ("correctResponsesPattern", "choices", "scale", "source", "target", "steps")
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
SCORE_KEYS = {"scaled", "raw", "min", "max"}
CONTEXT_KEYS = {
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
}
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}
ATTACHMENT_KEYS = {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}

# ISO 8601 date-time with a time zone designator (xAPI requires one on timestamps it accepts).
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_MBOX = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_MEDIA_TYPE = re.compile(r"^[\w!#$&^.+-]+/[\w!#$&^.+-]+(\s*;.*)?$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{96}$|^[0-9a-fA-F]{128}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_SPACE = re.compile(r"\s")


def _copy(value):
    """A copy of parsed JSON (dicts, lists and scalars), several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _fail(path: str, reason: str):
    raise StatementInvalid(f"{path}: {reason}", extra={"property": path})


def _object(value, path: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        _fail(path, _("must be a JSON object"))
    if not allowed.issuperset(value):
        _fail(path, _("unknown property %(name)s") % {"name": repr(sorted(set(value) - allowed)[0])})
    for key, item in value.items():
        if item is None:
            _fail(f"{path}.{key}", _("must not be null"))
    return value


def _iri(value, path: str) -> None:
    if not isinstance(value, str) or not value or _SPACE.search(value):
        _fail(path, _("must be an IRI"))
    parts = urlsplit(value)
    if not parts.scheme or not _SCHEME.match(parts.scheme) or not (parts.netloc or parts.path):
        _fail(path, _("must be an absolute IRI"))


def _uuid(value, path: str) -> str:
    try:
        parsed = uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        _fail(path, _("must be a UUID"))
    if not isinstance(value, str) or str(parsed) != value.lower():
        _fail(path, _("must be a UUID in its canonical hyphenated form"))
    return str(parsed)


def _language_map(value, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, _("must be a language map"))
    for tag, text in value.items():
        if not _LANGUAGE_TAG.match(tag):
            _fail(path, _("%(tag)s is not a language tag") % {"tag": repr(tag)})
        if not isinstance(text, str):
            _fail(f"{path}.{tag}", _("must be a string"))


def _extensions(value, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, _("must be a JSON object"))
    for key in value:
        _iri(key, f"{path} key")


def _timestamp(value, path: str) -> None:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        _fail(path, _("must be an ISO 8601 date-time with a time zone"))
    if value.endswith(("-00:00", "-0000")):
        # RFC 3339 reads -00:00 as "offset unknown", which xAPI does not accept.
        _fail(path, _("must not use the offset -00:00"))
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(path, _("is not a real date and time"))


def _kind(value, path: str, default: str) -> str | None:
    if not isinstance(value, dict):
        return None
    kind = value.get("objectType", default)
    if not isinstance(kind, str):
        _fail(f"{path}.objectType", _("must be a string"))
    return kind


def _agent(value, path: str, *, group_member: bool = False) -> None:
    kind = _kind(value, path, "Agent")
    if kind == "Group" and not group_member:
        _group(value, path)
        return
    _object(value, path, AGENT_KEYS)
    if kind != "Agent":
        _fail(f"{path}.objectType", _("must be 'Agent'"))
    _ifi(value, path, required=True)


def _group(value, path: str) -> None:
    _object(value, path, GROUP_KEYS)
    has_ifi = _ifi(value, path, required=False)
    members = value.get("member")
    if members is None:
        if not has_ifi:
            _fail(f"{path}.member", _("an anonymous group needs members"))
        return
    if not isinstance(members, list) or (not has_ifi and not members):
        _fail(f"{path}.member", _("must be a list of agents"))
    for i, member in enumerate(members):
        _agent(member, f"{path}.member[{i}]", group_member=True)


def _ifi(value: dict, path: str, *, required: bool) -> bool:
    present = [key for key in IFI_KEYS if key in value]
    if len(present) > 1:
        _fail(path, _("must have exactly one of mbox, mbox_sha1sum, openid, account"))
    if not present:
        if required:
            _fail(path, _("must have one of mbox, mbox_sha1sum, openid, account"))
        return False
    key = present[0]
    ifi = value[key]
    if key == "mbox" and (not isinstance(ifi, str) or not _MBOX.match(ifi)):
        _fail(f"{path}.mbox", _("must be a mailto: IRI"))
    if key == "mbox_sha1sum" and (not isinstance(ifi, str) or not _SHA1.match(ifi)):
        _fail(f"{path}.mbox_sha1sum", _("must be a SHA-1 hex digest"))
    if key == "openid":
        _iri(ifi, f"{path}.openid")
    if key == "account":
        _object(ifi, f"{path}.account", {"homePage", "name"})
        if "homePage" not in ifi or "name" not in ifi:
            _fail(f"{path}.account", _("needs homePage and name"))
        _iri(ifi["homePage"], f"{path}.account.homePage")
        if not isinstance(ifi["name"], str) or not ifi["name"]:
            _fail(f"{path}.account.name", _("must be a non-empty string"))
    if "name" in value and not isinstance(value["name"], str):
        _fail(f"{path}.name", _("must be a string"))
    return True


def _verb(value, path: str) -> None:
    _object(value, path, VERB_KEYS)
    if "id" not in value:
        _fail(f"{path}.id", _("is required"))
    _iri(value["id"], f"{path}.id")
    if "display" in value:
        _language_map(value["display"], f"{path}.display")


def _activity(value, path: str) -> None:
    _object(value, path, ACTIVITY_KEYS)
    if "id" not in value:
        _fail(f"{path}.id", _("is required"))
    _iri(value["id"], f"{path}.id")
    definition = value.get("definition")
    if definition is None:
        return
    _object(definition, f"{path}.definition", DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{path}.definition.{key}")
    for key in ("type", "moreInfo"):
        if key in definition:
            _iri(definition[key], f"{path}.definition.{key}")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{path}.definition.extensions")
    if "interactionType" in definition:
        kind = definition["interactionType"]
        if not isinstance(kind, str) or kind not in INTERACTION_TYPES:
            _fail(f"{path}.definition.interactionType", _("is not an xAPI interaction type"))
    else:
        for key in INTERACTION_KEYS:
            if key in definition:
                _fail(f"{path}.definition.{key}", _("needs an interactionType"))
    if "correctResponsesPattern" in definition:
        pattern = definition["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
            _fail(f"{path}.definition.correctResponsesPattern", _("must be a list of strings"))
    for key in ("choices", "scale", "source", "target", "steps"):
        if key in definition:
            components = definition[key]
            if not isinstance(components, list):
                _fail(f"{path}.definition.{key}", _("must be a list"))
            for i, component in enumerate(components):
                _object(component, f"{path}.definition.{key}[{i}]", {"id", "description"})
                if not isinstance(component.get("id"), str):
                    _fail(f"{path}.definition.{key}[{i}].id", _("must be a string"))
                if "description" in component:
                    _language_map(component["description"], f"{path}.definition.{key}[{i}].description")


def _statement_object(value, path: str, *, in_substatement: bool) -> None:
    if not isinstance(value, dict):
        _fail(path, _("must be a JSON object"))
    kind = _kind(value, path, "Activity")
    if kind == "Activity":
        _activity(value, path)
    elif kind in {"Agent", "Group"}:
        _agent(value, path)
    elif kind == "StatementRef":
        _object(value, path, {"objectType", "id"})
        _uuid(value.get("id"), f"{path}.id")
    elif kind == "SubStatement":
        if in_substatement:
            _fail(path, _("a SubStatement cannot contain a SubStatement"))
        _object(value, path, SUBSTATEMENT_KEYS)
        _body(value, path, in_substatement=True)
    else:
        _fail(f"{path}.objectType", _("unknown object type %(kind)s") % {"kind": repr(kind)})


def _result(value, path: str) -> None:
    _object(value, path, RESULT_KEYS)
    if "score" in value:
        score = _object(value["score"], f"{path}.score", SCORE_KEYS)
        for key, number in score.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                _fail(f"{path}.score.{key}", _("must be a number"))
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            _fail(f"{path}.score.scaled", _("must lie between -1 and 1"))
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and low >= high:
            _fail(f"{path}.score", _("min must be less than max"))
        raw = score.get("raw")
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            _fail(f"{path}.score.raw", _("must lie between min and max"))
    for key in ("success", "completion"):
        if key in value and not isinstance(value[key], bool):
            _fail(f"{path}.{key}", _("must be true or false"))
    if "response" in value and not isinstance(value["response"], str):
        _fail(f"{path}.response", _("must be a string"))
    if "duration" in value and not is_duration(value["duration"]):
        _fail(f"{path}.duration", _("must be an ISO 8601 duration"))
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")


def _context(value, path: str, statement_object: dict) -> None:
    _object(value, path, CONTEXT_KEYS)
    if "registration" in value:
        _uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        _agent(value["instructor"], f"{path}.instructor")
    if "team" in value:
        if value["team"].get("objectType") != "Group" if isinstance(value["team"], dict) else True:
            _fail(f"{path}.team", _("must be a Group"))
        _group(value["team"], f"{path}.team")
    is_activity = statement_object.get("objectType", "Activity") == "Activity"
    for key in ("revision", "platform"):
        if key in value:
            if not is_activity:
                _fail(f"{path}.{key}", _("is only allowed when the object is an Activity"))
            if not isinstance(value[key], str):
                _fail(f"{path}.{key}", _("must be a string"))
    if "language" in value and (not isinstance(value["language"], str) or not _LANGUAGE_TAG.match(value["language"])):
        _fail(f"{path}.language", _("must be a language tag"))
    if "statement" in value:
        ref = _object(value["statement"], f"{path}.statement", {"objectType", "id"})
        if ref.get("objectType") != "StatementRef":
            _fail(f"{path}.statement.objectType", _("must be 'StatementRef'"))
        _uuid(ref.get("id"), f"{path}.statement.id")
    if "contextActivities" in value:
        activities = _object(value["contextActivities"], f"{path}.contextActivities", CONTEXT_ACTIVITY_KEYS)
        for key, items in activities.items():
            if not isinstance(items, list):
                # xAPI lets a client send one activity alone; it is stored and returned as a list of one.
                items = activities[key] = [items]
            for i, item in enumerate(items):
                _activity(item, f"{path}.contextActivities.{key}[{i}]")
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")


def _attachment(value, path: str) -> None:
    _object(value, path, ATTACHMENT_KEYS)
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        if key not in value:
            _fail(f"{path}.{key}", _("is required"))
    _iri(value["usageType"], f"{path}.usageType")
    _language_map(value["display"], f"{path}.display")
    if "description" in value:
        _language_map(value["description"], f"{path}.description")
    if not isinstance(value["contentType"], str) or not _MEDIA_TYPE.match(value["contentType"]):
        _fail(f"{path}.contentType", _("must be an Internet media type"))
    length = value["length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        _fail(f"{path}.length", _("must be a whole number"))
    if not isinstance(value["sha2"], str) or not _SHA2.match(value["sha2"]):
        _fail(f"{path}.sha2", _("must be a SHA-2 hex digest"))
    if "fileUrl" in value:
        _iri(value["fileUrl"], f"{path}.fileUrl")


def _authority(value, path: str) -> None:
    """An Agent, or (OAuth) an anonymous Group of exactly two Agents: the application and the user."""
    if _kind(value, path, "Agent") == "Group":
        _group(value, path)
        if any(key in value for key in IFI_KEYS) or len(value.get("member", [])) != 2:
            _fail(path, _("a Group authority must be anonymous with exactly two members"))
    else:
        _agent(value, path)


def _body(value: dict, path: str, *, in_substatement: bool) -> None:
    prefix = f"{path}." if path else ""
    for key in ("actor", "verb", "object"):
        if key not in value:
            _fail(f"{prefix}{key}", _("is required"))
    _agent(value["actor"], f"{prefix}actor")
    _verb(value["verb"], f"{prefix}verb")
    _statement_object(value["object"], f"{prefix}object", in_substatement=in_substatement)
    if "result" in value:
        _result(value["result"], f"{prefix}result")
    if "context" in value:
        _context(value["context"], f"{prefix}context", value["object"])
    if "timestamp" in value:
        _timestamp(value["timestamp"], f"{prefix}timestamp")
    if "attachments" in value:
        attachments = value["attachments"]
        if not isinstance(attachments, list):
            _fail(f"{prefix}attachments", _("must be a list"))
        for i, attachment in enumerate(attachments):
            _attachment(attachment, f"{prefix}attachments[{i}]")
    if value["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided":
        target = value["object"]
        if target.get("objectType") != "StatementRef":
            _fail(f"{prefix}object", _("a voiding statement's object must be a StatementRef"))


def normalise_statement(raw, *, index: int | None = None, statement_id: str | None = None) -> dict:
    """Check a statement a client sent; return a copy with its id (assigned when absent)."""
    where = _("statement %(index)d: ") % {"index": index} if index is not None else ""
    try:
        if not isinstance(raw, dict):
            _fail("statement", _("must be a JSON object"))
        unknown = sorted(set(raw) - TOP_LEVEL)
        if unknown:
            _fail(unknown[0], _("is not an xAPI statement property"))
        for key in ("stored", "authority", "version"):
            # A client may echo these back, but they are the LRS's to set.
            if key == "version" and key in raw and not re.match(r"^1\.0(\.\d+)?$", str(raw[key])):
                _fail("version", _("must be 1.0.x"))
        for key, item in raw.items():
            if item is None:
                _fail(key, _("must not be null"))
        if "authority" in raw:
            # The LRS sets the authority, but one a client sends must still be well formed.
            _authority(raw["authority"], "authority")
        statement = _copy(raw)
        for key in ("stored", "authority", "version"):
            statement.pop(key, None)
        if "id" in statement:
            statement["id"] = _uuid(statement["id"], "id")
        if statement_id is not None:
            if "id" in statement and statement["id"] != statement_id:
                _fail("id", _("does not match the statementId parameter"))
            statement["id"] = statement_id
        statement.setdefault("id", str(uuid.uuid4()))
        _body(statement, "", in_substatement=False)
        if "timestamp" in statement:
            parsed = datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))
            statement["timestamp"] = parsed.isoformat()
        return statement
    except StatementInvalid as exc:
        raise StatementInvalid(where + exc.message, extra=exc.extra) from None


_LRS_FIELDS = ("stored", "authority", "version")


def _comparable(statement: dict, *, keep_timestamp: bool) -> dict:
    result = {key: value for key, value in statement.items() if key not in _LRS_FIELDS}
    if not keep_timestamp:
        result.pop("timestamp", None)
    return result


def statements_equivalent(stored: dict, incoming: dict) -> bool:
    """Same content for xAPI's purposes: LRS-set fields do not count, nor a timestamp the LRS filled in."""
    keep_timestamp = "timestamp" in incoming
    return _comparable(stored, keep_timestamp=keep_timestamp) == _comparable(incoming, keep_timestamp=keep_timestamp)


def agent_check(value, *, path: str = "agent") -> dict:
    """Check an Agent or identified Group given as a query parameter; return it."""
    try:
        _agent(value, path)
    except StatementInvalid as exc:
        raise StatementInvalid(exc.message, extra=exc.extra) from None
    return value
