"""Who opens a websocket, resolved without the database in the common case.

When a contest opens at 20:00 the whole branch opens its board at once (platform/BENCHMARKS.md, "connection
storm"): Channels' `AuthMiddleware` loads the session and then the user from the database for every socket, in
the one thread Channels keeps for database work. Here the session comes from the session engine (cached_db: the
cache first) and the person from the cache, keyed by their id; both are read in a worker thread of their own, so
a storm is not queued behind the database thread. A visitor without a session cookie costs nothing.

The cached person is checked against the session exactly as Django does (the session's auth hash must match the
person's), and is dropped from the cache whenever the person is saved (a password change, deactivation).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.crypto import constant_time_compare

CACHE_SECONDS = 300


def _cache_key(user_id) -> str:
    return f"people:socket-person:{user_id}"


def person_for_session(session):
    """The signed-in person of a session, or AnonymousUser; the person from the cache when it holds them."""
    if not getattr(session, "session_key", None):
        return AnonymousUser()
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValueError):
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = cache.get(_cache_key(user_id))
    if user is None:
        user = load_backend(backend_path).get_user(user_id)
        if user is None:
            return AnonymousUser()
        cache.set(_cache_key(user_id), user, CACHE_SECONDS)
    session_hash = session.get(HASH_SESSION_KEY)
    if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
        return AnonymousUser()
    return user


class CachedAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        session = scope["session"]
        if not getattr(session, "session_key", None):
            scope["user"]._wrapped = AnonymousUser()
            return
        scope["user"]._wrapped = await sync_to_async(person_for_session, thread_sensitive=False)(session)


def CachedAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack, which it replaces
    return CookieMiddleware(SessionMiddleware(CachedAuthMiddleware(inner)))


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="people.socket_auth.forget_saved")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="people.socket_auth.forget_deleted")
def _forget(sender, instance, **kwargs) -> None:
    cache.delete(_cache_key(instance.pk))
