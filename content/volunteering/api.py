"""Volunteering API: activities and their places (the REST snapshot beside the live room), sign-up and
cancellation, check-in by the QR token, hours decisions, my hours and stars, a team's report and a unit's board."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.errors import NotFound, PermissionDenied, errors
from core.people.auth import request_person, signed_in
from core.people.models import OrgUnit

from . import selectors, services
from .models import Activity, HoursEntry, SignUp, Team
from .permissions import is_leader, may_see

router = Router(tags=["volunteering"])


class VolunteeringShiftOut(Schema):
    id: int
    label: str
    starts_at: str
    ends_at: str
    capacity: int
    confirmed: int
    waiting: int
    left: int


class VolunteeringOccurrenceOut(Schema):
    start: str
    shifts: list[VolunteeringShiftOut]


class VolunteeringActivityOut(Schema):
    id: int
    title: str
    category: str
    team: str
    address: str
    station_ref: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    rrule: str
    visibility: str
    adults_only: bool
    skills: list[str]
    url: str


class VolunteeringActivityListOut(VolunteeringActivityOut):
    next_start: dt.datetime
    places_left: int


class VolunteeringActivityDetailOut(VolunteeringActivityOut):
    description: str
    occurrences: list[VolunteeringOccurrenceOut]


class VolunteeringSignUpIn(Schema):
    shift: int
    occurrence: dt.datetime


class VolunteeringSignUpOut(Schema):
    id: int
    activity: int
    shift: int
    occurrence: dt.datetime
    status: str
    waitlist_position: int | None


class VolunteeringCancelOut(Schema):
    cancelled: VolunteeringSignUpOut
    promoted_id: int | None


class VolunteeringCheckInIn(Schema):
    token: str


class VolunteeringHoursOut(Schema):
    id: int
    activity: int
    status: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    auto_closed: bool
    hours: Decimal
    approved_hours: Decimal
    reason: str


class VolunteeringCheckInOut(Schema):
    what: str
    hours: VolunteeringHoursOut


class VolunteeringDecideIn(Schema):
    action: str
    hours: Decimal | None = None
    reason: str = ""


class VolunteeringMeOut(Schema):
    total_hours: Decimal
    stars: int
    next_threshold: int | None
    signups: list[VolunteeringSignUpOut]
    hours: list[VolunteeringHoursOut]


class VolunteeringRosterOut(Schema):
    user: str
    name: str
    role: str
    status: str
    hours: Decimal


class VolunteeringMonthOut(Schema):
    user_id: int
    name: str
    month: str
    hours: Decimal


class VolunteeringNoShowOut(Schema):
    confirmed: int
    no_shows: int
    rate: float


class VolunteeringTeamReportOut(Schema):
    id: int
    name: str
    roster: list[VolunteeringRosterOut]
    hours_by_month: list[VolunteeringMonthOut]
    no_shows: VolunteeringNoShowOut


class VolunteeringBoardRowOut(Schema):
    rank: int
    user: str
    name: str
    hours: float
    stars: int


class VolunteeringBoardOut(Schema):
    unit: int
    unit_name: str
    week_start: str
    weekly: list[VolunteeringBoardRowOut]
    all_time: list[VolunteeringBoardRowOut]


def _activity(activity: Activity) -> dict:
    return {
        "id": activity.pk,
        "title": activity.title,
        "category": activity.category,
        "team": activity.team.name,
        "address": activity.address,
        "station_ref": activity.station_ref,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "rrule": activity.rrule,
        "visibility": activity.visibility,
        "adults_only": activity.adults_only,
        "skills": activity.skill_list,
        "url": activity.get_absolute_url(),
    }


def _signup(signup: SignUp) -> dict:
    return {
        "id": signup.pk,
        "activity": signup.shift.activity_id,
        "shift": signup.shift_id,
        "occurrence": signup.occurrence,
        "status": signup.status,
        "waitlist_position": selectors.waitlist_position(signup),
    }


def _hours(entry: HoursEntry) -> dict:
    return {
        "id": entry.pk,
        "activity": entry.activity_id,
        "status": entry.status,
        "checked_in_at": entry.checked_in_at,
        "checked_out_at": entry.checked_out_at,
        "auto_closed": entry.auto_closed,
        "hours": entry.hours,
        "approved_hours": entry.approved_hours,
        "reason": entry.reason,
    }


def _visible(request, activity_id: int) -> Activity:
    activity = Activity.objects.select_related("team__org_unit").filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("No such activity."))
    if not may_see(request_person(request), activity):
        raise PermissionDenied(_("This activity is open to its team or unit only."))
    return activity


@router.get("/activities", response={200: list[VolunteeringActivityListOut], **errors(422)})
def activities_list(request, category: str = ""):
    rows = selectors.upcoming_activities(user=request_person(request), category=category)[:100]
    return 200, [_activity(r["activity"]) | {"next_start": r["start"], "places_left": r["left"]} for r in rows]


@router.get("/activities/{activity_id}", response={200: VolunteeringActivityDetailOut, **errors(403, 404, 422)})
def activity_detail(request, activity_id: int):
    activity = _visible(request, activity_id)
    return 200, _activity(activity) | {
        "description": activity.description,
        "occurrences": selectors.activity_occurrences(activity),
    }


@router.post(
    "/activities/{activity_id}/signup",
    auth=signed_in,
    response={200: VolunteeringSignUpOut, **errors(400, 401, 403, 404, 409, 422)},
)
def activity_signup(request, activity_id: int, payload: VolunteeringSignUpIn):
    activity = _visible(request, activity_id)
    shift = activity.shifts.filter(pk=payload.shift).first()
    if shift is None:
        raise NotFound(_("No such shift."))
    signup, _created = services.signup_create(user=request_person(request), shift=shift, occurrence=payload.occurrence)
    return 200, _signup(signup)


@router.post(
    "/signups/{signup_id}/cancel",
    auth=signed_in,
    response={200: VolunteeringCancelOut, **errors(401, 403, 404, 409, 422)},
)
def signup_cancel(request, signup_id: int):
    signup = SignUp.objects.select_related("shift__activity__team").filter(pk=signup_id).first()
    if signup is None:
        raise NotFound(_("No such sign-up."))
    cancelled, promoted = services.signup_cancel(signup=signup, by=request_person(request))
    return 200, {"cancelled": _signup(cancelled), "promoted_id": promoted.pk if promoted else None}


@router.post("/checkin", auth=signed_in, response={200: VolunteeringCheckInOut, **errors(400, 401, 403, 409, 422)})
def checkin(request, payload: VolunteeringCheckInIn):
    entry, what = services.hours_scan(user=request_person(request), token=payload.token)
    return 200, {"what": what, "hours": _hours(entry)}


@router.post(
    "/hours/{entry_id}/decide",
    auth=signed_in,
    response={200: VolunteeringHoursOut, **errors(400, 401, 403, 404, 409, 422)},
)
def hours_decide(request, entry_id: int, payload: VolunteeringDecideIn):
    entry = HoursEntry.objects.select_related("activity__team").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("No such hours entry."))
    decided = services.hours_decide(
        entry=entry, by=request_person(request), action=payload.action, hours=payload.hours, reason=payload.reason
    )
    return 200, _hours(decided)


@router.get("/me", auth=signed_in, response={200: VolunteeringMeOut, **errors(401)})
def me(request):
    person = request_person(request)
    summary = selectors.star_summary(user=person)
    return 200, {
        "total_hours": summary["total"],
        "stars": summary["stars"],
        "next_threshold": summary["next_threshold"],
        "signups": [_signup(s) for s in selectors.my_signups(user=person)],
        "hours": [_hours(e) for e in summary["entries"]],
    }


@router.get(
    "/teams/{team_id}/report", auth=signed_in, response={200: VolunteeringTeamReportOut, **errors(401, 403, 404, 422)}
)
def team_report(request, team_id: int):
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("No such team."))
    if not is_leader(request_person(request), team):
        raise PermissionDenied(_("Only the team's leaders may see its report."))
    return 200, {
        "id": team.pk,
        "name": team.name,
        "roster": [
            {
                "user": r["user"].username,
                "name": str(r["user"]),
                "role": r["membership"].role,
                "status": r["membership"].status,
                "hours": r["hours"],
            }
            for r in selectors.team_roster(team=team)
        ],
        "hours_by_month": selectors.team_hours_by_month(team=team),
        "no_shows": selectors.team_no_shows(team=team),
    }


@router.get("/boards/{unit_id}", response={200: VolunteeringBoardOut, **errors(404, 422)})
def board(request, unit_id: int):
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("No such unit."))
    return 200, selectors.unit_board(unit=unit)
