"""Recommendations for a signed-in person, with a reason each: what the API, the home block and the
template tag show.

With a model: the person's history (the model's, plus what they did since it was trained, read from the
trusted statements at each call, so a completion changes the list at once) scored by the blend, a small share
of fresh items mixed in. Without a model, or for a person with no history: what people of the same role in
the same organisation unit use most (then everyone).

Either way three rules hold (the item registry gives each item's audience and what it is part of):
- nothing the person has done anything with: an item with any trusted statement of theirs is left out, with
  the course it belongs to and that course's other lessons (a started course is "continue learning", not a
  recommendation);
- only items meant for them: an item whose audience names role codes is shown only to people with one of
  those roles (a villager gets no retailer course);
- never a lesson beside its own course: whichever of the two ranks first is kept.
"""

from __future__ import annotations

import itertools
import logging

from django.core.cache import cache
from django.utils.translation import gettext as _

from .selectors import ItemFacts, kinds, person_state, recommendable_items, unit_popularity, user_segment_cached
from .services import current_model

log = logging.getLogger(__name__)

MAX_LIMIT = 50
# the reason codes of recommender.engine.recommender, repeated so that loading Django does not import NumPy
REASON_BECAUSE_YOU_LEARNED = "because_you_learned"
REASON_POPULAR_IN_YOUR_UNIT = "popular_in_your_unit"
REASON_POPULAR = "popular"
REASON_NEW = "new"


def reason_text(code: str, *, source_title: str | None = None, role: str | None = None) -> str:
    if code == REASON_BECAUSE_YOU_LEARNED and source_title:
        return _("Because you learned “%(title)s”") % {"title": source_title}
    if code == REASON_POPULAR_IN_YOUR_UNIT:
        if role == "retailer":
            return _("Retailers in your area are learning this")
        return _("People in your unit are learning this")
    if code == REASON_NEW:
        return _("New")
    return _("Popular")


def _check(limit):
    from core.errors import ApplicationError

    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ApplicationError(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT})


def _entry(item_id, info: dict | None, reason: str, code: str) -> dict:
    info = info or {}
    return {
        "item_id": str(item_id),
        "kind": info.get("kind") or str(item_id).split(":", 1)[0],
        "title": info.get("title") or str(item_id),
        "url": info.get("url") or "",
        "reason": reason,
        "reason_code": code,
    }


# how many more items than asked the ranking returns, so that leaving out a lesson beside its course still fills
# the list
OVERFETCH = 2


def recommendations_for(user, *, kind: str | None = None, limit: int = 10) -> list[dict]:
    """``[{item_id, kind, title, url, reason, reason_code}]`` for ``user``, best first; nothing for a kind no
    app has registered."""
    _check(limit)
    if kind is not None and kind not in kinds():
        return []
    bundle = current_model()
    rec = bundle.recommender if bundle is not None else None
    touched, _completed, history = person_state(user, getattr(rec, "now_", None))
    segment, role, roles = user_segment_cached(user)
    if bundle is None:
        return _without_model(user, kind, limit, touched, segment, role, roles)
    facts = bundle.facts()
    recs = rec.recommend_with_reasons(
        user.pk,
        limit * OVERFETCH + 2,
        exclude_seen=True,
        segment=segment,
        history=history,
        exclude=facts.busy(touched),
        candidates=bundle.mask_for(kind, roles),
    )
    catalogue = bundle.catalogue
    out = []
    for r in facts.one_per_family(recs, limit, key=lambda r: r.item_id):
        src = catalogue.get(r.source_item_id, {}).get("title") if r.source_item_id is not None else None
        code = r.reason if (r.reason != REASON_BECAUSE_YOU_LEARNED or src) else REASON_POPULAR
        out.append(_entry(r.item_id, catalogue.get(r.item_id), reason_text(code, source_title=src, role=role), code))
    return out


def _titles() -> dict[str, dict]:
    items = cache.get("recommender:catalogue")
    if items is None:
        listed = recommendable_items()
        if listed:
            items = {
                str(it["item_id"]): {
                    "kind": it.get("kind"),
                    "title": it.get("title"),
                    "url": it.get("url"),
                    "audience": tuple(it.get("audience") or ()),
                    "part_of": it.get("part_of") or "",
                }
                for it in listed
            }
        else:
            from core.activity.items import item_for_statement
            from core.activity.models import Statement

            from .selectors import _name_of, activity_types

            items = {}
            rows = (
                Statement.objects.trusted()
                .filter(activity_type__in=activity_types())
                .values_list("object_id", "activity_type", "full__object__definition")
                .order_by()[:5000]
            )
            for object_id, activity_type, definition in rows:
                item = item_for_statement(object_id, activity_type)
                if item is not None and item not in items:
                    items[item] = {"kind": item.split(":", 1)[0], "title": _name_of(definition), "url": ""}
        cache.set("recommender:catalogue", items, 300)
    return items


def _without_model(user, kind, limit, touched, segment, role, roles) -> list[dict]:
    titles = _titles()
    facts = ItemFacts.of(titles)
    busy = facts.busy(touched)
    want = (limit + len(busy)) * OVERFETCH
    key = f"recommender:pop:{segment}:{kind}:{want}"
    ranked = cache.get(key)
    if ranked is None:
        in_unit = []
        if user.org_unit_id is not None:
            flt = {"actor_user__org_unit_id": user.org_unit_id}
            if role:
                flt["actor_user__roles__role"] = role
            in_unit = unit_popularity(flt, kind, want)
        overall = unit_popularity({}, kind, want)
        ranked = [(i, REASON_POPULAR_IN_YOUR_UNIT) for i in in_unit]
        ranked += [(i, REASON_POPULAR) for i in overall if i not in in_unit]
        cache.set(key, ranked, 60)

    def servable(item_id: str) -> bool:
        if item_id in busy or not facts.is_for(item_id, roles):
            return False
        return not titles or item_id in titles  # no longer published

    popular = [(item_id, code) for item_id, code in ranked if servable(item_id)]
    listed = {item_id for item_id, _code in popular}
    # then, when people have done too little, the catalogue itself (read only as far as the list needs)
    new = (
        (item_id, REASON_NEW)
        for item_id, info in titles.items()
        if item_id not in listed
        and servable(item_id)
        and (kind is None or (info.get("kind") or item_id.split(":", 1)[0]) == kind)
    )
    candidates = itertools.chain(popular, new)
    return [
        _entry(item_id, titles.get(item_id), reason_text(code, role=role), code)
        for item_id, code in facts.one_per_family(candidates, limit, key=lambda c: c[0])
    ]
