"""Writes of volunteer services: teams, activities, sign-ups and the waitlist, check-in and hours, stars.

Every function checks who may act first, then writes in one transaction with its statement, and pushes live
updates only after commit. Sign-up and cancellation lock the row that counts the shift's places on that occurrence
(`ShiftPlaces`), so with 200 people pressing at once for 30 places exactly 30 are confirmed and the others wait in
the order they reached the lock (the sign-ups' ids); a cancellation promotes exactly the first waiting person.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.items import item_iri
from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Extension, Verb
from core.cockpit.indicators import UNIT_EXTENSION
from core.errors import ApplicationError, NotFound, PermissionDenied
from core.people.models import OrgUnit

from . import checkin, stars
from .live import activity_changed, board_changed
from .models import (
    Activity,
    HoursChange,
    HoursEntry,
    Notification,
    Shift,
    ShiftPlaces,
    SignUp,
    StarAward,
    Team,
    TeamMembership,
    VolunteerProfile,
)
from .permissions import is_leader, may_join, may_lead_unit

MAX_REASON = 300
FORGOTTEN_AFTER = dt.timedelta(hours=4)  # after the shift's end, an open check-in is closed and flagged
TWO = Decimal("0.01")
STAR_NAMES = "一二三四五"


# --- notifications ---------------------------------------------------------------------------------------


def notification_send(*, user, text: str, url: str = "", key: str = "") -> Notification | None:
    """Add a line to the person's notification list; with `key`, once."""
    if key and Notification.objects.filter(user=user, key=key).exists():
        return None
    return Notification.objects.create(user=user, text=text[:300], url=url[:300], key=key[:120])


def notifications_mark_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# --- teams -----------------------------------------------------------------------------------------------


def team_create(*, by, name: str, org_unit: OrgUnit, branch=None, description: str = "") -> Team:
    """A new team of `org_unit`; its creator leads it. Staff of the unit (or above) and editors may."""
    if not may_lead_unit(by, org_unit):
        raise PermissionDenied(_("Only staff of this unit may create a team."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError(_("Give the team a name of at most 100 characters."), extra={"field": "name"})
    with transaction.atomic():
        team = Team.objects.create(name=name, org_unit=org_unit, branch=branch, description=description[:4000])
        TeamMembership.objects.create(
            team=team,
            user=by,
            role=TeamMembership.Role.LEADER,
            status=TeamMembership.Status.ACTIVE,
            decided_by=by,
            decided_at=timezone.now(),
        )
    return team


def team_apply(*, team: Team, user) -> TeamMembership:
    """Ask to join; a leader approves. Asking again changes nothing."""
    with transaction.atomic():
        membership, created = TeamMembership.objects.get_or_create(team=team, user=user)
        if not created and membership.status == TeamMembership.Status.DECLINED:
            membership.status = TeamMembership.Status.PENDING
            membership.applied_at = timezone.now()
            membership.save(update_fields=["status", "applied_at"])
        if created or membership.status == TeamMembership.Status.PENDING:
            for leader in team.memberships.filter(role=TeamMembership.Role.LEADER, status="active"):
                notification_send(
                    user=leader.user,
                    text=_("%(name)s asks to join %(team)s.") % {"name": user, "team": team.name},
                    url=team.get_absolute_url(),
                    key=f"team-apply:{membership.pk}:{membership.applied_at:%Y%m%d%H%M%S}",
                )
    return membership


def team_join_by_code(*, code: str, user) -> TeamMembership:
    """Join at once with the team's join code."""
    team = Team.objects.filter(join_code=(code or "").strip().upper()).first()
    if team is None:
        raise NotFound(_("No team has this join code."))
    with transaction.atomic():
        membership, _created = TeamMembership.objects.get_or_create(team=team, user=user)
        if membership.status != TeamMembership.Status.ACTIVE:
            membership.status = TeamMembership.Status.ACTIVE
            membership.decided_at = timezone.now()
            membership.save(update_fields=["status", "decided_at"])
    return membership


def team_membership_decide(*, membership: TeamMembership, by, approve: bool) -> TeamMembership:
    if not is_leader(by, membership.team):
        raise PermissionDenied(_("Only the team's leaders may decide."))
    with transaction.atomic():
        locked = TeamMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != TeamMembership.Status.PENDING:
            raise ApplicationError(_("This application was already decided."), status=409)
        locked.status = TeamMembership.Status.ACTIVE if approve else TeamMembership.Status.DECLINED
        locked.decided_at, locked.decided_by = timezone.now(), by
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        notification_send(
            user=locked.user,
            text=(_("You joined %(team)s.") if approve else _("%(team)s declined your application."))
            % {"team": locked.team.name},
            url=locked.team.get_absolute_url(),
        )
    return locked


# --- activities ------------------------------------------------------------------------------------------


def activity_create(
    *,
    by,
    team: Team,
    title: str,
    category: str,
    address: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    visibility: str,
    shifts: list[dict],
    description: str = "",
    station_ref: str = "",
    rrule: str = "",
    skills: str = "",
    adults_only: bool = False,
    confirm_day_ahead: bool = False,
) -> Activity:
    """A new activity of `team` with its shifts (`[{"label", "offset_minutes", "length_minutes", "capacity"}]`)."""
    if not is_leader(by, team):
        raise PermissionDenied(_("Only the team's leaders may add activities."))
    if not shifts:
        raise ApplicationError(_("An activity needs at least one shift."), extra={"field": "shifts"})
    activity = Activity(
        team=team,
        title=(title or "").strip(),
        description=description or "",
        category=category,
        address=(address or "").strip(),
        station_ref=station_ref or "",
        starts_at=starts_at,
        ends_at=ends_at,
        rrule=(rrule or "").strip().removeprefix("RRULE:"),
        skills=skills or "",
        visibility=visibility,
        adults_only=adults_only,
        confirm_day_ahead=confirm_day_ahead,
        created_by=by,
    )
    activity.full_clean()
    with transaction.atomic():
        activity.save()
        for spec in shifts:
            shift = Shift(activity=activity, **spec)
            shift.full_clean()
            shift.save()
    return activity


# --- sign-up and the waitlist ----------------------------------------------------------------------------


def _activity_object(activity: Activity) -> dict:
    return {
        "object_id": item_iri(activity.item_id),
        "activity_type": ActivityType.VOLUNTEER_ACTIVITY,
        "name": activity.title,
    }


def _record_registered(signup: SignUp, activity: Activity) -> None:
    activity_record(
        actor=signup.user,
        verb=Verb.REGISTERED,
        **_activity_object(activity),
        context={"extensions": {Extension.ITEM: activity.item_id}},
        natural_key=("volunteer-registered", signup.pk),
    )


def signup_create(
    *, user, shift: Shift, occurrence: dt.datetime, now: dt.datetime | None = None
) -> tuple[SignUp, bool]:
    """Take a place on `shift` of the occurrence starting at `occurrence`, or a place on its waitlist when it is
    full. Returns (sign-up, created); pressing again returns the live sign-up and changes nothing."""
    now = now or timezone.now()
    activity = shift.activity
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."), status=401)
    if activity.cancelled:
        raise ApplicationError(_("This activity was cancelled."), status=409)
    if not may_join(user, activity):
        raise PermissionDenied(_("This activity is open to its team or unit only."))
    if not activity.is_occurrence(occurrence):
        raise ApplicationError(_("The activity does not take place then."), extra={"field": "occurrence"})
    if shift.starts(occurrence) <= now:
        raise ApplicationError(_("This shift has already started."), status=409)
    try:
        with transaction.atomic():
            signup, created = _signup_take(user=user, shift=shift, occurrence=occurrence)
            if not created:  # a live sign-up already: pressing again changes nothing
                return signup, False
            if signup.status == SignUp.Status.CONFIRMED:
                _record_registered(signup, activity)
            transaction.on_commit(lambda: activity_changed(activity.pk))
    except IntegrityError:
        # The same person pressing twice at once: both passed the check before either committed, and the one-live-
        # sign-up constraint refused the second (its counts rolled back with it).
        existing = _live_signup(user=user, shift=shift, occurrence=occurrence)
        if existing is None:
            raise
        return existing, False
    return signup, True


def _live_signup(*, user, shift: Shift, occurrence: dt.datetime) -> SignUp | None:
    return SignUp.objects.filter(
        shift=shift, occurrence=occurrence, user=user, status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITING]
    ).first()


def _places_ensure(*, shift: Shift, occurrence: dt.datetime) -> None:
    """The shift's places row for this occurrence, made on its first sign-up from the sign-ups already there
    (made outside these services: the demo's). Whoever makes it has counted while no other sign-up could go through
    these services (they all need the row); a second maker's row is ignored, and it uses the first one's."""
    counts = SignUp.objects.filter(
        shift=shift, occurrence=occurrence, status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITING]
    ).aggregate(
        confirmed=Count("pk", filter=Q(status=SignUp.Status.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=SignUp.Status.WAITING)),
    )
    ShiftPlaces.objects.bulk_create(
        [ShiftPlaces(shift=shift, occurrence=occurrence, **counts)],
        ignore_conflicts=True,
    )


def _places_locked(*, shift: Shift, occurrence: dt.datetime) -> ShiftPlaces:
    """The shift's places row for this occurrence, locked (the newest committed counts: a lock waits for the
    sign-up or cancellation holding it, then reads what it wrote)."""
    for _attempt in range(2):
        places = ShiftPlaces.objects.select_for_update().filter(shift=shift, occurrence=occurrence).first()
        if places is not None:
            return places
        _places_ensure(shift=shift, occurrence=occurrence)
    raise RuntimeError("the places row vanished")  # rows are never deleted while their shift exists


# PostgreSQL: the sign-up in one statement (one round trip, and the shortest time holding the lock). It locks the
# places row (FOR UPDATE reads its newest committed version), decides place or waitlist, counts the sign-up there
# and inserts it, stamped under the lock, so ids and times follow the lock's order. Nothing when the person already
# has a live sign-up or the row is not made yet. The ORM cannot say this in one statement (an update whose values
# feed an insert), hence the SQL; `_signup_take_portable` is the same rule step by step.
_SIGNUP_TAKE_SQL = """
WITH locked AS (
    SELECT p.id, p.confirmed < %(capacity)s AS free
    FROM volunteering_shiftplaces p
    WHERE p.shift_id = %(shift)s AND p.occurrence = %(occurrence)s
      AND NOT EXISTS (
        SELECT 1 FROM volunteering_signup s
        WHERE s.shift_id = %(shift)s AND s.occurrence = %(occurrence)s AND s.user_id = %(user)s
          AND s.status IN ('confirmed', 'waiting'))
    FOR UPDATE OF p
), counted AS (
    UPDATE volunteering_shiftplaces p
    SET confirmed = p.confirmed + locked.free::int, waiting = p.waiting + (NOT locked.free)::int
    FROM locked WHERE p.id = locked.id
)
INSERT INTO volunteering_signup (shift_id, occurrence, user_id, status, created_at)
SELECT %(shift)s, %(occurrence)s, %(user)s, CASE WHEN free THEN 'confirmed' ELSE 'waiting' END, clock_timestamp()
FROM locked
RETURNING id, status, created_at
"""


def _signup_take(*, user, shift: Shift, occurrence: dt.datetime) -> tuple[SignUp, bool]:
    """A place while the shift's confirmed are fewer than its places, else the waitlist: (the new sign-up, True),
    or (the person's live sign-up, False). Inside the caller's transaction."""
    if connection.vendor != "postgresql":
        return _signup_take_portable(user=user, shift=shift, occurrence=occurrence)
    params = {"capacity": shift.capacity, "shift": shift.pk, "occurrence": occurrence, "user": user.pk}
    with connection.cursor() as cursor:
        cursor.execute(_SIGNUP_TAKE_SQL, params)
        row = cursor.fetchone()
        if row is None:
            existing = _live_signup(user=user, shift=shift, occurrence=occurrence)
            if existing is not None:
                return existing, False
            _places_ensure(shift=shift, occurrence=occurrence)  # the first sign-up of this shift and occurrence
            cursor.execute(_SIGNUP_TAKE_SQL, params)
            row = cursor.fetchone()
    if row is None:  # a sign-up of the same person committed in between
        return _live_signup(user=user, shift=shift, occurrence=occurrence), False
    pk, status, created_at = row
    return SignUp(pk=pk, shift=shift, occurrence=occurrence, user=user, status=status, created_at=created_at), True


def _signup_take_portable(*, user, shift: Shift, occurrence: dt.datetime) -> tuple[SignUp, bool]:
    places = _places_locked(shift=shift, occurrence=occurrence)
    existing = _live_signup(user=user, shift=shift, occurrence=occurrence)
    if existing is not None:
        return existing, False
    free = places.confirmed < shift.capacity
    signup = SignUp.objects.create(
        shift=shift,
        occurrence=occurrence,
        user=user,
        status=SignUp.Status.CONFIRMED if free else SignUp.Status.WAITING,
        created_at=timezone.now(),  # under the lock: arrival order, the same as the ids' order
    )
    ShiftPlaces.objects.filter(pk=places.pk).update(
        confirmed=F("confirmed") + int(free), waiting=F("waiting") + int(not free)
    )
    return signup, True


def signup_cancel(*, signup: SignUp, by) -> tuple[SignUp, SignUp | None]:
    """Give the place (or the waitlist place) back. A freed place goes to the first person waiting, who is told.
    Returns (the cancelled sign-up, the promoted one or None). Cancelling twice changes nothing."""
    shift = signup.shift
    if by.pk != signup.user_id and not is_leader(by, shift.activity.team):
        raise PermissionDenied(_("You may cancel only your own sign-up."))
    with transaction.atomic():
        places = _places_locked(shift=shift, occurrence=signup.occurrence)
        locked = SignUp.objects.get(pk=signup.pk)
        if locked.status == SignUp.Status.CANCELLED:
            return locked, None
        if HoursEntry.objects.filter(signup=locked).exists():
            raise ApplicationError(_("You have already checked in for this shift."), status=409)
        freed = locked.status == SignUp.Status.CONFIRMED
        locked.status, locked.cancelled_at = SignUp.Status.CANCELLED, timezone.now()
        locked.save(update_fields=["status", "cancelled_at"])
        if freed:
            places.confirmed -= 1
        else:
            places.waiting -= 1
        promoted = None
        if freed and places.confirmed < shift.capacity:
            promoted = (
                SignUp.objects.filter(shift=shift, occurrence=locked.occurrence, status=SignUp.Status.WAITING)
                .select_related("user")
                .order_by("pk")
                .first()
            )
            if promoted is not None:
                places.confirmed, places.waiting = places.confirmed + 1, places.waiting - 1
                promoted.status, promoted.promoted_at = SignUp.Status.CONFIRMED, timezone.now()
                promoted.save(update_fields=["status", "promoted_at"])
                _record_registered(promoted, shift.activity)
                local = timezone.localtime(promoted.starts_at)
                notification_send(
                    user=promoted.user,
                    text=_("A place came free: you are now confirmed for %(title)s on %(when)s.")
                    % {"title": shift.activity.title, "when": local.strftime("%Y-%m-%d %H:%M")},
                    url=shift.activity.get_absolute_url(),
                    key=f"promoted:{promoted.pk}",
                )
        places.save(update_fields=["confirmed", "waiting"])
        activity_pk = shift.activity_id
        transaction.on_commit(lambda: activity_changed(activity_pk))
    return locked, promoted


def signup_confirm_day_ahead(*, signup: SignUp, by, now: dt.datetime | None = None) -> SignUp:
    """The volunteer says, the day before, that they are coming."""
    now = now or timezone.now()
    if by.pk != signup.user_id:
        raise PermissionDenied(_("You may confirm only your own sign-up."))
    if signup.status != SignUp.Status.CONFIRMED:
        raise ApplicationError(_("Only a confirmed place can be confirmed."), status=409)
    if signup.day_ahead_confirmed_at is None:
        SignUp.objects.filter(pk=signup.pk, day_ahead_confirmed_at__isnull=True).update(day_ahead_confirmed_at=now)
        signup.day_ahead_confirmed_at = now
    return signup


def reminders_send(*, now: dt.datetime | None = None, ahead: dt.timedelta = dt.timedelta(hours=24)) -> int:
    """A reminder in the notification list for every confirmed place starting within `ahead` (once each);
    activities that ask for it also ask the volunteer to confirm. Run by `manage.py volunteering_remind`."""
    now = now or timezone.now()
    sent = 0
    due = (
        SignUp.objects.filter(status=SignUp.Status.CONFIRMED, reminded_at__isnull=True, occurrence__gt=now - ahead)
        .filter(occurrence__lte=now + ahead)
        .select_related("shift__activity", "user")
    )
    for signup in due:
        if not (now < signup.starts_at <= now + ahead):
            continue
        activity = signup.shift.activity
        when = timezone.localtime(signup.starts_at).strftime("%m-%d %H:%M")
        text = _("Reminder: %(title)s at %(when)s, %(place)s.") % {
            "title": activity.title,
            "when": when,
            "place": activity.address,
        }
        if activity.confirm_day_ahead:
            text += " " + _("Please confirm that you are coming.")
        with transaction.atomic():
            if notification_send(
                user=signup.user, text=text, url=activity.get_absolute_url(), key=f"remind:{signup.pk}"
            ):
                sent += 1
            SignUp.objects.filter(pk=signup.pk).update(reminded_at=now)
    return sent


# --- check-in and hours ----------------------------------------------------------------------------------


def _hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    seconds = max(0, (end - start).total_seconds())
    return (Decimal(seconds) / Decimal(3600)).quantize(TWO, rounding=ROUND_HALF_UP)


def _check_in(*, signup: SignUp, by, via: str, now: dt.datetime) -> tuple[HoursEntry, str]:
    """Check in, or out when already in. Returns (entry, "in" | "out" | "done")."""
    activity = signup.shift.activity
    with transaction.atomic():
        SignUp.objects.select_for_update().only("pk").get(pk=signup.pk)
        entry = HoursEntry.objects.filter(signup=signup).first()
        if entry is None:
            entry = HoursEntry.objects.create(
                signup=signup, user_id=signup.user_id, activity=activity, checked_in_at=now, status="open"
            )
            HoursChange.objects.create(entry=entry, action=HoursChange.Action.CHECK_IN, by=by, via=via, at=now)
            activity_record(
                actor=signup.user,
                verb=Verb.CHECKED_IN,
                **_activity_object(activity),
                context={"extensions": {Extension.ITEM: activity.item_id}},
                natural_key=("volunteer-checked-in", signup.pk),
                timestamp=now,
            )
            transaction.on_commit(lambda: activity_changed(activity.pk))
            return entry, "in"
        if entry.status != HoursEntry.Status.OPEN:
            return entry, "done"
        entry.checked_out_at = now
        entry.hours = _hours_between(entry.checked_in_at, now)
        entry.status = HoursEntry.Status.PENDING
        entry.save(update_fields=["checked_out_at", "hours", "status"])
        HoursChange.objects.create(
            entry=entry, action=HoursChange.Action.CHECK_OUT, hours_after=entry.hours, by=by, via=via, at=now
        )
        return entry, "out"


def hours_scan(*, user, token: str, now: dt.datetime | None = None) -> tuple[HoursEntry, str]:
    """A volunteer scanned the leader's rotating QR code: check in, or out when already in."""
    now = now or timezone.now()
    activity, occurrence = checkin.token_read(token, now=now)
    signup = (
        SignUp.objects.filter(
            shift__activity=activity, occurrence=occurrence, user=user, status=SignUp.Status.CONFIRMED
        )
        .select_related("shift__activity", "user")
        .first()
    )
    if signup is None:
        raise ApplicationError(_("You have no confirmed place at this activity today."), status=409)
    return _check_in(signup=signup, by=user, via="qr", now=now)


def hours_check_in_by_leader(*, signup: SignUp, by, now: dt.datetime | None = None) -> tuple[HoursEntry, str]:
    """A leader checks a volunteer in (or out) by hand."""
    if not is_leader(by, signup.shift.activity.team):
        raise PermissionDenied(_("Only the team's leaders may check people in."))
    if signup.status != SignUp.Status.CONFIRMED:
        raise ApplicationError(_("Only a confirmed place can be checked in."), status=409)
    return _check_in(signup=signup, by=by, via="leader", now=now or timezone.now())


def hours_close_forgotten(*, now: dt.datetime | None = None, after: dt.timedelta = FORGOTTEN_AFTER) -> int:
    """Close every check-in still open `after` the end of its shift: checked out at the shift's end, flagged
    for the leader. Run by `manage.py volunteering_close_checkins`. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    for entry in HoursEntry.objects.filter(status=HoursEntry.Status.OPEN).select_related("signup__shift"):
        end = entry.signup.ends_at
        if end + after > now:
            continue
        with transaction.atomic():
            locked = HoursEntry.objects.select_for_update().get(pk=entry.pk)
            if locked.status != HoursEntry.Status.OPEN:
                continue
            locked.checked_out_at = max(end, locked.checked_in_at)
            locked.hours = _hours_between(locked.checked_in_at, locked.checked_out_at)
            locked.auto_closed = True
            locked.status = HoursEntry.Status.PENDING
            locked.save(update_fields=["checked_out_at", "hours", "auto_closed", "status"])
            HoursChange.objects.create(
                entry=locked, action=HoursChange.Action.AUTO_CLOSE, hours_after=locked.hours, via="platform", at=now
            )
        closed += 1
    return closed


def iso_duration(hours: Decimal) -> str:
    seconds = int((hours * 3600).to_integral_value(rounding=ROUND_HALF_UP))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s or not (h or m) else "")


def approved_hours_total(user) -> Decimal:
    total = HoursEntry.objects.filter(user=user, status=HoursEntry.Status.APPROVED).aggregate(t=Sum("approved_hours"))
    return total["t"] or Decimal(0)


def hours_confirmed_record(*, entry: HoursEntry, activity: Activity, now: dt.datetime) -> None:
    """The `confirmed-hours` statement of approved hours: the volunteer's, counted for the team's unit."""
    activity_record(
        actor=entry.user,
        verb=Verb.CONFIRMED_HOURS,
        **_activity_object(activity),
        result={"duration": iso_duration(entry.approved_hours), "completion": True},
        context={"extensions": {Extension.ITEM: activity.item_id, UNIT_EXTENSION: activity.team.org_unit.code}},
        natural_key=("volunteer-hours", entry.pk),
        timestamp=now,
    )


def hours_decide(
    *,
    entry: HoursEntry,
    by,
    action: str,
    hours: Decimal | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> HoursEntry:
    """A leader approves the hours, adjusts them (with a reason) and approves, or declines them (with a reason).
    Nothing is deleted: the entry keeps its status and every change is a history row. Approved hours are a
    `confirmed-hours` statement (result.duration), and may reach a star, which issues its badge."""
    now = now or timezone.now()
    activity = entry.activity
    if not is_leader(by, activity.team):
        raise PermissionDenied(_("Only the team's leaders may decide on hours."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ApplicationError(_("The reason may have at most %(n)d characters.") % {"n": MAX_REASON})
    if action not in {"approve", "adjust", "decline"}:
        raise ApplicationError(_("Approve, adjust or decline."), extra={"field": "action"})
    if action in {"adjust", "decline"} and not reason:
        raise ApplicationError(_("Give a reason."), extra={"field": "reason"})
    if action == "adjust":
        if hours is None or not (Decimal(0) < Decimal(hours) <= Decimal(24)):
            raise ApplicationError(_("Hours must be more than 0 and at most 24."), extra={"field": "hours"})
        hours = Decimal(hours).quantize(TWO, rounding=ROUND_HALF_UP)
    with transaction.atomic():
        locked = HoursEntry.objects.select_for_update().select_related("user").get(pk=entry.pk)
        if locked.status == HoursEntry.Status.OPEN:
            raise ApplicationError(_("The volunteer has not checked out yet."), status=409)
        if locked.status != HoursEntry.Status.PENDING:
            raise ApplicationError(_("These hours were already decided."), status=409)
        before = locked.hours
        if action == "decline":
            locked.status, locked.approved_hours = HoursEntry.Status.DECLINED, Decimal(0)
        else:
            locked.status = HoursEntry.Status.APPROVED
            locked.approved_hours = hours if action == "adjust" else locked.hours
        locked.decided_at, locked.decided_by, locked.reason = now, by, reason
        locked.save(update_fields=["status", "approved_hours", "decided_at", "decided_by", "reason"])
        HoursChange.objects.create(
            entry=locked,
            action={"approve": HoursChange.Action.APPROVE, "adjust": HoursChange.Action.ADJUST}.get(
                action, HoursChange.Action.DECLINE
            ),
            hours_before=before,
            hours_after=locked.approved_hours,
            reason=reason,
            by=by,
            via="leader",
            at=now,
        )
        if locked.status == HoursEntry.Status.APPROVED and locked.approved_hours > 0:
            hours_confirmed_record(entry=locked, activity=activity, now=now)
            stars_award(user=locked.user, now=now)
            notification_send(
                user=locked.user,
                text=_("%(hours)s hours approved for %(title)s.")
                % {"hours": locked.approved_hours, "title": activity.title},
                url="/volunteering/me/stars/",
            )
        elif locked.status == HoursEntry.Status.DECLINED:
            notification_send(
                user=locked.user,
                text=_("Your hours for %(title)s were declined: %(reason)s")
                % {"title": activity.title, "reason": reason},
                url="/volunteering/me/",
            )
        unit_id = activity.team.org_unit_id
        transaction.on_commit(lambda: board_changed(unit_id))
    return locked


def stars_award(*, user, now: dt.datetime | None = None) -> list[StarAward]:
    """Record every star the person's approved hours reach and not yet recorded, each with its badge."""
    from content.certification.services import badge_award  # certification's public function for badges

    now = now or timezone.now()
    total = approved_hours_total(user).quantize(TWO)
    reached = stars.stars_for_hours(total)
    have = set(StarAward.objects.filter(user=user).values_list("stars", flat=True))
    new = []
    for level in range(1, reached + 1):
        if level in have:
            continue
        threshold = stars.THRESHOLDS[level - 1]
        # Badge documents are stored data, in the site's language (Chinese), whoever's request reached the star.
        certificate, _created = badge_award(
            user=user,
            slug=f"volunteer-star-{level}",
            title=f"{STAR_NAMES[level - 1]}星志愿者",
            description=f"累计经确认的志愿服务时长达到 {threshold} 小时的{STAR_NAMES[level - 1]}星志愿者。",
            criteria=f"志愿服务时长经服务队负责人确认，累计不少于 {threshold} 小时（全国星级志愿者认定标准）。",
            evidence=[{"text": f"经确认的志愿服务时长 {total} 小时"}],
            issued_at=now,
        )
        new.append(
            StarAward.objects.create(
                user=user, stars=level, hours=total, reached_at=now, certificate_uuid=certificate.uuid
            )
        )
    return new


def calendar_link_renew(*, user) -> VolunteerProfile:
    """A new private calendar address: the old one stops working."""
    with transaction.atomic():
        profile, _created = VolunteerProfile.objects.select_for_update().get_or_create(user=user)
        profile.calendar_version += 1
        profile.save(update_fields=["calendar_version"])
    return profile
