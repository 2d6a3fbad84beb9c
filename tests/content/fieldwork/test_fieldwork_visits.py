"""Visit plans cover every shop within the cycle; check-in by QR (signed, expiring) or by location (within the
set distance); the checklist ticked on site; the owner confirms. Each step a statement."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from conftest import LAT, LNG, at
from django.test import override_settings

from content.fieldwork.models import PlannedVisit, TaskItem, Visit
from content.fieldwork.services import (
    shop_checkin_token,
    visit_check_in,
    visit_confirm,
    visit_finish,
    visit_plan_create,
)
from core.activity.iris import ActivityType, Verb
from core.activity.models import Statement
from core.errors import ApplicationError, PermissionDenied

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)


def test_the_plan_visits_every_shop_once_within_its_cycle_spread_over_working_days(field):
    plan = visit_plan_create(
        by=field.world.staff, grid=field.world.grid, worker=field.world.staff, starts_on=MONDAY, days=28
    )
    stops = list(PlannedVisit.objects.filter(plan=plan))
    assert sorted(stop.shop_id for stop in stops) == sorted(shop.pk for shop in field.shops)
    assert all(MONDAY <= stop.day < MONDAY + dt.timedelta(days=28) for stop in stops)
    assert all(stop.day.weekday() < 5 for stop in stops)
    per_day = Counter(stop.day for stop in stops)
    # 23 shops over 20 working days: no day holds more than two, and the visits reach into the last week
    assert max(per_day.values()) <= 2
    assert max(per_day) >= MONDAY + dt.timedelta(days=21)


def test_a_plan_for_a_short_cycle_still_holds_every_shop(field):
    plan = visit_plan_create(
        by=field.world.staff, grid=field.world.grid, worker=field.world.staff, starts_on=MONDAY, days=3
    )
    assert PlannedVisit.objects.filter(plan=plan).count() == len(field.shops)
    assert {stop.day for stop in PlannedVisit.objects.filter(plan=plan)} <= {
        MONDAY + dt.timedelta(days=n) for n in range(3)
    }


def test_check_in_by_qr_code_keeps_time_and_says_so_in_a_statement(field):
    issued = at(MONDAY, 9)
    token = shop_checkin_token(shop=field.world.shop, now=issued)
    visit = visit_check_in(user=field.world.staff, token=token, now=issued + dt.timedelta(minutes=5))
    assert visit.shop == field.world.shop and visit.method == Visit.Method.QR
    assert visit.checked_in_at == issued + dt.timedelta(minutes=5)
    statement = Statement.objects.get(verb_id=Verb.CHECKED_IN)
    assert statement.activity_type == ActivityType.SHOP_VISIT
    assert statement.actor_user == field.world.staff


@override_settings(FIELDWORK_QR_MAX_AGE_SECONDS=600)
def test_an_expired_or_forged_qr_code_is_refused_and_nothing_is_written(field):
    issued = at(MONDAY, 9)
    token = shop_checkin_token(shop=field.world.shop, now=issued)
    with pytest.raises(ApplicationError) as expired:
        visit_check_in(user=field.world.staff, token=token, now=issued + dt.timedelta(seconds=601))
    assert expired.value.message == "This QR code has expired: ask the shop to show a fresh one."
    with pytest.raises(ApplicationError) as forged:
        visit_check_in(user=field.world.staff, token=token[:-2] + "xx", now=issued)
    assert forged.value.message == "This QR code is not a shop's check-in code."
    # exactly at the limit it still counts
    visit_check_in(user=field.world.staff, token=token, now=issued + dt.timedelta(seconds=600))
    assert Visit.objects.count() == 1
    assert Statement.objects.filter(verb_id=Verb.CHECKED_IN).count() == 1


@override_settings(FIELDWORK_CHECKIN_DISTANCE_M=200)
def test_check_in_by_location_only_within_the_set_distance(field):
    shop = field.world.shop
    # about 555 m north of the shop
    with pytest.raises(ApplicationError) as far:
        visit_check_in(
            user=field.world.staff, shop=shop, latitude=float(LAT) + 0.005, longitude=float(LNG), now=at(MONDAY)
        )
    assert far.value.message == "You are 556 m from the shop; check in within 200 m."
    assert Visit.objects.count() == 0 and not Statement.objects.exists()
    visit = visit_check_in(
        user=field.world.staff, shop=shop, latitude=float(LAT) + 0.001, longitude=float(LNG), now=at(MONDAY)
    )
    assert visit.method == Visit.Method.LOCATION and visit.distance_m == 111
    assert float(visit.latitude) == pytest.approx(float(LAT) + 0.001)


def test_only_the_grids_field_staff_check_in(field):
    token = shop_checkin_token(shop=field.world.shop, now=at(MONDAY))
    with pytest.raises(PermissionDenied):
        visit_check_in(user=field.world.editor, token=token, now=at(MONDAY))
    from content.fieldwork.services import worker_grids_set

    worker_grids_set(user=field.world.editor, role="inspector", grids=[field.world.other_grid])
    with pytest.raises(PermissionDenied) as other:
        visit_check_in(user=field.world.editor, token=token, now=at(MONDAY))
    assert other.value.message == "This shop is not in a grid you serve."


def test_finishing_ticks_the_checklist_does_the_per_shop_task_and_the_owner_confirms(field):
    token = shop_checkin_token(shop=field.world.shop, now=at(MONDAY))
    visit = visit_check_in(user=field.world.staff, token=token, now=at(MONDAY))
    with pytest.raises(ApplicationError):
        visit_finish(user=field.world.staff, visit=visit, ticked=["不在清单上"], now=at(MONDAY, 11))
    visit_finish(user=field.world.staff, visit=visit, ticked=field.checklist, note="货架整洁", now=at(MONDAY, 11))
    item = TaskItem.objects.get(task=field.per_shop, person=field.world.staff, shop=field.world.shop)
    assert item.status == TaskItem.Status.DONE and item.visit == visit
    visited = Statement.objects.get(verb_id=Verb.VISITED)
    assert visited.full["result"]["extensions"]["https://w3id.org/xapi/xianfeng/extensions/first-visit-in-month"]
    with pytest.raises(PermissionDenied):
        visit_confirm(user=field.world.staff, visit=visit)
    visit_confirm(user=field.world.retailer, visit=visit, comment="服务很好", now=at(MONDAY, 12))
    visit.refresh_from_db()
    assert visit.confirmed_at == at(MONDAY, 12)
    assert Statement.objects.filter(verb_id=Verb.CONFIRMED, actor_user=field.world.retailer).count() == 1


def test_a_second_visit_in_the_month_does_not_count_the_shop_twice(field):
    for day in (MONDAY, MONDAY + dt.timedelta(days=3)):
        token = shop_checkin_token(shop=field.world.shop, now=at(day))
        visit = visit_check_in(user=field.world.staff, token=token, now=at(day))
        visit_finish(user=field.world.staff, visit=visit, ticked=[], now=at(day, 11))
    firsts = [
        s.full["result"]["extensions"]["https://w3id.org/xapi/xianfeng/extensions/first-visit-in-month"]
        for s in Statement.objects.filter(verb_id=Verb.VISITED).order_by("timestamp")
    ]
    assert firsts == [True, False]
