"""Volunteer pages (phone first): activities and sign-up, the leader's check-in screen, hours, stars, the
printable certificate, notifications, the unit board, and the iCalendar feeds. Thin: selectors read, services
write (POST only), errors come back as messages on the page they came from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from content.certification.qr import qr_svg
from core.errors import ApplicationError
from core.people.models import OrgUnit

from . import checkin, ical, selectors, services
from .models import Activity, HoursEntry, SignUp, Team, TeamMembership
from .permissions import is_leader, is_member, may_see, may_see_unit_reports


def _occurrence(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if timezone.is_naive(moment):
        raise Http404
    return moment


def _visible_activity(request, pk: int) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("team__org_unit"), pk=pk)
    if not may_see(request.user, activity):
        if not request.user.is_authenticated:
            raise Http404
        raise DjangoPermissionDenied(_("This activity is open to its team or unit only."))
    return activity


@require_GET
def index(request):
    category = request.GET.get("category", "")
    if category not in Activity.Category.values:
        category = ""
    return render(
        request,
        "volunteering/index.html",
        {
            "rows": selectors.upcoming_activities(user=request.user, category=category)[:60],
            "categories": Activity.Category.choices,
            "category": category,
            "teams": selectors.my_teams(user=request.user),
        },
    )


@require_GET
def activity_page(request, pk: int):
    activity = _visible_activity(request, pk)
    mine = selectors.person_signups_for(user=request.user, activity=activity)
    for signup in mine:
        signup.position = selectors.waitlist_position(signup)
        signup.may_confirm = (
            activity.confirm_day_ahead
            and signup.status == SignUp.Status.CONFIRMED
            and signup.day_ahead_confirmed_at is None
            and timezone.now() >= signup.starts_at - dt.timedelta(days=1)
        )
    occurrences = selectors.activity_occurrences(activity)
    for occurrence in occurrences:
        occurrence["when"] = dt.datetime.fromisoformat(occurrence["start"])
    return render(
        request,
        "volunteering/activity.html",
        {
            "activity": activity,
            "occurrences": occurrences,
            "mine": mine,
            "mine_keys": {f"{s.shift_id}|{s.occurrence.isoformat()}": s.status for s in mine},
            "leader": is_leader(request.user, activity.team),
        },
    )


@login_required
@require_POST
def signup(request, pk: int):
    activity = _visible_activity(request, pk)
    shift = activity.shifts.filter(pk=request.POST.get("shift") or 0).first()
    if shift is None:
        raise Http404
    try:
        entry, _created = services.signup_create(
            user=request.user, shift=shift, occurrence=_occurrence(request.POST.get("occurrence"))
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if entry.status == SignUp.Status.CONFIRMED:
            messages.success(request, _("You have a place. See you there!"))
        else:
            messages.info(
                request,
                _("The shift is full: you are number %(n)d on the waitlist.")
                % {"n": selectors.waitlist_position(entry)},
            )
    return redirect(activity.get_absolute_url())


@login_required
@require_POST
def signup_cancel(request, pk: int):
    entry = get_object_or_404(SignUp.objects.select_related("shift__activity__team"), pk=pk)
    try:
        services.signup_cancel(signup=entry, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cancelled."))
    return redirect(entry.shift.activity.get_absolute_url())


@login_required
@require_POST
def signup_confirm(request, pk: int):
    entry = get_object_or_404(SignUp.objects.select_related("shift__activity"), pk=pk)
    try:
        services.signup_confirm_day_ahead(signup=entry, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: the leader knows you are coming."))
    return redirect(entry.shift.activity.get_absolute_url())


# --- the leader's check-in screen ---------------------------------------------------------------------------


def _led_activity(request, pk: int) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("team"), pk=pk)
    if not is_leader(request.user, activity.team):
        raise DjangoPermissionDenied(_("Only the team's leaders may check people in."))
    return activity


def _current_occurrence(activity: Activity, value: str | None) -> dt.datetime:
    if value:
        occurrence = _occurrence(value)
        if not activity.is_occurrence(occurrence):
            raise Http404
        return occurrence
    now = timezone.now()
    starts = activity.occurrences(after=now - activity.duration - checkin.LATE, before=now + dt.timedelta(days=366))
    if not starts:
        raise Http404
    return starts[0]


def _scan_url(request, activity: Activity, occurrence: dt.datetime) -> tuple[str, str]:
    token = checkin.token_make(activity=activity, occurrence=occurrence)
    return token, request.build_absolute_uri(f"/volunteering/scan/{token}/")


@login_required
@require_GET
def checkin_screen(request, pk: int):
    activity = _led_activity(request, pk)
    occurrence = _current_occurrence(activity, request.GET.get("occurrence"))
    token, url = _scan_url(request, activity, occurrence)
    return render(
        request,
        "volunteering/checkin.html",
        {
            "activity": activity,
            "occurrence": occurrence,
            "qr": qr_svg(url, label=_("Check-in code")),
            "scan_url": url,
            "token": token,
            "rotate_seconds": checkin.ROTATE_SECONDS,
            "roster": selectors.activity_roster(activity=activity, occurrence=occurrence),
        },
    )


@login_required
@require_GET
def checkin_code(request, pk: int):
    """The current code, for the check-in screen to redraw every ROTATE_SECONDS (reads only)."""
    activity = _led_activity(request, pk)
    occurrence = _current_occurrence(activity, request.GET.get("occurrence"))
    token, url = _scan_url(request, activity, occurrence)
    return JsonResponse({"token": token, "url": url, "svg": str(qr_svg(url, label=_("Check-in code")))})


@login_required
@require_POST
def checkin_by_leader(request, pk: int):
    entry = get_object_or_404(SignUp.objects.select_related("shift__activity__team", "user"), pk=pk)
    try:
        _hours, what = services.hours_check_in_by_leader(signup=entry, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, (_("%(name)s checked in.") if what == "in" else _("%(name)s checked out.")) % {"name": entry.user}
        )
    return redirect(
        f"/volunteering/activities/{entry.shift.activity_id}/checkin/?occurrence={entry.occurrence.isoformat()}".replace(
            "+", "%2B"
        )
    )


def scan(request, token: str):
    """The address in the QR code: GET shows what will happen, POST checks in (or out)."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next=/volunteering/scan/{token}/")
    if request.method == "POST":
        try:
            entry, what = services.hours_scan(user=request.user, token=token)
        except ApplicationError as exc:
            return render(request, "volunteering/scan.html", {"error": exc.message, "token": token}, status=exc.status)
        return render(request, "volunteering/scan.html", {"entry": entry, "what": what, "done": True})
    try:
        activity, occurrence = checkin.token_read(token)
    except ApplicationError as exc:
        return render(request, "volunteering/scan.html", {"error": exc.message, "token": token}, status=exc.status)
    return render(request, "volunteering/scan.html", {"activity": activity, "occurrence": occurrence, "token": token})


# --- teams ------------------------------------------------------------------------------------------------


@require_GET
def team_page(request, pk: int):
    team = get_object_or_404(Team.objects.select_related("org_unit", "branch"), pk=pk)
    leader = is_leader(request.user, team)
    context = {
        "team": team,
        "leader": leader,
        "member": is_member(request.user, team),
        "membership": team.memberships.filter(user=request.user).first() if request.user.is_authenticated else None,
        "activities": [
            r for r in selectors.upcoming_activities(user=request.user, days=120) if r["activity"].team_id == team.pk
        ],
    }
    if leader:
        context.update(
            roster=selectors.team_roster(team=team),
            pending=selectors.pending_hours(team=team),
            by_month=selectors.team_hours_by_month(team=team),
            no_shows=selectors.team_no_shows(team=team),
            calendar_url=request.build_absolute_uri(
                f"/volunteering/teams/{team.pk}/calendar/{team.calendar_token}.ics"
            ),
        )
    return render(request, "volunteering/team.html", context)


@login_required
@require_POST
def team_apply(request, pk: int):
    team = get_object_or_404(Team, pk=pk)
    services.team_apply(team=team, user=request.user)
    messages.success(request, _("Your application was sent to the team's leaders."))
    return redirect(team.get_absolute_url())


@login_required
@require_POST
def team_join(request):
    try:
        membership = services.team_join_by_code(code=request.POST.get("code", ""), user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("volunteering:index")
    messages.success(request, _("Welcome to %(team)s.") % {"team": membership.team.name})
    return redirect(membership.team.get_absolute_url())


@login_required
@require_POST
def membership_decide(request, pk: int):
    membership = get_object_or_404(TeamMembership.objects.select_related("team", "user"), pk=pk)
    try:
        services.team_membership_decide(
            membership=membership, by=request.user, approve=request.POST.get("approve") == "1"
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(membership.team.get_absolute_url())


@login_required
@require_POST
def hours_decide(request, pk: int):
    entry = get_object_or_404(HoursEntry.objects.select_related("activity__team"), pk=pk)
    hours = None
    if request.POST.get("hours"):
        try:
            hours = Decimal(request.POST["hours"])
        except InvalidOperation:
            hours = Decimal(-1)
    try:
        services.hours_decide(
            entry=entry,
            by=request.user,
            action=request.POST.get("action", ""),
            hours=hours,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect(request.POST.get("next") or entry.activity.team.get_absolute_url())


# --- the volunteer's own pages --------------------------------------------------------------------------


@login_required
@require_GET
def me(request):
    return render(
        request,
        "volunteering/me.html",
        {
            "signups": selectors.my_signups(user=request.user),
            "teams": selectors.my_teams(user=request.user),
            "calendar_url": request.build_absolute_uri(f"/volunteering/calendar/{ical.person_token(request.user)}.ics"),
        },
    )


@login_required
@require_POST
def calendar_renew(request):
    services.calendar_link_renew(user=request.user)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("volunteering:me")


@login_required
@require_GET
def stars_page(request):
    return render(request, "volunteering/stars.html", selectors.star_summary(user=request.user))


@login_required
@require_GET
def certificate_print(request):
    summary = selectors.star_summary(user=request.user)
    return render(
        request,
        "volunteering/certificate.html",
        {**summary, "rows": selectors.certificate_rows(user=request.user), "today": timezone.localdate()},
    )


@login_required
@require_GET
def notifications(request):
    return render(request, "volunteering/notifications.html", {"items": selectors.notifications_for(user=request.user)})


@login_required
@require_POST
def notifications_read(request):
    services.notifications_mark_read(user=request.user)
    return redirect("volunteering:notifications")


@require_GET
def board(request, pk: int):
    unit = get_object_or_404(OrgUnit, pk=pk)
    return render(
        request,
        "volunteering/board.html",
        {"unit": unit, "board": selectors.unit_board(unit=unit), "reports": may_see_unit_reports(request.user, unit)},
    )


# --- iCalendar feeds ---------------------------------------------------------------------------------------


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def person_calendar(request, token: str):
    user = ical.person_for_token(token)
    if user is None:
        raise Http404
    return _ics(ical.person_feed(user), "volunteering")


@require_GET
def team_calendar(request, pk: int, token: str):
    team = Team.objects.filter(pk=pk, calendar_token=token).first()
    if team is None:
        raise Http404
    return _ics(ical.team_feed(team), f"team-{team.pk}")
