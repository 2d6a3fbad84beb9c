import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from core.people.selectors import person_profile

from .navigation import MY_PAGE, site_links

logger = logging.getLogger(__name__)


@login_required
def my_page(request):
    context = {**person_profile(user=request.user), "my_links": site_links(request, MY_PAGE)}
    return render(request, "home/my_page.html", context)


# --- error pages: 403, 404 and 500 in the site's shell; JSON for the machine interfaces ----------------

_MACHINE_PREFIXES = ("/api/", "/xapi/")


def _error(request, status: int, heading: str, explanation: str, detail: str = "") -> HttpResponse:
    if request.path.startswith(_MACHINE_PREFIXES):
        return JsonResponse({"message": str(heading), "extra": {}}, status=status)
    context = {"status": status, "heading": heading, "explanation": explanation, "detail": detail}
    return render(request, f"{status}.html", context, status=status)


def permission_denied(request, exception=None):
    # Our own refusals carry a translated reason (a PermissionDenied's message); Django's carry none.
    detail = str(exception) if exception is not None and exception.args else ""
    return _error(
        request, 403, _("You may not open this page"), _("This page is for other people's roles or units."), detail
    )


def page_not_found(request, exception=None):
    return _error(
        request, 404, _("Page not found"), _("The address may be mistyped, or the page was moved or unpublished.")
    )


@requires_csrf_token
def server_error(request):
    heading = _("Something went wrong")
    explanation = _("The error has been logged. Please try again in a few minutes.")
    try:
        return _error(request, 500, heading, explanation)
    except Exception:  # the shell itself failed (a database or template error): answer without it
        logger.exception("The 500 page could not be rendered in the site's shell")
        home = _("Back to the home page")
        return HttpResponseServerError(
            format_html(
                '<!DOCTYPE html><meta charset="utf-8"><h1>{}</h1><p>{}</p><p><a href="/">{}</a></p>',
                heading,
                explanation,
                home,
            )
        )
