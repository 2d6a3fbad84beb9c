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
from django.utils import translation

from content.volunteering import checkin, selectors
from content.volunteering.models import HoursEntry, SignUp
from content.volunteering.services import hours_check_in_by_leader, signup_create

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


def test_the_room_snapshot_counts_places_in_two_queries(vol, django_assert_num_queries):
    signup_create(user=vol.world.volunteer, shift=vol.shift, occurrence=vol.start)
    with django_assert_num_queries(2):  # every worker reads it up to 4 times a second per room during a storm
        data = selectors.activity_room_snapshot(str(vol.activity.pk))
    json.dumps(data)
    assert (data["occurrences"][0]["shifts"][0]["confirmed"], data["occurrences"][0]["shifts"][0]["left"]) == (1, 2)
