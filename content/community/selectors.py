"""Reads of the community app: station search (nearest first, open now, category, service, Chinese text), the
station page and its live snapshot, the direct line's lists. Reads only read.

Public to other apps: `station_choices()` (volunteering names stations as places) and `station_brief(pk)`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db import connection
from django.db.models import Avg, Exists, F, FloatField, Func, OuterRef, Q, Value
from django.utils import timezone

from content.learning.text import BODY, LABEL, TITLE, best_first, characters_matched, parse_query, rank, word_matches

from .cards import kinds_catalogue, station_cards
from .geo import bounding_box, distance_km, nearest_possible_km
from .hours import Exception_, Period, is_open, local_now, next_change
from .models import (
    DEFAULT_TIME_ZONE,
    DirectRequest,
    HoursException,
    Offer,
    OfferHours,
    RequestCategory,
    RequestEvent,
    ServiceCategory,
    ServiceKind,
    Station,
    WeeklyHours,
)

SEARCH_RADII_KM = (3.0, 10.0, 30.0, 100.0, 400.0, None)
CHUNK = 60
MAX_LIMIT = 50


@dataclass
class StationHit:
    """One station found: its card (cards.py, the public part the list shows), how far and whether open now."""

    station_id: int
    distance_km: float | None
    open_now: bool
    card: dict = field(default_factory=dict)

    @property
    def distance_text(self) -> str:
        if self.distance_km is None:
            return ""
        if self.distance_km < 1:
            return f"{round(self.distance_km * 1000 / 10) * 10:.0f} m"
        return f"{self.distance_km:.1f} km"

    @property
    def kind_label(self) -> str:
        return Station.Kind(self.card["kind"]).label


# What the search reads of each candidate station, as values: no model objects.
CANDIDATE = ("pk", "latitude", "longitude", "time_zone")


class DegreesApart(Func):
    """How far a station lies from a position in plain degrees: PostgreSQL's `point <-> point`, which the GiST
    index on point(longitude, latitude) (migration 0003) answers nearest first, stopping at the LIMIT."""

    output_field = FloatField()

    def __init__(self, latitude: float, longitude: float):
        super().__init__(F("longitude"), F("latitude"), Value(float(longitude)), Value(float(latitude)))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            parts.append(sql)
            params += more
        return f"(point({parts[0]}, {parts[1]}) <-> point({parts[2]}, {parts[3]}))", params


def _hours_for(station_ids: list[int], day: dt.date) -> tuple[dict, dict]:
    """Weekly periods and the exceptions near `day`, per station, in two queries."""
    weekly: dict[int, list[Period]] = defaultdict(list)
    for row in (
        WeeklyHours.objects.filter(station_id__in=station_ids)
        .order_by()
        .values_list("station_id", "weekday", "opens", "closes")
    ):
        weekly[row[0]].append(Period(row[1], row[2], row[3]))
    exceptions: dict[int, list[Exception_]] = defaultdict(list)
    near = (
        HoursException.objects.filter(
            station_id__in=station_ids,
            ends_on__gte=day - dt.timedelta(days=2),
            starts_on__lte=day + dt.timedelta(days=9),
        )
        .order_by("starts_on", "pk")
        .values_list("station_id", "starts_on", "ends_on", "closed", "opens", "closes", "reason")
    )
    for row in near:
        exceptions[row[0]].append(Exception_(*row[1:]))
    return weekly, exceptions


def _offer_hours(offer_ids: list[int]) -> dict[int, list[Period]]:
    found: dict[int, list[Period]] = defaultdict(list)
    for row in OfferHours.objects.filter(offer_id__in=offer_ids).values_list("offer_id", "weekday", "opens", "closes"):
        found[row[0]].append(Period(row[1], row[2], row[3]))
    return found


def village_centre(village_id: int) -> tuple[float, float] | None:
    """Where a village is: the middle of its stations (of its county's when it has none)."""
    from core.people.models import Village

    found = Station.objects.filter(village_id=village_id).aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
    if found["lat"] is None:
        county = Village.objects.filter(pk=village_id).values_list("county_id", flat=True).first()
        if county is None:
            return None
        found = Station.objects.filter(village__county_id=county).aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
    if found["lat"] is None:
        return None
    return found["lat"], found["lon"]


def _open_periods(now: dt.datetime) -> Q:
    """Weekly periods open at `now` in the default time zone: today's begun and not ended, or yesterday's that run
    past midnight and have not ended yet (hours.py's rule for a period, as a condition on the rows)."""
    local = local_now(now, DEFAULT_TIME_ZONE)
    today, at = local.weekday(), local.time()
    past_midnight = Q(closes__lte=F("opens"))
    return Q(weekday=today, opens__lte=at) & (Q(closes__gt=at) | past_midnight) | (
        Q(weekday=(today - 1) % 7, closes__gt=at) & past_midnight
    )


def _may_be_open(now: dt.datetime, service_kinds: list[int] | None) -> Q:
    """A condition every station open at `now` meets, so that "open now" is asked of the database first and a
    search at night does not judge the whole catalogue in Python. It lets through more than it should (a closure
    today, a service's own hours that are shut, stations in another time zone); `_Judge` decides each candidate
    with hours.is_open, the one place for the rule."""
    local = local_now(now, DEFAULT_TIME_ZONE).date()
    periods = _open_periods(now)
    # `station_id >= pk` adds nothing to `station = pk`; it keeps PostgreSQL from answering this OR by hashing
    # every station's periods open now (a scan of all the weekly hours, tens of milliseconds at 20,000
    # stations), so that it looks up only the candidates' periods on the index as it walks out nearest first.
    condition = (
        ~Q(time_zone=DEFAULT_TIME_ZONE)
        | Exists(WeeklyHours.objects.filter(periods, station=OuterRef("pk"), station_id__gte=OuterRef("pk")))
        # Exceptions with hours of their own replace the weekly ones on the days they cover (today or yesterday).
        | Exists(
            HoursException.objects.filter(
                station=OuterRef("pk"), closed=False, starts_on__lte=local, ends_on__gte=local - dt.timedelta(days=1)
            )
        )
    )
    if service_kinds is not None:
        condition |= Exists(
            OfferHours.objects.filter(periods, offer__station=OuterRef("pk"), offer__kind__in=service_kinds)
        )
    return condition


def _filtered(
    *, service_kinds: list[int] | None, category_kinds: list[int] | None, q: str, open_at: dt.datetime | None
):
    """Stations in service that offer one of `service_kinds` and one of `category_kinds` (None: any), match the
    text `q`, and may be open at `open_at` (None: open or not)."""
    stations = Station.objects.filter(status=Station.Status.ACTIVE)
    if open_at is not None:
        stations = stations.filter(_may_be_open(open_at, service_kinds))
    # The catalogue's ids, not a join, in the per-station test: PostgreSQL probes each candidate's offers.
    for kinds in (service_kinds, category_kinds):
        if kinds is not None:
            stations = stations.filter(
                Exists(Offer.objects.filter(station=OuterRef("pk"), active=True, kind__in=kinds))
            )
    query = parse_query(q) if q else None
    if query is not None:
        terms = list(dict.fromkeys([*query.words, *query.chars]))[:12]
        matching_kinds = ServiceKind.objects.none()
        condition = Q()
        for term in terms:
            condition |= Q(name__icontains=term) | Q(address__icontains=term) | Q(village__name__icontains=term)
            matching_kinds = matching_kinds | ServiceKind.objects.filter(name__icontains=term)
        condition |= Exists(Offer.objects.filter(station=OuterRef("pk"), active=True, kind__in=matching_kinds))
        stations = stations.filter(condition)
    return stations, query


def station_search(
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    village_id: int | None = None,
    category: str = "",
    service: str = "",
    open_now: bool = False,
    q: str = "",
    limit: int = 20,
    now: dt.datetime | None = None,
) -> list[StationHit]:
    """Stations nearest first (from a position, or from a village's middle), filtered by category, service, text
    and "open now" (in each station's own time zone, with the service's own hours when a service is chosen), each
    with its card.

    With a position, PostgreSQL walks its nearest-first index (`_nearest_first`); other databases look in growing
    boxes around the position (`_in_boxes`). Either way a province-sized catalogue costs a few small indexed
    queries. With a text query, answers are ordered by how well they match (as the course catalogue does), nearest
    first among equals."""
    now = now or timezone.now()
    limit = max(1, min(limit, MAX_LIMIT))
    if latitude is None or longitude is None:
        latitude = longitude = None  # half a position is no position
        if village_id:
            centre = village_centre(village_id)
            if centre:
                latitude, longitude = centre
    kinds = kinds_catalogue()
    service_kinds = [pk for pk, kind in kinds.items() if kind[0] == service] if service else None
    category_kinds = [pk for pk, kind in kinds.items() if kind[2] == category] if category else None
    stations, query = _filtered(
        service_kinds=service_kinds, category_kinds=category_kinds, q=q, open_at=now if open_now else None
    )
    judge = _Judge(latitude, longitude, service_kinds=service_kinds, open_now=open_now, now=now)
    wanted = limit * (3 if query else 1)
    if latitude is None or longitude is None:
        rows = stations.order_by("village__code", "name", "pk").values_list(*CANDIDATE)
        hits = judge(list(rows[: (limit * 10 if query or open_now else limit)]))
    elif connection.vendor == "postgresql":
        hits = _nearest_first(stations, latitude, longitude, wanted, judge)
    else:
        hits = _in_boxes(stations, latitude, longitude, wanted, judge)
    hits = hits[:wanted]  # the nearest; a text query ranks these
    cards = station_cards([hit.station_id for hit in hits], kinds)
    hits = [hit for hit in hits if hit.station_id in cards]
    for hit in hits:
        hit.card = cards[hit.station_id]
    if query is not None:
        hits = _ranked(hits, query)
    hits = hits[:limit]
    if not open_now:
        judge.open_now_mark(hits)
    return hits


def _nearest_first(stations, latitude: float, longitude: float, wanted: int, judge) -> list[StationHit]:
    """PostgreSQL: read the stations nearest first in plain degrees from the GiST index, in growing batches, and
    stop once `wanted` of them are sure to be the nearest on the ground: nearer than anything not read yet can be
    (geo.nearest_possible_km)."""
    ordered = stations.annotate(apart=DegreesApart(latitude, longitude)).order_by("apart")
    hits: list[StationHit] = []
    reached = 0.0  # how far (in degrees) the scan has read
    at_reached: list[int] = []  # the stations read at exactly that distance: the next batch starts there
    # Enough for `wanted` sure ones in most searches: what lies within the sure distance of the last one read
    # covers at least cos²(latitude) of the area read (three quarters in Zhejiang).
    size = wanted + wanted // 2 + 5
    while True:
        batch = ordered.filter(apart__gte=reached).exclude(pk__in=at_reached) if at_reached else ordered
        rows = list(batch.values_list(*CANDIDATE, "apart")[:size])
        hits += judge(rows)
        if len(rows) < size:
            break
        if rows[-1][-1] > reached:
            reached, at_reached = rows[-1][-1], []
        at_reached += [row[0] for row in rows if row[-1] == reached]
        sure = nearest_possible_km(latitude, longitude, reached)
        if sum(1 for hit in hits if hit.distance_km < sure) >= wanted:
            break
        size *= 2
    hits.sort(key=lambda hit: (hit.distance_km, hit.station_id))
    return hits


def _in_boxes(stations, latitude: float, longitude: float, wanted: int, judge) -> list[StationHit]:
    """Other databases: look in boxes around the position on the (latitude, longitude) index, growing (3, 10, 30,
    100, 400 km, then everything).

    Only candidates within a box's radius are sure to be the nearest (all nearer ones are in the box); the next
    box starts after them. They are judged together once there are enough of them (the database has already left
    out most closed ones), so a search that widens costs one more query per box, no more."""
    import math

    cos_lat = math.cos(math.radians(latitude))
    approx = (F("latitude") - latitude) * (F("latitude") - latitude) + (F("longitude") - longitude) * (
        F("longitude") - longitude
    ) * (cos_lat * cos_lat)
    ordered = stations.annotate(approx=approx).order_by("approx", "pk")
    # Few stations in all: no need to look in boxes first (a bounded read of the index, not a count).
    few = not Station.objects.filter(status=Station.Status.ACTIVE).values("pk")[CHUNK : CHUNK + 1].exists()
    hits: list[StationHit] = []
    taken: list[int] = []
    found: list[tuple] = []
    for radius in (None,) if few else SEARCH_RADII_KM:
        inside = ordered.exclude(pk__in=taken) if taken else ordered
        if radius is not None:
            lat_min, lat_max, lon_min, lon_max = bounding_box(latitude, longitude, radius)
            inside = inside.filter(
                latitude__gte=lat_min, latitude__lte=lat_max, longitude__gte=lon_min, longitude__lte=lon_max
            )
        inside = inside.values_list(*CANDIDATE)
        start = 0
        while len(hits) < wanted:
            chunk = list(inside[start : start + CHUNK])
            start += CHUNK
            near = [row for row in chunk if radius is None or distance_km(latitude, longitude, *row[1:3]) <= radius]
            taken += [row[0] for row in near]
            found += near
            done = len(chunk) < CHUNK or len(near) < len(chunk)
            if len(hits) + len(found) >= wanted or (done and radius is None):
                hits += judge(found)
                found = []
            if done:
                break
        if len(hits) >= wanted:
            break
    hits.sort(key=lambda hit: (hit.distance_km, hit.station_id))
    return hits


class _Judge:
    """Turns candidate rows (CANDIDATE) into hits: the distance, and with "open now" asked, whether each is open
    (hours.is_open on its hours, or its chosen service's own), leaving out the closed ones. Without "open now" the
    hours are read only for the stations finally listed (`open_now_mark`)."""

    def __init__(self, latitude, longitude, *, service_kinds: list[int] | None, open_now: bool, now: dt.datetime):
        self.latitude, self.longitude = latitude, longitude
        self.service_kinds, self.open_now, self.now = service_kinds, open_now, now
        self.zones: dict[int, str] = {}

    def __call__(self, rows: list[tuple]) -> list[StationHit]:
        hits = []
        for pk, lat, lon, time_zone, *_rest in rows:
            self.zones[pk] = time_zone
            distance = None if self.latitude is None else distance_km(self.latitude, self.longitude, lat, lon)
            hits.append(StationHit(station_id=pk, distance_km=distance, open_now=False))
        if self.open_now:
            self.open_now_mark(hits)
            hits = [hit for hit in hits if hit.open_now]
        return hits

    def open_now_mark(self, hits: list[StationHit]) -> None:
        if not hits:
            return
        ids = [hit.station_id for hit in hits]
        weekly, exceptions = _hours_for(ids, self.now.date())
        # The chosen service's own hours, where it has them, replace the station's (one query, with the offer).
        own: dict[int, list[Period]] = defaultdict(list)
        if self.service_kinds is not None:
            rows = (
                OfferHours.objects.filter(offer__station_id__in=ids, offer__kind__in=self.service_kinds)
                .order_by()
                .values_list("offer__station_id", "weekday", "opens", "closes")
            )
            for station_id, weekday, opens, closes in rows:
                own[station_id].append(Period(weekday, opens, closes))
        for hit in hits:
            pk = hit.station_id
            hit.open_now = is_open(self.now, self.zones[pk], own.get(pk) or weekly[pk], exceptions[pk])


def _ranked(hits: list[StationHit], query) -> list[StationHit]:
    scored = []
    for hit in hits:
        card = hit.card
        services = " ".join(offer["name"] for offer in card["offers"])
        fields = [(card["name"], TITLE), (services, LABEL), (card["village"], LABEL), (card["address"], BODY)]
        texts = [text for text, _w in fields]
        scored.append(
            (rank(query, fields), word_matches(query, texts), characters_matched(query, texts), card["name"], hit)
        )
    ordered = best_first(query, scored)
    # Equal matches: nearest first.
    position = {id(hit): n for n, hit in enumerate(ordered)}
    score = {id(row[4]): row[0] for row in scored}
    return sorted(
        ordered,
        key=lambda hit: (-score[id(hit)], hit.distance_km if hit.distance_km is not None else 0, position[id(hit)]),
    )


def hours_summary(periods: list[Period]) -> list[tuple[str, str]]:
    """Opening periods as the page lists them: (days, times) rows, days with the same times together
    ("every day", "Monday" ...), a period from midnight to midnight as "open all day"."""
    from django.utils.translation import gettext as _

    from .models import WEEKDAYS

    def times(day: int) -> str:
        spans = sorted((p.opens, p.closes) for p in periods if p.weekday == day)
        if not spans:
            return _("closed")
        return " ".join(_("open all day") if o == c == dt.time(0) else f"{o:%H:%M}–{c:%H:%M}" for o, c in spans)

    by_day = [times(day) for day in range(7)]
    if len(set(by_day)) == 1:
        return [(_("Every day"), by_day[0])]
    return [(str(label), by_day[day]) for day, label in WEEKDAYS]


def map_url(station: Station) -> str:
    """A map link phones open in their map app (AMap's public URI API, WGS-84 coordinates)."""
    return (
        f"https://uri.amap.com/marker?position={station.longitude:.6f},{station.latitude:.6f}"
        f"&name={quote(station.name)}&coordinate=wgs84&callnative=1"
    )


def station_detail(*, station_id: int, now: dt.datetime | None = None) -> dict:
    """Everything the station page shows, in a fixed number of queries; Station.DoesNotExist when absent."""
    now = now or timezone.now()
    station = (
        Station.objects.select_related("village", "village__county", "shop", "shop__owner")
        .prefetch_related("partners", "photos__image")
        .get(pk=station_id)
    )
    weekly, exceptions = _hours_for([station.pk], now.date())
    offers = list(
        Offer.objects.filter(station=station, active=True).select_related("kind", "kind__category", "partner")
    )
    own = _offer_hours([offer.pk for offer in offers])
    opened = station.status == Station.Status.ACTIVE and is_open(
        now, station.time_zone, weekly[station.pk], exceptions[station.pk]
    )
    change = next_change(now, station.time_zone, weekly[station.pk], exceptions[station.pk])
    categories: dict[int, dict] = {}
    for offer in offers:
        offer.own_hours = hours_summary(own[offer.pk]) if own.get(offer.pk) else []
        offer.open_now = (
            is_open(now, station.time_zone, own[offer.pk], exceptions[station.pk]) if own.get(offer.pk) else opened
        )
        entry = categories.setdefault(offer.kind.category_id, {"category": offer.kind.category, "offers": []})
        entry["offers"].append(offer)
    upcoming = HoursException.objects.filter(station=station, ends_on__gte=now.date()).order_by("starts_on")[:5]
    return {
        "station": station,
        "open_now": opened,
        "next_change": change,
        "weekly": hours_summary(weekly[station.pk]),
        "exceptions": list(upcoming),
        "categories": sorted(categories.values(), key=lambda e: (e["category"].sort_order, e["category"].code)),
        "offers": offers,
        "map_url": map_url(station),
    }


def station_snapshot(*, station_id: int, now: dt.datetime | None = None) -> dict:
    """The live state of a station, the same for every viewer: open or not, when that changes, and each offered
    service's capacity. The station room pushes it; the REST read returns it."""
    now = now or timezone.now()
    station = Station.objects.only("pk", "status", "time_zone", "updated_at").get(pk=station_id)
    weekly, exceptions = _hours_for([station.pk], now.date())
    opened = station.status == Station.Status.ACTIVE and is_open(
        now, station.time_zone, weekly[station.pk], exceptions[station.pk]
    )
    change = next_change(now, station.time_zone, weekly[station.pk], exceptions[station.pk])
    offers = Offer.objects.filter(station_id=station.pk, active=True).select_related("kind").order_by("pk")
    return {
        "station": station.pk,
        "status": station.status,
        "open_now": opened,
        "next_change": change.isoformat() if change else None,
        "offers": [
            {
                "id": offer.pk,
                "service": offer.kind.code,
                "capacity": offer.capacity,
                "capacity_label": offer.kind.capacity_label,
                "capacity_updated_at": offer.capacity_updated_at.isoformat() if offer.capacity_updated_at else None,
            }
            for offer in offers
        ],
    }


def catalogue() -> list[ServiceCategory]:
    """The four categories with their active services, for filters."""
    from django.db.models import Prefetch

    return list(
        ServiceCategory.objects.prefetch_related(
            Prefetch("kinds", queryset=ServiceKind.objects.filter(active=True).order_by("sort_order", "code"))
        )
    )


def stations_of_owner(*, user) -> list[Station]:
    if not user.is_authenticated:
        return []
    return list(Station.objects.filter(shop__owner=user).select_related("village").order_by("name"))


def station_choices(*, village_id: int | None = None) -> list[tuple[int, str]]:
    """(pk, "station · village") of every station in service, for other apps' forms (volunteering uses stations
    as places). Public: other apps call this instead of reading the models."""
    stations = Station.objects.filter(status=Station.Status.ACTIVE).select_related("village")
    if village_id:
        stations = stations.filter(village_id=village_id)
    return [(s.pk, f"{s.name} · {s.village.name}") for s in stations.order_by("village__code", "name", "pk")]


def station_brief(pk: int) -> dict | None:
    """Name, address, position and page path of one station, or None. Public, for other apps."""
    station = Station.objects.select_related("village").filter(pk=pk).first()
    if station is None:
        return None
    from django.urls import reverse

    return {
        "id": station.pk,
        "name": station.name,
        "village": station.village.name,
        "address": station.address,
        "latitude": station.latitude,
        "longitude": station.longitude,
        "url": reverse("community:station", args=[station.pk]),
    }


# --- the direct line -----------------------------------------------------------------------------------------


def request_colour(request: DirectRequest, now: dt.datetime) -> str:
    """green, amber or red on the staff list: amber once the category's amber time has passed, red once the
    target has (the deadline, which an escalation or a reopening moves)."""
    if not request.is_open:
        return ""
    if now >= request.due_at:
        return "red"
    window = dt.timedelta(hours=request.category.target_hours - request.category.amber_after_hours)
    return "amber" if now >= request.due_at - window else "green"


def staff_queue(*, user, now: dt.datetime | None = None, state: str = "open", limit: int = 100) -> list[DirectRequest]:
    """The requests a staff member answers: their unit's and those of units below it, and those first sent to
    their unit and escalated since; open ones by default, oldest deadline first, with their colour."""
    from .permissions import is_staff_member

    now = now or timezone.now()
    if not is_staff_member(user) or user.org_unit_id is None:
        return []
    unit = user.org_unit
    requests = DirectRequest.objects.filter(Q(unit__path__startswith=unit.path) | Q(origin_unit=unit)).select_related(
        "category", "unit", "station", "assignee"
    )
    if state == "open":
        requests = requests.filter(state__in=DirectRequest.OPEN_STATES).order_by("due_at", "pk")
    elif state:
        requests = requests.filter(state=state).order_by("-updated_at", "-pk")
    rows = list(requests[:limit])
    for request in rows:
        request.colour = request_colour(request, now)
    return rows


def queue_counts(*, unit_id: int, now: dt.datetime | None = None) -> dict:
    """How many open requests a unit's queue holds, by colour (the queue room's snapshot)."""
    from core.people.models import OrgUnit

    now = now or timezone.now()
    unit = OrgUnit.objects.get(pk=unit_id)
    rows = DirectRequest.objects.filter(
        Q(unit__path__startswith=unit.path) | Q(origin_unit=unit), state__in=DirectRequest.OPEN_STATES
    ).select_related("category")
    counts = {"new": 0, "green": 0, "amber": 0, "red": 0, "open": 0}
    for request in rows:
        counts["open"] += 1
        counts[request_colour(request, now)] += 1
        if request.state == DirectRequest.State.NEW:
            counts["new"] += 1
    return {"unit": unit_id, **counts}


def my_requests(*, user=None, tokens: list[str] | None = None) -> list[DirectRequest]:
    """A requester's requests: those they sent signed in, and those whose tracking tokens this browser holds."""
    condition = Q(pk__in=[])
    if user is not None and user.is_authenticated:
        condition |= Q(requester=user)
    if tokens:
        condition |= Q(tracking_token__in=tokens[:50])
    return list(
        DirectRequest.objects.filter(condition)
        .select_related("category", "station")
        .order_by("-created_at", "-pk")[:100]
    )


def request_detail(*, request: DirectRequest) -> dict:
    events = list(request.events.select_related("actor", "from_unit", "to_unit"))
    return {
        "request": request,
        "events": events,
        "replies": [e for e in events if e.kind in (RequestEvent.Kind.REPLY, RequestEvent.Kind.RESOLVED)],
    }


def request_categories() -> list[RequestCategory]:
    return list(RequestCategory.objects.all())


def recommendable_station_services():
    """The station services the recommender may suggest (item kind "station-service")."""
    from django.urls import reverse

    from core.activity.items import Item

    offers = Offer.objects.filter(active=True, station__status=Station.Status.ACTIVE).select_related(
        "kind", "kind__category", "station", "station__village"
    )
    for offer in offers.iterator(chunk_size=2000):
        yield Item(
            item_id=f"station-service:{offer.pk}",
            title=f"{offer.kind.name} · {offer.station.name}",
            url=reverse("community:station", args=[offer.station_id]),
            summary=offer.note or offer.kind.description,
            tags=offer.station.village.name,
            category=offer.kind.category.name,
            audience=("villager",),
        )
