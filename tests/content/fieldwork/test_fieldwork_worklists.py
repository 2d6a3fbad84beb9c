"""Today's list per person, ticked with the evidence each task asks for; what is late becomes a late item once
(with a statement) when its deadline passes; objectives roll up from the ticked items."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import at
from django.core.files.uploadedfile import SimpleUploadedFile

from content.fieldwork.models import Cadence, Evidence, KeyResult, Objective, TaskItem, WorkTask
from content.fieldwork.selectors import objectives_of, today_list
from content.fieldwork.services import task_tick, tasks_mark_late
from core.activity.iris import Verb
from core.activity.models import Statement
from core.cockpit.models import IndicatorTally
from core.errors import ApplicationError, PermissionDenied

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)


def test_todays_list_shows_each_task_with_its_deadline_and_state(field):
    listing = today_list(user=field.world.staff, now=at(MONDAY, 9))
    titles = {row["task"].title: row for row in listing["tasks"]}
    assert set(titles) == {"查看订单异常", "周例会", "月度陈列检查"}  # per-shop tasks come with visits
    assert titles["查看订单异常"]["due_at"] == at(MONDAY, 18) and titles["查看订单异常"]["state"] == "open"
    assert titles["周例会"]["due_at"] == at(MONDAY + dt.timedelta(days=4), 17)
    assert titles["月度陈列检查"]["due_at"] == at(dt.date(2026, 11, 25), 18)
    later = today_list(user=field.world.staff, now=at(MONDAY, 19))
    assert {row["task"].title: row["state"] for row in later["tasks"]}["查看订单异常"] == "late"


def test_a_tick_needs_its_evidence(field):
    with pytest.raises(ApplicationError) as note:
        task_tick(user=field.world.staff, task=field.daily, note=" ", now=at(MONDAY, 9))
    assert note.value.message == "This task needs a note."
    with pytest.raises(ApplicationError):
        task_tick(user=field.world.staff, task=field.monthly, checklist=["价签"], now=at(MONDAY, 9))
    with pytest.raises(PermissionDenied):
        task_tick(user=field.world.member, task=field.daily, note="x", now=at(MONDAY, 9))  # an inspector
    photo_task = WorkTask.objects.create(
        template=field.template, title="门头拍照", cadence=Cadence.DAILY, evidence=Evidence.PHOTO
    )
    with pytest.raises(ApplicationError) as kind:
        task_tick(
            user=field.world.staff,
            task=photo_task,
            now=at(MONDAY, 9),
            photo=SimpleUploadedFile("a.txt", b"hello", content_type="text/plain"),
        )
    assert kind.value.message == "A photo is a JPEG, PNG or WebP image."
    assert not TaskItem.objects.exists() and not Statement.objects.exists()
    item = task_tick(user=field.world.staff, task=field.daily, note="无异常", now=at(MONDAY, 9))
    assert item.status == TaskItem.Status.DONE
    again = task_tick(user=field.world.staff, task=field.daily, note="again", now=at(MONDAY, 10))
    assert again.pk == item.pk and Statement.objects.filter(verb_id=Verb.COMPLETED).count() == 1


def test_missed_deadlines_become_late_once_and_a_late_tick_is_not_counted_twice(field):
    task_tick(user=field.world.staff, task=field.weekly, now=at(MONDAY, 9))
    assert tasks_mark_late(now=at(MONDAY, 19)) == 1  # the daily task; the weekly one is done
    assert tasks_mark_late(now=at(MONDAY, 20)) == 0
    late = TaskItem.objects.get(status=TaskItem.Status.LATE)
    assert late.task == field.daily and late.due_at == at(MONDAY, 18)
    assert Statement.objects.filter(verb_id=Verb.FAILED).count() == 1
    task_tick(user=field.world.staff, task=field.daily, note="补做", now=at(MONDAY, 21))
    late.refresh_from_db()
    assert late.status == TaskItem.Status.DONE_LATE
    tally = IndicatorTally.objects.get(indicator="late-tasks", unit=field.world.grid)
    # due: the weekly (on time) and the daily (late, counted once when its deadline passed)
    assert (tally.numerator, tally.denominator) == (1, 2)


def test_objectives_roll_up_from_ticked_items(field):
    objective = Objective.objects.create(title="十一月服务目标", person=field.world.staff, month=MONDAY)
    KeyResult.objects.create(objective=objective, task=field.daily, target=4)
    unit_objective = Objective.objects.create(title="市场部目标", unit=field.world.department, month=MONDAY)
    KeyResult.objects.create(objective=unit_objective, task=field.daily, target=10)
    for n in range(3):
        task_tick(user=field.world.staff, task=field.daily, note="ok", now=at(MONDAY + dt.timedelta(days=n), 9))
    rows = {row["objective"].title: row for row in objectives_of(user=field.world.staff, now=at(MONDAY, 9))}
    assert rows["十一月服务目标"]["results"][0]["done"] == 3
    assert rows["十一月服务目标"]["share"] == pytest.approx(0.75)
    assert rows["市场部目标"]["share"] == pytest.approx(0.3)
