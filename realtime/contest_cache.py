"""A contest's public facts for the socket's connect, from the cache: a storm of viewers opening one board asks the
database once, not once each. Forgotten when the contest (or the branches taking part) changes; a renamed slug
may still open the contest under its old name for `CACHE_SECONDS`."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Contest

CACHE_SECONDS = 60
NOT_FOUND_SECONDS = 5  # an unknown slug is asked again soon: a contest may be created under it
_NOT_FOUND = "not-found"


def _key(slug: str) -> str:
    return f"realtime:contest:{slug}"


MISSING = object()  # the cache does not know this slug
# This worker's own copy, for LOCAL_SECONDS: in a storm of viewers opening one board only the first asks the cache.
# A change reaches other workers' copies after at most that long.
LOCAL_SECONDS = 2.0
_local: dict[str, tuple[float, Contest | None]] = {}


def contest_held(slug: str) -> Contest | None | object:
    """The contest from this worker's copy (no I/O): a Contest, None (no such contest), or MISSING."""
    held = _local.get(slug)
    if held is None or held[0] < time.monotonic():
        return MISSING
    return held[1]


def contest_cached(slug: str) -> Contest | None | object:
    """The contest from this worker's copy or the cache: a Contest, None (no such contest), or MISSING."""
    held = contest_held(slug)
    if held is not MISSING:
        return held
    found = cache.get(_key(slug))
    if found is None:
        return MISSING
    contest = None if found == _NOT_FOUND else found
    _local[slug] = (time.monotonic() + LOCAL_SECONDS, contest)
    return contest


def contest_by_slug(slug: str) -> Contest | None:
    """The contest with this slug (its scope, branches and index prefetched), or None; the cache first."""
    found = contest_cached(slug)
    if found is not MISSING:
        return found
    contest = Contest.objects.select_related("org_unit", "index").prefetch_related("branches").filter(slug=slug).first()
    cache.set(
        _key(slug),
        contest if contest is not None else _NOT_FOUND,
        CACHE_SECONDS if contest is not None else NOT_FOUND_SECONDS,
    )
    return contest


@receiver(post_save, sender=Contest, dispatch_uid="realtime.contest_cache.saved")
@receiver(post_delete, sender=Contest, dispatch_uid="realtime.contest_cache.deleted")
def _forget(sender, instance, **kwargs) -> None:
    _local.pop(instance.slug, None)
    cache.delete(_key(instance.slug))


# The branches are a ParentalManyToManyField: modelcluster writes their rows after the contest itself.
@receiver(m2m_changed, sender=Contest.branches.through, dispatch_uid="realtime.contest_cache.branches")
@receiver(post_save, sender=Contest.branches.through, dispatch_uid="realtime.contest_cache.branch_saved")
@receiver(post_delete, sender=Contest.branches.through, dispatch_uid="realtime.contest_cache.branch_deleted")
def _forget_branches(sender, instance, **kwargs) -> None:
    contest = instance if isinstance(instance, Contest) else Contest.objects.filter(pk=instance.contest_id).first()
    if contest is not None:
        _local.pop(contest.slug, None)
        cache.delete(_key(contest.slug))
