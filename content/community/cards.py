"""A station's card: its public part as the station search lists it (the API's station without the distance and
"open now", which belong to one search), read for a page of results at once and cached.

The cache holds what belongs to the station alone (its fields, its village's name, its services as (offer, kind,
capacity)); the catalogue's names and labels (cached on their own, `kinds_catalogue`) are joined at reading time,
so renaming a service changes no card.
A card is forgotten after commit when anything on it changes: the station's services (its details, a capacity),
which already tell the station's live room, and every save or delete of a station, an offered service or a
village (the admin's edits), and an import. Writes that go round all of these (a bulk update in a shell) are
seen within CARD_SECONDS.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

CARD_SECONDS = 600


def _key(station_id: int) -> str:
    return f"community:card:{station_id}"


KINDS_KEY = "community:kinds"


def kinds_catalogue() -> dict[int, tuple]:
    """Every service of the catalogue by id: (code, name, category code, capacity label, order), from the cache or
    in one query; forgotten when a service or a category is saved or deleted."""
    from .models import ServiceKind

    found = cache.get(KINDS_KEY)
    if found is None:
        rows = ServiceKind.objects.values_list(
            "pk", "code", "name", "category__code", "capacity_label", "category__sort_order", "sort_order"
        )
        found = {pk: (code, name, category, label, order) for pk, code, name, category, label, *order in rows}
        cache.set(KINDS_KEY, found, CARD_SECONDS)
    return found


def _cards_built(station_ids: list[int]) -> dict[int, dict]:
    from .models import Offer, Station

    offers: dict[int, list] = defaultdict(list)
    rows = (
        Offer.objects.filter(station_id__in=station_ids, active=True)
        .order_by()
        .values_list("station_id", "pk", "kind_id", "capacity")
    )
    for station_id, pk, kind_id, capacity in rows:
        offers[station_id].append((pk, kind_id, capacity))
    stations = (
        Station.objects.filter(pk__in=station_ids)
        .order_by()
        .values_list("pk", "uuid", "name", "kind", "village__name", "address", "latitude", "longitude")
    )
    return {
        pk: {
            "id": pk,
            "uuid": uuid,
            "name": name,
            "kind": kind,
            "village": village,
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
            "url": reverse("community:station", args=[pk]),
            "offers": offers[pk],
        }
        for pk, uuid, name, kind, village, address, latitude, longitude in stations
    }


def station_cards(station_ids: list[int], kinds: dict[int, tuple] | None = None) -> dict[int, dict]:
    """The cards of these stations by id (a station that no longer exists has none), each with its services in the
    catalogue's order: id, service, name, category, capacity, capacity label."""
    if not station_ids:
        return {}
    found = cache.get_many([_key(pk) for pk in station_ids])
    cards = {card["id"]: card for card in found.values()}
    missing = [pk for pk in station_ids if pk not in cards]
    if missing:
        built = _cards_built(missing)
        cache.set_many({_key(pk): card for pk, card in built.items()}, CARD_SECONDS)
        cards.update(built)
    kinds = kinds if kinds is not None else kinds_catalogue()
    out = {}
    for pk, card in cards.items():
        offers = sorted((o for o in card["offers"] if o[1] in kinds), key=lambda o: (kinds[o[1]][4], o[0]))
        out[pk] = {
            **card,
            "offers": [
                {
                    "id": offer_id,
                    "service": kinds[kind_id][0],
                    "name": kinds[kind_id][1],
                    "category": kinds[kind_id][2],
                    "capacity": capacity,
                    "capacity_label": kinds[kind_id][3],
                }
                for offer_id, kind_id, capacity in offers
            ],
        }
    return out


def station_cards_forget(station_ids) -> None:
    """Drop these stations' cards once the transaction that changes them commits."""
    keys = [_key(pk) for pk in station_ids if pk is not None]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))


def _station_saved(sender, instance, **kwargs) -> None:
    station_cards_forget([instance.pk])


def _offer_saved(sender, instance, **kwargs) -> None:
    station_cards_forget([instance.station_id])


def _village_saved(sender, instance, **kwargs) -> None:
    from .models import Station

    station_cards_forget(list(Station.objects.filter(village_id=instance.pk).values_list("pk", flat=True)))


def kinds_catalogue_forget() -> None:
    """Drop the cached catalogue once the transaction that changes it commits."""
    transaction.on_commit(lambda: cache.delete(KINDS_KEY))


def _catalogue_saved(sender, instance, **kwargs) -> None:
    kinds_catalogue_forget()


def cards_connect() -> None:
    """Forget cards on every save or delete of what they show (the app's ready())."""
    from django.db.models.signals import post_delete, post_save

    from core.people.models import Village

    from .models import Offer, ServiceCategory, ServiceKind, Station

    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_catalogue_saved, sender=ServiceKind, dispatch_uid=f"community-card-kind-{name}")
        signal.connect(_catalogue_saved, sender=ServiceCategory, dispatch_uid=f"community-card-category-{name}")
        signal.connect(_station_saved, sender=Station, dispatch_uid=f"community-card-station-{name}")
        signal.connect(_offer_saved, sender=Offer, dispatch_uid=f"community-card-offer-{name}")
        signal.connect(_village_saved, sender=Village, dispatch_uid=f"community-card-village-{name}")
