"""Links to each app's pages, in the site header (for everyone) or on "my page" (for the person).

Apps register their links in AppConfig.ready(), so the shell never imports them; a link whose URL or
visibility depends on the request decides it with a callable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

HEADER = "header"
MY_PAGE = "my-page"


@dataclass(frozen=True)
class SiteLink:
    key: str  # stable, for tests (data-testid="nav-<key>") and to replace a registration
    label: str  # a lazy translation
    url: str | Callable[[object], str | None]  # a URL name, or request -> URL (None hides the link)
    place: str = HEADER
    order: int = 50
    visible: Callable[[object], bool] | None = None  # request -> shown?

    def resolve(self, request) -> str | None:
        if self.visible is not None and not self.visible(request):
            return None
        return self.url(request) if callable(self.url) else reverse(self.url)


_links: dict[str, SiteLink] = {}


def site_link_register(link: SiteLink) -> None:
    _links[link.key] = link


def site_links(request, place: str) -> list[dict]:
    shown = []
    for link in sorted((link for link in _links.values() if link.place == place), key=lambda link: link.order):
        url = link.resolve(request)
        if url:
            shown.append({"key": link.key, "label": link.label, "url": url})
    return shown


def header_links(request) -> dict:
    """Context processor: the header's links, worked out only when a template shows them."""
    return {"header_links": SimpleLazyObject(lambda: site_links(request, HEADER))}
