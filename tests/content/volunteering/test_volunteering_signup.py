"""Sign-up never overbooks: a place while there is one, the waitlist after, in arrival order; a cancellation gives
the freed place to exactly the first person waiting, who is told; pressing twice changes nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase

from content.volunteering import services
from content.volunteering.models import Activity, Notification, ShiftPlaces, SignUp
from content.volunteering.services import activity_create, signup_cancel, signup_create
from core.activity.models import Statement
from core.activity.vocabulary import Verb
from core.errors import ApplicationError, PermissionDenied

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def people(n: int, prefix: str = "v"):
    User = get_user_model()
    return [User.objects.create(username=f"{prefix}{i:03d}", display_name=f"志愿者{i}") for i in range(n)]


def test_places_then_the_waitlist_and_a_second_press_changes_nothing(vol):
    a, b, c, d, e = people(5)
    results = [signup_create(user=p, shift=vol.shift, occurrence=vol.start)[0] for p in (a, b, c, d, e)]
    assert [s.status for s in results] == ["confirmed"] * 3 + ["waiting"] * 2
    again, created = signup_create(user=d, shift=vol.shift, occurrence=vol.start)
    assert (again.pk, created) == (results[3].pk, False)
    assert SignUp.objects.count() == 5
    # a confirmed place is a "registered" statement; a waitlist place is not (yet)
    assert Statement.objects.filter(verb_id=Verb.REGISTERED).count() == 3


def test_a_sign_up_costs_exact_queries_and_announces_the_room_once(vol, django_assert_num_queries, monkeypatch):
    """The sign-up storm's path (platform/bench/volunteer_signup.py). On PostgreSQL one statement locks the
    shift's places row, decides, counts and inserts; elsewhere (SQLite, which serialises writers) the same steps
    one by one: the lock, the person's live sign-up, the insert, the count. Then the "registered" statement (one
    insert) and one room notice after commit. Pressing again costs the statement that finds nothing to do and the
    fetch of the sign-up."""
    a, b = people(2)
    signup_create(user=a, shift=vol.shift, occurrence=vol.start)  # makes the shift's places row
    announced = []
    monkeypatch.setattr(services, "activity_changed", announced.append)
    take = 1 if connection.vendor == "postgresql" else 4
    # 2 savepoints (test transaction) + the sign-up + the statement's insert (the scoring rules are held by the
    # process since the first sign-up)
    with TestCase.captureOnCommitCallbacks(execute=True), django_assert_num_queries(2 + take + 1):
        signup, created = signup_create(user=b, shift=vol.shift, occurrence=vol.start)
    assert (signup.status, created, announced) == ("confirmed", True, [vol.activity.pk])
    with TestCase.captureOnCommitCallbacks(execute=True), django_assert_num_queries(4):
        again, created = signup_create(user=b, shift=vol.shift, occurrence=vol.start)
    assert (again.pk, created) == (signup.pk, False)


def places_of(vol) -> tuple[int, int]:
    places = ShiftPlaces.objects.get(shift=vol.shift, occurrence=vol.start)
    return places.confirmed, places.waiting


def test_the_places_row_counts_what_the_sign_ups_say_through_cancellations_and_promotions(vol):
    a, b, c, d, e = people(5)
    signups = [signup_create(user=p, shift=vol.shift, occurrence=vol.start)[0] for p in (a, b, c, d, e)]
    assert places_of(vol) == (3, 2)
    signup_cancel(signup=signups[0], by=a)  # d moves up
    assert places_of(vol) == (3, 1)
    signup_cancel(signup=signups[4], by=e)  # a waitlist place given back
    assert places_of(vol) == (3, 0)
    signup_cancel(signup=signups[1], by=b)  # nobody waits: a place stays free
    assert places_of(vol) == (2, 0)
    signup_cancel(signup=signups[1], by=b)  # twice changes nothing
    assert places_of(vol) == (2, 0)
    assert signup_create(user=a, shift=vol.shift, occurrence=vol.start)[0].status == "confirmed"
    assert places_of(vol) == (3, 0)
    live = SignUp.objects.exclude(status="cancelled")
    assert places_of(vol) == (live.filter(status="confirmed").count(), live.filter(status="waiting").count())


def test_sign_ups_made_before_the_places_row_are_counted_when_it_is_made(vol):
    """The demo writes sign-ups directly; the first sign-up through the service counts them."""
    a, b, c, d = people(4)
    SignUp.objects.bulk_create(
        [SignUp(shift=vol.shift, occurrence=vol.start, user=p, status="confirmed") for p in (a, b)]
    )
    assert signup_create(user=c, shift=vol.shift, occurrence=vol.start)[0].status == "confirmed"
    assert signup_create(user=d, shift=vol.shift, occurrence=vol.start)[0].status == "waiting"
    assert places_of(vol) == (3, 1)


def test_a_cancellation_promotes_exactly_the_first_waiting_person_and_tells_them(vol):
    a, b, c, d, e = people(5)
    signups = [signup_create(user=p, shift=vol.shift, occurrence=vol.start)[0] for p in (a, b, c, d, e)]

    cancelled, promoted = signup_cancel(signup=signups[1], by=b)

    assert cancelled.status == "cancelled"
    assert promoted.pk == signups[3].pk
    statuses = dict(SignUp.objects.values_list("user__username", "status"))
    assert statuses == {
        "v000": "confirmed",
        "v001": "cancelled",
        "v002": "confirmed",
        "v003": "confirmed",
        "v004": "waiting",
    }
    assert list(Notification.objects.filter(user=d).values_list("text", flat=True)) == [
        f"A place came free: you are now confirmed for 西湖边文明劝导 on {vol.start:%Y-%m-%d %H:%M}."
    ]
    assert Notification.objects.filter(user=e).count() == 0
    # cancelling again changes nothing and promotes nobody
    assert signup_cancel(signup=signups[1], by=b)[1] is None
    assert SignUp.objects.filter(status="confirmed").count() == 3
    # a waitlist place given back frees nothing
    assert signup_cancel(signup=signups[4], by=e)[1] is None
    assert SignUp.objects.filter(status="confirmed").count() == 3


def test_a_person_cannot_cancel_someone_elses_place(vol):
    a, b = people(2)
    signup, _ = signup_create(user=a, shift=vol.shift, occurrence=vol.start)
    with pytest.raises(PermissionDenied, match="only your own"):
        signup_cancel(signup=signup, by=b)


def test_team_only_activities_refuse_outsiders_and_wrong_times_are_refused(vol):
    world = vol.world
    activity = activity_create(
        by=world.staff,
        team=vol.team,
        title="队内培训",
        category=Activity.Category.SAFETY,
        address="市场部会议室",
        starts_at=vol.start,
        ends_at=vol.start + dt.timedelta(hours=1),
        visibility=Activity.Visibility.TEAM,
        shifts=[{"label": "", "offset_minutes": 0, "length_minutes": 60, "capacity": 5}],
    )
    shift = activity.shifts.get()
    with pytest.raises(PermissionDenied, match="team or unit only"):
        signup_create(user=world.villager, shift=shift, occurrence=vol.start)
    assert signup_create(user=world.volunteer, shift=shift, occurrence=vol.start)[0].status == "confirmed"
    with pytest.raises(ApplicationError, match="does not take place then"):
        signup_create(user=world.volunteer, shift=shift, occurrence=vol.start + dt.timedelta(hours=1))


def test_a_recurring_activity_holds_its_places_per_occurrence(vol):
    world = vol.world
    activity = activity_create(
        by=world.staff,
        team=vol.team,
        title="周六垃圾分类督导",
        category=Activity.Category.ENVIRONMENT,
        address="龙坞村村委",
        starts_at=vol.start,
        ends_at=vol.start + dt.timedelta(hours=2),
        rrule="FREQ=WEEKLY;COUNT=10",
        visibility=Activity.Visibility.PUBLIC,
        shifts=[{"label": "", "offset_minutes": 0, "length_minutes": 120, "capacity": 1}],
    )
    shift = activity.shifts.get()
    a, b = people(2)
    week2 = vol.start + dt.timedelta(days=7)
    assert signup_create(user=a, shift=shift, occurrence=vol.start)[0].status == "confirmed"
    assert signup_create(user=b, shift=shift, occurrence=week2)[0].status == "confirmed"
    assert signup_create(user=b, shift=shift, occurrence=vol.start)[0].status == "waiting"
    assert Activity.objects.count() == 2  # a rule, not copies


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hundred_sign_ups_at_once_for_thirty_places(vol):
    """200 sign-ups race for 30 places on PostgreSQL: 40 connections (the shared server allows 100 for every
    helper and test run) released together by a barrier, five people each. Exactly 30 are confirmed, 170 wait in
    the order they reached the shift's lock, and one cancellation promotes exactly the first of them."""
    shift = vol.shift
    shift.capacity = 30
    shift.save()
    crowd = people(200, prefix="c")
    threads_n = 40
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []
    order: dict[int, list[int]] = {}

    def press(worker: int) -> None:
        try:
            barrier.wait(timeout=60)
            for person in crowd[worker::threads_n]:
                signup, _created = signup_create(user=person, shift=shift, occurrence=vol.start)
                order.setdefault(worker, []).append(signup.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors

    rows = list(SignUp.objects.filter(shift=shift).order_by("pk").values_list("pk", "status", "created_at"))
    assert len(rows) == 200
    assert [status for _pk, status, _at in rows] == ["confirmed"] * 30 + ["waiting"] * 170
    # arrival order: stamped under the lock, so time and id agree; each worker's presses in its own order
    assert [pk for pk, _s, _at in sorted(rows, key=lambda r: (r[2], r[0]))] == [pk for pk, _s, _at in rows]
    assert all(ids == sorted(ids) for ids in order.values())
    assert places_of(vol) == (30, 170)
    first_waiting = rows[30][0]

    cancelled, promoted = signup_cancel(
        signup=SignUp.objects.get(pk=rows[0][0]), by=SignUp.objects.get(pk=rows[0][0]).user
    )
    assert promoted.pk == first_waiting
    assert SignUp.objects.filter(shift=shift, status="confirmed").count() == 30
    assert SignUp.objects.filter(shift=shift, status="waiting").count() == 169
    assert places_of(vol) == (30, 169)
    assert Notification.objects.filter(user=promoted.user).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_person_pressing_from_twenty_tabs_at_once_gets_one_place(vol):
    """Every press passes the "no live sign-up yet" check before any commits; the one-live-sign-up constraint
    refuses all but one, whose counts alone stay, and every press answers with that one sign-up."""
    (person,) = people(1)
    threads_n = 20
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []
    answers: list[tuple[int, bool]] = []

    def press() -> None:
        try:
            barrier.wait(timeout=60)
            signup, created = signup_create(user=person, shift=vol.shift, occurrence=vol.start)
            answers.append((signup.pk, created))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    (only,) = SignUp.objects.filter(user=person).values_list("pk", flat=True)
    assert sorted(answers) == [(only, False)] * (threads_n - 1) + [(only, True)]
    assert places_of(vol) == (1, 0)
    assert Statement.objects.filter(verb_id=Verb.REGISTERED).count() == 1
