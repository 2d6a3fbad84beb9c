"""Reads: activity statements -> training frames, the catalogue of recommendable items, a person's
segment and completed items.

Items and their kinds come from core.activity's item registry, which each app with recommendable things
fills from its ``AppConfig.ready()``; a statement counts for an item when its object is one (or, failing
that, one of its context parents: a quiz answered inside a lesson counts for that lesson), as
``core.activity.items.item_for_statement`` decides. What decides "done" (the completed filter) reads only
statements the trust rule lets change state (``Statement.objects.trusted()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.activity.items import item_for_statement, item_kinds, items_list
from core.activity.vocabulary import Verb

#: Roles in the order a person's segment is chosen by (the first one they hold).
SEGMENT_ROLE_ORDER = ("retailer", "party_member", "staff", "villager", "volunteer", "editor")


def kinds() -> tuple[str, ...]:
    """The registered kinds of item."""
    return tuple(item_kinds())


def activity_types(kind: str | None = None) -> tuple[str, ...]:
    """The activity types of statements about items (of ``kind``, or of every kind)."""
    return tuple(k.activity_type for name, k in item_kinds().items() if kind is None or name == kind)


def done_verbs() -> tuple[str, ...]:
    """The verbs that mean "done" for any registered kind."""
    return tuple(sorted({verb for k in item_kinds().values() for verb in k.done_verbs}))


def _is_done(verb: str, item_id: str) -> bool:
    kind = item_kinds().get(item_id.partition(":")[0])
    return kind is not None and verb in kind.done_verbs


def segment_for(role_codes: Iterable[str], org_unit_id) -> str | None:
    """A person's segment for popularity: their main role within their organisation unit."""
    roles = set(role_codes)
    role = next((r for r in SEGMENT_ROLE_ORDER if r in roles), None)
    if role is None and org_unit_id is None:
        return None
    return f"{role or 'person'}@{org_unit_id or '-'}"


def user_segment(user) -> str | None:
    return segment_for(user.role_codes(), user.org_unit_id)


def user_main_role(user) -> str | None:
    roles = user.role_codes()
    return next((r for r in SEGMENT_ROLE_ORDER if r in roles), None)


def recommendable_items() -> list[dict]:
    """Every live item of every registered kind, as dicts (item_id, kind, title, url, summary, tags, category,
    audience, first_published_at)."""
    return [
        {
            "item_id": item.item_id,
            "kind": item.kind,
            "title": item.title,
            "url": item.url,
            "summary": item.summary,
            "tags": item.tags,
            "category": item.category,
            "audience": list(item.audience),
            "first_published_at": item.first_published_at,
            "part_of": item.part_of,
        }
        for item in items_list()
    ]


@dataclass(frozen=True)
class ItemFacts:
    """What serving needs to know of the catalogue beyond the model: who each item is for and what it belongs to.

    ``audience``: item -> role codes (items for everyone are left out); ``part_of``: item -> the item it belongs to
    (a lesson -> its course); ``members``: the reverse (a course -> its lessons).
    """

    audience: dict[str, tuple[str, ...]]
    part_of: dict[str, str]
    members: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, catalogue: dict[str, dict]) -> ItemFacts:
        """From a catalogue (item -> dict with optional ``audience`` and ``part_of``)."""
        audience = {i: tuple(v["audience"]) for i, v in catalogue.items() if v.get("audience")}
        part_of = {i: str(v["part_of"]) for i, v in catalogue.items() if v.get("part_of")}
        members: dict[str, list[str]] = {}
        for item, whole in part_of.items():
            members.setdefault(whole, []).append(item)
        return cls(audience, part_of, {k: tuple(v) for k, v in members.items()})

    def is_for(self, item: str, roles: Iterable[str]) -> bool:
        """An item is for a person when it names no audience or one of their roles."""
        audience = self.audience.get(item)
        return not audience or not set(audience).isdisjoint(roles)

    def family(self, item: str) -> str:
        """The whole an item belongs to (a lesson: its course), or the item itself."""
        return self.part_of.get(item, item)

    def busy(self, touched: Iterable[str]) -> set[str]:
        """What to leave out for someone who has done anything with ``touched``: those items, the wholes they belong
        to and every part of those wholes (a started lesson takes out its course and the course's other lessons)."""
        out = set(touched)
        for family in {self.family(i) for i in out}:
            out.add(family)
            out.update(self.members.get(family, ()))
        return out

    def one_per_family(self, items: Iterable, limit: int, key=lambda x: x) -> list:
        """The first ``limit`` of ``items`` (best first) without a lesson beside its own course: whichever of a
        course and its lessons comes first is kept, the course then leaves out its lessons and a lesson its course
        (two lessons of one course may stand together)."""
        shown_wholes: set[str] = set()  # courses listed
        shown_parts: set[str] = set()  # courses with a lesson listed
        out = []
        for entry in items:
            item = key(entry)
            whole = self.part_of.get(item)
            if whole is not None:
                if whole in shown_wholes:
                    continue
                shown_parts.add(whole)
            else:
                if item in shown_parts:
                    continue
                shown_wholes.add(item)
            out.append(entry)
            if len(out) >= limit:
                break
        return out


def _name_of(definition) -> str:
    names = (definition or {}).get("name") or {}
    if not isinstance(names, dict) or not names:
        return ""
    for lang in ("zh-CN", "zh-Hans", "zh", "en-US", "en"):
        if names.get(lang):
            return str(names[lang])
    return str(next(iter(names.values())))


def training_frames(progress: Callable[[Iterable, str, int | None], Iterable] | None = None, chunk_size: int = 20_000):
    """``(interactions, items, catalogue)`` from the trusted statements of the store.

    ``interactions``: user_id, item_id, timestamp, weight, segment (see :mod:`recommender.engine.data`);
    ``items``: one row per item with text columns for the content model; ``catalogue``: the items
    that may be served, item_id -> display dict (kind, title, url).
    """
    import pandas as pd

    from core.activity.models import Statement
    from core.people.models import RoleAssignment, User

    from .engine.data import statement_weight

    qs = (
        Statement.objects.trusted()
        .filter(voided=False, actor_user__isnull=False)
        .exclude(verb_id=Verb.VOIDED)
        .values_list(
            "actor_user_id",
            "verb_id",
            "object_id",
            "activity_type",
            "timestamp",
            "full__result",
            "full__context",
            "full__object__definition",
        )
        .order_by()
    )
    total = qs.count()
    rows = qs.iterator(chunk_size=chunk_size)
    if progress is not None:
        rows = progress(rows, "statements", total)
    users, items, times, weights = [], [], [], []
    titles: dict[str, str] = {}
    weight_cache: dict[tuple, float] = {}
    for user_id, verb, object_id, activity_type, ts, result, context, definition in rows:
        item = item_for_statement(object_id, activity_type, context)
        if item is None:
            continue
        if item not in titles and item_for_statement(object_id, activity_type) == item:
            titles[item] = _name_of(definition)
        if result:
            score = (result.get("score") or {}).get("scaled") if isinstance(result, dict) else None
            w = statement_weight(
                verb,
                score=score,
                completion=result.get("completion"),
                success=result.get("success"),
                duration=result.get("duration"),
            )
        else:
            w = weight_cache.get(verb)
            if w is None:
                w = weight_cache[verb] = statement_weight(verb)
        if w <= 0:
            continue
        users.append(user_id)
        items.append(item)
        times.append(ts.timestamp())
        weights.append(w)
    interactions = pd.DataFrame({"user_id": users, "item_id": items, "timestamp": times, "weight": weights})
    if len(interactions):
        ids = interactions["user_id"].unique().tolist()
        units = dict(User.objects.filter(pk__in=ids).values_list("pk", "org_unit_id"))
        roles: dict[int, set[str]] = {}
        for uid, role in RoleAssignment.objects.filter(user_id__in=ids).values_list("user_id", "role"):
            roles.setdefault(uid, set()).add(role)
        seg = {uid: segment_for(roles.get(uid, ()), units.get(uid)) for uid in ids}
        interactions["segment"] = interactions["user_id"].map(seg)

    # What can be served: the registered kinds' live items when there are any, else every item the
    # statements name. Statements about items no longer live still teach the model.
    catalogue: dict[str, dict] = {}
    listed = recommendable_items()
    if listed:
        for it in listed:
            item_id = str(it["item_id"])
            tags = it.get("tags") or ""
            catalogue[item_id] = {
                "item_id": item_id,
                "kind": it.get("kind") or item_id.split(":", 1)[0],
                "title": it.get("title") or "",
                "url": it.get("url") or "",
                "summary": it.get("summary") or "",
                "tags": tags if isinstance(tags, str) else " ".join(tags),
                "category": it.get("category") or "",
                "first_published_at": it.get("first_published_at"),
                "audience": tuple(it.get("audience") or ()),
                "part_of": it.get("part_of") or "",
            }
        known = dict(catalogue)
    else:
        known = catalogue
    for item_id, title in titles.items():
        if item_id not in known:
            known[item_id] = {
                "item_id": item_id,
                "kind": item_id.split(":", 1)[0],
                "title": title,
                "url": "",
                "summary": "",
                "tags": "",
                "category": "",
                "first_published_at": None,
                "audience": (),
                "part_of": "",
            }
    catalogue = {k: v for k, v in known.items() if not listed or k in catalogue}
    items = pd.DataFrame(
        [
            {
                "item_id": c["item_id"],
                "kind": c["kind"],
                "title": c["title"],
                "summary": c["summary"],
                "tags": c["tags"],
                "category": c["category"],
                "first_published_at": c["first_published_at"],
            }
            for c in catalogue.values()
        ],
        columns=["item_id", "kind", "title", "summary", "tags", "category", "first_published_at"],
    )
    if items["first_published_at"].isna().all():
        items = items.drop(columns=["first_published_at"])
    return interactions, items, catalogue


def completed_item_ids(user) -> set[str]:
    """Items the person is done with (a verb their kind registered as "done": completed, passed), read live
    from the trusted statements."""
    from core.activity.models import Statement

    rows = (
        Statement.objects.trusted()
        .filter(actor_user=user, voided=False, verb_id__in=done_verbs(), activity_type__in=activity_types())
        .values_list("verb_id", "object_id", "activity_type")
        .order_by()
    )
    out = set()
    for verb, object_id, activity_type in rows:
        item = item_for_statement(object_id, activity_type)
        if item is not None and _is_done(verb, item):
            out.add(item)
    return out


def person_state(user, since_ts: float | None) -> tuple[set[str], set[str], dict[str, float]]:
    """In one query of the trusted statements: the items the person has done anything with, those they are done
    with, and what they did after ``since_ts`` (the model's newest event) as ``{item_id: weight}``.

    The query groups the person's statements by verb and object (the ``stmt_user_time`` index finds them), so a
    person who reported progress a thousand times costs a few rows.
    """
    import datetime as dt

    from django.db.models import Count, Q

    from core.activity.models import Statement

    from .engine.data import statement_weight

    since = dt.datetime.fromtimestamp(since_ts, dt.UTC) if since_ts is not None else None
    # grouped by (verb, object, type); without a model there is no "since" and the count is not used
    recent = Count("id", filter=Q(timestamp__gt=since)) if since is not None else Count("id")
    rows = (
        Statement.objects.trusted()
        .filter(actor_user=user, voided=False, activity_type__in=activity_types())
        .values_list("verb_id", "object_id", "activity_type")
        .annotate(recent=recent)
        .order_by()[:2000]
    )
    touched: set[str] = set()
    completed: set[str] = set()
    history: dict[str, float] = {}
    for verb, object_id, activity_type, n_recent in rows:
        item = item_for_statement(object_id, activity_type)
        if item is None:
            continue
        touched.add(item)
        if _is_done(verb, item):
            completed.add(item)
        if since is not None and n_recent:
            history[item] = history.get(item, 0.0) + n_recent * statement_weight(verb)
    return touched, completed, history


def user_segment_cached(user) -> tuple[str | None, str | None, frozenset[str]]:
    """(segment, main role, role codes) of a person, cached for a few minutes (roles and units rarely change)."""
    from django.core.cache import cache

    key = f"recommender:person:{user.pk}"
    value = cache.get(key)
    if value is None:
        roles = set(user.role_codes())  # read once for all three
        value = (
            segment_for(roles, user.org_unit_id),
            next((r for r in SEGMENT_ROLE_ORDER if r in roles), None),
            tuple(sorted(roles)),
        )
        cache.set(key, value, 300)
    segment, role, roles = value
    return segment, role, frozenset(roles)


def recent_history(user, since_ts: float) -> dict[str, float]:
    """What the person did after the model was trained, as ``{item_id: weight}`` (trusted statements)."""
    import datetime as dt

    from core.activity.models import Statement

    from .engine.data import statement_weight

    since = dt.datetime.fromtimestamp(since_ts, dt.UTC)
    rows = (
        Statement.objects.trusted()
        .filter(actor_user=user, voided=False, timestamp__gt=since, activity_type__in=activity_types())
        .values_list("verb_id", "object_id", "activity_type")
        .order_by()[:200]
    )
    out: dict[str, float] = {}
    for verb, object_id, activity_type in rows:
        item = item_for_statement(object_id, activity_type)
        if item is not None:
            out[item] = out.get(item, 0.0) + statement_weight(verb)
    return out


def unit_popularity(segment_filter: dict, kind: str | None, limit: int) -> list[str]:
    """Without a model: the items most people in a unit / role touched (then everyone's), by trusted
    statements."""
    from django.db.models import Count

    from core.activity.models import Statement

    qs = Statement.objects.trusted().filter(voided=False, activity_type__in=activity_types(kind))
    if segment_filter:
        qs = qs.filter(**segment_filter)
    rows = (
        qs.values("object_id", "activity_type")
        .annotate(n=Count("actor_user", distinct=True))
        .order_by("-n", "object_id")[: limit * 3]
    )
    out = []
    for r in rows:
        item = item_for_statement(r["object_id"], r["activity_type"])
        if item is not None and item not in out:
            out.append(item)
    return out[:limit]
