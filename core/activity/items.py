"""Items people can be recommended, and how statements name them.

An item is one thing of one app (a course, a lesson, later a livestream or a volunteer activity), named by an
item id `kind:pk`; statements about it have its activity IRI as object id (`item_iri`, `item_id_of`; the
mapping itself is in iris.py). Every app with such things registers its kind from `AppConfig.ready()`:

    item_kind_register(ItemKind("course", ActivityType.COURSE, list_items=live_courses))

and the recommender reads the registry (`item_kinds`, `items_list`) instead of importing the apps, as the
home page reads the home-block registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from . import iris
from .iris import Verb


def item_iri(item_id: str) -> str:
    """The activity IRI of an item id on this site: "course:12" -> "{SITE_URL}/xapi/activities/course/12"."""
    return iris.activity_iri(item_id, site_url=settings.SITE_URL)


def item_id_of(iri: str) -> str | None:
    """The item id an activity IRI names, or None."""
    return iris.item_id_for_iri(iri)


@dataclass(frozen=True)
class Item:
    """One recommendable thing, as the recommender sees it."""

    item_id: str  # kind:pk
    title: str
    url: str
    summary: str = ""
    tags: str = ""  # space-separated
    category: str = ""
    audience: tuple[str, ...] = ()  # role codes it is meant for; empty: everyone
    first_published_at: datetime | None = None
    part_of: str = ""  # the item id of the item this one belongs to (a lesson: its course); "": none

    @property
    def kind(self) -> str:
        return iris.item_kind(self.item_id)


@dataclass(frozen=True)
class ItemKind:
    kind: str  # the item ids' prefix, also the last but one part of their activity IRIs
    activity_type: str  # the activity type of statements about items of this kind
    list_items: Callable[[], Iterable[Item]]  # the live items, for training and titles
    done_verbs: frozenset[str] = field(default_factory=lambda: frozenset({Verb.COMPLETED, Verb.PASSED}))


_kinds: dict[str, ItemKind] = {}


def item_kind_register(kind: ItemKind) -> None:
    """Register (or replace) a kind of item; call from `AppConfig.ready()`."""
    _kinds[kind.kind] = kind


def item_kinds() -> dict[str, ItemKind]:
    """The registered kinds by name, in registration order."""
    return dict(_kinds)


def items_list() -> list[Item]:
    """Every live item of every registered kind."""
    return [item for kind in _kinds.values() for item in kind.list_items()]


def item_for_statement(object_id: str, activity_type: str, context: dict | None = None) -> str | None:
    """The registered item a statement is about: its object when that is an item of a registered kind with
    the kind's activity type, else the first such context parent (a quiz answered inside a lesson counts for
    the lesson); None when it is about nothing recommendable."""
    item = _registered_item(object_id, activity_type)
    if item is not None or not isinstance(context, dict):
        return item
    parents = (context.get("contextActivities") or {}).get("parent") or []
    if isinstance(parents, dict):
        parents = [parents]
    for parent in parents:
        if isinstance(parent, dict):
            item = _registered_item(parent.get("id", ""), (parent.get("definition") or {}).get("type", ""))
            if item is not None:
                return item
    return None


def _registered_item(object_id: str, activity_type: str) -> str | None:
    item = item_id_of(object_id) if isinstance(object_id, str) else None
    if item is None:
        return None
    kind = _kinds.get(iris.item_kind(item))
    return item if kind is not None and kind.activity_type == activity_type else None
