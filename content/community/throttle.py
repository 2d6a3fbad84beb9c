"""A cheap abuse is filing many requests: at most FILING_LIMIT per client address (the sign-in throttle's idea of
the client address and its store: Redis when configured, memory otherwise; fails open when the store is down)."""

from __future__ import annotations

import logging

import limits
from django.conf import settings

from core.people.throttle import _limiter, client_address

logger = logging.getLogger(__name__)
FILING_LIMIT = getattr(settings, "DIRECT_LINE_FILING_LIMIT", "30/hour")


def filing_throttled(request) -> bool:
    """Count one filing from this address; True when the address has used up its allowance."""
    limiter, _storage = _limiter()
    try:
        return not limiter.hit(limits.parse(FILING_LIMIT), "direct-line", client_address(request))
    except Exception:  # noqa: BLE001 - the store is down: fail open
        logger.warning("direct-line throttle store unavailable; not throttling", exc_info=True)
        return False
