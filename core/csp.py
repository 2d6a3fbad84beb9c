"""The Content-Security-Policy header (django-csp), with one policy for the site and a wider one for the admin.

Public pages run no inline script and load everything from this origin (static files, media, websockets), so
their policy is strict: `CONTENT_SECURITY_POLICY` in settings. The Wagtail admin still writes inline scripts and
styles in places, so paths under `CSP_ADMIN_PATH_PREFIXES` get `CSP_ADMIN_DIRECTIVES` instead.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings


class PathScopedCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admin's policy by path (a view's own decorator still wins)."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(tuple(settings.CSP_ADMIN_PATH_PREFIXES))
        ):
            parts.config = default_config(settings.CSP_ADMIN_DIRECTIVES)
        return parts
