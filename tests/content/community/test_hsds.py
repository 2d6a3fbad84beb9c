"""The HSDS 3.0 API validates against the shared schemas; ids never change; lists page in a stable order; the
data package goes out and comes back without losing anything."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from jsonschema import Draft7Validator
from PIL import Image as PILImage

from content.community.models import (
    HoursException,
    Offer,
    OfferHours,
    Partner,
    ServiceCategory,
    ServiceKind,
    Station,
    StationPhoto,
)

pytestmark = pytest.mark.django_db
SCHEMAS = Path(__file__).resolve().parents[4] / "shared" / "standards" / "hsds-3.0"
if not SCHEMAS.exists():
    SCHEMAS = Path("/work/shared/standards/hsds-3.0")


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def page_schema(item: str) -> dict:
    openapi = schema("openapi.json")
    page = openapi["components"]["schemas"]["Page"]
    return {
        **page,
        "required": [
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents",
        ],
        "properties": {**page["properties"], "contents": {"type": "array", "items": schema(f"compiled/{item}")}},
    }


def valid(document: dict, against: dict) -> None:
    errors = sorted(Draft7Validator(against).iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_services_organizations_and_locations_validate(community, client):
    Partner.objects.create(name="中国邮政").stations.add(community.near)
    HoursException.objects.create(
        station=community.near, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 1), reason="元旦"
    )
    OfferHours.objects.create(offer=community.parcels, weekday=0, opens=dt.time(9), closes=dt.time(17))
    services = client.get("/hsds/services").json()
    valid(services, page_schema("service_list.json"))
    assert services["total_items"] == 5
    one = client.get(f"/hsds/services/{community.parcels.uuid}").json()
    valid(one, schema("compiled/service.json"))
    assert one["attributes"][0]["taxonomy_term"]["name"] == "快递代收代寄"
    location = one["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (30.18, 120.09)
    assert {s["byday"] for s in location["schedules"] if "byday" in s} == {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
    assert one["schedules"][0]["opens_at"] == "09:00" and one["schedules"][0]["timezone"] == 8
    orgs = client.get("/hsds/organizations").json()
    valid(orgs, page_schema("organization_list.json"))
    org = client.get(f"/hsds/organizations/{community.near.uuid}").json()
    valid(org, schema("compiled/organization.json"))
    assert [s["id"] for s in org["services"]] == [
        str(o.uuid) for o in Offer.objects.filter(station=community.near).order_by("pk")
    ]
    sals = client.get("/hsds/service_at_locations").json()
    valid(sals, page_schema("service_at_location_list.json"))
    sal = client.get(f"/hsds/service_at_locations/{community.parcels.location_uuid}").json()
    valid(sal, schema("compiled/service_at_location.json"))
    terms = client.get("/hsds/taxonomy_terms", {"per_page": 100}).json()
    assert terms["total_items"] == 40
    for term in terms["contents"]:
        valid(term, schema("taxonomy_term.json"))
    taxonomies = client.get("/hsds/taxonomies").json()
    valid(taxonomies["contents"][0], schema("taxonomy.json"))
    assert client.get("/hsds/services/not-a-uuid").status_code == 404
    assert client.get("/hsds/services", {"page": "x"}).status_code == 400


def test_paging_is_stable_and_filters_work(community, client):
    first = client.get("/hsds/services", {"per_page": 2}).json()
    assert (first["total_pages"], first["first_page"], first["last_page"], first["size"]) == (3, True, False, 2)
    ids = []
    for page in (1, 2, 3):
        ids += [s["id"] for s in client.get("/hsds/services", {"per_page": 2, "page": page}).json()["contents"]]
    assert ids == [str(o.uuid) for o in Offer.objects.order_by("pk")]
    beyond = client.get("/hsds/services", {"per_page": 2, "page": 9}).json()
    assert (beyond["empty"], beyond["contents"]) == (True, [])
    parcel = ServiceKind.objects.get(code="parcel-pickup")
    assert client.get("/hsds/services", {"taxonomy_term_id": str(parcel.uuid)}).json()["total_items"] == 2
    governance = ServiceCategory.objects.get(code="governance")
    assert client.get("/hsds/services", {"taxonomy_term_id": str(governance.uuid)}).json()["total_items"] == 2
    assert client.get("/hsds/services", {"search": "快递"}).json()["total_items"] == 2
    assert client.get("/hsds/services", {"organization_id": str(community.far.uuid)}).json()["total_items"] == 1
    later = Offer.objects.order_by("pk").last()
    Offer.objects.filter(pk=later.pk).update(updated_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    Station.objects.update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    Offer.objects.exclude(pk=later.pk).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    changed = client.get("/hsds/services", {"modified_after": "2029-12-31T00:00:00Z"}).json()
    assert [s["id"] for s in changed["contents"]] == [str(later.uuid)]


def test_ids_never_change_and_the_catalogue_has_36_services_in_4_categories(community):
    assert ServiceCategory.objects.count() == 4
    assert ServiceKind.objects.count() == 36
    # The seed's ids come from the codes: every install names 快递代收代寄 the same way.
    from content.community.catalogue import catalogue_uuid

    assert ServiceKind.objects.get(code="parcel-pickup").uuid == catalogue_uuid("service", "parcel-pickup")
    before = community.near.uuid
    community.near.name = "新名字"
    community.near.save()
    assert Station.objects.get(pk=community.near.pk).uuid == before


def _photo(community, tmp_path):
    from django.core.files.images import ImageFile
    from wagtail.images.models import Image

    data = io.BytesIO()
    PILImage.new("RGB", (8, 6), (0, 120, 0)).save(data, format="PNG")
    image = Image(title="服务站门头")
    image.file.save("front.png", ImageFile(io.BytesIO(data.getvalue()), name="front.png"), save=False)
    image.save()
    StationPhoto.objects.create(station=community.near, image=image, caption="门头")


def _rows():
    """The catalogue as comparable rows (no primary keys)."""
    stations = {
        str(s.uuid): (
            s.name,
            s.kind,
            s.status,
            s.shop.licence_number,
            s.village.code,
            s.address,
            s.latitude,
            s.longitude,
            s.time_zone,
            s.phone,
            s.contact_name,
            s.description,
            s.anonymous_requests,
            s.created_at,
            s.updated_at,
            sorted(str(p.uuid) for p in s.partners.all()),
            sorted((str(h.uuid), h.weekday, h.opens, h.closes) for h in s.hours.all()),
            sorted(
                (str(e.uuid), e.starts_on, e.ends_on, e.closed, e.opens, e.closes, e.reason) for e in s.exceptions.all()
            ),
            [(p.caption, p.image.title, p.image.file.read()) for p in s.photos.all()],
        )
        for s in Station.objects.all()
    }
    offers = {
        str(o.uuid): (
            str(o.location_uuid),
            str(o.station.uuid),
            str(o.kind.uuid),
            o.partner and str(o.partner.uuid),
            o.note,
            o.cost,
            o.eligibility,
            o.capacity,
            o.capacity_updated_at,
            o.active,
            o.updated_at,
            sorted((str(h.uuid), h.weekday, h.opens, h.closes) for h in o.hours.all()),
        )
        for o in Offer.objects.all()
    }
    kinds = sorted(
        ServiceKind.objects.values_list(
            "uuid",
            "code",
            "name",
            "name_en",
            "category__code",
            "has_capacity",
            "capacity_label",
            "sort_order",
            "active",
            "updated_at",
            "description",
        )
    )
    categories = sorted(
        ServiceCategory.objects.values_list(
            "uuid", "code", "name", "name_en", "description", "sort_order", "updated_at"
        )
    )
    partners = sorted(Partner.objects.values_list("uuid", "name", "description", "website", "updated_at"))
    return stations, offers, kinds, categories, partners


def test_export_then_import_into_an_empty_catalogue_reproduces_it_exactly(community, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    partner = Partner.objects.create(name="中国电信", website="https://www.chinatelecom.com.cn/")
    partner.stations.add(community.near)
    Offer.objects.filter(pk=community.parcels.pk).update(partner=partner, note="下午四点前到件", eligibility="本村村民")
    HoursException.objects.create(
        station=community.near, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 10, 3), closed=True, reason="国庆"
    )
    HoursException.objects.create(
        station=community.middle,
        starts_on=dt.date(2026, 12, 24),
        ends_on=dt.date(2026, 12, 24),
        closed=False,
        opens=dt.time(9),
        closes=dt.time(12),
        reason="盘点",
    )
    OfferHours.objects.create(offer=community.parcels, weekday=5, opens=dt.time(20), closes=dt.time(1))
    ServiceKind.objects.filter(code="printing").update(description="黑白、彩色打印", active=False)
    _photo(community, tmp_path)
    before = _rows()
    call_command("hsds_export", str(tmp_path / "one"))
    # An empty catalogue: no station, service, partner, category or service kind left.
    Offer.objects.all().delete()
    Station.objects.all().delete()
    Partner.objects.all().delete()
    ServiceKind.objects.all().delete()
    ServiceCategory.objects.all().delete()
    call_command("hsds_import", str(tmp_path / "one"))
    assert _rows() == before
    call_command("hsds_export", str(tmp_path / "two"))
    for name in ("datapackage.json", "taxonomies.json", "taxonomy_terms.json", "organizations.json", "services.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    services = json.loads((tmp_path / "one" / "services.json").read_text())
    for service in services:
        valid(service, schema("compiled/service.json"))
    # Importing again changes nothing.
    call_command("hsds_import", str(tmp_path / "one"))
    assert _rows() == before
