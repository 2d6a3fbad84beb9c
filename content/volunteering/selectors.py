"""Reads of volunteer services. Nothing here writes (tests/content/volunteering prove the live snapshots and the
feeds do not)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, FilteredRelation, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.people.models import OrgUnit

from . import stars
from .models import Activity, HoursChange, HoursEntry, Notification, Shift, SignUp, StarAward, Team, TeamMembership
from .permissions import may_see

ROOM_OCCURRENCES = 4
ROOM_LOOKBACK = dt.timedelta(days=2)  # the room snapshot's one query counts sign-ups of occurrences since then
UPCOMING_DAYS = 60
BOARD_SIZE = 20


def visible_activities(user):
    """The activities `user` may see, as a queryset (public; their teams'; their unit's)."""
    public = Q(visibility=Activity.Visibility.PUBLIC)
    if not getattr(user, "is_authenticated", False):
        return Activity.objects.filter(public, cancelled=False)
    if user.is_superuser:
        return Activity.objects.filter(cancelled=False)
    teams = TeamMembership.objects.filter(user=user, status=TeamMembership.Status.ACTIVE).values("team_id")
    condition = public | Q(team_id__in=teams)
    paths = []
    if user.org_unit_id:
        paths.append(user.org_unit.path)
    if getattr(user, "village", None) is not None:
        paths.append(user.village.county.path)
    for path in paths:
        # The unit's activities reach everyone at or below the team's unit: the team's unit path is a prefix.
        ancestors = [path[:n] for n in range(OrgUnit.steplen, len(path) + 1, OrgUnit.steplen)]
        condition |= Q(visibility=Activity.Visibility.UNIT, team__org_unit__path__in=ancestors)
    return Activity.objects.filter(condition, cancelled=False)


def _counts(shift_ids, occurrences) -> dict[tuple[int, dt.datetime], dict[str, int]]:
    counts: dict[tuple[int, dt.datetime], dict[str, int]] = defaultdict(lambda: {"confirmed": 0, "waiting": 0})
    if not shift_ids or not occurrences:
        return counts
    rows = (
        SignUp.objects.filter(shift_id__in=shift_ids, occurrence__in=occurrences)
        .exclude(status=SignUp.Status.CANCELLED)
        .values("shift_id", "occurrence", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[(row["shift_id"], row["occurrence"])][row["status"]] = row["n"]
    return counts


def activity_occurrences(
    activity: Activity, *, now: dt.datetime | None = None, limit: int = ROOM_OCCURRENCES, shifts=None
) -> list[dict]:
    """The next occurrences (the one running now included) with each shift's places: capacity, confirmed,
    waiting, left. Two queries, one when the activity's `shifts` are given."""
    now = now or timezone.now()
    starts = activity.occurrences(after=now - activity.duration, before=now + dt.timedelta(days=366))[:limit]
    shifts = list(activity.shifts.all()) if shifts is None else shifts
    counts = _counts([s.pk for s in shifts], starts)
    out = []
    for start in starts:
        rows = []
        for shift in shifts:
            c = counts[(shift.pk, start)]
            rows.append(
                {
                    "id": shift.pk,
                    "label": shift.label,
                    "starts_at": timezone.localtime(shift.starts(start)).isoformat(),
                    "ends_at": timezone.localtime(shift.ends(start)).isoformat(),
                    "capacity": shift.capacity,
                    "confirmed": c["confirmed"],
                    "waiting": c["waiting"],
                    "left": max(0, shift.capacity - c["confirmed"]),
                }
            )
        out.append({"start": timezone.localtime(start).isoformat(), "shifts": rows})
    return out


def activity_room_snapshot(key: str, user=None) -> dict:
    """What every viewer of an activity's page sees live: per occurrence and shift, the places left and the
    waitlist (`id`, `confirmed`, `waiting`, `left`; the page has the rest). One query (the shifts with their
    activity and their live sign-ups counted per occurrence and status): every worker reads it up to
    `pushes_per_second` times a second per room while sign-ups come in."""
    if not key.isdigit():
        return {"activity": None, "occurrences": []}
    now = timezone.now()
    live = [SignUp.Status.CONFIRMED, SignUp.Status.WAITING]
    rows = list(
        Shift.objects.filter(activity_id=int(key))
        .annotate(
            live=FilteredRelation(
                "signups", condition=Q(signups__status__in=live, signups__occurrence__gte=now - ROOM_LOOKBACK)
            )
        )
        .values(
            "pk",
            "capacity",
            "offset_minutes",
            "activity__starts_at",
            "activity__ends_at",
            "activity__rrule",
            "activity__cancelled",
            "live__occurrence",
            "live__status",
        )
        .annotate(n=Count("live"))
        .order_by()
    )
    if not rows:
        activity = Activity.objects.filter(pk=int(key)).first()
        if activity is None:
            return {"activity": None, "occurrences": []}
        return {"activity": activity.pk, "cancelled": activity.cancelled, "occurrences": []}
    first = rows[0]
    activity = Activity(
        pk=int(key),
        starts_at=first["activity__starts_at"],
        ends_at=first["activity__ends_at"],
        rrule=first["activity__rrule"],
    )
    if activity.duration > ROOM_LOOKBACK:
        # An activity longer than the window read: its running occurrence started before it; count them all.
        activity = Activity.objects.get(pk=int(key))
        counts = _counts([row["pk"] for row in rows], _room_starts(activity, now))
    else:
        counts = defaultdict(lambda: {"confirmed": 0, "waiting": 0})
        for row in rows:
            if row["n"]:
                counts[(row["pk"], row["live__occurrence"])][row["live__status"]] = row["n"]
    shifts = sorted({(row["offset_minutes"], row["pk"]): row["capacity"] for row in rows}.items())
    occurrences = []
    for start in _room_starts(activity, now):
        places = []
        for (_offset, pk), capacity in shifts:
            c = counts[(pk, start)]
            places.append(
                {
                    "id": pk,
                    "confirmed": c["confirmed"],
                    "waiting": c["waiting"],
                    "left": max(0, capacity - c["confirmed"]),
                }
            )
        occurrences.append({"start": timezone.localtime(start).isoformat(), "shifts": places})
    return {"activity": activity.pk, "cancelled": first["activity__cancelled"], "occurrences": occurrences}


def _room_starts(activity: Activity, now: dt.datetime) -> list[dt.datetime]:
    return activity.occurrences(after=now - activity.duration, before=now + dt.timedelta(days=366))[:ROOM_OCCURRENCES]


def activity_room_may_watch(key: str, user) -> bool:
    if not key.isdigit():
        return False
    activity = Activity.objects.filter(pk=int(key)).select_related("team").first()
    return activity is not None and may_see(user, activity)


def upcoming_activities(
    *, user, now: dt.datetime | None = None, days: int = UPCOMING_DAYS, category: str = ""
) -> list[dict]:
    """Visible activities with an occurrence in the next `days`, soonest first, with places left."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=days)
    qs = visible_activities(user).filter(starts_at__lt=horizon).filter(Q(ends_at__gt=now) | ~Q(rrule=""))
    if category:
        qs = qs.filter(category=category)
    activities = list(qs.select_related("team").prefetch_related("shifts")[:300])
    nexts = []
    for activity in activities:
        starts = activity.occurrences(after=now, before=horizon)
        if starts:
            nexts.append((starts[0], activity))
    nexts.sort(key=lambda pair: (pair[0], pair[1].pk))
    shift_ids = [s.pk for _start, a in nexts for s in a.shifts.all()]
    counts = _counts(shift_ids, list({start for start, _a in nexts}))
    out = []
    for start, activity in nexts:
        capacity = sum(s.capacity for s in activity.shifts.all())
        confirmed = sum(counts[(s.pk, start)]["confirmed"] for s in activity.shifts.all())
        out.append({"activity": activity, "start": start, "capacity": capacity, "left": max(0, capacity - confirmed)})
    return out


def my_signups(*, user, now: dt.datetime | None = None, include_past: bool = False):
    now = now or timezone.now()
    qs = (
        SignUp.objects.filter(user=user)
        .exclude(status=SignUp.Status.CANCELLED)
        .select_related("shift__activity__team")
        .order_by("occurrence", "pk")
    )
    if not include_past:
        qs = qs.filter(occurrence__gte=now - dt.timedelta(days=1))
    return list(qs)


def person_signups_for(*, user, activity: Activity) -> list[SignUp]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        SignUp.objects.filter(user=user, shift__activity=activity)
        .exclude(status=SignUp.Status.CANCELLED)
        .select_related("shift")
        .order_by("occurrence")
    )


def waitlist_position(signup: SignUp) -> int | None:
    if signup.status != SignUp.Status.WAITING:
        return None
    return SignUp.objects.filter(
        shift_id=signup.shift_id, occurrence=signup.occurrence, status=SignUp.Status.WAITING, pk__lte=signup.pk
    ).count()


def star_summary(*, user) -> dict:
    entries = list(
        HoursEntry.objects.filter(user=user)
        .select_related("activity")
        .prefetch_related("changes")
        .order_by("-checked_in_at")
    )
    total = sum((e.approved_hours for e in entries if e.status == HoursEntry.Status.APPROVED), Decimal(0))
    level = stars.stars_for_hours(total)
    upcoming = stars.next_threshold(total)
    return {
        "total": total,
        "stars": level,
        "next_threshold": upcoming,
        "to_next": (Decimal(upcoming) - total) if upcoming else None,
        "thresholds": stars.THRESHOLDS,
        "awards": list(StarAward.objects.filter(user=user).order_by("stars")),
        "entries": entries,
    }


def certificate_rows(*, user) -> list[dict]:
    """The record of approved hours by activity, for the printable volunteer certificate."""
    rows = (
        HoursEntry.objects.filter(user=user, status=HoursEntry.Status.APPROVED)
        .values("activity__title", "activity__team__name")
        .annotate(hours=Sum("approved_hours"), times=Count("pk"))
        .order_by("-hours", "activity__title")
    )
    return list(rows)


def notifications_for(*, user, limit: int = 50):
    return list(Notification.objects.filter(user=user)[:limit])


def unread_notifications(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- leaders' views ---------------------------------------------------------------------------------------


def team_roster(*, team: Team) -> list[dict]:
    memberships = team.memberships.select_related("user").order_by("role", "user__display_name")
    totals = dict(
        HoursEntry.objects.filter(activity__team=team, status=HoursEntry.Status.APPROVED)
        .values_list("user_id")
        .annotate(t=Sum("approved_hours"))
    )
    return [{"membership": m, "user": m.user, "hours": totals.get(m.user_id, Decimal(0))} for m in memberships]


def team_hours_by_month(*, team: Team, months: int = 12) -> list[dict]:
    since = timezone.now() - dt.timedelta(days=31 * months)
    rows = (
        HoursEntry.objects.filter(activity__team=team, status=HoursEntry.Status.APPROVED, checked_in_at__gte=since)
        .annotate(month=TruncMonth("checked_in_at"))
        .values("user_id", "user__display_name", "user__username", "month")
        .annotate(hours=Sum("approved_hours"))
        .order_by("user__display_name", "month")
    )
    return [
        {
            "user_id": r["user_id"],
            "name": r["user__display_name"] or r["user__username"],
            "month": r["month"].strftime("%Y-%m"),
            "hours": r["hours"],
        }
        for r in rows
    ]


def team_no_shows(*, team: Team, now: dt.datetime | None = None) -> dict:
    """Confirmed places of occurrences already over, and how many of those people never checked in."""
    now = now or timezone.now()
    past = SignUp.objects.filter(
        shift__activity__team=team, status=SignUp.Status.CONFIRMED, occurrence__lt=now - dt.timedelta(hours=12)
    )
    total = past.count()
    missed = past.filter(hours__isnull=True).count()
    return {"confirmed": total, "no_shows": missed, "rate": round(missed / total, 4) if total else 0.0}


def pending_hours(*, team: Team) -> list[HoursEntry]:
    return list(
        HoursEntry.objects.filter(activity__team=team, status__in=[HoursEntry.Status.PENDING, HoursEntry.Status.OPEN])
        .select_related("user", "activity", "signup__shift")
        .order_by("checked_in_at")
    )


def activity_roster(*, activity: Activity, occurrence: dt.datetime) -> list[SignUp]:
    return list(
        SignUp.objects.filter(shift__activity=activity, occurrence=occurrence)
        .exclude(status=SignUp.Status.CANCELLED)
        .select_related("user", "shift", "hours")
        .order_by("shift_id", "status", "pk")
    )


def hours_history(*, entry: HoursEntry) -> list[HoursChange]:
    return list(entry.changes.select_related("by"))


def week_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    monday = (local - dt.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday


def unit_board(*, unit: OrgUnit, now: dt.datetime | None = None, size: int = BOARD_SIZE) -> dict:
    """The unit's volunteers by approved hours: this week (by check-in time) and all time. Two queries."""
    now = now or timezone.now()
    base = HoursEntry.objects.filter(
        status=HoursEntry.Status.APPROVED, activity__team__org_unit__path__startswith=unit.path
    )

    def ranked(qs) -> list[dict]:
        rows = (
            qs.values("user_id", "user__display_name", "user__username")
            .annotate(hours=Sum("approved_hours"))
            .order_by("-hours", "user_id")[:size]
        )
        return [
            {
                "rank": n,
                "user": r["user__username"],
                "name": r["user__display_name"] or r["user__username"],
                "hours": float(r["hours"]),
                "stars": stars.stars_for_hours(r["hours"]),
            }
            for n, r in enumerate(rows, start=1)
        ]

    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "week_start": week_start(now).date().isoformat(),
        "weekly": ranked(base.filter(checked_in_at__gte=week_start(now))),
        "all_time": ranked(base),
    }


def board_room_snapshot(key: str, user=None) -> dict:
    unit = OrgUnit.objects.filter(pk=int(key)).first() if key.isdigit() else None
    if unit is None:
        return {"unit": None, "weekly": [], "all_time": []}
    return unit_board(unit=unit)


def board_room_may_watch(key: str, user) -> bool:
    return key.isdigit() and OrgUnit.objects.filter(pk=int(key)).exists()


def led_teams(*, user) -> list[Team]:
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return list(Team.objects.select_related("org_unit")[:200])
    return list(
        Team.objects.filter(
            memberships__user=user, memberships__role=TeamMembership.Role.LEADER, memberships__status="active"
        ).select_related("org_unit")
    )


def my_teams(*, user) -> list[TeamMembership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(TeamMembership.objects.filter(user=user).select_related("team__org_unit"))


def shift_of(activity: Activity, shift_id: int) -> Shift | None:
    return activity.shifts.filter(pk=shift_id).first()
