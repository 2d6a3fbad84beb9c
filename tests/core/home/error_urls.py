"""The project's URLs plus one page and one API path that fail, for the 500 tests."""

from django.urls import path

from core.urls import handler403, handler404, handler500  # noqa: F401
from core.urls import urlpatterns as project_urlpatterns


def broken_page(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [path("broken/", broken_page), path("api/broken/", broken_page), *project_urlpatterns]
