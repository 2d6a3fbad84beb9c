"""The pages villagers, owners and staff meet, the API beside them, and reads that write nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.community import services
from content.community.models import DirectRequest, Offer, RequestCategory

pytestmark = pytest.mark.django_db


def test_the_station_list_filters_and_links_to_station_pages(community, client):
    page = client.get("/stations/", {"lat": "30.179", "lon": "120.09", "service": "parcel-pickup"}).content.decode()
    assert page.index("西湖便利店惠民服务站") < page.index("龙坞惠民服务中心")
    assert "转塘服务点" not in page
    assert f'href="/stations/{community.near.pk}/"' in page


def test_a_signed_in_villager_sees_the_stations_of_their_village_first(community, client):
    client.force_login(community.world.villager)
    page = client.get("/stations/").content.decode()
    assert "西湖便利店惠民服务站" in page and 'data-testid="distance"' in page


def test_the_station_page_shows_hours_services_capacity_and_map(community, client):
    page = client.get(f"/stations/{community.near.pk}/").content.decode()
    assert "快递代收代寄" in page and 'data-testid="capacity-parcel-pickup"' in page
    assert "uri.amap.com/marker?position=120.090000,30.180000" in page
    assert f"/ws/community/stations/{community.near.pk}/" in page
    assert f"/direct/station/{community.near.uuid}/" in page
    assert client.get("/stations/999999/").status_code == 404


def test_only_the_owner_or_an_editor_opens_the_manage_page_and_taps(community, client):
    world = community.world
    url = f"/stations/{community.near.pk}/manage/"
    client.force_login(community.other_owner)
    assert client.get(url).status_code == 403
    assert client.post(f"/stations/offers/{community.parcels.pk}/capacity/", {"delta": "1"}).status_code == 403
    assert Offer.objects.get(pk=community.parcels.pk).capacity == 12
    client.force_login(world.retailer)
    page = client.get(url).content.decode()
    assert 'data-testid="qr-code"' in page
    assert client.post(f"/stations/offers/{community.parcels.pk}/capacity/", {"delta": "1"}).status_code == 302
    assert Offer.objects.get(pk=community.parcels.pk).capacity == 13
    client.force_login(world.editor)
    assert client.get(url).status_code == 200


def test_the_api_searches_serves_the_snapshot_and_takes_a_tap(community, client):
    rows = client.get("/api/community/stations", {"lat": 30.179, "lon": 120.09, "open": "false"}).json()
    assert [row["name"] for row in rows][:1] == ["西湖便利店惠民服务站"]
    # The search writes its rows itself: exactly what the documented schema says, no more, no less.
    from pydantic import TypeAdapter

    from content.community.api import CommunityStationOut

    assert (
        TypeAdapter(list[CommunityStationOut]).dump_python(
            TypeAdapter(list[CommunityStationOut]).validate_python(rows), mode="json"
        )
        == rows
    )
    assert rows[0]["offers"] == [
        {
            "id": community.parcels.pk,
            "service": "parcel-pickup",
            "name": community.kinds["parcel-pickup"].name,
            "category": community.kinds["parcel-pickup"].category.code,
            "capacity": 12,
            "capacity_label": community.kinds["parcel-pickup"].capacity_label,
        },
        rows[0]["offers"][1],
    ]
    assert rows[0]["url"] == f"/stations/{community.near.pk}/" and rows[0]["distance_km"] == 0.111
    live = client.get(f"/api/community/stations/{community.near.pk}/live").json()
    assert live["offers"][0]["capacity"] == 12
    assert (
        client.post(
            f"/api/community/offers/{community.parcels.pk}/capacity", {"delta": 1}, content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(community.world.retailer)
    answer = client.post(
        f"/api/community/offers/{community.parcels.pk}/capacity", {"delta": -2}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["capacity"] == 10
    client.force_login(community.other_owner)
    assert (
        client.post(
            f"/api/community/offers/{community.parcels.pk}/capacity", {"capacity": 1}, content_type="application/json"
        ).status_code
        == 403
    )


def test_the_staff_queue_lists_open_requests_with_their_colour(community, client):
    world = community.world
    services.direct_request_file(
        category=RequestCategory.objects.get(code="help"),
        text="求助：路灯",
        station=community.near,
        requester=world.villager,
    )
    client.force_login(world.staff)
    page = client.get("/direct/queue/").content.decode()
    assert "求助：路灯" in page and f"/ws/community/queue/{world.department.pk}/" in page
    client.force_login(world.villager)
    assert client.get("/direct/queue/").status_code == 403


def test_reads_write_nothing(community, client):
    world = community.world
    request = services.direct_request_file(
        category=RequestCategory.objects.get(code="help"), text="路灯", station=community.near, requester=world.villager
    )
    client.force_login(world.staff)
    urls = [
        "/stations/",
        f"/stations/{community.near.pk}/",
        f"/direct/requests/{request.uuid}/",
        "/direct/queue/",
        "/hsds/services",
        f"/hsds/services/{community.parcels.uuid}",
        "/hsds/organizations",
        "/open311/v2/requests.json",
        f"/api/community/stations/{community.near.pk}/live",
        "/api/community/requests/queue",
    ]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        writes = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "django_session" not in q["sql"]
        ]
        assert writes == [], url
    assert DirectRequest.objects.get().state == "new"


def test_the_owner_closes_the_station_for_a_while_and_editors_may_too(community, client):
    from content.community.models import Station

    url = f"/stations/{community.near.pk}/details/"
    data = {"status": "temporarily closed", "phone": "13900000009", "contact_name": "李春梅", "description": "装修中"}
    client.force_login(community.other_owner)
    assert client.post(url, data).status_code == 403
    assert Station.objects.get(pk=community.near.pk).status == "active"
    client.force_login(community.world.retailer)
    assert client.post(url, data).status_code == 302
    station = Station.objects.get(pk=community.near.pk)
    assert (station.status, station.phone, station.description) == ("temporarily closed", "13900000009", "装修中")
    # Every open page of the station hears it: the room's snapshot says closed.
    from content.community.selectors import station_snapshot

    assert station_snapshot(station_id=community.near.pk)["open_now"] is False
