"""Finding stations (nearest first, open now, category and service, Chinese text) and who may change them."""

from __future__ import annotations

import datetime as dt

import pytest
from community_helpers import WEDNESDAY_10
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.community import selectors, services
from content.community.models import HoursException, Offer, OfferHours, Station, WeeklyHours
from core.errors import ApplicationError, PermissionDenied

pytestmark = pytest.mark.django_db


def names(hits):
    return [hit.card["name"] for hit in hits]


def test_stations_come_nearest_first_with_their_distance(community):
    lat, lon = community.here
    hits = selectors.station_search(latitude=lat, longitude=lon, now=WEDNESDAY_10)
    assert names(hits) == ["西湖便利店惠民服务站", "龙坞惠民服务中心", "转塘服务点"]
    assert [round(hit.distance_km, 1) for hit in hits] == [0.1, 2.3, 13.5]
    # From the other end the order turns round.
    hits = selectors.station_search(latitude=30.31, longitude=120.09, now=WEDNESDAY_10)
    assert names(hits) == ["转塘服务点", "龙坞惠民服务中心", "西湖便利店惠民服务站"]


def test_half_a_position_is_no_position(community, client):
    # Found by schemathesis: a latitude without a longitude answered 500. It is a search without a position.
    lat, _lon = community.here
    hits = selectors.station_search(latitude=lat, longitude=None, now=WEDNESDAY_10)
    assert sorted(names(hits)) == ["西湖便利店惠民服务站", "转塘服务点", "龙坞惠民服务中心"]
    assert all(hit.distance_km is None for hit in hits)
    answer = client.get("/api/community/stations", {"lat": 0, "category": "", "limit": 20})
    assert answer.status_code == 200
    assert all(row["distance_km"] is None for row in answer.json())


def test_the_search_widens_until_it_has_enough_and_stays_nearest_first(community):
    lat, lon = community.here
    assert names(selectors.station_search(latitude=lat, longitude=lon, limit=1, now=WEDNESDAY_10)) == [
        "西湖便利店惠民服务站"
    ]
    # Only the far one offers the rider rest stop: found beyond the first radii.
    hits = selectors.station_search(latitude=lat, longitude=lon, service="rider-rest", now=WEDNESDAY_10)
    assert names(hits) == ["转塘服务点"]


def test_nearest_first_is_exact_beyond_the_first_batch(community):
    # 120 stations spread over two degrees, a service at one in three: the search reads several batches (or boxes)
    # and must give exactly the 20 nearest on the ground.
    import random

    from content.community.geo import distance_km

    draw = random.Random(3)
    lat, lon = 29.5, 120.5
    stations = Station.objects.bulk_create(
        [
            Station(
                name=f"测试站{n}",
                shop=community.world.shop,
                village=community.world.village,
                address=f"{n}号",
                latitude=draw.uniform(28.5, 30.5),
                longitude=draw.uniform(119.5, 121.5),
            )
            for n in range(120)
        ]
    )
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(station=s, weekday=d, opens=dt.time(8), closes=dt.time(20)) for s in stations for d in range(7)]
    )
    Offer.objects.bulk_create([Offer(station=s, kind=community.kinds["printing"]) for s in stations[::3]])
    offering = [*stations[::3], community.near]
    expected = sorted(offering, key=lambda s: (distance_km(lat, lon, s.latitude, s.longitude), s.pk))[:20]
    hits = selectors.station_search(latitude=lat, longitude=lon, service="printing", now=WEDNESDAY_10)
    assert [hit.station_id for hit in hits] == [s.pk for s in expected]
    everything = sorted(
        [*stations, community.near, community.middle, community.far],
        key=lambda s: (distance_km(lat, lon, s.latitude, s.longitude), s.pk),
    )
    hits = selectors.station_search(latitude=lat, longitude=lon, limit=50, now=WEDNESDAY_10)
    assert [hit.station_id for hit in hits] == [s.pk for s in everything[:50]]
    # Closed today at two in three: the database lets them through ("open now" there is a first sieve), the hours
    # leave them out, so the search has to read on.
    HoursException.objects.bulk_create(
        [
            HoursException(station=s, starts_on=dt.date(2026, 12, 2), ends_on=dt.date(2026, 12, 2), closed=True)
            for n, s in enumerate(stations)
            if n % 3
        ]
    )
    open_ones = [s for s in everything if s not in stations or stations.index(s) % 3 == 0]
    with CaptureQueriesContext(connection) as queries:
        hits = selectors.station_search(latitude=lat, longitude=lon, open_now=True, now=WEDNESDAY_10)
    assert [hit.station_id for hit in hits] == [s.pk for s in open_ones[:20]]
    if connection.vendor == "postgresql":
        assert sum('"apart"' in q["sql"] for q in queries) > 1  # more than one batch was read


def test_filters_by_category_and_service(community):
    lat, lon = community.here
    assert names(selectors.station_search(latitude=lat, longitude=lon, service="parcel-pickup", now=WEDNESDAY_10)) == [
        "西湖便利店惠民服务站",
        "龙坞惠民服务中心",
    ]
    assert names(selectors.station_search(latitude=lat, longitude=lon, category="governance", now=WEDNESDAY_10)) == [
        "龙坞惠民服务中心",
        "转塘服务点",
    ]


def test_open_now_leaves_out_closed_stations_and_uses_a_services_own_hours(community):
    lat, lon = community.here
    HoursException.objects.create(
        station=community.near, starts_on=dt.date(2026, 12, 2), ends_on=dt.date(2026, 12, 2), closed=True, reason="盘点"
    )
    hits = selectors.station_search(
        latitude=lat, longitude=lon, service="parcel-pickup", open_now=True, now=WEDNESDAY_10
    )
    assert names(hits) == ["龙坞惠民服务中心"]
    # Without the filter the closed one is listed, marked closed.
    hits = selectors.station_search(latitude=lat, longitude=lon, service="parcel-pickup", now=WEDNESDAY_10)
    assert [(hit.card["name"], hit.open_now) for hit in hits] == [
        ("西湖便利店惠民服务站", False),
        ("龙坞惠民服务中心", True),
    ]
    # The centre takes parcels only in the afternoon, although the station is open.
    offer = Offer.objects.get(station=community.middle, kind__code="parcel-pickup")
    OfferHours.objects.create(offer=offer, weekday=2, opens=dt.time(14), closes=dt.time(18))
    assert (
        selectors.station_search(latitude=lat, longitude=lon, service="parcel-pickup", open_now=True, now=WEDNESDAY_10)
        == []
    )


def test_open_now_after_midnight_counts_late_periods_exceptions_and_other_time_zones(community):
    # The database leaves out stations that cannot be open, so each way of being open must get through it.
    lat, lon = community.here
    after_midnight = dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.UTC)  # Thursday 00:30 in Shanghai
    assert selectors.station_search(latitude=lat, longitude=lon, open_now=True, now=after_midnight) == []
    # Wednesday's hours run past midnight at the centre.
    WeeklyHours.objects.filter(station=community.middle, weekday=2).update(closes=dt.time(1))
    # Special hours today at the near one.
    HoursException.objects.create(
        station=community.near,
        starts_on=dt.date(2026, 12, 3),
        ends_on=dt.date(2026, 12, 3),
        closed=False,
        opens=dt.time(0),
        closes=dt.time(2),
        reason="夜市",
    )
    # The far one keeps Urumqi time: 22:30 there, open till 23:00.
    Station.objects.filter(pk=community.far.pk).update(time_zone="Asia/Urumqi")
    WeeklyHours.objects.filter(station=community.far).update(closes=dt.time(23))
    hits = selectors.station_search(latitude=lat, longitude=lon, open_now=True, now=after_midnight)
    assert names(hits) == ["西湖便利店惠民服务站", "龙坞惠民服务中心", "转塘服务点"]
    assert all(hit.open_now for hit in hits)
    # A service's own hours count too.
    offer = Offer.objects.get(station=community.near, kind__code="printing")
    HoursException.objects.filter(station=community.near).delete()
    OfferHours.objects.create(offer=offer, weekday=3, opens=dt.time(0), closes=dt.time(0))
    hits = selectors.station_search(latitude=lat, longitude=lon, service="printing", open_now=True, now=after_midnight)
    assert names(hits) == ["西湖便利店惠民服务站"]


def test_a_chosen_village_stands_for_a_position(community):
    hits = selectors.station_search(village_id=community.world.village.pk, now=WEDNESDAY_10)
    assert {hit.card["name"] for hit in hits} == {"西湖便利店惠民服务站", "龙坞惠民服务中心", "转塘服务点"}
    assert all(hit.distance_km is not None for hit in hits)
    assert hits == sorted(hits, key=lambda hit: hit.distance_km)


def test_chinese_search_finds_services_and_places_by_words_and_characters(community):
    lat, lon = community.here
    assert names(selectors.station_search(latitude=lat, longitude=lon, q="快递", now=WEDNESDAY_10)) == [
        "西湖便利店惠民服务站",
        "龙坞惠民服务中心",
    ]
    assert names(selectors.station_search(latitude=lat, longitude=lon, q="法律咨询", now=WEDNESDAY_10)) == [
        "龙坞惠民服务中心"
    ]
    # Traditional characters find the simplified name.
    assert names(selectors.station_search(latitude=lat, longitude=lon, q="驛站", now=WEDNESDAY_10)) == ["转塘服务点"]


def test_the_search_costs_a_fixed_number_of_queries(community):
    lat, lon = community.here

    def search():
        with CaptureQueriesContext(connection) as queries:
            hits = selectors.station_search(
                latitude=lat, longitude=lon, category="convenience", open_now=True, now=WEDNESDAY_10
            )
        return hits, [q["sql"] for q in queries]

    # The catalogue, the stations nearest first, their weekly hours and exceptions, the cards' services and
    # stations; without PostgreSQL's nearest-first index, one more to see whether there are few stations in all.
    boxes = connection.vendor != "postgresql"
    hits, queries = search()
    assert len(queries) == 6 + boxes, queries
    # The same again: the catalogue and the cards come from the cache.
    again, queries = search()
    assert len(queries) == 3 + boxes, queries
    assert [hit.card for hit in again] == [hit.card for hit in hits]


def test_a_card_is_forgotten_when_its_station_or_services_change(community, django_capture_on_commit_callbacks):
    lat, lon = community.here

    def card():
        return selectors.station_search(latitude=lat, longitude=lon, limit=1, now=WEDNESDAY_10)[0].card

    assert [(o["service"], o["capacity"]) for o in card()["offers"]] == [("parcel-pickup", 12), ("printing", None)]
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_capacity_set(offer=community.parcels, by=community.world.retailer, delta=1)
    assert card()["offers"][0]["capacity"] == 13
    with django_capture_on_commit_callbacks(execute=True):
        services.station_update(station=community.near, by=community.world.retailer, name="西湖便民服务站")
    assert card()["name"] == "西湖便民服务站"
    # The admin's edits save the models.
    with django_capture_on_commit_callbacks(execute=True):
        Offer.objects.get(station=community.near, kind__code="printing").delete()
    assert [o["service"] for o in card()["offers"]] == ["parcel-pickup"]
    village = community.world.village
    village.name = "龙坞新村"
    with django_capture_on_commit_callbacks(execute=True):
        village.save()
    assert card()["village"] == "龙坞新村"


def test_only_the_owner_or_an_editor_changes_a_station(community):
    world = community.world
    with pytest.raises(PermissionDenied):
        services.station_update(station=community.near, by=community.other_owner, phone="13011112222")
    with pytest.raises(PermissionDenied):
        services.station_update(station=community.near, by=world.villager, phone="13011112222")
    with pytest.raises(PermissionDenied):
        services.offer_capacity_set(offer=community.parcels, by=world.staff, delta=1)
    services.station_update(station=community.near, by=world.retailer, phone="13011112222")
    assert Station.objects.get(pk=community.near.pk).phone == "13011112222"
    services.station_update(station=community.near, by=world.editor, description="周一至周日营业")
    assert Station.objects.get(pk=community.near.pk).description == "周一至周日营业"


def test_one_tap_moves_the_capacity_never_below_zero(community, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("realtime.rooms.room_changed", lambda kind, key: sent.append((kind, key)))
    owner = community.world.retailer
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.offer_capacity_set(offer=community.parcels, by=owner, delta=1)
    assert offer.capacity == 13
    assert sent == [("stations", str(community.near.pk))]
    services.offer_capacity_set(offer=community.parcels, by=owner, capacity=0)
    with pytest.raises(ApplicationError):
        services.offer_capacity_set(offer=community.parcels, by=owner, delta=-1)
    assert Offer.objects.get(pk=community.parcels.pk).capacity == 0
    # A service that counts nothing has no capacity.
    printing = Offer.objects.get(station=community.near, kind__code="printing")
    with pytest.raises(ApplicationError):
        services.offer_capacity_set(offer=printing, by=owner, capacity=3)


def test_the_snapshot_says_open_and_capacities(community):
    snapshot = selectors.station_snapshot(station_id=community.near.pk, now=WEDNESDAY_10)
    assert snapshot["open_now"] is True
    assert snapshot["next_change"] == "2026-12-02T20:00:00+08:00"
    assert [(o["service"], o["capacity"]) for o in snapshot["offers"]] == [("parcel-pickup", 12), ("printing", None)]


def test_station_choices_for_other_apps(community):
    choices = selectors.station_choices()
    assert (community.near.pk, "西湖便利店惠民服务站 · 龙坞村") in choices
    assert len(choices) == 3


def test_the_station_page_groups_equal_days_and_says_all_day(community):
    from content.community.hours import Period
    from content.community.selectors import hours_summary

    detail = selectors.station_detail(station_id=community.near.pk, now=WEDNESDAY_10)
    assert [times for _days, times in detail["weekly"]] == ["08:00–20:00"]
    all_day = [Period(day, dt.time(0), dt.time(0)) for day in range(7)]
    assert len(hours_summary(all_day)) == 1
    weekdays_only = [Period(day, dt.time(8), dt.time(12)) for day in range(5)]
    rows = hours_summary(weekdays_only)
    assert [times for _days, times in rows][4:] == ["08:00–12:00", rows[5][1], rows[6][1]]
    assert rows[5][1] == rows[6][1] != "08:00–12:00"
