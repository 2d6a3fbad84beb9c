"""The whole station catalogue as an HSDS 3.0 data package (JSON), and back.

A folder holding `datapackage.json` (what is where) and one JSON file per HSDS table as the API serves it:
`taxonomies.json`, `taxonomy_terms.json`, `organizations.json` (stations, then partners), `services.json` (fully
nested services), plus `photos/` with the stations' photos. Every object is a valid HSDS object; what HSDS has no
field for (the host shop, the village, capacities, closures, the exact hours rows, timestamps) rides along in an
`x-community` member of the same object (HSDS objects allow extra members), so an import loses nothing: export,
import into a database without stations, export again, and the two packages are the same, byte for byte.

Stations name their host shop by licence number and their village by code: those belong to the people app and
must exist where the package is imported.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from core.errors import ApplicationError
from core.people.models import Shop, Village

from . import hsds
from .cards import kinds_catalogue_forget, station_cards_forget
from .models import (
    HoursException,
    Offer,
    OfferHours,
    Partner,
    ServiceCategory,
    ServiceKind,
    Station,
    StationPhoto,
    WeeklyHours,
)

EXT = "x-community"
FORMAT = 1
# A fixed moment for the UTC offsets in schedules, so that two exports of the same catalogue are identical.
OFFSET_MOMENT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _t(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M:%S") if value is not None else None


def _d(value) -> str | None:
    return value.isoformat() if value is not None else None


def _hours(rows) -> list[dict]:
    return [{"id": str(r.uuid), "weekday": r.weekday, "opens": _t(r.opens), "closes": _t(r.closes)} for r in rows]


def _write(folder: Path, name: str, document) -> None:
    (folder / name).write_text(
        json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def catalogue_export(folder: Path) -> dict:
    """Write the catalogue into `folder` (created; emptied of an earlier package). Returns counts."""
    folder = Path(folder)
    if (folder / "photos").exists():
        shutil.rmtree(folder / "photos")
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    categories = list(ServiceCategory.objects.order_by("sort_order", "code"))
    kinds = list(ServiceKind.objects.select_related("category").order_by("category__sort_order", "sort_order", "code"))
    terms = []
    for c in categories:
        terms.append(
            {
                **hsds.clean(hsds.category_term(c)),
                EXT: {
                    "name_en": c.name_en,
                    "description": c.description,
                    "sort_order": c.sort_order,
                    "updated_at": _d(c.updated_at),
                },
            }
        )
    for k in kinds:
        terms.append(
            {
                **hsds.clean(hsds.kind_term(k)),
                EXT: {
                    "name_en": k.name_en,
                    "description": k.description,
                    "has_capacity": k.has_capacity,
                    "capacity_label": k.capacity_label,
                    "sort_order": k.sort_order,
                    "active": k.active,
                    "updated_at": _d(k.updated_at),
                },
            }
        )

    places = hsds.Places()
    stations = list(
        Station.objects.select_related("village", "shop").prefetch_related("partners", "photos__image").order_by("pk")
    )
    hours, exceptions, _own = hsds._hours_maps([s.pk for s in stations], [])
    organizations = []
    for station in stations:
        photos = []
        for n, photo in enumerate(station.photos.all()):
            suffix = Path(photo.image.file.name).suffix or ".jpg"
            name = f"photos/{station.uuid}-{n}{suffix}"
            with photo.image.file.open("rb") as source, open(folder / name, "wb") as target:
                shutil.copyfileobj(source, target)
            photos.append(
                {"file": name, "title": photo.image.title, "caption": photo.caption, "sort_order": photo.sort_order}
            )
        doc = hsds.clean(
            hsds.organization_doc(
                station,
                places=places,
                hours=hours.get(station.pk, []),
                exceptions=exceptions.get(station.pk, []),
                moment=OFFSET_MOMENT,
            )
        )
        doc[EXT] = {
            "type": "station",
            "name": station.name,
            "kind": station.kind,
            "status": station.status,
            "shop": station.shop.licence_number,
            "village": station.village.code,
            "description": station.description,
            "address": station.address,
            "latitude": station.latitude,
            "longitude": station.longitude,
            "time_zone": station.time_zone,
            "contact_name": station.contact_name,
            "phone": station.phone,
            "anonymous_requests": station.anonymous_requests,
            "partners": sorted(str(p.uuid) for p in station.partners.all()),
            "hours": _hours(hours.get(station.pk, [])),
            "exceptions": [
                {
                    "id": str(e.uuid),
                    "starts_on": _d(e.starts_on),
                    "ends_on": _d(e.ends_on),
                    "closed": e.closed,
                    "opens": _t(e.opens),
                    "closes": _t(e.closes),
                    "reason": e.reason,
                }
                for e in exceptions.get(station.pk, [])
            ],
            "photos": photos,
            "created_at": _d(station.created_at),
            "updated_at": _d(station.updated_at),
        }
        organizations.append(doc)
    for partner in Partner.objects.order_by("pk"):
        organizations.append(
            {
                **hsds.clean(hsds.partner_doc(partner)),
                EXT: {
                    "type": "partner",
                    "name": partner.name,
                    "description": partner.description,
                    "website": partner.website,
                    "updated_at": _d(partner.updated_at),
                },
            }
        )

    offers = list(hsds._offers().select_related("partner").order_by("pk"))
    services = []
    for start in range(0, len(offers), 1000):
        chunk = offers[start : start + 1000]
        _h, _e, own = hsds._hours_maps([], [o.pk for o in chunk])
        for offer, doc in zip(chunk, hsds.clean(hsds.offers_full(chunk, OFFSET_MOMENT)), strict=True):
            doc[EXT] = {
                "station": str(offer.station.uuid),
                "service": str(offer.kind.uuid),
                "partner": str(offer.partner.uuid) if offer.partner_id else None,
                "location_id": str(offer.location_uuid),
                "note": offer.note,
                "cost": offer.cost,
                "eligibility": offer.eligibility,
                "capacity": offer.capacity,
                "capacity_updated_at": _d(offer.capacity_updated_at),
                "active": offer.active,
                "hours": _hours(own.get(offer.pk, [])),
                "updated_at": _d(offer.updated_at),
            }
            services.append(doc)

    _write(folder, "taxonomies.json", [hsds.clean(hsds.taxonomy_doc())])
    _write(folder, "taxonomy_terms.json", terms)
    _write(folder, "organizations.json", organizations)
    _write(folder, "services.json", services)
    _write(
        folder,
        "datapackage.json",
        {
            "name": "station-services",
            "title": "村级服务站服务目录 (Open Referral HSDS 3.0)",
            "profile": "https://docs.openreferral.org/en/v3.0/",
            EXT: {"format": FORMAT},
            "resources": [
                {"name": "taxonomies", "path": "taxonomies.json", "format": "json"},
                {"name": "taxonomy_terms", "path": "taxonomy_terms.json", "format": "json"},
                {"name": "organizations", "path": "organizations.json", "format": "json"},
                {"name": "services", "path": "services.json", "format": "json"},
            ],
        },
    )
    return {"taxonomy_terms": len(terms), "organizations": len(organizations), "services": len(services)}


class PackageInvalid(ApplicationError):
    status = 400


def _read(folder: Path, name: str):
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackageInvalid(f"{name}: {exc}") from exc


def _time(value):
    return parse_time(value) if value else None


def _moment(value):
    return parse_datetime(value) if value else None


def _upsert(model, rows: list[dict]) -> dict:
    """Insert rows whose uuid is new and update the others (neither calls save(): timestamps stay as given).
    Returns uuid -> pk."""
    uuids = [row["uuid"] for row in rows]
    have = dict(model.objects.filter(uuid__in=uuids).values_list("uuid", "pk"))
    have = {str(key): value for key, value in have.items()}
    new = [model(**row) for row in rows if str(row["uuid"]) not in have]
    model.objects.bulk_create(new, batch_size=1000)
    for row in rows:
        pk = have.get(str(row["uuid"]))
        if pk is not None:
            model.objects.filter(pk=pk).update(**{k: v for k, v in row.items() if k != "uuid"})
    return {str(k): v for k, v in model.objects.filter(uuid__in=uuids).values_list("uuid", "pk")}


def catalogue_import(folder: Path) -> dict:
    """Read a package written by `catalogue_export` into this database, in one transaction: rows with the
    package's ids are updated, others created; the hours, exceptions and photos of the package's stations and
    services are replaced by the package's. Returns counts."""
    folder = Path(folder)
    meta = _read(folder, "datapackage.json")
    if (meta.get(EXT) or {}).get("format") != FORMAT:
        raise PackageInvalid("not a station catalogue package of this format")
    terms = _read(folder, "taxonomy_terms.json")
    organizations = _read(folder, "organizations.json")
    services = _read(folder, "services.json")
    with transaction.atomic():
        categories = _upsert(
            ServiceCategory,
            [
                {
                    "uuid": t["id"],
                    "code": t["code"],
                    "name": t["name"],
                    "description": t[EXT]["description"],
                    "name_en": t[EXT]["name_en"],
                    "sort_order": t[EXT]["sort_order"],
                    "updated_at": _moment(t[EXT]["updated_at"]),
                }
                for t in terms
                if not t.get("parent_id")
            ],
        )
        kinds = _upsert(
            ServiceKind,
            [
                {
                    "uuid": t["id"],
                    "code": t["code"],
                    "name": t["name"],
                    "category_id": categories[t["parent_id"]],
                    "description": t[EXT]["description"],
                    "name_en": t[EXT]["name_en"],
                    "has_capacity": t[EXT]["has_capacity"],
                    "capacity_label": t[EXT]["capacity_label"],
                    "sort_order": t[EXT]["sort_order"],
                    "active": t[EXT]["active"],
                    "updated_at": _moment(t[EXT]["updated_at"]),
                }
                for t in terms
                if t.get("parent_id")
            ],
        )
        partners = _upsert(
            Partner,
            [
                {
                    "uuid": o["id"],
                    "name": o[EXT]["name"],
                    "description": o[EXT]["description"],
                    "website": o[EXT]["website"],
                    "updated_at": _moment(o[EXT]["updated_at"]),
                }
                for o in organizations
                if o[EXT]["type"] == "partner"
            ],
        )
        station_docs = [o for o in organizations if o[EXT]["type"] == "station"]
        shops = dict(
            Shop.objects.filter(licence_number__in={o[EXT]["shop"] for o in station_docs}).values_list(
                "licence_number", "pk"
            )
        )
        villages = dict(
            Village.objects.filter(code__in={o[EXT]["village"] for o in station_docs}).values_list("code", "pk")
        )
        missing = sorted({o[EXT]["shop"] for o in station_docs} - set(shops)) + sorted(
            {o[EXT]["village"] for o in station_docs} - set(villages)
        )
        if missing:
            raise PackageInvalid(f"shops or villages missing here: {', '.join(missing[:10])}")
        stations = _upsert(
            Station,
            [
                {
                    "uuid": o["id"],
                    "name": x["name"],
                    "kind": x["kind"],
                    "status": x["status"],
                    "shop_id": shops[x["shop"]],
                    "village_id": villages[x["village"]],
                    "description": x["description"],
                    "address": x["address"],
                    "latitude": x["latitude"],
                    "longitude": x["longitude"],
                    "time_zone": x["time_zone"],
                    "contact_name": x["contact_name"],
                    "phone": x["phone"],
                    "anonymous_requests": x["anonymous_requests"],
                    "created_at": _moment(x["created_at"]),
                    "updated_at": _moment(x["updated_at"]),
                }
                for o in station_docs
                for x in [o[EXT]]
            ],
        )
        station_pks = list(stations.values())
        WeeklyHours.objects.filter(station_id__in=station_pks).delete()
        HoursException.objects.filter(station_id__in=station_pks).delete()
        StationPhoto.objects.filter(station_id__in=station_pks).delete()
        Station.partners.through.objects.filter(station_id__in=station_pks).delete()
        WeeklyHours.objects.bulk_create(
            [
                WeeklyHours(
                    uuid=h["id"],
                    station_id=stations[o["id"]],
                    weekday=h["weekday"],
                    opens=_time(h["opens"]),
                    closes=_time(h["closes"]),
                )
                for o in station_docs
                for h in o[EXT]["hours"]
            ],
            batch_size=2000,
        )
        HoursException.objects.bulk_create(
            [
                HoursException(
                    uuid=e["id"],
                    station_id=stations[o["id"]],
                    starts_on=parse_date(e["starts_on"]),
                    ends_on=parse_date(e["ends_on"]),
                    closed=e["closed"],
                    opens=_time(e["opens"]),
                    closes=_time(e["closes"]),
                    reason=e["reason"],
                )
                for o in station_docs
                for e in o[EXT]["exceptions"]
            ],
            batch_size=2000,
        )
        Station.partners.through.objects.bulk_create(
            [
                Station.partners.through(station_id=stations[o["id"]], partner_id=partners[p])
                for o in station_docs
                for p in o[EXT]["partners"]
            ],
            batch_size=2000,
        )
        _import_photos(folder, station_docs, stations)
        offers = _upsert(
            Offer,
            [
                {
                    "uuid": s["id"],
                    "location_uuid": x["location_id"],
                    "station_id": stations[x["station"]],
                    "kind_id": kinds[x["service"]],
                    "partner_id": partners[x["partner"]] if x["partner"] else None,
                    "note": x["note"],
                    "cost": x["cost"],
                    "eligibility": x["eligibility"],
                    "capacity": x["capacity"],
                    "capacity_updated_at": _moment(x["capacity_updated_at"]),
                    "active": x["active"],
                    "updated_at": _moment(x["updated_at"]),
                }
                for s in services
                for x in [s[EXT]]
            ],
        )
        OfferHours.objects.filter(offer_id__in=list(offers.values())).delete()
        OfferHours.objects.bulk_create(
            [
                OfferHours(
                    uuid=h["id"],
                    offer_id=offers[s["id"]],
                    weekday=h["weekday"],
                    opens=_time(h["opens"]),
                    closes=_time(h["closes"]),
                )
                for s in services
                for h in s[EXT]["hours"]
            ],
            batch_size=2000,
        )
        # bulk_create and update() send no signals: the search's cards of these stations and its copy of the
        # catalogue are forgotten here.
        station_cards_forget(stations.values())
        kinds_catalogue_forget()
    return {
        "taxonomy_terms": len(categories) + len(kinds),
        "organizations": len(stations) + len(partners),
        "services": len(offers),
    }


def _import_photos(folder: Path, station_docs: list[dict], stations: dict) -> None:
    from wagtail.images import get_image_model

    Image = get_image_model()
    for doc in station_docs:
        for photo in doc[EXT]["photos"]:
            path = (folder / photo["file"]).resolve()
            if folder.resolve() not in path.parents:
                raise PackageInvalid(f"photo outside the package: {photo['file']}")
            with open(path, "rb") as handle:
                image = Image(title=photo["title"])
                image.file.save(Path(photo["file"]).name, File(handle), save=False)
                image.save()
            StationPhoto.objects.create(
                station_id=stations[doc["id"]], image=image, caption=photo["caption"], sort_order=photo["sort_order"]
            )


__all__ = ["catalogue_export", "catalogue_import"]
