"""The one django-ninja API under /api/ (the composition root): it mounts every app's router and renders every
error once as {"message": ..., "extra": {...}} (`core.errors.ErrorOut`)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from core.api_input import ApiParser
from core.errors import ApplicationError

# Authentication (session with CSRF, or a bearer token without) and "the person making this request" live in
# the spine, core.people.auth, which every router uses; this module only composes the routers.

api = NinjaAPI(
    title="先锋学苑 API",
    version="1.0",
    urls_namespace="api",
    # Bodies nested too deep answer 400 (never a RecursionError's 500); no NUL in any text.
    parser=ApiParser(),
    description="Learning, contests, recommendations and community services of the grass-roots platform.",
)


def _error(request, message: str, status: int, extra: dict | None = None):
    return api.create_response(request, {"message": message, "extra": extra or {}}, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return _error(request, exc.message, exc.status, exc.extra)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    return _error(request, _("The request is not valid."), 422, {"errors": exc.errors})


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc: DjangoValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, "; ".join(str(m) for m in exc.messages), 400, {"errors": detail})


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, _("Sign in first."), 401)


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, str(exc) or _("You may not do this."), 403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, _("Not found."), 404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, str(exc), exc.status_code)


def _mount_routers() -> None:
    # Each app keeps one Router in its api.py; they are composed here, in one place.
    from content.certification.api import router as certification_router
    from content.certification.cockpit_api import router as cockpit_router
    from content.community.api import router as community_router
    from content.fieldwork.api import router as fieldwork_router
    from content.ideas.api import router as ideas_router
    from content.learning.api import router as learning_router
    from content.livestreams.api import router as livestreams_router
    from content.qa.api import router as qa_router
    from content.volunteering.api import router as volunteering_router
    from core.people.api import router as people_router
    from realtime.api import router as realtime_router
    from recommender.api import router as recommender_router

    api.add_router("/", people_router)
    api.add_router("/learning/", learning_router)
    api.add_router("/certification/", certification_router)
    api.add_router("/qa/", qa_router)
    api.add_router("/livestreams/", livestreams_router)
    api.add_router("/community/", community_router)
    api.add_router("/", cockpit_router)
    api.add_router("/fieldwork/", fieldwork_router)
    api.add_router("/volunteering/", volunteering_router)
    api.add_router("/", recommender_router)
    api.add_router("/", realtime_router)
    api.add_router("/ideas/", ideas_router)


_mount_routers()
