"""Field work pages, phone first: today's list, check-in by QR link or location, the visit (checklist, problem),
problems and their closing, the shop owner's page (its check-in QR code, visit records to confirm),
questionnaires (answer, results, CSV). Thin: selectors read, services write; errors come back as messages."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.cockpit.selectors import cockpit_units_allowed, may_see_cockpit
from core.errors import ApplicationError
from core.people.models import OrgUnit, Role, Shop, User

from . import selectors, services
from .models import FieldWorker, Problem, Questionnaire, Visit, VisitPlan, WorkTask
from .qr import qr_svg

VISITOR_COOKIE = "fw_visitor"


def _fail(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


def _staff_only(user) -> None:
    if not may_see_cockpit(user):
        raise DjangoPermissionDenied(_("Only staff may see this page."))


@login_required
@require_GET
def today(request):
    listing = selectors.today_list(user=request.user)
    if listing["worker"] is None:
        raise DjangoPermissionDenied(_("Only field staff have a work list."))
    return render(
        request,
        "fieldwork/today.html",
        {**listing, "objectives": selectors.objectives_of(user=request.user), "now": timezone.now()},
    )


@login_required
@require_POST
def task_tick(request, pk: int):
    task = get_object_or_404(WorkTask.objects.select_related("template"), pk=pk)
    visit = None
    if request.POST.get("visit"):
        visit = Visit.objects.filter(pk=request.POST["visit"], worker=request.user).select_related("shop").first()
    try:
        services.task_tick(
            user=request.user,
            task=task,
            visit=visit,
            photo=request.FILES.get("photo"),
            checklist=request.POST.getlist("checklist"),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Ticked: %(task)s") % {"task": task.title})
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("fieldwork:today")


@login_required
@require_http_methods(["GET", "POST"])
def check_in_qr(request, token: str):
    """The shop's QR code opens this page: it shows the shop; the button checks in (a GET writes nothing)."""
    try:
        shop = services.shop_for_checkin_token(token=token)
    except ApplicationError as exc:
        return render(request, "fieldwork/check_in.html", {"error": exc.message}, status=400)
    if request.method == "POST":
        try:
            visit = services.visit_check_in(user=request.user, token=token)
        except ApplicationError as exc:
            _fail(request, exc)
            return redirect("fieldwork:today")
        messages.success(request, _("Checked in at %(shop)s.") % {"shop": shop.name})
        return redirect("fieldwork:visit", pk=visit.pk)
    return render(request, "fieldwork/check_in.html", {"shop": shop, "token": token})


@login_required
@require_POST
def check_in_location(request):
    shop = get_object_or_404(Shop, pk=request.POST.get("shop") or 0)
    try:
        visit = services.visit_check_in(
            user=request.user,
            shop=shop,
            latitude=float(request.POST.get("latitude", "")),
            longitude=float(request.POST.get("longitude", "")),
        )
    except ValueError:
        messages.error(request, _("Your location could not be read."))
        return redirect("fieldwork:today")
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("fieldwork:today")
    messages.success(request, _("Checked in at %(shop)s.") % {"shop": shop.name})
    return redirect("fieldwork:visit", pk=visit.pk)


def _may_see_visit(user, visit: Visit) -> bool:
    return (
        user.pk in (visit.worker_id, visit.shop.owner_id)
        or user.is_superuser
        or (may_see_cockpit(user) and cockpit_units_allowed(user).filter(pk=visit.shop.grid_id).exists())
    )


@login_required
@require_GET
def visit(request, pk: int):
    record = selectors.visit_get(pk=pk)
    if not _may_see_visit(request.user, record):
        raise DjangoPermissionDenied(_("This visit is not yours to see."))
    checklist = services.role_checklist(record.role)
    colleagues = User.objects.filter(
        roles__role=Role.STAFF, org_unit__path__in=[a.path for a in record.shop.grid.get_ancestors()]
    ).order_by("display_name")[:50]
    workers = User.objects.filter(field_worker__grids=record.shop.grid).order_by("display_name")
    assignees = list({u.pk: u for u in [*workers, *colleagues]}.values())
    return render(
        request,
        "fieldwork/visit.html",
        {
            "visit": record,
            "checklist": [item for _task, items in checklist for item in items],
            "is_visitor": record.worker_id == request.user.pk,
            "is_owner": record.shop.owner_id == request.user.pk,
            "assignees": assignees,
            "default_deadline": (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "problems": record.problems.select_related("assignee"),
        },
    )


@login_required
@require_POST
def visit_finish(request, pk: int):
    record = selectors.visit_get(pk=pk)
    try:
        services.visit_finish(
            user=request.user, visit=record, ticked=request.POST.getlist("checklist"), note=request.POST.get("note", "")
        )
        messages.success(request, _("Visit finished."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("fieldwork:visit", pk=pk)


@login_required
@require_POST
def visit_confirm(request, pk: int):
    record = selectors.visit_get(pk=pk)
    try:
        services.visit_confirm(user=request.user, visit=record, comment=request.POST.get("comment", ""))
        messages.success(request, _("Thank you: the visit is confirmed."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("fieldwork:my-shop")


def _deadline(value: str):
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApplicationError(_("Give the deadline as a date and time.")) from exc
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
@require_POST
def problem_raise(request):
    """From a visit (`visit`) or handed down over a unit (`grid`)."""
    try:
        assignee = User.objects.filter(pk=request.POST.get("assignee") or 0).first()
        if assignee is None:
            raise ApplicationError(_("Choose the person responsible."))
        visit = None
        grid = None
        if request.POST.get("visit"):
            visit = selectors.visit_get(pk=int(request.POST["visit"]))
        else:
            grid = OrgUnit.objects.filter(pk=request.POST.get("grid") or 0).first()
        problem = services.problem_raise(
            by=request.user,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            assignee=assignee,
            deadline=_deadline(request.POST.get("deadline", "")),
            visit=visit,
            grid=grid,
        )
    except (ApplicationError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("The request is not valid.")))
        back = request.POST.get("back", "")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(back if back and safe else "fieldwork:problems")
    messages.success(request, _("Problem handed to %(person)s.") % {"person": assignee})
    return redirect("fieldwork:problem", pk=problem.pk)


@login_required
@require_GET
def problems(request):
    _staff_only(request.user)
    units = cockpit_units_allowed(request.user).exclude(kind=OrgUnit.Kind.PROVINCE).order_by("path")[:200]
    people = User.objects.filter(roles__role=Role.STAFF, org_unit__in=cockpit_units_allowed(request.user)).order_by(
        "display_name"
    )[:200]
    return render(
        request,
        "fieldwork/problems.html",
        {
            **selectors.problems_of(user=request.user),
            "units": units,
            "people": people,
            "default_deadline": (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def problem(request, pk: int):
    record = selectors.problem_get(pk=pk)
    if not selectors.problem_may_see(problem=record, user=request.user):
        raise DjangoPermissionDenied(_("This problem is not yours to see."))
    me = request.user.pk
    may_close = record.status == Problem.Status.OPEN and (
        (me == record.assignee_id and record.assignee_closed_at is None)
        or (me == record.assigner_id and record.assignee_closed_at is not None and record.assigner_closed_at is None)
    )
    return render(request, "fieldwork/problem.html", {"problem": record, "may_close": may_close, "now": timezone.now()})


@login_required
@require_POST
def problem_close(request, pk: int):
    record = selectors.problem_get(pk=pk)
    try:
        record = services.problem_close(by=request.user, problem=record, note=request.POST.get("note", ""))
        if record.status == Problem.Status.CLOSED:
            messages.success(request, _("Closed by both sides."))
        else:
            messages.success(request, _("Closed on your side; waiting for the other side."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("fieldwork:problem", pk=pk)


@login_required
@require_GET
def my_shop(request):
    """The shop owner's page: each shop's check-in QR code (valid a few minutes, shown fresh on each visit of the
    page) and the visit records to confirm."""
    shops = selectors.shops_of_owner(user=request.user)
    codes = []
    for shop in shops:
        link = request.build_absolute_uri(reverse("fieldwork:check-in", args=[services.shop_checkin_token(shop=shop)]))
        codes.append({"shop": shop, "link": link, "qr": qr_svg(link, label=shop.name)})
    return render(
        request,
        "fieldwork/my_shop.html",
        {
            "codes": codes,
            "visits": selectors.visits_of_shop_owner(user=request.user),
            "max_age_minutes": services.checkin_token_max_age() // 60,
        },
    )


@login_required
@require_GET
def plans(request):
    _staff_only(request.user)
    grids = cockpit_units_allowed(request.user).filter(kind=OrgUnit.Kind.GRID).order_by("path")[:200]
    recent = VisitPlan.objects.filter(grid__in=grids).select_related("grid", "worker").order_by("-starts_on")[:30]
    workers = FieldWorker.objects.filter(grids__in=grids).select_related("user").distinct()[:200]
    return render(
        request,
        "fieldwork/plans.html",
        {"grids": grids, "plans": recent, "workers": workers, "today": timezone.localdate()},
    )


@login_required
@require_POST
def plan_create(request):
    _staff_only(request.user)
    grid = cockpit_units_allowed(request.user).filter(pk=request.POST.get("grid") or 0, kind="grid").first()
    worker = User.objects.filter(pk=request.POST.get("worker") or 0, field_worker__isnull=False).first()
    if grid is None or worker is None:
        messages.error(request, _("Choose a grid you work in and a field worker."))
        return redirect("fieldwork:plans")
    try:
        plan = services.visit_plan_create(
            by=request.user,
            grid=grid,
            worker=worker,
            starts_on=dt.date.fromisoformat(request.POST.get("starts_on", "")),
            days=int(request.POST.get("days") or 28),
        )
    except ValueError:
        messages.error(request, _("The request is not valid."))
        return redirect("fieldwork:plans")
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("fieldwork:plans")
    return redirect("fieldwork:plan", pk=plan.pk)


@login_required
@require_GET
def plan(request, pk: int):
    _staff_only(request.user)
    record = get_object_or_404(VisitPlan.objects.select_related("grid", "worker"), pk=pk)
    if not cockpit_units_allowed(request.user).filter(pk=record.grid_id).exists():
        raise DjangoPermissionDenied(_("You may only see the units you work in."))
    return render(request, "fieldwork/plan.html", {"plan": record, **selectors.plan_coverage(plan=record)})


# --- questionnaires ----------------------------------------------------------------------------------------


@login_required
@require_GET
def questionnaires(request):
    manageable = []
    if request.user.is_superuser or request.user.has_role(Role.EDITOR):
        manageable = list(Questionnaire.objects.order_by("-created_at")[:50])
    return render(
        request,
        "fieldwork/questionnaires.html",
        {"open": selectors.questionnaires_for(user=request.user), "manageable": manageable},
    )


def _answers_from(request, questions) -> dict:
    answers = {}
    for question in questions:
        name = f"q{question.pk}"
        if question.kind == "multiple":
            value = request.POST.getlist(name)
        elif question.kind == "scale":
            raw = request.POST.get(name, "")
            value = int(raw) if raw.isdigit() else (raw or None)
        else:
            value = request.POST.get(name, "")
        answers[str(question.pk)] = value
    return answers


def _answer_page(request, questionnaire: Questionnaire, *, public: bool):
    questions = selectors.questions_of(questionnaire)
    visitor = request.COOKIES.get(VISITOR_COOKIE) or secrets.token_urlsafe(16)
    done = False
    if request.method == "POST":
        try:
            services.questionnaire_respond(
                questionnaire=questionnaire,
                user=request.user,
                answers=_answers_from(request, questions),
                visitor_key=visitor if public and not request.user.is_authenticated else "",
            )
            done = True
        except ApplicationError as exc:
            _fail(request, exc)
    response = render(
        request,
        "fieldwork/questionnaire.html",
        {
            "questionnaire": questionnaire,
            "questions": questions,
            "done": done,
            "public": public,
            "may_answer": services.questionnaire_may_answer(questionnaire=questionnaire, user=request.user),
        },
        status=200,
    )
    if public:
        response.set_cookie(VISITOR_COOKIE, visitor, max_age=365 * 86400, httponly=True, samesite="Lax")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire(request, pk: int):
    record = selectors.questionnaire_get(pk=pk)
    if record.scope == Questionnaire.Scope.PUBLIC:
        return redirect("fieldwork:public-questionnaire", uuid=record.public_key)
    return _answer_page(request, record, public=False)


@require_http_methods(["GET", "POST"])
def public_questionnaire(request, uuid):
    """The consumers' public link: no sign-in; one answer per browser where the questionnaire takes one."""
    record = get_object_or_404(Questionnaire, public_key=uuid, scope=Questionnaire.Scope.PUBLIC)
    return _answer_page(request, record, public=True)


def _may_see_results(user, questionnaire: Questionnaire) -> bool:
    return user.is_superuser or user.has_role(Role.EDITOR) or questionnaire.created_by_id == user.pk


@login_required
@require_GET
def questionnaire_results(request, pk: int):
    record = selectors.questionnaire_get(pk=pk)
    if not _may_see_results(request.user, record):
        raise DjangoPermissionDenied(_("Only editors see the results."))
    results = selectors.questionnaire_results(questionnaire=record)
    from .charts import bar_chart_svg

    for row in results["questions"]:
        total = max(1, sum(option["count"] for option in row["options"]))
        row["chart"] = bar_chart_svg(
            [(option["label"], option["count"] / total, str(option["count"])) for option in row["options"]]
        )
    public_link = (
        request.build_absolute_uri(reverse("fieldwork:public-questionnaire", args=[record.public_key]))
        if record.scope == Questionnaire.Scope.PUBLIC
        else ""
    )
    return render(request, "fieldwork/results.html", {**results, "public_link": public_link})


@login_required
@require_GET
def questionnaire_csv(request, pk: int):
    record = selectors.questionnaire_get(pk=pk)
    if not _may_see_results(request.user, record):
        raise DjangoPermissionDenied(_("Only editors see the results."))
    response = HttpResponse(
        "\ufeff" + selectors.questionnaire_csv(questionnaire=record), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="questionnaire-{record.pk}.csv"'
    return response
