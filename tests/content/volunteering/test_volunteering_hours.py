"""Check-in by the leader's rotating QR code (it expires and cannot be replayed from another day), hours from
check-in and out, a forgotten check-out closed and flagged, leaders approve, adjust or decline (never delete,
every change kept), approved hours as `confirmed-hours` statements, stars at the national thresholds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from content.volunteering import checkin
from content.volunteering.models import HoursChange, HoursEntry, SignUp, StarAward
from content.volunteering.services import hours_check_in_by_leader, hours_decide, hours_scan, signup_create
from content.volunteering.stars import stars_for_hours
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, PermissionDenied

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def signed(vol):
    signup, _ = signup_create(user=vol.world.volunteer, shift=vol.shift, occurrence=vol.start)
    return signup


def test_the_volunteer_checks_in_and_out_by_the_qr_code(vol, signed):
    at = vol.start - dt.timedelta(minutes=10)
    token = checkin.token_make(activity=vol.activity, occurrence=vol.start, now=at)
    entry, what = hours_scan(user=vol.world.volunteer, token=token, now=at + dt.timedelta(seconds=5))
    assert (what, entry.status) == ("in", "open")
    assert Statement.objects.filter(verb_id=Verb.CHECKED_IN, actor_user=vol.world.volunteer).count() == 1

    out_at = vol.start + dt.timedelta(hours=2, minutes=35)
    later = checkin.token_make(activity=vol.activity, occurrence=vol.start, now=out_at)
    entry, what = hours_scan(user=vol.world.volunteer, token=later, now=out_at)
    assert (what, entry.status, entry.hours) == ("out", "pending", Decimal("2.75"))
    assert [c.action for c in entry.changes.all()] == ["check_in", "check_out"]


def test_the_code_expires_and_cannot_be_replayed_on_another_day(vol, signed):
    at = vol.start - dt.timedelta(minutes=10)
    token = checkin.token_make(activity=vol.activity, occurrence=vol.start, now=at)
    # two windows later the same picture is refused
    with pytest.raises(ApplicationError, match="expired"):
        hours_scan(user=vol.world.volunteer, token=token, now=at + dt.timedelta(seconds=checkin.ROTATE_SECONDS * 2))
    # the same code on the next day: refused, whatever its window
    with pytest.raises(ApplicationError, match="another day"):
        hours_scan(user=vol.world.volunteer, token=token, now=at + dt.timedelta(days=1))
    # a tampered code
    forged = token.replace(f"{vol.activity.pk}.", f"{vol.activity.pk}.1", 1)
    with pytest.raises(ApplicationError, match="not a check-in code"):
        hours_scan(user=vol.world.volunteer, token=forged, now=at)
    # a code made yesterday for yesterday's date (a recurring activity), scanned today
    assert not HoursEntry.objects.exists()


def test_someone_without_a_place_cannot_check_in(vol, signed):
    at = vol.start
    token = checkin.token_make(activity=vol.activity, occurrence=vol.start, now=at)
    with pytest.raises(ApplicationError, match="no confirmed place"):
        hours_scan(user=vol.world.retailer, token=token, now=at)


def test_a_forgotten_check_out_is_closed_at_the_shift_end_and_flagged(vol, signed):
    hours_check_in_by_leader(signup=signed, by=vol.world.staff, now=vol.start + dt.timedelta(minutes=30))
    call_command("volunteering_close_checkins", stdout=StringIO())  # too early: nothing closes
    assert HoursEntry.objects.get().status == "open"
    out = StringIO()
    call_command("volunteering_close_checkins", "--now", (vol.start + dt.timedelta(hours=8)).isoformat(), stdout=out)
    entry = HoursEntry.objects.get()
    assert (entry.status, entry.auto_closed, entry.hours) == ("pending", True, Decimal("2.50"))
    assert "1" in out.getvalue()


def _pending(vol, signed, hours: int = 3) -> HoursEntry:
    hours_check_in_by_leader(signup=signed, by=vol.world.staff, now=vol.start)
    entry, _ = hours_check_in_by_leader(signup=signed, by=vol.world.staff, now=vol.start + dt.timedelta(hours=hours))
    return entry


def test_approved_hours_are_a_confirmed_hours_statement_with_the_duration(vol, signed):
    entry = _pending(vol, signed)
    hours_decide(entry=entry, by=vol.world.staff, action="approve")
    statement = Statement.objects.get(verb_id=Verb.CONFIRMED_HOURS)
    assert statement.full["result"]["duration"] == "PT3H"
    assert statement.full["object"]["definition"]["type"] == ActivityType.VOLUNTEER_ACTIVITY
    assert statement.actor_user_id == vol.world.volunteer.pk
    with pytest.raises(ApplicationError, match="already decided"):
        hours_decide(entry=entry, by=vol.world.staff, action="decline", reason="重复")


def test_only_leaders_decide_and_adjusting_or_declining_needs_a_reason(vol, signed):
    entry = _pending(vol, signed)
    with pytest.raises(PermissionDenied):
        hours_decide(entry=entry, by=vol.world.volunteer, action="approve")
    with pytest.raises(ApplicationError, match="Give a reason"):
        hours_decide(entry=entry, by=vol.world.staff, action="adjust", hours=Decimal(2))
    entry = hours_decide(entry=entry, by=vol.world.staff, action="adjust", hours=Decimal("2.5"), reason="提前离开")
    assert (entry.status, entry.hours, entry.approved_hours) == ("approved", Decimal("3.00"), Decimal("2.50"))
    assert Statement.objects.get(verb_id=Verb.CONFIRMED_HOURS).full["result"]["duration"] == "PT2H30M"


def test_a_declined_entry_stays_in_the_history(vol, signed):
    entry = _pending(vol, signed)
    hours_decide(entry=entry, by=vol.world.staff, action="decline", reason="未到岗")
    entry = HoursEntry.objects.get(pk=entry.pk)
    assert (entry.status, entry.hours, entry.approved_hours, entry.reason) == ("declined", Decimal("3.00"), 0, "未到岗")
    history = list(HoursChange.objects.filter(entry=entry).values_list("action", "hours_after", "reason"))
    assert history == [
        ("check_in", None, ""),
        ("check_out", Decimal("3.00"), ""),
        ("decline", Decimal("0.00"), "未到岗"),
    ]
    assert not Statement.objects.filter(verb_id=Verb.CONFIRMED_HOURS).exists()
    with pytest.raises(Exception):  # noqa: B017 - PROTECT: hours are never deleted
        entry.signup.delete()


@pytest.mark.parametrize(
    ("hours", "stars"),
    [
        ("0", 0),
        ("99.9", 0),
        ("100", 1),
        ("299.99", 1),
        ("300", 2),
        ("600", 3),
        ("1000", 4),
        ("1499.9", 4),
        ("1500", 5),
        ("9000", 5),
    ],
)
def test_stars_follow_the_national_thresholds(hours, stars):
    assert stars_for_hours(Decimal(hours)) == stars


def _approved_before(vol, user, hours: str) -> None:
    """Hours approved at an earlier occurrence (written directly: only the total matters here)."""
    past = SignUp.objects.create(
        shift=vol.shift, occurrence=vol.start - dt.timedelta(days=7), user=user, status="confirmed"
    )
    HoursEntry.objects.create(
        signup=past,
        user=user,
        activity=vol.activity,
        checked_in_at=past.occurrence,
        status="approved",
        hours=Decimal(hours),
        approved_hours=Decimal(hours),
    )


def test_reaching_a_star_records_it_once_with_its_badge(vol, signed):
    from content.certification.models import Certificate

    volunteer = vol.world.volunteer
    _approved_before(vol, volunteer, "97")
    entry = _pending(vol, signed, hours=3)
    hours_decide(entry=entry, by=vol.world.staff, action="approve")
    award = StarAward.objects.get(user=volunteer)
    assert (award.stars, award.hours) == (1, Decimal("100.00"))
    certificate = Certificate.objects.get(uuid=award.certificate_uuid)
    assert certificate.programme.slug == "volunteer-star-1"
    assert certificate.recipient_id == volunteer.pk
    assert Statement.objects.filter(verb_id=Verb.EARNED, actor_user=volunteer).count() == 1


def test_the_star_badge_is_the_same_open_badges_shape_as_certificates(vol, signed, client):
    from test_certification_openbadges import HostedBadgeValidator, assertion_url

    volunteer = vol.world.volunteer
    volunteer.email = "zhou@example.cn"
    volunteer.save()
    _approved_before(vol, volunteer, "299")
    entry = _pending(vol, signed, hours=1)
    hours_decide(entry=entry, by=vol.world.staff, action="approve")
    awards = list(StarAward.objects.filter(user=volunteer).order_by("stars"))
    assert [a.stars for a in awards] == [1, 2]
    from content.certification.models import Certificate

    certificate = Certificate.objects.get(uuid=awards[1].certificate_uuid)
    validator = HostedBadgeValidator(client)
    assertion = validator.assertion(assertion_url(certificate), identity="zhou@example.cn")
    assert assertion["evidence"][0]["narrative"] == "- 经确认的志愿服务时长 300.00 小时"
    badge = validator.fetched[assertion["badge"]][1]
    assert badge["name"] == "二星志愿者"
