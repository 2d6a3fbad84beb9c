"""The iCalendar feeds parse with the `icalendar` package; a recurring activity is one event with a valid RRULE
whose expansion gives the activity's own occurrences; the person's feed is private (a wrong token is 404) and
reading it writes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from dateutil.rrule import rrulestr
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar

from content.volunteering import ical
from content.volunteering.models import Activity, Notification
from content.volunteering.services import activity_create, calendar_link_renew, signup_create

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def saturdays(vol):
    return activity_create(
        by=vol.world.staff,
        team=vol.team,
        title="周六上午敬老院陪伴",
        category=Activity.Category.CARE,
        address="转塘敬老院",
        starts_at=vol.start,
        ends_at=vol.start + dt.timedelta(hours=2),
        rrule="FREQ=WEEKLY;COUNT=8",
        visibility=Activity.Visibility.PUBLIC,
        shifts=[{"label": "", "offset_minutes": 0, "length_minutes": 120, "capacity": 10}],
    )


def test_the_team_feed_parses_and_its_rule_gives_the_activity_occurrences(vol, saturdays, client):
    response = client.get(f"/volunteering/teams/{vol.team.pk}/calendar/{vol.team.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"西湖边文明劝导", "周六上午敬老院陪伴"}
    event = events["周六上午敬老院陪伴"]
    assert "RRULE" not in events["西湖边文明劝导"]
    rule = event["RRULE"].to_ical().decode()
    start = event["DTSTART"].dt
    expanded = list(rrulestr(rule, dtstart=start))
    assert len(expanded) == 8
    far = vol.start + dt.timedelta(days=100)
    assert [timezone.localtime(s) for s in saturdays.occurrences(after=vol.start, before=far)] == [
        timezone.localtime(s) for s in expanded
    ]
    assert client.get(f"/volunteering/teams/{vol.team.pk}/calendar/wrong.ics").status_code == 404


def test_the_person_feed_is_private_and_lists_confirmed_places(vol, saturdays, client):
    volunteer = vol.world.volunteer
    signup_create(user=volunteer, shift=saturdays.shifts.get(), occurrence=vol.start + dt.timedelta(days=7))
    token = ical.person_token(volunteer)
    response = client.get(f"/volunteering/calendar/{token}.ics")
    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [(str(e["summary"]), e["DTSTART"].dt) for e in events] == [
        ("周六上午敬老院陪伴", vol.start + dt.timedelta(days=7))
    ]
    calendar_link_renew(user=volunteer)
    assert client.get(f"/volunteering/calendar/{token}.ics").status_code == 404
    assert client.get(f"/volunteering/calendar/{ical.person_token(volunteer)}.ics").status_code == 200


def test_a_rule_without_an_end_or_nonsense_is_refused(vol):
    from django.core.exceptions import ValidationError

    for rule, message in [
        ("FREQ=WEEKLY", "must end"),
        ("FREQ=SECONDLY;COUNT=3", "daily, weekly or monthly"),
        ("junk", "Not a valid"),
    ]:
        with pytest.raises(ValidationError, match=message):
            activity_create(
                by=vol.world.staff,
                team=vol.team,
                title="x",
                category="civility",
                address="y",
                starts_at=vol.start,
                ends_at=vol.start + dt.timedelta(hours=1),
                rrule=rule,
                visibility="public",
                shifts=[{"label": "", "offset_minutes": 0, "length_minutes": 60, "capacity": 1}],
            )


def test_a_reminder_reaches_the_notification_list_once(vol):
    signup_create(user=vol.world.volunteer, shift=vol.shift, occurrence=vol.start)
    before = (vol.start - dt.timedelta(hours=2)).isoformat()
    call_command("volunteering_remind", "--now", before, stdout=StringIO())
    call_command("volunteering_remind", "--now", before, stdout=StringIO())
    texts = list(Notification.objects.filter(user=vol.world.volunteer).values_list("text", flat=True))
    assert len(texts) == 1 and "西湖边文明劝导" in texts[0]
