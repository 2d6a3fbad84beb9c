"""The xAPI 1.0.3 resources, for machine clients: /xapi/statements, the document resources (activities/state,
activities/profile, agents/profile), activities, agents and about.

Plain Django views (no session, no CSRF: clients authenticate with HTTP Basic credentials per XapiClient).
They stay thin: checks of the HTTP surface here, statement writes in services.statements_store, document
reads and writes in documents, statement reads in selectors. Every response carries X-Experience-API-Version
and Date; every error is JSON {"message": ..., "extra": {...}}, in English unless the client asks otherwise.
HEAD answers as GET without a body, and the alternate request syntax (POST ?method=PUT with the headers and
the content as form fields) is read into the same XapiRequest the views get.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.errors import ApplicationError

from . import documents, selectors
from .identity import actor_ifi
from .models import Document, StatementAttachment
from .multipart import Part, attachments_match, multipart_read, multipart_write
from .services import XAPI_VERSION, statements_store, xapi_client_authenticate
from .validation import StatementInvalid, _iri, _uuid, agent_check, normalise_statement

VERSION_HEADER = "X-Experience-API-Version"
# A request body above this size is refused before it is parsed.
MAX_BODY_BYTES = getattr(settings, "XAPI_MAX_BODY_BYTES", 4 * 1024 * 1024)
QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "ascending",
    "format",
    "attachments",
}
SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}


class Unauthorized(ApplicationError):
    status = 401


class MethodNotAllowed(ApplicationError):
    status = 405


CONSISTENT_HEADER = "X-Experience-API-Consistent-Through"
# The form fields the alternate request syntax carries as headers (Communication 1.3).
FORM_HEADERS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}
ALTERNATE_METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}


class XapiRequest:
    """What a view needs of a request, the same whether it came plainly or in the alternate request syntax."""

    def __init__(self, request: HttpRequest, *, method: str, params, headers: dict[str, str], body: bytes | None):
        self.request = request
        self.method = method
        self.params = params
        self.headers = headers  # lower-case names
        self._body = body
        self.path = request.path
        self.client = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = _read_body(self.request)
        return self._body


def _read_body(request: HttpRequest) -> bytes:
    too_big = StatementInvalid(
        _("The request body is larger than %(limit)d bytes.") % {"limit": MAX_BODY_BYTES},
        extra={"limit": MAX_BODY_BYTES},
    )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if len(body) > MAX_BODY_BYTES:
        raise too_big
    return body


def _xapi_request(request: HttpRequest) -> XapiRequest:
    headers = {name.lower(): value for name, value in request.headers.items()}
    if "method" not in request.GET:
        return XapiRequest(request, method=request.method, params=request.GET, headers=headers, body=None)
    if request.method != "POST":
        raise StatementInvalid(_("The alternate request syntax is sent as a POST."), extra={"parameter": "method"})
    if set(request.GET) != {"method"}:
        raise StatementInvalid(
            _("In the alternate request syntax every parameter goes in the form, not the query string."),
            extra={"parameter": sorted(set(request.GET) - {"method"})[0]},
        )
    method = request.GET["method"].upper()
    if method not in ALTERNATE_METHODS or request.content_type != "application/x-www-form-urlencoded":
        raise StatementInvalid(
            _("The alternate request syntax needs a known method and an application/x-www-form-urlencoded form."),
            extra={"parameter": "method"},
        )
    _read_body(request)
    params = QueryDict(mutable=True)
    body = b""
    headers.pop("content-type", None)
    for name, values in request.POST.lists():
        if name.lower() in FORM_HEADERS:
            headers[name.lower()] = values[-1]
        elif name == "content":
            body = values[-1].encode()
        else:
            params.setlist(name, values)
    if body and "content-type" not in headers:
        headers["content-type"] = "application/json"
    return XapiRequest(request, method=method, params=params, headers=headers, body=body)


def _error(exc: ApplicationError) -> JsonResponse:
    response = JsonResponse({"message": exc.message, "extra": exc.extra}, status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI", charset="UTF-8"'
    if isinstance(exc, MethodNotAllowed):
        response["Allow"] = ", ".join(exc.extra.get("allowed", []))
    return response


def _authenticate(xreq: XapiRequest):
    header = xreq.headers.get("authorization", "")
    scheme, _sep, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorized(_("Send the client's key and secret with HTTP Basic authentication."))
    try:
        key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        key, sep, secret = "", "", ""
    client = xapi_client_authenticate(key=key, secret=secret) if sep else None
    if client is None:
        raise Unauthorized(_("The key and secret do not name an active xAPI client."))
    return client


def _check_version(xreq: XapiRequest) -> None:
    version = xreq.headers.get(VERSION_HEADER.lower())
    if not version:
        raise StatementInvalid(
            _("The %(header)s header is required.") % {"header": VERSION_HEADER}, extra={"header": VERSION_HEADER}
        )
    if not (version == "1.0" or version.startswith("1.0.")):
        raise StatementInvalid(
            _("xAPI version %(version)s is not supported; use 1.0.3.") % {"version": version},
            extra={"header": VERSION_HEADER},
        )


def xapi_view(*, methods: tuple[str, ...], authenticated: bool = True, consistent: bool = False) -> Callable:
    """The HTTP surface shared by the xAPI views: version and Date headers, credentials, JSON errors, HEAD,
    the alternate request syntax, English for clients that ask for no language. `consistent` (the statements
    resource) puts X-Experience-API-Consistent-Through on every GET answer, errors included."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # A machine client that names no language gets English, not the site's Chinese default.
            english = "HTTP_ACCEPT_LANGUAGE" not in request.META
            method = request.method
            with translation.override("en") if english else nullcontext():
                try:
                    xreq = _xapi_request(request)
                    method = xreq.method
                    if xreq.method == "HEAD" and "GET" in methods:
                        xreq.method = "GET"
                    if xreq.method not in methods:
                        raise MethodNotAllowed(
                            _("Method %(method)s is not allowed here.") % {"method": xreq.method},
                            extra={"allowed": list(methods)},
                        )
                    if authenticated:
                        _check_version(xreq)
                        xreq.client = _authenticate(xreq)
                    response = view(xreq, *args, **kwargs)
                except ApplicationError as exc:
                    response = _error(exc)
                except RecursionError:
                    # JSON nested deeper than Python's parser (or our checks) can follow: the client's fault.
                    response = _error(StatementInvalid(_("The JSON is nested too deeply.")))
                if english:
                    response["Content-Language"] = "en"
            response[VERSION_HEADER] = XAPI_VERSION
            response["Date"] = http_date()
            if consistent and method in ("GET", "HEAD") and CONSISTENT_HEADER not in response:
                response[CONSISTENT_HEADER] = timezone.now().isoformat()
            if method == "HEAD":
                if response.streaming:
                    response.streaming_content = []
                else:
                    response.content = b""
            return response

        return wrapper

    return decorate


def _json_body(xreq: XapiRequest):
    try:
        return json.loads(xreq.body)
    except (ValueError, UnicodeDecodeError):
        raise StatementInvalid(_("The request body is not valid JSON.")) from None


def _statements_body(xreq: XapiRequest) -> tuple[object, list[Part]]:
    """The statements a PUT or POST sends, and the attachment parts of a multipart/mixed request."""
    content_type = xreq.content_type
    if content_type == "application/json":
        return _json_body(xreq), []
    if content_type == "multipart/mixed":
        document, parts = multipart_read(xreq.body, xreq.headers.get("content-type", ""))
        try:
            return json.loads(document), parts
        except (ValueError, UnicodeDecodeError):
            raise StatementInvalid(_("The statements part is not valid JSON.")) from None
    raise StatementInvalid(
        _("Send statements as application/json, or multipart/mixed with attachments."),
        extra={"content_type": content_type},
    )


def _reject_unknown(params, allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise StatementInvalid(_("Unknown parameter %(name)s.") % {"name": unknown[0]}, extra={"parameter": unknown[0]})


def _store(xreq: XapiRequest, batch: list, parts: list[Part], *, statement_id: str | None = None) -> list[str]:
    if statement_id is not None:
        batch = [normalise_statement(batch[0], statement_id=statement_id)]
    by_hash: dict[str, Part] = {}
    if parts or any(isinstance(s, dict) and "attachments" in s for s in batch):
        # Checked before the parts are matched to the statements' attachments, which needs them well formed.
        batch = [normalise_statement(raw, index=i) for i, raw in enumerate(batch)]
        by_hash = attachments_match(batch, parts)
    if not by_hash:  # the common path: statements_store is its own transaction
        return [str(result.statement.pk) for result in statements_store(statements=batch, client=xreq.client)]
    with transaction.atomic():
        results = statements_store(statements=batch, client=xreq.client)
        documents.statement_attachments_store(parts=list(by_hash.values()))
    return [str(result.statement.pk) for result in results]


@xapi_view(methods=("GET", "POST", "PUT"), consistent=True)
def statements(xreq: XapiRequest) -> HttpResponse:
    if xreq.method == "POST":
        _reject_unknown(xreq.params, set())
        body, parts = _statements_body(xreq)
        batch = body if isinstance(body, list) else [body]
        if not batch:
            raise StatementInvalid(_("The batch is empty."))
        return JsonResponse(_store(xreq, batch, parts), safe=False)
    if xreq.method == "PUT":
        _reject_unknown(xreq.params, {"statementId"})
        statement_id = xreq.params.get("statementId")
        if not statement_id:
            raise StatementInvalid(_("PUT needs the statementId parameter."), extra={"parameter": "statementId"})
        body, parts = _statements_body(xreq)
        if not isinstance(body, dict):
            raise StatementInvalid(_("PUT takes one statement, not a list."))
        _store(xreq, [body], parts, statement_id=_canonical_id(statement_id))
        return HttpResponse(status=204)
    return _get(xreq)


def _canonical_id(value: str) -> str:
    try:
        return _uuid(value, "statementId")
    except StatementInvalid as exc:
        raise StatementInvalid(exc.message, extra={"parameter": "statementId"}) from None


def _get(xreq: XapiRequest) -> HttpResponse:
    params = xreq.params
    client = xreq.client
    through = timezone.now()
    single = [name for name in ("statementId", "voidedStatementId") if name in params]
    form = _format(params)
    with_attachments = _boolean(params, "attachments")
    languages = _languages(xreq.headers.get("accept-language", ""))
    if single:
        _reject_unknown(params, SINGLE_PARAMS)
        if len(single) > 1:
            raise StatementInvalid(_("Give statementId or voidedStatementId, not both."))
        name = single[0]
        full = selectors.statement_get(client=client, statement_id=params[name], voided=name == "voidedStatementId")
        if full is None:
            raise ApplicationError(_("No such statement."), extra={name: params[name]}, status=404)
        response = _statements_response(
            selectors.statement_formatted(full, form=form, languages=languages), [full], with_attachments
        )
        response["Last-Modified"] = http_date(datetime.fromisoformat(full["stored"]).timestamp())
        response[CONSISTENT_HEADER] = through.isoformat()
        return response
    if "more" in params:
        _reject_unknown(params, {"more"})
        page = selectors.statements_page(client=client, more=params["more"])
    else:
        _reject_unknown(params, QUERY_PARAMS)
        page = selectors.statements_page(client=client, filters=_filters(params))
    more = ""
    if page.more:
        more = xreq.path + "?" + urlencode({"more": page.more})
    listed = [selectors.statement_formatted(full, form=page.form, languages=languages) for full in page.statements]
    response = _statements_response({"statements": listed, "more": more}, page.statements, page.attachments)
    response[CONSISTENT_HEADER] = page.consistent_through.isoformat()
    return response


def _statements_response(document, fulls: list[dict], with_attachments: bool) -> HttpResponse:
    if not with_attachments:
        return JsonResponse(document, safe=False)
    wanted = {
        attachment["sha2"].lower()
        for full in fulls
        for holder in (full, full["object"])
        for attachment in holder.get("attachments", [])
    }
    parts = [
        Part(row.content_type, row.sha2, bytes(row.content))
        for row in StatementAttachment.objects.filter(sha2__in=wanted).order_by("sha2")
    ]
    body, content_type = multipart_write(json.dumps(document).encode(), parts)
    return HttpResponse(body, content_type=content_type)


def _languages(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first."""
    ranked = []
    for position, item in enumerate(header.split(",")):
        tag, _sep, rest = item.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.lower()))
    return [tag for _q, _p, tag in sorted(ranked)]


def _format(params) -> str:
    form = params.get("format", "exact")
    if form not in {"exact", "ids", "canonical"}:
        raise StatementInvalid(_("format must be exact, ids or canonical."), extra={"parameter": "format"})
    return form


def _boolean(params, name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in {"true", "false"}:
        raise StatementInvalid(_("%(name)s must be true or false.") % {"name": name}, extra={"parameter": name})
    return value == "true"


def _instant(params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    return _parse_instant(value, name).isoformat()


def _parse_instant(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise StatementInvalid(
            _("%(name)s must be an ISO 8601 date-time with a time zone.") % {"name": name}, extra={"parameter": name}
        )
    return parsed


def _agent_param(params, name: str = "agent") -> dict:
    try:
        return agent_check(json.loads(params[name]), path=name)
    except (ValueError, TypeError):
        raise StatementInvalid(_("agent must be a JSON Agent or Group."), extra={"parameter": name}) from None
    except StatementInvalid as exc:
        raise StatementInvalid(exc.message, extra={"parameter": name}) from None


def _filters(params) -> selectors.StatementFilters:
    agent = actor_ifi(_agent_param(params)) if "agent" in params else None
    try:
        limit = int(params.get("limit", selectors.PAGE_DEFAULT))
    except ValueError:
        limit = -1
    if limit < 0:
        raise StatementInvalid(_("limit must be a whole number."), extra={"parameter": "limit"})
    limit = min(limit or selectors.PAGE_MAX, selectors.PAGE_MAX)
    registration = None
    if "registration" in params:
        registration = _canonical_id_param(params["registration"], "registration")
    return selectors.StatementFilters(
        agent=agent,
        verb=params.get("verb") or None,
        activity=params.get("activity") or None,
        registration=registration,
        related_activities=_boolean(params, "related_activities"),
        related_agents=_boolean(params, "related_agents"),
        since=_instant(params, "since"),
        until=_instant(params, "until"),
        limit=limit,
        ascending=_boolean(params, "ascending"),
        form=_format(params),
        attachments=_boolean(params, "attachments"),
    )


def _canonical_id_param(value: str, name: str) -> str:
    try:
        return _uuid(value.lower(), name)
    except StatementInvalid:
        raise StatementInvalid(_("%(name)s must be a UUID.") % {"name": name}, extra={"parameter": name}) from None


@xapi_view(methods=("GET",), authenticated=False)
def about(xreq: XapiRequest) -> HttpResponse:
    return JsonResponse({"version": [XAPI_VERSION], "extensions": {}})


# --- the document resources ---------------------------------------------------------------------------


def _required(params, name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise StatementInvalid(_("The %(name)s parameter is required.") % {"name": name}, extra={"parameter": name})
    return value


def _activity_param(params) -> str:
    value = _required(params, "activityId")
    try:
        _iri(value, "activityId")
    except StatementInvalid as exc:
        raise StatementInvalid(exc.message, extra={"parameter": "activityId"}) from None
    return value


def _document_response(document: Document | None) -> HttpResponse:
    if document is None:
        raise ApplicationError(_("No such document."), status=404)
    content = memoryview(document.content)
    # Streamed in slices, so a large document is not copied whole a second time into the response.
    chunks = (bytes(content[start : start + STREAM_CHUNK]) for start in range(0, len(content), STREAM_CHUNK))
    response = StreamingHttpResponse(chunks, content_type=document.content_type)
    response["Content-Length"] = str(len(content))
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated.timestamp())
    return response


def _document_resource(xreq: XapiRequest, address: documents.DocumentAddress, *, id_name: str, concurrency: bool):
    """GET, PUT, POST and DELETE of one document, or GET and DELETE (State only) of the set at an address."""
    params = xreq.params
    if xreq.method in ("PUT", "POST"):
        _required(params, id_name)
        document = documents.document_store(
            client=xreq.client,
            address=address,
            content=xreq.body,
            content_type=xreq.headers.get("content-type", ""),
            merge=xreq.method == "POST",
            if_match=xreq.headers.get("if-match"),
            if_none_match=xreq.headers.get("if-none-match"),
            require_precondition=concurrency and xreq.method == "PUT",
        )
        response = HttpResponse(status=204)
        response["ETag"] = f'"{document.etag}"'
        return response
    if xreq.method == "DELETE":
        if address.document_id is None and concurrency:
            _required(params, id_name)
        documents.document_delete(client=xreq.client, address=address, if_match=xreq.headers.get("if-match"))
        return HttpResponse(status=204)
    if address.document_id is not None:
        return _document_response(documents.document_get(client=xreq.client, address=address))
    since = _parse_instant(params["since"], "since") if "since" in params else None
    return JsonResponse(documents.document_ids(client=xreq.client, address=address, since=since), safe=False)


DOCUMENT_METHODS = ("GET", "PUT", "POST", "DELETE")
STREAM_CHUNK = 64 * 1024


@xapi_view(methods=DOCUMENT_METHODS)
def activity_state(xreq: XapiRequest) -> HttpResponse:
    params = xreq.params
    _reject_unknown(params, {"activityId", "agent", "registration", "stateId", "since"})
    activity_id = _activity_param(params)
    _required(params, "agent")
    agent = _agent_param(params)
    registration = None
    if "registration" in params:
        registration = _canonical_id_param(params["registration"], "registration")
    if "since" in params and "stateId" in params:
        raise StatementInvalid(_("since lists documents: leave out stateId."), extra={"parameter": "since"})
    address = documents.DocumentAddress(
        kind=Document.STATE,
        activity_id=activity_id,
        agent=agent,
        registration=registration,
        document_id=params.get("stateId"),
    )
    return _document_resource(xreq, address, id_name="stateId", concurrency=False)


@xapi_view(methods=DOCUMENT_METHODS)
def activity_profile(xreq: XapiRequest) -> HttpResponse:
    params = xreq.params
    _reject_unknown(params, {"activityId", "profileId", "since"})
    address = documents.DocumentAddress(
        kind=Document.ACTIVITY_PROFILE, activity_id=_activity_param(params), document_id=params.get("profileId")
    )
    return _document_resource(xreq, address, id_name="profileId", concurrency=True)


@xapi_view(methods=DOCUMENT_METHODS)
def agent_profile(xreq: XapiRequest) -> HttpResponse:
    params = xreq.params
    _reject_unknown(params, {"agent", "profileId", "since"})
    _required(params, "agent")
    address = documents.DocumentAddress(
        kind=Document.AGENT_PROFILE, agent=_agent_param(params), document_id=params.get("profileId")
    )
    return _document_resource(xreq, address, id_name="profileId", concurrency=True)


@xapi_view(methods=("GET",))
def activities(xreq: XapiRequest) -> HttpResponse:
    _reject_unknown(xreq.params, {"activityId"})
    activity_id = _activity_param(xreq.params)
    return JsonResponse(documents.activity_describe(client=xreq.client, activity_id=activity_id))


@xapi_view(methods=("GET",))
def agents(xreq: XapiRequest) -> HttpResponse:
    _reject_unknown(xreq.params, {"agent"})
    _required(xreq.params, "agent")
    return JsonResponse(documents.person_describe(client=xreq.client, agent=_agent_param(xreq.params)))


urlpatterns = [
    path("statements", statements, name="xapi-statements"),
    path("activities/state", activity_state, name="xapi-activity-state"),
    path("activities/profile", activity_profile, name="xapi-activity-profile"),
    path("activities", activities, name="xapi-activities"),
    path("agents/profile", agent_profile, name="xapi-agent-profile"),
    path("agents", agents, name="xapi-agents"),
    path("about", about, name="xapi-about"),
]
