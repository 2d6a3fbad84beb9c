"""Sign-in throttles: failed passwords are counted per account and per client address, and once either count
is used up, no sign-in is accepted (not even with the right password) until the window has moved on.

Every door that checks a password goes through Django's ``authenticate()``: the site's sign-in form, the Wagtail
admin's, and ``POST /api/auth/token``. So the lock is an authentication backend placed first
(``SignInThrottleBackend``), and failures are counted from Django's ``user_login_failed`` signal. The forms and
the token endpoint only ask ``sign_in_throttled`` to say why (a clear message, or 429).

The counts live in Redis when ``REDIS_URL`` is set (shared by every worker), in process memory otherwise. If
Redis does not answer, the throttle lets the attempt through (fails open) rather than locking everyone out.

The client address is ``REMOTE_ADDR`` unless that is one of ``TRUSTED_PROXIES``; only then does
``X-Forwarded-For`` say who the client is (its right-most address that is not a trusted proxy): anyone
else can write that header.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import cache

import limits
from django.conf import settings
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)

_THROTTLED = "_sign_in_throttled"


@cache
def _trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _trusted_proxies())


def client_address(request) -> str:
    """The address of the client: ``X-Forwarded-For`` counts only when the request comes from a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not _is_trusted(remote):
        return remote
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if not _is_trusted(hop):
            return hop
    return remote


@cache
def _limiter() -> tuple[MovingWindowRateLimiter, Storage]:
    if settings.REDIS_URL:
        # Under the cache's prefix, so whatever clears this deployment's cache keys clears these too.
        storage = RedisStorage(
            settings.REDIS_URL,
            key_prefix=f"{settings.REDIS_KEY_PREFIX}:cache:signin",
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
        )
    else:
        storage = MemoryStorage()
    return MovingWindowRateLimiter(storage), storage


def _checks(request, username: str | None) -> list[tuple[limits.RateLimitItem, str]]:
    checks = [(limits.parse(settings.SIGN_IN_LIMIT_PER_ADDRESS), f"address:{client_address(request)}")]
    if username:
        checks.append((limits.parse(settings.SIGN_IN_LIMIT_PER_ACCOUNT), f"account:{username.strip().casefold()}"))
    return checks


def sign_in_throttled(request, username: str | None) -> bool:
    """Whether sign-in is locked for this account or this client address (or was refused for it just now)."""
    if request is None:
        return False
    if getattr(request, _THROTTLED, False):
        return True
    limiter, _storage = _limiter()
    try:
        throttled = any(not limiter.test(item, "signin", key) for item, key in _checks(request, username))
    except Exception:  # noqa: BLE001 - the store is down: fail open, sign-in keeps working
        logger.warning("sign-in throttle store unavailable; not throttling", exc_info=True)
        return False
    if throttled:
        setattr(request, _THROTTLED, True)
    return throttled


def sign_in_failure_record(*, request, username: str | None) -> None:
    """Count one failed sign-in against the account and the client address."""
    if request is None:
        return
    limiter, _storage = _limiter()
    try:
        for item, key in _checks(request, username):
            limiter.hit(item, "signin", key)
    except Exception:  # noqa: BLE001 - the store is down: fail open
        logger.warning("sign-in throttle store unavailable; failure not counted", exc_info=True)


def sign_in_throttle_reset() -> None:
    """Forget every count (tests, or an operator after an incident)."""
    _trusted_proxies.cache_clear()
    _limiter.cache_clear()
    storage = _limiter()[1]
    try:
        storage.reset()
    except Exception:  # noqa: BLE001 - nothing to forget when the store is down
        logger.warning("sign-in throttle store unavailable; nothing reset", exc_info=True)


@receiver(user_login_failed, dispatch_uid="people.sign_in_failure_record")
def _on_sign_in_failed(sender, credentials, request=None, **kwargs):
    sign_in_failure_record(request=request, username=credentials.get("username"))


class SignInThrottleBackend(BaseBackend):
    """First in AUTHENTICATION_BACKENDS: refuses every sign-in while the account or address is locked, and
    otherwise leaves the decision to the next backend. It grants no permissions; it finds a user by id like the
    model backend, because being first it is the one ``Client.force_login`` and ``login()`` may record."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if sign_in_throttled(request, username):
            raise PermissionDenied  # Django stops here: no other backend checks the password
        return None

    def get_user(self, user_id):
        return ModelBackend().get_user(user_id)
