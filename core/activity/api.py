"""The xAPI 1.0.3 statements resource, for machine clients: /xapi/statements and /xapi/about.

Plain Django views (no session, no CSRF: clients authenticate with HTTP Basic credentials per XapiClient).
They stay thin: checks of the HTTP surface here, writes in services.statements_store, reads in selectors.
Every response carries X-Experience-API-Version; every error is JSON {"message": ..., "extra": {...}}.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.errors import ApplicationError

from . import selectors
from .identity import actor_ifi
from .services import XAPI_VERSION, statements_store, xapi_client_authenticate
from .validation import StatementInvalid, _uuid, agent_check, normalise_statement

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


def _error(exc: ApplicationError) -> JsonResponse:
    response = JsonResponse({"message": exc.message, "extra": exc.extra}, status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI", charset="UTF-8"'
    if isinstance(exc, MethodNotAllowed):
        response["Allow"] = ", ".join(exc.extra.get("allowed", []))
    return response


def _authenticate(request: HttpRequest):
    header = request.META.get("HTTP_AUTHORIZATION", "")
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


def xapi_view(*, methods: tuple[str, ...], authenticated: bool = True) -> Callable:
    """The HTTP surface shared by the xAPI views: version header, credentials, JSON errors."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(
                        _("Method %(method)s is not allowed here.") % {"method": request.method},
                        extra={"allowed": list(methods)},
                    )
                if authenticated:
                    version = request.headers.get(VERSION_HEADER)
                    if not version:
                        raise StatementInvalid(
                            _("The %(header)s header is required.") % {"header": VERSION_HEADER},
                            extra={"header": VERSION_HEADER},
                        )
                    if not (version == "1.0" or version.startswith("1.0.")):
                        raise StatementInvalid(
                            _("xAPI version %(version)s is not supported; use 1.0.3.") % {"version": version},
                            extra={"header": VERSION_HEADER},
                        )
                    request.xapi_client = _authenticate(request)
                response = view(request, *args, **kwargs)
            except ApplicationError as exc:
                response = _error(exc)
            response[VERSION_HEADER] = XAPI_VERSION
            return response

        return wrapper

    return decorate


def _json_body(request: HttpRequest):
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise StatementInvalid(
            _("Send statements as application/json (attachments are not accepted)."),
            extra={"content_type": content_type},
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise StatementInvalid(
            _("The request body is larger than %(limit)d bytes.") % {"limit": MAX_BODY_BYTES},
            extra={"limit": MAX_BODY_BYTES},
        )
    try:
        body = request.body
    except RequestDataTooBig:
        raise StatementInvalid(
            _("The request body is larger than %(limit)d bytes.") % {"limit": MAX_BODY_BYTES},
            extra={"limit": MAX_BODY_BYTES},
        ) from None
    if len(body) > MAX_BODY_BYTES:
        raise StatementInvalid(
            _("The request body is larger than %(limit)d bytes.") % {"limit": MAX_BODY_BYTES},
            extra={"limit": MAX_BODY_BYTES},
        )
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise StatementInvalid(_("The request body is not valid JSON.")) from None


def _reject_unknown(params, allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise StatementInvalid(_("Unknown parameter %(name)s.") % {"name": unknown[0]}, extra={"parameter": unknown[0]})


@xapi_view(methods=("GET", "POST", "PUT"))
def statements(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _reject_unknown(request.GET, set())
        body = _json_body(request)
        batch = body if isinstance(body, list) else [body]
        if not batch:
            raise StatementInvalid(_("The batch is empty."))
        results = statements_store(statements=batch, client=request.xapi_client)
        return JsonResponse([str(result.statement.pk) for result in results], safe=False)
    if request.method == "PUT":
        _reject_unknown(request.GET, {"statementId"})
        statement_id = request.GET.get("statementId")
        if not statement_id:
            raise StatementInvalid(_("PUT needs the statementId parameter."), extra={"parameter": "statementId"})
        body = _json_body(request)
        if not isinstance(body, dict):
            raise StatementInvalid(_("PUT takes one statement, not a list."))
        statement = normalise_statement(body, statement_id=_canonical_id(statement_id))
        statements_store(statements=[statement], client=request.xapi_client)
        return HttpResponse(status=204)
    return _get(request)


def _canonical_id(value: str) -> str:
    try:
        return _uuid(value, "statementId")
    except StatementInvalid as exc:
        raise StatementInvalid(exc.message, extra={"parameter": "statementId"}) from None


def _get(request: HttpRequest) -> HttpResponse:
    params = request.GET
    client = request.xapi_client
    single = [name for name in ("statementId", "voidedStatementId") if name in params]
    if single:
        _reject_unknown(params, SINGLE_PARAMS)
        if len(single) > 1:
            raise StatementInvalid(_("Give statementId or voidedStatementId, not both."))
        name = single[0]
        full = selectors.statement_get(client=client, statement_id=params[name], voided=name == "voidedStatementId")
        if full is None:
            raise ApplicationError(_("No such statement."), extra={name: params[name]}, status=404)
        response = JsonResponse(full)
        response["Last-Modified"] = full.get("stored", "")
        return response
    if "more" in params:
        _reject_unknown(params, {"more"})
        page = selectors.statements_page(client=client, more=params["more"])
    else:
        _reject_unknown(params, QUERY_PARAMS)
        page = selectors.statements_page(client=client, filters=_filters(params))
    more = ""
    if page.more:
        more = request.path + "?" + urlencode({"more": page.more})
    response = JsonResponse({"statements": page.statements, "more": more})
    response["X-Experience-API-Consistent-Through"] = page.consistent_through.isoformat()
    return response


def _boolean(params, name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in {"true", "false"}:
        raise StatementInvalid(_("%(name)s must be true or false.") % {"name": name}, extra={"parameter": name})
    return value == "true"


def _instant(params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise StatementInvalid(
            _("%(name)s must be an ISO 8601 date-time with a time zone.") % {"name": name}, extra={"parameter": name}
        )
    return parsed.isoformat()


def _filters(params) -> selectors.StatementFilters:
    if _boolean(params, "related_activities") or _boolean(params, "related_agents"):
        raise StatementInvalid(
            _("related_activities and related_agents are not supported; leave them false."),
            extra={"parameter": "related_activities" if params.get("related_activities") else "related_agents"},
        )
    _boolean(params, "attachments")
    if params.get("format", "exact") not in {"exact", "canonical"}:
        raise StatementInvalid(_("format must be exact or canonical."), extra={"parameter": "format"})
    agent = None
    if "agent" in params:
        try:
            agent = actor_ifi(agent_check(json.loads(params["agent"])))
        except ValueError:
            raise StatementInvalid(_("agent must be a JSON Agent or Group."), extra={"parameter": "agent"}) from None
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
        since=_instant(params, "since"),
        until=_instant(params, "until"),
        limit=limit,
        ascending=_boolean(params, "ascending"),
    )


def _canonical_id_param(value: str, name: str) -> str:
    try:
        return _uuid(value.lower(), name)
    except StatementInvalid:
        raise StatementInvalid(_("%(name)s must be a UUID.") % {"name": name}, extra={"parameter": name}) from None


@xapi_view(methods=("GET",), authenticated=False)
def about(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"version": [XAPI_VERSION], "extensions": {}})


urlpatterns = [
    path("statements", statements, name="xapi-statements"),
    path("about", about, name="xapi-about"),
]
