"""The direct line as an Open311 GeoReport v2 API, mounted at /open311/v2/ by core/urls.py (JSON only).

- GET services.json: the request categories (service_code = the category's code).
- GET requests.json (service_request_id, service_code, status=open|closed, start_date, end_date) and
  GET requests/<id>.json: requests, newest first, at most 1,000 (the specification's default window is 90 days).
- POST requests.json: file a request (service_code, description, lat/long or address_string; this platform's
  extensions say where the QR code was: station_id = a station's HSDS id, shop = a licence number, unit = a unit
  code; without them the nearest station takes it). The answer carries the request id and a token that follows it.

Requests filed here are anonymous (an Open311 client speaks for someone the platform does not know), and reads
name nobody: no requester, no contact, only what was asked, where, and how far it is.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ApplicationError
from core.people.models import OrgUnit, Shop

from .models import DirectRequest, RequestCategory, RequestEvent, Station
from .services import direct_request_file
from .throttle import filing_throttled

MAX_RESULTS = 1000


def _json(document, status: int = 200) -> JsonResponse:
    response = JsonResponse(document, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(code: int, description: str) -> JsonResponse:
    return _json([{"code": code, "description": description}], status=code)


@require_GET
def services(request):
    return _json(
        [
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": category.name_en,
                "metadata": False,
                "type": "realtime",
                "keywords": "",
                "group": "直通车",
            }
            for category in RequestCategory.objects.all()
        ]
    )


def request_doc(direct: DirectRequest, notes: str) -> dict:
    closed = direct.state in (DirectRequest.State.RESOLVED, DirectRequest.State.CONFIRMED)
    return {
        "service_request_id": str(direct.uuid),
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": direct.category.name,
        "service_code": direct.category.code,
        "description": direct.text,
        "agency_responsible": direct.unit.name,
        "service_notice": "",
        "requested_datetime": direct.created_at.isoformat(),
        "updated_datetime": direct.updated_at.isoformat(),
        "expected_datetime": direct.due_at.isoformat() if not closed else None,
        "address": direct.station.address if direct.station_id else "",
        "address_id": str(direct.station.uuid) if direct.station_id else "",
        "zipcode": "",
        "lat": direct.latitude,
        "long": direct.longitude,
        "media_url": "",
    }


def _notes(requests: list[DirectRequest]) -> dict[int, str]:
    """The latest answer the staff gave each request (what Open311 calls status notes)."""
    notes: dict[int, str] = {}
    for event in RequestEvent.objects.filter(
        request_id__in=[r.pk for r in requests], kind__in=(RequestEvent.Kind.REPLY, RequestEvent.Kind.RESOLVED)
    ).order_by("created_at", "pk"):
        notes[event.request_id] = event.text
    return notes


def _date(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))
    if moment is None:
        raise ValueError(raw)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def _list(request):
    rows = DirectRequest.objects.select_related("category", "unit", "station")
    ids = [part for part in request.GET.get("service_request_id", "").split(",") if part]
    if ids:
        try:
            import uuid

            rows = rows.filter(uuid__in=[uuid.UUID(i) for i in ids[:100]])
        except ValueError:
            return _error(400, "service_request_id is a list of request ids")
    else:
        try:
            start, end = _date(request.GET.get("start_date")), _date(request.GET.get("end_date"))
        except ValueError:
            return _error(400, "start_date and end_date are W3C date-times")
        end = end or timezone.now()
        start = start or end - dt.timedelta(days=90)
        rows = rows.filter(created_at__gte=start, created_at__lte=end)
    codes = [code for code in request.GET.get("service_code", "").split(",") if code]
    if codes:
        rows = rows.filter(category__code__in=codes)
    status = request.GET.get("status", "")
    closed = (DirectRequest.State.RESOLVED, DirectRequest.State.CONFIRMED)
    if status == "open":
        rows = rows.exclude(state__in=closed)
    elif status == "closed":
        rows = rows.filter(state__in=closed)
    rows = list(rows.order_by("-created_at", "-pk")[:MAX_RESULTS])
    notes = _notes(rows)
    return _json([request_doc(r, notes.get(r.pk, "")) for r in rows])


def _nearest_station(lat: float, lon: float) -> Station | None:
    from .selectors import station_search

    hits = station_search(latitude=lat, longitude=lon, limit=1)
    return Station.objects.filter(pk=hits[0].station_id).first() if hits else None


def _float(raw) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _file(request):
    if filing_throttled(request):
        return _error(429, "Too many requests from this address; try again later.")
    data = request.POST
    if not data and request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return _error(400, "The body is not JSON.")
        if not isinstance(data, dict):
            return _error(400, "The body is a JSON object.")
    category = RequestCategory.objects.filter(code=str(data.get("service_code", ""))).first()
    if category is None:
        return _error(400, "service_code is not one of /open311/v2/services.json")
    lat, lon = _float(data.get("lat")), _float(data.get("long"))
    target: dict = {}
    try:
        if data.get("station_id"):
            target["station"] = Station.objects.select_related("shop", "shop__grid").get(uuid=str(data["station_id"]))
        elif data.get("shop"):
            target["shop"] = Shop.objects.select_related("grid").get(licence_number=str(data["shop"]))
        elif data.get("unit"):
            target["unit"] = OrgUnit.objects.get(code=str(data["unit"]))
        elif lat is not None and lon is not None:
            station = _nearest_station(lat, lon)
            if station is None:
                return _error(400, "No station takes requests near this position.")
            target["station"] = station
        else:
            return _error(400, "Say where: lat and long, or station_id, shop or unit.")
    except (ObjectDoesNotExist, ValidationError, ValueError):
        return _error(404, "No such station, shop or unit.")
    try:
        filed = direct_request_file(
            category=category,
            text=str(data.get("description", "")),
            anonymous=True,
            latitude=lat,
            longitude=lon,
            **target,
        )
    except ApplicationError as exc:
        return _error(exc.status, exc.message)
    return _json(
        [
            {
                "service_request_id": str(filed.uuid),
                "token": filed.tracking_token,
                "service_notice": "",
                "account_id": None,
            }
        ],
        status=201,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request):
    if request.method == "POST":
        return _file(request)
    return _list(request)


@require_GET
def request_one(request, id):
    import uuid

    try:
        wanted = uuid.UUID(id)
    except ValueError:
        return _error(404, "No such request.")
    direct = DirectRequest.objects.select_related("category", "unit", "station").filter(uuid=wanted).first()
    if direct is None:
        return _error(404, "No such request.")
    return _json([request_doc(direct, _notes([direct]).get(direct.pk, ""))])


urlpatterns = [
    path("services.json", services, name="open311-services"),
    path("requests.json", requests, name="open311-requests"),
    path("requests/<str:id>.json", request_one, name="open311-request"),
]
