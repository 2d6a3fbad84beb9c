"""iCalendar (RFC 5545) feeds: a person's sign-ups (at a private URL) and a team's activities. Written with the
`icalendar` package; a recurring activity is one VEVENT with its RRULE, as calendars expect.

The person's private address carries a token signed with the site's secret and the number of times they renewed
it (`VolunteerProfile.calendar_version`), so reading a feed writes nothing and renewing invalidates the old one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from icalendar import Calendar, Event
from icalendar.prop import vRecur

from .models import Activity, SignUp, Team, VolunteerProfile

PRODID = "-//xianfeng//volunteering//ZH"


def person_token(user) -> str:
    version = VolunteerProfile.objects.filter(user=user).values_list("calendar_version", flat=True).first() or 0
    digest = salted_hmac("volunteering.ical", f"{user.pk}:{version}", algorithm="sha256").hexdigest()[:32]
    return f"{user.pk}-{digest}"


def person_for_token(token: str):
    from django.contrib.auth import get_user_model

    pk, _sep, _digest = (token or "").partition("-")
    if not pk.isdigit():
        return None
    user = get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    if user is None or not constant_time_compare(person_token(user), token):
        return None
    return user


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _activity_event(activity: Activity, *, start: dt.datetime, end: dt.datetime, uid: str, rrule: str = "") -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", activity.created_at or timezone.now())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", activity.title)
    event.add("location", activity.address)
    event.add("description", activity.description)
    event.add("url", _site() + activity.get_absolute_url())
    event.add("categories", [activity.get_category_display()])
    if rrule:
        event.add("rrule", vRecur.from_ical(rrule))
    return event


def person_feed(user) -> bytes:
    calendar = _calendar(f"{user} · 志愿服务")
    signups = (
        SignUp.objects.filter(user=user, status=SignUp.Status.CONFIRMED)
        .select_related("shift__activity")
        .order_by("occurrence", "pk")
    )
    for signup in signups:
        activity = signup.shift.activity
        event = _activity_event(
            activity,
            start=signup.starts_at,
            end=signup.ends_at,
            uid=f"signup-{signup.pk}@{settings.WAGTAIL_SITE_NAME}",
        )
        calendar.add_component(event)
    return calendar.to_ical()


def team_feed(team: Team) -> bytes:
    calendar = _calendar(team.name)
    for activity in team.activities.filter(cancelled=False).order_by("starts_at", "pk"):
        calendar.add_component(
            _activity_event(
                activity,
                start=activity.starts_at,
                end=activity.ends_at,
                uid=f"activity-{activity.pk}@{settings.WAGTAIL_SITE_NAME}",
                rrule=activity.rrule,
            )
        )
    return calendar.to_ical()
