"""Whole-page cache of the course catalogue.

Most people who open the catalogue see exactly the same page, so rendering it (Wagtail's routing, the
page tree, the templates: 30-40 ms of CPU) for each of them is waste. The catalogue view renders it once
per (catalogue path, category, language, variant) and keeps it here; `CataloguePageCacheMiddleware`
answers the next visitors from it before Wagtail routes the request. There are two variants, because the
header differs: "visitor" (no session cookie) and "member" (signed in, not an editor).

Nothing personal is ever stored or handed to someone else:
- The CSRF token (the language switch and the logout button are POST forms) is rendered as
  `CSRF_PLACEHOLDER`; each answer replaces it with the visitor's own masked token (`get_token`).
- The page shows no name and nothing else about the person; a test renders it for two members in turn
  and fails if either sees anything of the other's.
- Everyone else gets the page rendered for them and never stored: anonymous visitors with a session (they
  may have passed a password restriction), editors (the Wagtail user bar), anyone with messages waiting,
  and any query string other than `?category=<a known category>` (the page repeats the full path).
- A page with any view restriction is never stored.

Freshness: each entry carries the catalogue version it was rendered under, and is served only while
that is still the current version. The version is bumped by every publish, unpublish, move or deletion of
any page and by every change to a page's view restrictions (apps.py), so an editor's change shows at once.
Entries also expire after PAGE_TIMEOUT, which bounds how long a deployed template change takes to show.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

from .models import Category
from .selectors import CATALOGUE_VERSION_KEY

PAGE_TIMEOUT = 600
ADMIN_FLAG_TIMEOUT = 60
# Shaped like a masked token (64 letters) so the rendered page has the same size and form as a real one.
CSRF_PLACEHOLDER = "catalogueCsrfPlaceholder" + "X" * 40
_CACHEABLE_QUERIES = {""} | {f"category={value}" for value in Category.values}
# Paths this process has seen rendered as a catalogue; only those are looked up, so other pages pay nothing.
_catalogue_paths: set[str] = set()


def _variant(request) -> str | None:
    """Which shared page this request may get: "visitor", "member", or None (render it for them)."""
    if request.method != "GET" or request.META.get("QUERY_STRING", "") not in _CACHEABLE_QUERIES:
        return None
    if "messages" in request.COOKIES:
        return None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return "visitor"
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return None
    # Editors see the Wagtail user bar; anyone with messages waiting sees them.
    if _uses_admin(user) or len(messages.get_messages(request)):
        return None
    return "member"


def _uses_admin(user) -> bool:
    """Whether `user` may use the Wagtail admin, remembered for a minute: asking costs two permission queries,
    which were most of a signed-in hit. A change of role shows within the minute; meanwhile a new editor
    only misses the user bar here, and a former one gets the page rendered for them."""
    key = f"learning:uses-admin:{user.pk}"
    uses_admin = cache.get(key)
    if uses_admin is None:
        uses_admin = user.has_perm("wagtailadmin.access_admin")
        cache.set(key, uses_admin, ADMIN_FLAG_TIMEOUT)
    return uses_admin


def _key(request, variant: str) -> str:
    language = getattr(request, "LANGUAGE_CODE", "")
    return f"learning:page:{variant}:{language}:{request.path}?{request.META.get('QUERY_STRING', '')}"


def page_cache_applies(request) -> bool:
    """Whether this path is a catalogue this process has rendered (no I/O; other pages pay nothing)."""
    return request.path in _catalogue_paths and request.method == "GET"


def page_cache_serve(request) -> HttpResponse | None:
    """The shared page with this visitor's CSRF token, or None: a miss, an outdated entry, or not shareable."""
    variant = _variant(request)
    if variant is None:
        return None
    key = _key(request, variant)
    found = cache.get_many([CATALOGUE_VERSION_KEY, key])
    entry = found.get(key)
    if entry is None or entry[0] != found.get(CATALOGUE_VERSION_KEY):
        return None
    _version, content_type, html = entry
    response = HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)), content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


def page_cache_render(request, render, *, page, version: int) -> HttpResponse:
    """Render the catalogue with `render(context_overrides)`; store it when it is the same for its variant."""
    variant = _variant(request)
    if variant is None or (variant == "visitor" and request.user.is_authenticated):
        return render({})
    response = render({"csrf_token": CSRF_PLACEHOLDER})
    response.render()
    html = response.content.decode(response.charset)
    if response.status_code == 200 and not page.get_view_restrictions().exists():
        cache.set(_key(request, variant), (version, response["Content-Type"], html), PAGE_TIMEOUT)
        _catalogue_paths.add(request.path)
    response.content = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return response
