"""The station catalogue as an Open Referral HSDS 3.0 API, mounted at /hsds/ by core/urls.py.

Mapping: a station is an HSDS organization (its HSDS id is `Station.uuid`) with one physical location; each
service a station offers is an HSDS service (`Offer.uuid`) of that organization, at that location (one
service_at_location), linked by an attribute to its taxonomy term; the catalogue is one taxonomy whose terms are
the four categories and, under them, the 36 services. Opening hours are schedules (RFC 5545 weekly rules, wall
clock times with the station's UTC offset). Partner enterprises are organizations too.

Ids the models do not store (a location, an address, a phone, a contact, an attribute) are uuid5 of
their owner's id and a fixed name (`derived_id`): they never change either. Lists are paged (the page object) in
a stable order (by primary key), and take `modified_after` and `search`.

Plain Django views like the xAPI resources: an HSDS client expects exactly these shapes, not /api/'s.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET

from core.people.models import OrgUnit

from .catalogue import catalogue_uuid
from .hours import utc_offset_hours
from .models import HoursException, Offer, OfferHours, Partner, ServiceCategory, ServiceKind, Station, WeeklyHours

HSDS_VERSION = "3.0"
PROFILE = "https://docs.openreferral.org/en/v3.0/"
# This API follows the standard's own API description, unchanged.
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
TAXONOMY_ID = catalogue_uuid("taxonomy", "station-services")
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 500


def derived_id(owner: uuid.UUID, part: str) -> str:
    return str(uuid.uuid5(owner, part))


def clean(document):
    """The document without null members: HSDS types its fields as strings, numbers or objects, never null, so a
    value we do not have is left out."""
    if isinstance(document, dict):
        return {key: clean(value) for key, value in document.items() if value is not None}
    if isinstance(document, list):
        return [clean(value) for value in document]
    return document


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Places:
    """City and province names of counties, read once per response (an address needs them)."""

    def __init__(self):
        units = OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.PROVINCE, OrgUnit.Kind.CITY, OrgUnit.Kind.COUNTY])
        self.by_path = {unit.path: unit for unit in units}
        self.by_pk = {unit.pk: unit for unit in units}

    def city_province(self, county_id: int) -> tuple[str, str]:
        county = self.by_pk.get(county_id)
        if county is None:
            return "", ""
        step = OrgUnit.steplen
        city = self.by_path.get(county.path[:-step])
        province = self.by_path.get(county.path[: -2 * step]) if city else None
        return (city.name if city else county.name), (province.name if province else "")


# --- serialisers ---------------------------------------------------------------------------------------------


def taxonomy_doc() -> dict:
    return {
        "id": str(TAXONOMY_ID),
        "name": "村级服务站服务目录",
        "description": "惠民服务中心、站、点的36项服务，分为便民服务、惠民服务、公益慈善、基层治理四类。",
        "version": "1",
    }


def category_term(category: ServiceCategory) -> dict:
    return {
        "id": str(category.uuid),
        "code": category.code,
        "name": category.name,
        "description": category.description or category.name,
        "parent_id": None,
        "taxonomy": "station-services",
        "taxonomy_id": str(TAXONOMY_ID),
        "language": "zh",
    }


def kind_term(kind: ServiceKind) -> dict:
    return {
        "id": str(kind.uuid),
        "code": kind.code,
        "name": kind.name,
        "description": kind.description or kind.name,
        "parent_id": str(kind.category.uuid),
        "taxonomy": "station-services",
        "taxonomy_id": str(TAXONOMY_ID),
        "language": "zh",
    }


def _schedule(row, key: str, value: str, time_zone: str, moment: dt.datetime) -> dict:
    return {
        "id": str(row.uuid),
        key: value,
        "freq": "WEEKLY",
        "wkst": "MO",
        "byday": DAYS[row.weekday],
        "opens_at": row.opens.strftime("%H:%M"),
        "closes_at": row.closes.strftime("%H:%M"),
        "timezone": utc_offset_hours(time_zone, moment),
    }


def _exception_schedule(row: HoursException, location_id: str, time_zone: str) -> dict:
    doc = {
        "id": str(row.uuid),
        "location_id": location_id,
        "valid_from": row.starts_on.isoformat(),
        "valid_to": row.ends_on.isoformat(),
        "timezone": utc_offset_hours(time_zone, dt.datetime.combine(row.starts_on, dt.time(12), dt.UTC)),
        "description": ("休息：" if row.closed else "临时营业时间：") + row.reason,
        "notes": "closed" if row.closed else "open",
    }
    if not row.closed:
        doc["opens_at"] = row.opens.strftime("%H:%M")
        doc["closes_at"] = row.closes.strftime("%H:%M")
    return doc


def location_doc(station: Station, places: Places, hours: list, exceptions: list, moment: dt.datetime) -> dict:
    location_id = derived_id(station.uuid, "location")
    city, province = places.city_province(station.village.county_id)
    return {
        "id": location_id,
        "location_type": "physical",
        "organization_id": str(station.uuid),
        "name": station.name,
        "alternate_name": station.get_kind_display(),
        "description": station.description,
        "latitude": station.latitude,
        "longitude": station.longitude,
        "addresses": [
            {
                "id": derived_id(station.uuid, "address"),
                "location_id": location_id,
                "address_1": station.address,
                "city": city,
                "region": station.village.township,
                "state_province": province,
                "postal_code": "",
                "country": "CN",
                "address_type": "physical",
            }
        ],
        "phones": _phones(station),
        "schedules": [_schedule(row, "location_id", location_id, station.time_zone, moment) for row in hours]
        + [_exception_schedule(row, location_id, station.time_zone) for row in exceptions],
    }


def _phones(station: Station) -> list[dict]:
    if not station.phone:
        return []
    return [{"id": derived_id(station.uuid, "phone"), "organization_id": str(station.uuid), "number": station.phone}]


def organization_doc(station: Station, *, places: Places, hours, exceptions, moment, services=None) -> dict:
    doc = {
        "id": str(station.uuid),
        "name": station.name,
        "alternate_name": station.get_kind_display(),
        "description": station.description or station.name,
        "parent_organization_id": None,
        "phones": _phones(station),
        "contacts": [
            {
                "id": derived_id(station.uuid, "contact"),
                "organization_id": str(station.uuid),
                "name": station.contact_name,
            }
        ]
        if station.contact_name
        else [],
        "locations": [location_doc(station, places, hours, exceptions, moment)],
    }
    if services is not None:
        doc["services"] = services
    return doc


def partner_doc(partner: Partner) -> dict:
    return {
        "id": str(partner.uuid),
        "name": partner.name,
        "description": partner.description or partner.name,
        "website": partner.website or None,
    }


def _status(offer: Offer) -> str:
    if not offer.active or offer.station.status == Station.Status.INACTIVE:
        return "inactive"
    if offer.station.status == Station.Status.CLOSED:
        return "temporarily closed"
    return "active"


def service_brief(offer: Offer) -> dict:
    """A service with its one-to-one fields (the list's shape)."""
    station = offer.station
    return {
        "id": str(offer.uuid),
        "organization_id": str(station.uuid),
        "name": f"{offer.kind.name}（{station.name}）",
        "alternate_name": offer.kind.name_en,
        "description": offer.note or offer.kind.description or offer.kind.name,
        "status": _status(offer),
        "fees_description": offer.cost or "免费",
        "eligibility_description": offer.eligibility,
        "last_modified": _iso(max(offer.updated_at, station.updated_at)),
    }


def service_full(offer: Offer, *, places: Places, hours, exceptions, own_hours, moment) -> dict:
    station = offer.station
    location = location_doc(station, places, hours, exceptions, moment)
    sal_id = str(offer.location_uuid)
    doc = service_brief(offer)
    doc.update(
        {
            "organization": organization_doc(station, places=places, hours=hours, exceptions=exceptions, moment=moment),
            "phones": _phones(station),
            "schedules": [
                _schedule(row, "service_id", str(offer.uuid), station.time_zone, moment) for row in own_hours
            ],
            "attributes": [
                {
                    "id": derived_id(offer.uuid, "attribute"),
                    "link_id": str(offer.uuid),
                    "link_type": "service_type",
                    "link_entity": "service",
                    "taxonomy_term_id": str(offer.kind.uuid),
                    "taxonomy_term": kind_term(offer.kind),
                }
            ],
            "service_at_locations": [
                {"id": sal_id, "service_id": str(offer.uuid), "location_id": location["id"], "location": location}
            ],
        }
    )
    return doc


def sal_doc(offer: Offer, *, places: Places, hours, exceptions, moment) -> dict:
    station = offer.station
    location = location_doc(station, places, hours, exceptions, moment)
    return {
        "id": str(offer.location_uuid),
        "service_id": str(offer.uuid),
        "location_id": location["id"],
        "description": offer.note,
        "location": location,
        "service": service_brief(offer),
    }


# --- reading -------------------------------------------------------------------------------------------------


class Bad(Exception):
    pass


def _page_args(request) -> tuple[int, int]:
    try:
        page = int(request.GET.get("page", 1))
        per_page = int(request.GET.get("per_page", PER_PAGE_DEFAULT))
    except ValueError as exc:
        raise Bad("page and per_page are whole numbers") from exc
    if page < 1 or per_page < 1:
        raise Bad("page and per_page start at 1")
    return page, min(per_page, PER_PAGE_MAX)


def _modified_after(request) -> dt.datetime | None:
    raw = request.GET.get("modified_after")
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise Bad("modified_after is an ISO 8601 date or date-time")
        moment = dt.datetime.combine(day, dt.time())
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def page_of(queryset, page: int, per_page: int, render) -> dict:
    """One HSDS page of `queryset` (ordered by pk, so every row comes once and pages never move)."""
    total = queryset.count()
    pages = max(1, math.ceil(total / per_page)) if total else 0
    # The page's ids first, then their rows: a late page skips its offset on the primary key's index alone
    # instead of joining every row before it (page 600 of the province's 300,000 services).
    ids = list(queryset.values_list("pk", flat=True)[(page - 1) * per_page : page * per_page])
    rows = list(queryset.filter(pk__in=ids)) if ids else []
    contents = render(rows)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


def _hours_maps(station_ids: list[int], offer_ids: list[int]):
    hours: dict[int, list] = {}
    for row in WeeklyHours.objects.filter(station_id__in=station_ids).order_by("weekday", "opens", "pk"):
        hours.setdefault(row.station_id, []).append(row)
    exceptions: dict[int, list] = {}
    for row in HoursException.objects.filter(station_id__in=station_ids).order_by("starts_on", "pk"):
        exceptions.setdefault(row.station_id, []).append(row)
    own: dict[int, list] = {}
    for row in OfferHours.objects.filter(offer_id__in=offer_ids).order_by("weekday", "opens", "pk"):
        own.setdefault(row.offer_id, []).append(row)
    return hours, exceptions, own


def offers_full(offers: list[Offer], moment: dt.datetime) -> list[dict]:
    places = Places()
    hours, exceptions, own = _hours_maps([o.station_id for o in offers], [o.pk for o in offers])
    return [
        service_full(
            offer,
            places=places,
            hours=hours.get(offer.station_id, []),
            exceptions=exceptions.get(offer.station_id, []),
            own_hours=own.get(offer.pk, []),
            moment=moment,
        )
        for offer in offers
    ]


def _offers():
    return Offer.objects.select_related("kind", "kind__category", "station", "station__village")


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc


def _json(document, status: int = 200) -> JsonResponse:
    response = JsonResponse(document, status=status, json_dumps_params={"ensure_ascii": False}, safe=False)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def hsds_view(function):
    def view(request, *args, **kwargs):
        try:
            return _json(clean(function(request, *args, **kwargs)))
        except Bad as exc:
            return _json({"message": str(exc), "extra": {}}, status=400)
        except Http404:
            return _json({"message": "Not found.", "extra": {}}, status=404)

    view.__name__ = function.__name__
    view.__doc__ = function.__doc__
    return require_GET(view)


@hsds_view
def root(request):
    return {"version": HSDS_VERSION, "profile": PROFILE, "openapi_url": OPENAPI_URL}


def services_query(request):
    offers = _offers()
    search = request.GET.get("search", "").strip()[:50]
    if search:
        offers = offers.filter(
            Q(kind__name__icontains=search)
            | Q(station__name__icontains=search)
            | Q(station__village__name__icontains=search)
            | Q(kind__code=search)
        )
    term = request.GET.get("taxonomy_term_id")
    if term:
        term_uuid = _uuid(term)
        offers = offers.filter(Q(kind__uuid=term_uuid) | Q(kind__category__uuid=term_uuid))
    taxonomy = request.GET.get("taxonomy_id")
    if taxonomy and _uuid(taxonomy) != TAXONOMY_ID:
        offers = offers.none()
    organization = request.GET.get("organization_id")
    if organization:
        offers = offers.filter(station__uuid=_uuid(organization))
    after = _modified_after(request)
    if after is not None:
        offers = offers.filter(Q(updated_at__gte=after) | Q(station__updated_at__gte=after))
    return offers.order_by("pk")


@hsds_view
def services(request):
    page, per_page = _page_args(request)
    offers = services_query(request)
    moment = timezone.now()
    if request.GET.get("minimal") in ("true", "1"):
        return page_of(
            offers,
            page,
            per_page,
            lambda rows: [{"id": str(o.uuid), "last_modified": service_brief(o)["last_modified"]} for o in rows],
        )
    if request.GET.get("full") in ("true", "1"):
        return page_of(offers, page, per_page, lambda rows: offers_full(rows, moment))
    return page_of(offers, page, per_page, lambda rows: [service_brief(o) for o in rows])


@hsds_view
def service(request, id):
    offer = _offers().filter(uuid=_uuid(id)).first()
    if offer is None:
        raise Http404
    return offers_full([offer], timezone.now())[0]


def _stations():
    return Station.objects.select_related("village")


def _organizations_docs(stations: list[Station], moment, *, full_services: bool = False) -> list[dict]:
    places = Places()
    hours, exceptions, _own = _hours_maps([s.pk for s in stations], [])
    services_by_station: dict[int, list] = {}
    if full_services:
        for offer in _offers().filter(station__in=stations).order_by("pk"):
            services_by_station.setdefault(offer.station_id, []).append(service_brief(offer))
    return [
        organization_doc(
            station,
            places=places,
            hours=hours.get(station.pk, []),
            exceptions=exceptions.get(station.pk, []),
            moment=moment,
            services=services_by_station.get(station.pk, []) if full_services else None,
        )
        for station in stations
    ]


@hsds_view
def organizations(request):
    page, per_page = _page_args(request)
    stations = _stations()
    search = request.GET.get("search", "").strip()[:50]
    if search:
        stations = stations.filter(
            Q(name__icontains=search) | Q(village__name__icontains=search) | Q(address__icontains=search)
        )
    after = _modified_after(request)
    if after is not None:
        stations = stations.filter(updated_at__gte=after)
    moment = timezone.now()
    return page_of(stations.order_by("pk"), page, per_page, lambda rows: _organizations_docs(rows, moment))


@hsds_view
def organization(request, id):
    station = _stations().filter(uuid=_uuid(id)).first()
    moment = timezone.now()
    if station is not None:
        return _organizations_docs([station], moment, full_services=True)[0]
    partner = Partner.objects.filter(uuid=_uuid(id)).first()
    if partner is None:
        raise Http404
    return partner_doc(partner)


@hsds_view
def service_at_locations(request):
    page, per_page = _page_args(request)
    offers = services_query(request)
    moment = timezone.now()

    def render(rows):
        places = Places()
        hours, exceptions, _own = _hours_maps([o.station_id for o in rows], [])
        return [
            sal_doc(
                o,
                places=places,
                hours=hours.get(o.station_id, []),
                exceptions=exceptions.get(o.station_id, []),
                moment=moment,
            )
            for o in rows
        ]

    return page_of(offers, page, per_page, render)


@hsds_view
def service_at_location(request, id):
    offer = _offers().filter(location_uuid=_uuid(id)).first()
    if offer is None:
        raise Http404
    places = Places()
    hours, exceptions, _own = _hours_maps([offer.station_id], [])
    return sal_doc(
        offer,
        places=places,
        hours=hours.get(offer.station_id, []),
        exceptions=exceptions.get(offer.station_id, []),
        moment=timezone.now(),
    )


@hsds_view
def taxonomies(request):
    page, per_page = _page_args(request)
    docs = [taxonomy_doc()]
    contents = docs[(page - 1) * per_page : page * per_page]
    return {
        "total_items": 1,
        "total_pages": 1,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }


@hsds_view
def taxonomy(request, id):
    if _uuid(id) != TAXONOMY_ID:
        raise Http404
    return taxonomy_doc()


def _terms() -> list[dict]:
    categories = list(ServiceCategory.objects.order_by("sort_order", "code"))
    kinds = list(ServiceKind.objects.select_related("category").order_by("category__sort_order", "sort_order", "code"))
    return [category_term(c) for c in categories] + [kind_term(k) for k in kinds]


@hsds_view
def taxonomy_terms(request):
    page, per_page = _page_args(request)
    terms = _terms()
    search = request.GET.get("search", "").strip()
    if search:
        terms = [t for t in terms if search in t["name"] or search == t["code"]]
    parent = request.GET.get("parent_id")
    if parent:
        terms = [t for t in terms if t["parent_id"] == parent]
    total = len(terms)
    pages = max(1, math.ceil(total / per_page)) if total else 0
    contents = terms[(page - 1) * per_page : page * per_page]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


@hsds_view
def taxonomy_term(request, id):
    wanted = str(_uuid(id))
    for term in _terms():
        if term["id"] == wanted:
            return term
    raise Http404


urlpatterns = [
    path("", root, name="hsds-root"),
    path("services", services, name="hsds-services"),
    path("services/<str:id>", service, name="hsds-service"),
    path("organizations", organizations, name="hsds-organizations"),
    path("organizations/<str:id>", organization, name="hsds-organization"),
    path("service_at_locations", service_at_locations, name="hsds-service-at-locations"),
    path("service_at_locations/<str:id>", service_at_location, name="hsds-service-at-location"),
    path("taxonomies", taxonomies, name="hsds-taxonomies"),
    path("taxonomies/<str:id>", taxonomy, name="hsds-taxonomy"),
    path("taxonomy_terms", taxonomy_terms, name="hsds-taxonomy-terms"),
    path("taxonomy_terms/<str:id>", taxonomy_term, name="hsds-taxonomy-term"),
]
