"""Answers catalogue requests from the whole-page cache (see page_cache.py) before Wagtail routes them."""

from __future__ import annotations

from .page_cache import page_cache_applies, page_cache_serve


class CataloguePageCacheMiddleware:
    """Synchronous on purpose, and last in MIDDLEWARE.

    Under ASGI, Django runs each async-capable middleware hook (every `MiddlewareMixin`) through its
    own hop to a worker thread, and WhiteNoise, which is synchronous, adds a hop back and forth around
    them: about fifteen thread switches per request. A synchronous middleware at the inside of the
    stack makes Django run the whole stack synchronously in one thread, entered once; measured in
    platform/BENCHMARKS.md ("Learning").
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if page_cache_applies(request):
            response = page_cache_serve(request)
            if response is not None:
                return response
        return self.get_response(request)
