"""Community API under /api/community/: station search, a station's live snapshot (the REST read beside its room),
one-tap capacity for owners, and the direct line's lists for requesters and staff. HSDS (/hsds/) and Open311
(/open311/v2/) are served by hsds.py and open311.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic_core import to_json

from core.errors import NotFound, errors
from core.people.auth import request_person, signed_in

from . import selectors, services
from .models import Offer, Station

router = Router(tags=["community"])


class CommunityOfferOut(Schema):
    id: int
    service: str
    name: str
    category: str
    capacity: int | None
    capacity_label: str


class CommunityStationOut(Schema):
    id: int
    uuid: UUID
    name: str
    kind: str
    village: str
    address: str
    latitude: float
    longitude: float
    distance_km: float | None
    open_now: bool
    url: str
    offers: list[CommunityOfferOut]


class CommunitySearchIn(Schema):
    lat: float | None = None
    lon: float | None = None
    village: int | None = None
    category: str = ""
    service: str = ""
    open: bool = False
    q: str = ""
    limit: int = 20


class CommunityLiveOfferOut(Schema):
    id: int
    service: str
    capacity: int | None
    capacity_label: str
    capacity_updated_at: str | None


class CommunityStationLiveOut(Schema):
    station: int
    status: str
    open_now: bool
    next_change: str | None
    offers: list[CommunityLiveOfferOut]


class CommunityCapacityIn(Schema):
    capacity: int | None = None
    delta: int | None = None


class CommunityRequestOut(Schema):
    uuid: UUID
    category: str
    text: str
    state: str
    station: str | None
    created_at: datetime
    updated_at: datetime
    colour: str
    url: str


def _station_out(hit) -> dict:
    card = hit.card
    return {
        **card,
        "distance_km": None if hit.distance_km is None else round(hit.distance_km, 3),
        "open_now": hit.open_now,
    }


@router.get("/stations", response={200: list[CommunityStationOut], **errors(422)}, url_name="community_stations")
def stations(request, filters: Query[CommunitySearchIn]):
    """Stations nearest first from `lat`/`lon` (or a village), filtered by category, service, `open` now and text."""
    hits = selectors.station_search(
        latitude=filters.lat,
        longitude=filters.lon,
        village_id=filters.village,
        category=filters.category[:40],
        service=filters.service[:40],
        open_now=filters.open,
        q=filters.q[:50],
        limit=filters.limit,
    )
    # The rows are built to CommunityStationOut from the cards (a test holds them to it); written as they are,
    # because validating 20 stations' ~300 services through the schema cost more than the whole search.
    return HttpResponse(to_json([_station_out(hit) for hit in hits]), content_type="application/json")


@router.get(
    "/stations/{station_id}/live",
    response={200: CommunityStationLiveOut, **errors(404, 422)},
    url_name="community_station_live",
)
def station_live(request, station_id: int):
    """What the station room pushes: open now, the next change, and each service's capacity."""
    try:
        return selectors.station_snapshot(station_id=station_id)
    except Station.DoesNotExist as exc:
        raise NotFound("Not found.") from exc


@router.post(
    "/offers/{offer_id}/capacity",
    auth=signed_in,
    response={200: CommunityLiveOfferOut, **errors(400, 401, 403, 404, 422)},
    url_name="community_offer_capacity",
)
def offer_capacity(request, offer_id: int, body: CommunityCapacityIn):
    """Set a service's capacity, or move it by `delta` (the owner's one tap)."""
    offer = get_object_or_404(Offer.objects.select_related("station", "station__shop", "kind"), pk=offer_id)
    offer = services.offer_capacity_set(
        offer=offer, by=request_person(request), capacity=body.capacity, delta=body.delta
    )
    return {
        "id": offer.pk,
        "service": offer.kind.code,
        "capacity": offer.capacity,
        "capacity_label": offer.kind.capacity_label,
        "capacity_updated_at": offer.capacity_updated_at.isoformat() if offer.capacity_updated_at else None,
    }


def _request_out(direct, now) -> dict:
    from django.urls import reverse

    return {
        "uuid": direct.uuid,
        "category": direct.category.code,
        "text": direct.text,
        "state": direct.state,
        "station": direct.station.name if direct.station_id else None,
        "created_at": direct.created_at,
        "updated_at": direct.updated_at,
        "colour": selectors.request_colour(direct, now),
        "url": reverse("community:request", args=[direct.uuid]),
    }


@router.get(
    "/requests/mine",
    auth=signed_in,
    response={200: list[CommunityRequestOut], **errors(401)},
    url_name="community_my_requests",
)
def requests_mine(request):
    """The requests the signed-in person sent (not anonymous ones: those are followed by their token)."""
    from django.utils import timezone

    now = timezone.now()
    return [_request_out(d, now) for d in selectors.my_requests(user=request_person(request))]


@router.get(
    "/requests/queue",
    auth=signed_in,
    response={200: list[CommunityRequestOut], **errors(401)},
    url_name="community_queue",
)
def requests_queue(request):
    """A staff member's open requests, oldest deadline first, with their colour (empty for people who are not staff)."""
    from django.utils import timezone

    now = timezone.now()
    return [_request_out(d, now) for d in selectors.staff_queue(user=request_person(request), now=now)]
