"""A contest's public facts for the socket's connect, from the cache: a storm of viewers opening one board asks the
database once, not once each. Forgotten when the contest (or the branches taking part) changes; a renamed slug
may still open the contest under its old name for `CACHE_SECONDS`."""

from __future__ import annotations

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


def contest_cached(slug: str) -> Contest | None | object:
    """The contest from the cache alone: a Contest, None (no such contest), or MISSING."""
    found = cache.get(_key(slug))
    if found == _NOT_FOUND:
        return None
    return MISSING if found is None else found


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
    cache.delete(_key(instance.slug))


# The branches are a ParentalManyToManyField: modelcluster writes their rows after the contest itself.
@receiver(m2m_changed, sender=Contest.branches.through, dispatch_uid="realtime.contest_cache.branches")
@receiver(post_save, sender=Contest.branches.through, dispatch_uid="realtime.contest_cache.branch_saved")
@receiver(post_delete, sender=Contest.branches.through, dispatch_uid="realtime.contest_cache.branch_deleted")
def _forget_branches(sender, instance, **kwargs) -> None:
    contest = instance if isinstance(instance, Contest) else Contest.objects.filter(pk=instance.contest_id).first()
    if contest is not None:
        cache.delete(_key(contest.slug))
