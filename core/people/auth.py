"""Who is making this API request, for every router under /api/.

Two kinds of authentication, one answer. A browser uses its session cookie, and its writes carry the CSRF
token; any other client sends ``Authorization: Bearer <token>`` (Wagtail's hashed API tokens) and needs no
CSRF token, since no browser attaches that header on its own. A request that carries a bearer header is
judged by that header alone: a session cookie beside a wrong token does not sign it in.

Routers use ``signed_in`` as the ``auth`` of operations that need a person, and ``request_person(request)``
in every handler that acts for or depends on the person, whether the operation needs sign-in or not.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf
from wagtail.api.v3.auth import BearerTokenAuth as WagtailBearerTokenAuth

_PERSON = "_api_person"


def _bearer_token(request) -> str | None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


class BearerAuth(WagtailBearerTokenAuth):
    """``Authorization: Bearer <token>``; no CSRF. Hands the token's person to the handler, not the token."""

    def authenticate(self, request, token: str):
        if super().authenticate(request, token) is None:
            return None
        setattr(request, _PERSON, request.user)
        return request.user


class SessionAuth(NinjaSessionAuth):
    """The browser's session. CSRF is checked for a signed-in session only, so an anonymous write answers 401
    (sign in first) rather than 403, and a request with a bearer header is left to ``BearerAuth``."""

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request):
        if _bearer_token(request) is not None:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("The CSRF check failed: reload the page and try again."))
        setattr(request, _PERSON, user)
        return user


# The bearer token first: a header a client chose to send outweighs a cookie the browser sent along.
signed_in = [BearerAuth(), SessionAuth()]


def request_person(request):
    """The person making this request: the bearer token's person when the request carries one (an unknown,
    revoked or inactive token gives the anonymous user), otherwise the session's person or the anonymous user.

    Works in operations with ``auth=signed_in`` and in public ones (a members-only board, a course's progress)."""
    person = getattr(request, _PERSON, None)
    if person is not None:
        return person
    token = _bearer_token(request)
    if token is not None:
        person = BearerAuth().authenticate(request, token) or AnonymousUser()
        request.user = person
    else:
        person = getattr(request, "user", None) or AnonymousUser()
    setattr(request, _PERSON, person)
    return person
