"""The "为你推荐" (for you) block: on the home page and, through ``{% for_you %}``, on course pages."""

import logging

from django.utils.translation import gettext as _

from .serving import recommendations_for

log = logging.getLogger(__name__)

TEMPLATE = "recommender/for_you.html"


def for_you_context(request, *, kind=None, limit=6) -> dict | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        items = recommendations_for(user, kind=kind, limit=limit)
    except Exception:  # the page must render even if the recommender fails
        log.exception("recommendations failed for user %s", user.pk)
        return None
    if not items:
        return None
    return {"title": _("For you"), "items": items, "kind": kind}


def for_you_home_block(request):
    context = for_you_context(request, limit=6)
    if context is None:
        return None
    return {"template": TEMPLATE, "context": context}
