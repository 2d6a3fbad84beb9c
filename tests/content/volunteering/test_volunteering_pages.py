"""The pages and the API as people use them: a volunteer finds the activity, signs up, sees the waitlist when it
is full; the leader's check-in screen shows a scannable code; scanning it checks in; the leader approves from
the team page; the star page shows the total. Reads (pages, snapshots, feeds) write nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from content.volunteering import checkin, selectors
from content.volunteering.models import Activity, HoursEntry, Shift, SignUp
from content.volunteering.services import activity_create, hours_check_in_by_leader, signup_cancel, signup_create

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_a_volunteer_finds_the_activity_and_signs_up_then_the_full_shift_offers_the_waitlist(vol, client):
    world = vol.world
    client.force_login(world.volunteer)
    listing = client.get("/volunteering/")
    assert listing.status_code == 200
    assert "西湖边文明劝导" in listing.content.decode()
    page = client.get(vol.activity.get_absolute_url())
    assert f'data-room="/ws/volunteering/{vol.activity.pk}/"' in page.content.decode()
    occurrence = selectors.activity_occurrences(vol.activity)[0]["start"]
    response = client.post(
        f"/volunteering/activities/{vol.activity.pk}/signup/", {"shift": vol.shift.pk, "occurrence": occurrence}
    )
    assert response.status_code == 302
    assert SignUp.objects.get(user=world.volunteer).status == "confirmed"
    for person in (world.retailer, world.villager):
        signup_create(user=person, shift=vol.shift, occurrence=vol.start)
    client.force_login(world.member)
    text = client.get(vol.activity.get_absolute_url()).content.decode()
    assert 'data-left="0"' in text
    button = re.search(r'data-label-full="([^"]+)">([^<]+)</button>', text)
    assert button.group(1) == button.group(2)  # the full shift's button offers the waitlist


def test_the_api_signs_up_and_answers_per_status(vol, client):
    world = vol.world
    assert (
        client.post(
            f"/api/volunteering/activities/{vol.activity.pk}/signup",
            {"shift": vol.shift.pk, "occurrence": vol.start.isoformat()},
            content_type="application/json",
        ).status_code
        == 401
    )
    client.force_login(world.volunteer)
    body = {"shift": vol.shift.pk, "occurrence": vol.start.isoformat()}
    first = client.post(f"/api/volunteering/activities/{vol.activity.pk}/signup", body, content_type="application/json")
    assert first.status_code == 200 and first.json()["status"] == "confirmed"
    wrong = client.post(
        f"/api/volunteering/activities/{vol.activity.pk}/signup",
        {"shift": vol.shift.pk, "occurrence": (vol.start + dt.timedelta(minutes=5)).isoformat()},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert client.get("/api/volunteering/activities/999999").status_code == 404
    detail = client.get(f"/api/volunteering/activities/{vol.activity.pk}").json()
    assert detail["occurrences"][0]["shifts"][0]["left"] == 2
    me = client.get("/api/volunteering/me").json()
    assert me["stars"] == 0 and len(me["signups"]) == 1
    assert client.get(f"/api/volunteering/teams/{vol.team.pk}/report").status_code == 403
    client.force_login(world.staff)
    report = client.get(f"/api/volunteering/teams/{vol.team.pk}/report").json()
    assert {row["user"] for row in report["roster"]} == {"zhao_staff", "zhou_volunteer", "li_retailer"}


def test_scan_then_leader_approves_then_the_star_page_shows_the_total(vol, client):
    world = vol.world
    signup, _ = signup_create(user=world.volunteer, shift=vol.shift, occurrence=vol.start)
    client.force_login(world.staff)
    screen = client.get(f"/volunteering/activities/{vol.activity.pk}/checkin/")
    assert screen.status_code == 200
    url = re.search(r'data-url="([^"]+)"', screen.content.decode()).group(1)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert token.split(".")[:2] == [str(vol.activity.pk), str(int(vol.start.timestamp()))]
    # tomorrow's code does not work today (in English: a page request above left its language active)
    with translation.override("en"), pytest.raises(checkin.TokenRefused, match="another day"):
        checkin.token_read(token)
    code = client.get(f"/volunteering/activities/{vol.activity.pk}/checkin/code/").json()
    assert code["url"].startswith("http://testserver/volunteering/scan/")
    # the volunteer cannot see the leader's screen
    client.force_login(world.volunteer)
    assert client.get(f"/volunteering/activities/{vol.activity.pk}/checkin/").status_code == 403
    # (scanning needs the occurrence's day; the service test covers the clock, here the leader checks in and out)
    hours_check_in_by_leader(signup=signup, by=world.staff, now=vol.start)
    hours_check_in_by_leader(signup=signup, by=world.staff, now=vol.start + dt.timedelta(hours=3))
    entry = HoursEntry.objects.get()
    client.force_login(world.staff)
    team_page = client.get(f"/volunteering/teams/{vol.team.pk}/").content.decode()
    assert 'data-testid="pending-entry"' in team_page
    client.post(f"/volunteering/hours/{entry.pk}/decide/", {"action": "approve"})
    assert HoursEntry.objects.get().approved_hours == Decimal("3.00")
    client.force_login(world.volunteer)
    stars_page = client.get("/volunteering/me/stars/").content.decode()
    assert 'data-testid="total-hours">3.00<' in stars_page
    assert client.get("/volunteering/me/certificate/").status_code == 200
    notes = client.get("/volunteering/notifications/").content.decode()
    assert "3.00" in notes


def test_reads_write_nothing(vol, client):
    signup_create(user=vol.world.volunteer, shift=vol.shift, occurrence=vol.start)
    client.force_login(vol.world.staff)
    urls = [
        "/volunteering/",
        vol.activity.get_absolute_url(),
        f"/volunteering/teams/{vol.team.pk}/",
        f"/volunteering/activities/{vol.activity.pk}/checkin/",
        f"/volunteering/board/{vol.world.department.pk}/",
        "/volunteering/me/",
        "/volunteering/me/stars/",
        f"/api/volunteering/activities/{vol.activity.pk}",
        f"/api/volunteering/boards/{vol.world.city.pk}",
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert client.get(url).status_code == 200, url
        selectors.activity_room_snapshot(str(vol.activity.pk))
        selectors.board_room_snapshot(str(vol.world.city.pk))
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    # the session's last-login/expiry may be touched by auth middleware; nothing of ours
    assert [w for w in writes if "volunteering_" in w or "activity_statement" in w] == []


def test_the_room_snapshot_counts_places_in_one_query(vol, django_assert_num_queries):
    signup_create(user=vol.world.volunteer, shift=vol.shift, occurrence=vol.start)
    with django_assert_num_queries(1):  # every worker reads it up to 4 times a second per room during a storm
        data = selectors.activity_room_snapshot(str(vol.activity.pk))
    json.dumps(data)
    assert (data["occurrences"][0]["shifts"][0]["confirmed"], data["occurrences"][0]["shifts"][0]["left"]) == (1, 2)


def _places(occurrences) -> list:
    return [
        (o["start"], [(s["id"], s["confirmed"], s["waiting"], s["left"]) for s in o["shifts"]]) for o in occurrences
    ]


def test_the_room_snapshot_says_what_the_page_says_for_every_occurrence_and_shift(vol):
    world = vol.world
    weekly = activity_create(
        by=world.staff,
        team=vol.team,
        title="周六垃圾分类督导",
        category=Activity.Category.ENVIRONMENT,
        address="龙坞村村委",
        starts_at=vol.start,
        ends_at=vol.start + dt.timedelta(hours=4),
        rrule="FREQ=WEEKLY;COUNT=10",
        visibility=Activity.Visibility.PUBLIC,
        shifts=[
            {"label": "上午", "offset_minutes": 0, "length_minutes": 120, "capacity": 1},
            {"label": "下午", "offset_minutes": 120, "length_minutes": 120, "capacity": 2},
        ],
    )
    morning, afternoon = weekly.shifts.order_by("offset_minutes")
    week2 = vol.start + dt.timedelta(days=7)
    signup_create(user=world.volunteer, shift=morning, occurrence=vol.start)
    signup_create(user=world.retailer, shift=morning, occurrence=vol.start)  # waits
    gone, _ = signup_create(user=world.villager, shift=afternoon, occurrence=week2)
    signup_cancel(signup=gone, by=world.villager)
    signup_create(user=world.staff, shift=afternoon, occurrence=week2)

    room = selectors.activity_room_snapshot(str(weekly.pk))

    assert _places(room["occurrences"]) == _places(selectors.activity_occurrences(weekly))
    assert _places(room["occurrences"])[:2] == [
        (timezone.localtime(vol.start).isoformat(), [(morning.pk, 1, 1, 0), (afternoon.pk, 0, 0, 2)]),
        (timezone.localtime(week2).isoformat(), [(morning.pk, 0, 0, 1), (afternoon.pk, 1, 0, 1)]),
    ]


def test_the_room_snapshot_counts_an_occurrence_that_began_days_ago(vol):
    """A camp of five days that began three days ago: its sign-ups are older than the snapshot's usual window."""
    world = vol.world
    began = timezone.now() - dt.timedelta(days=3)
    camp = Activity.objects.create(
        team=vol.team,
        title="五日营",
        category=Activity.Category.CARE,
        address="敬老院",
        starts_at=began,
        ends_at=began + dt.timedelta(days=5),
        visibility=Activity.Visibility.PUBLIC,
    )
    shift = Shift.objects.create(activity=camp, length_minutes=60 * 24 * 5, capacity=4)
    SignUp.objects.create(shift=shift, occurrence=began, user=world.volunteer, status="confirmed")

    room = selectors.activity_room_snapshot(str(camp.pk))

    assert _places(room["occurrences"]) == [(timezone.localtime(began).isoformat(), [(shift.pk, 1, 0, 3)])]
