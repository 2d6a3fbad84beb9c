"""A community world on top of the shared `world`: three stations around 龙坞村 (one hosted by li_retailer's
shop), their hours, services and a capacity; the catalogue and request categories come from the migration."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from content.community.catalogue import catalogue_seed
from content.community.models import Offer, ServiceKind, Station, WeeklyHours
from core.people.models import Shop, User


def every_day(station, opens="08:00", closes="20:00"):
    WeeklyHours.objects.bulk_create(
        [
            WeeklyHours(
                station=station, weekday=day, opens=dt.time.fromisoformat(opens), closes=dt.time.fromisoformat(closes)
            )
            for day in range(7)
        ]
    )


@pytest.fixture
def community(world):
    # A test that flushes the database (transaction=True) also removes what the data migration wrote.
    catalogue_seed()
    other_owner = User.objects.create(username="qian_retailer", display_name="钱老板")
    other_shop = Shop.objects.create(
        licence_number="330106100002",
        name="龙坞超市",
        tier=8,
        grid=world.grid,
        owner=other_owner,
        village=world.village,
    )
    far_shop = Shop.objects.create(
        licence_number="330106100003", name="转塘副食店", tier=8, grid=world.other_grid, village=world.village
    )
    near = Station.objects.create(
        name="西湖便利店惠民服务站",
        kind=Station.Kind.STATION,
        shop=world.shop,
        village=world.village,
        address="转塘街道龙坞村18号",
        latitude=30.1800,
        longitude=120.0900,
        phone="13900000001",
    )
    middle = Station.objects.create(
        name="龙坞惠民服务中心",
        kind=Station.Kind.CENTRE,
        shop=other_shop,
        village=world.village,
        address="转塘街道龙坞村66号",
        latitude=30.2000,
        longitude=120.0900,
    )
    far = Station.objects.create(
        name="转塘服务点",
        kind=Station.Kind.POINT,
        shop=far_shop,
        village=world.village,
        address="转塘街道1号",
        latitude=30.3000,
        longitude=120.0900,
    )
    for station in (near, middle, far):
        every_day(station)
    kinds = {kind.code: kind for kind in ServiceKind.objects.all()}
    parcels = Offer.objects.create(station=near, kind=kinds["parcel-pickup"], capacity=12, cost="")
    Offer.objects.create(station=near, kind=kinds["printing"], cost="0.5元/页")
    Offer.objects.create(station=middle, kind=kinds["parcel-pickup"], capacity=3)
    Offer.objects.create(station=middle, kind=kinds["legal-info"])
    Offer.objects.create(station=far, kind=kinds["rider-rest"], capacity=4)
    return SimpleNamespace(
        world=world,
        near=near,
        middle=middle,
        far=far,
        parcels=parcels,
        kinds=kinds,
        other_owner=other_owner,
        other_shop=other_shop,
        here=(30.1790, 120.0900),
    )
