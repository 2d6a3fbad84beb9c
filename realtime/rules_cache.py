"""The active scoring rules, held by each process, so that scoring a statement reads no rule from the database.

Every statement the platform records runs the scoring handler, and most name a verb no rule scores (a support, a
sign-up): a query for the rules per statement was 27 % of a sign-up's Python time (platform/BENCHMARKS.md). Each
process holds all active rules, with their dimension, index and bonus windows (two queries to load), under a version
token kept in the shared cache (Redis in production). A change of a rule, a bonus window, a dimension or an index
(saved or deleted through the ORM, as the Wagtail admin does, or a new rules version) forgets this process's copy and,
when its transaction commits, sets a new token.

**Staleness bound**: a process compares its token with the shared one at most every `CHECK_SECONDS` (one cache read
a second, not one per statement), so a statement recorded more than `CHECK_SECONDS` after a rule change committed is
scored under the new rules in every process; in the process that made the change, at once. With the shared cache
unreachable there is no token to trust, and every check loads the rules again: the bound still holds.

A transaction that changed rules and has not committed reads them from the database each time: it sees its own
change, and no process keeps rules that may yet be rolled back.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .models import BonusWindow, Dimension, Index, Rule

CHECK_SECONDS = 1.0
TOKEN_KEY = "realtime:rules:token"


@dataclass(frozen=True)
class _Held:
    token: str | None  # None: the shared cache gave none, so the next check loads again
    checked_at: float  # time.monotonic() of the last comparison with the shared token
    by_verb: dict[str, tuple[Rule, ...]]


_held: _Held | None = None
# Moves each time the copy is forgotten: a load that began before a change does not keep what it read.
_generation = 0
_lock = threading.Lock()


def active_rules_by_verb() -> dict[str, tuple[Rule, ...]]:
    """Every active rule by its verb, each verb's rules ordered by (index, pk). Shared by the threads of the process:
    read them, never change them."""
    if _changed_in_this_transaction():
        return _load()
    held = _held
    now = time.monotonic()
    if held is not None and now - held.checked_at < CHECK_SECONDS:
        return held.by_verb
    generation = _generation
    token = _shared_token()  # read before the rules: a change committed in between leaves a token that differs
    if held is not None and token is not None and token == held.token:
        _keep(replace(held, checked_at=now), generation)
        return held.by_verb
    by_verb = _load()
    _keep(_Held(token, now, by_verb), generation)
    return by_verb


def rules_changed() -> None:
    """Call after changing rules, bonus windows, dimensions or indices other than by saving or deleting them one by
    one (the signals below cover those): forgets this process's copy, and sets a new shared token on commit."""
    _forget()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        if not _changed_in_this_transaction():
            transaction.on_commit(_TokenRenewal())
    else:
        _token_renew()


def rules_cache_forget() -> None:
    """Forget this process's copy (tests start each from the database, as a new process does)."""
    _forget()


class _TokenRenewal:
    """The on-commit callback of one transaction's rule changes; while it has not run, they are uncommitted."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        _forget()
        _token_renew()


def _changed_in_this_transaction() -> bool:
    """This connection's open transaction changed rules: its renewal waits in the on-commit callbacks (a rollback,
    or the rollback of the savepoint the change was made in, drops it from them)."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        isinstance(callback, _TokenRenewal) and not callback.ran
        for _sids, callback, _robust in connection.run_on_commit
    )


def _load() -> dict[str, tuple[Rule, ...]]:
    by_verb: dict[str, list[Rule]] = {}
    rules = (
        Rule.objects.filter(active=True)
        .select_related("dimension__index")
        .prefetch_related("bonus_windows")
        .order_by("dimension__index_id", "pk")
    )
    for rule in rules:
        by_verb.setdefault(rule.verb, []).append(rule)
    return {verb: tuple(found) for verb, found in by_verb.items()}


def _shared_token() -> str | None:
    token = cache.get(TOKEN_KEY)
    if token is None:  # never set, evicted, or the cache is unreachable (the fail-open cache answers a miss)
        cache.add(TOKEN_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(TOKEN_KEY)
    return token


def _token_renew() -> None:
    cache.set(TOKEN_KEY, uuid.uuid4().hex, timeout=None)


def _keep(held: _Held, generation: int) -> None:
    global _held
    with _lock:
        if _generation == generation:
            _held = held


def _forget() -> None:
    global _held, _generation
    with _lock:
        _generation += 1
        _held = None


@receiver(post_save, sender=Rule, dispatch_uid="realtime.rules_cache.rule_saved")
@receiver(post_delete, sender=Rule, dispatch_uid="realtime.rules_cache.rule_deleted")
@receiver(post_save, sender=BonusWindow, dispatch_uid="realtime.rules_cache.window_saved")
@receiver(post_delete, sender=BonusWindow, dispatch_uid="realtime.rules_cache.window_deleted")
@receiver(post_save, sender=Dimension, dispatch_uid="realtime.rules_cache.dimension_saved")
@receiver(post_delete, sender=Dimension, dispatch_uid="realtime.rules_cache.dimension_deleted")
@receiver(post_save, sender=Index, dispatch_uid="realtime.rules_cache.index_saved")
@receiver(post_delete, sender=Index, dispatch_uid="realtime.rules_cache.index_deleted")
def _saved_or_deleted(sender, **kwargs) -> None:
    rules_changed()


@receiver(post_migrate, dispatch_uid="realtime.rules_cache.migrated")
def _migrated(sender, **kwargs) -> None:
    # A data migration writes through historical models, which send no signal the receivers above hear.
    if sender.label == "realtime":
        rules_changed()
