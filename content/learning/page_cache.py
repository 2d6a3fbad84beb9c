"""Whole-page cache of the course catalogue for visitors without a session.

Most people who open the catalogue see exactly the same page, so rendering it (Wagtail's routing, the
page tree, the templates: 35-40 ms of CPU) for each of them is waste. The catalogue view renders it once
per (catalogue path, category, language) and keeps it here; `CataloguePageCacheMiddleware` answers the
next visitors from it before Wagtail routes the request.

Nothing personal is ever stored or handed to someone else:
- The CSRF token (the language switch is a POST form) is rendered as `CSRF_PLACEHOLDER`; each answer
  replaces it with the visitor's own masked token (`get_token`), which also sets their CSRF cookie.
- Only visitors without a session cookie and without a messages cookie are served from here, and a page
  is stored only when it was rendered for such a visitor (anonymous, no messages, no Wagtail user bar).
  A signed-in person, or anyone with messages waiting, gets the page rendered for them.
- Only the plain catalogue URL and `?category=<a known category>` are cached; any other query string is
  rendered normally (the page repeats the full path in its forms).

Freshness: each entry carries the catalogue version it was rendered under, and is served only while
that is still the current version. The version is bumped by every publish, unpublish, move or deletion of
any page and by every change to a page's view restrictions (apps.py), so an editor's change shows at once.
Entries also expire after PAGE_TIMEOUT, which bounds how long a deployed template change takes to show.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

from .models import Category
from .selectors import CATALOGUE_VERSION_KEY

PAGE_TIMEOUT = 600
# Shaped like a masked token (64 letters) so the rendered page has the same size and form as a real one.
CSRF_PLACEHOLDER = "catalogueCsrfPlaceholder" + "X" * 40
_CACHEABLE_QUERIES = {""} | {f"category={value}" for value in Category.values}
# Paths this process has seen rendered as a catalogue; only those are looked up, so other pages pay nothing.
_catalogue_paths: set[str] = set()


def _eligible(request) -> bool:
    return (
        request.method == "GET"
        and request.META.get("QUERY_STRING", "") in _CACHEABLE_QUERIES
        and "sessionid" not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _key(request) -> str:
    language = getattr(request, "LANGUAGE_CODE", "")
    return f"learning:page:{language}:{request.path}?{request.META.get('QUERY_STRING', '')}"


def page_cache_lookup_key(request) -> str | None:
    """The cache key to try for this request, or None when it must be rendered (no I/O here)."""
    if request.path in _catalogue_paths and _eligible(request):
        return _key(request)
    return None


def page_cache_serve(request, key: str) -> HttpResponse | None:
    """The cached page with this visitor's CSRF token, or None on a miss or an outdated entry."""
    found = cache.get_many([CATALOGUE_VERSION_KEY, key])
    entry = found.get(key)
    if entry is None or entry[0] != found.get(CATALOGUE_VERSION_KEY):
        return None
    _version, content_type, html = entry
    response = HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)), content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


def page_cache_render(request, render, *, version: int) -> HttpResponse:
    """Render the catalogue with `render(context_overrides)`; store it when it is the same for everyone."""
    if not (_eligible(request) and not request.user.is_authenticated):
        return render({})
    response = render({"csrf_token": CSRF_PLACEHOLDER})
    response.render()
    html = response.content.decode(response.charset)
    if response.status_code == 200:
        cache.set(_key(request), (version, response["Content-Type"], html), PAGE_TIMEOUT)
        _catalogue_paths.add(request.path)
    response.content = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return response
