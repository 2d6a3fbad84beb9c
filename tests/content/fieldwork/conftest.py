"""A field-work world on top of the shared `world`: zhao_staff is the customer manager of 城西一网格 (its shops
have locations), wang_member is an inspector there; a customer manager's work list with daily, weekly, monthly
and per-shop tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from content.fieldwork.models import Cadence, Evidence, FieldRole, ShopPlace, WorkListTemplate, WorkTask
from content.fieldwork.services import worker_grids_set
from core.people.models import Shop

LAT, LNG = Decimal("30.259000"), Decimal("120.130000")


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted verbatim in English (the catalogues translate them into Chinese by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def field(world):
    shops = [world.shop] + [
        Shop.objects.create(licence_number=f"3301061000{n:02d}", name=f"网格店{n}", tier=5, grid=world.grid)
        for n in range(2, 24)
    ]
    for n, shop in enumerate(shops):
        ShopPlace.objects.create(shop=shop, latitude=LAT + Decimal(n) / 1000, longitude=LNG)
    manager = worker_grids_set(user=world.staff, role=FieldRole.CUSTOMER_MANAGER, grids=[world.grid])
    inspector = worker_grids_set(user=world.member, role=FieldRole.INSPECTOR, grids=[world.grid])
    template = WorkListTemplate.objects.create(name="客户经理工作清单", role=FieldRole.CUSTOMER_MANAGER)
    daily = WorkTask.objects.create(
        template=template,
        title="查看订单异常",
        cadence=Cadence.DAILY,
        due_hour=18,
        evidence=Evidence.NOTE,
        sort_order=1,
    )
    weekly = WorkTask.objects.create(
        template=template,
        title="周例会",
        cadence=Cadence.WEEKLY,
        due_days=4,
        due_hour=17,
        evidence=Evidence.NONE,
        sort_order=2,
    )
    monthly = WorkTask.objects.create(
        template=template,
        title="月度陈列检查",
        cadence=Cadence.MONTHLY,
        due_days=24,
        due_hour=18,
        evidence=Evidence.CHECKLIST,
        checklist="价签\n陈列柜",
        sort_order=3,
    )
    per_shop = WorkTask.objects.create(
        template=template,
        title="走访服务",
        cadence=Cadence.PER_SHOP,
        evidence=Evidence.CHECKLIST,
        checklist="宣传政策\n检查价签\n了解需求",
        sort_order=4,
    )
    return SimpleNamespace(
        world=world,
        shops=shops,
        manager=manager,
        inspector=inspector,
        template=template,
        daily=daily,
        weekly=weekly,
        monthly=monthly,
        per_shop=per_shop,
        checklist=["宣传政策", "检查价签", "了解需求"],
    )
