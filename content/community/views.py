"""Pages: stations for villagers (list, page), owners (their stations, one-tap capacity), and the direct line
(the QR form, "my requests", a request, the staff queue). Thin: reads through selectors, writes through services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from content.certification.qr import qr_svg
from core.errors import ApplicationError, PermissionDenied
from core.people.models import OrgUnit, Shop, Village

from . import selectors, services
from .models import DirectRequest, Offer, RequestCategory, Station
from .permissions import may_edit_station, may_handle_request
from .throttle import filing_throttled
from .uploads import MAX_PHOTO_BYTES

SESSION_TOKENS = "community_request_tokens"


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180 <= number <= 180 else None


@require_GET
def station_list(request):
    lat, lon = _float(request.GET.get("lat")), _float(request.GET.get("lon"))
    village_id = request.GET.get("village") or ""
    if not village_id.isdigit():
        village_id = ""
    if lat is None and not village_id and request.user.is_authenticated and request.user.village_id:
        village_id = str(request.user.village_id)
    filters = {
        "category": request.GET.get("category", "")[:40],
        "service": request.GET.get("service", "")[:40],
        "open_now": request.GET.get("open") == "1",
        "q": request.GET.get("q", "")[:50],
    }
    hits = selectors.station_search(
        latitude=lat, longitude=lon, village_id=int(village_id) if village_id else None, limit=20, **filters
    )
    return render(
        request,
        "community/station_list.html",
        {
            "hits": hits,
            "catalogue": selectors.catalogue(),
            "villages": Village.objects.order_by("code").only("pk", "name", "code"),
            "village_id": village_id,
            "lat": lat,
            "lon": lon,
            **filters,
        },
    )


@require_GET
def station_page(request, pk):
    try:
        detail = selectors.station_detail(station_id=pk)
    except Station.DoesNotExist as exc:
        raise Http404 from exc
    station = detail["station"]
    return render(
        request,
        "community/station_page.html",
        {
            **detail,
            "may_edit": may_edit_station(request.user, station),
            "request_url": reverse("community:request-form", args=["station", station.uuid]),
            "snapshot_url": reverse("api:community_station_live", args=[station.pk]),
        },
    )


@login_required
@require_GET
def my_stations(request):
    stations = selectors.stations_of_owner(user=request.user)
    if len(stations) == 1:
        return redirect("community:station-manage", pk=stations[0].pk)
    return render(request, "community/my_stations.html", {"stations": stations})


@login_required
@require_GET
def station_manage(request, pk):
    station = get_object_or_404(Station.objects.select_related("shop", "village"), pk=pk)
    if not may_edit_station(request.user, station):
        raise DjangoPermissionDenied(_("Only the station's shop owner or an editor may change it."))
    detail = selectors.station_detail(station_id=pk)
    qr_url = request.build_absolute_uri(reverse("community:request-form", args=["station", station.uuid]))
    details = StationDetailsForm(
        initial={
            "status": station.status,
            "phone": station.phone,
            "contact_name": station.contact_name,
            "description": station.description,
        }
    )
    return render(
        request,
        "community/station_manage.html",
        {**detail, "qr": qr_svg(qr_url), "qr_url": qr_url, "details": details},
    )


class StationDetailsForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Station.Status.choices)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=20)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), required=False, max_length=64)
    description = forms.CharField(
        label=gettext_lazy("About the station"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
@require_POST
def station_details(request, pk):
    """The owner's or an editor's changes to the station's status (temporarily closed) and contact details."""
    station = get_object_or_404(Station.objects.select_related("shop"), pk=pk)
    form = StationDetailsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            services.station_update(station=station, by=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
    return redirect("community:station-manage", pk=station.pk)


def _offer_for(request, pk) -> Offer:
    offer = get_object_or_404(Offer.objects.select_related("station", "station__shop", "kind"), pk=pk)
    if not may_edit_station(request.user, offer.station):
        raise DjangoPermissionDenied(_("Only the station's shop owner or an editor may change it."))
    return offer


@login_required
@require_POST
def offer_capacity(request, pk):
    offer = _offer_for(request, pk)
    try:
        if request.POST.get("delta"):
            services.offer_capacity_set(offer=offer, by=request.user, delta=int(request.POST["delta"]))
        else:
            services.offer_capacity_set(offer=offer, by=request.user, capacity=int(request.POST.get("capacity", "")))
    except ValueError:
        messages.error(request, _("Enter a whole number."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("community:station-manage", args=[offer.station_id]) + f"#offer-{offer.pk}")


@login_required
@require_POST
def offer_served(request, pk):
    offer = _offer_for(request, pk)
    services.offer_served_record(offer=offer, by=request.user, note=request.POST.get("note", "")[:200])
    messages.success(request, _("Recorded: %(service)s.") % {"service": offer.kind.name})
    return redirect(reverse("community:station-manage", args=[offer.station_id]) + f"#offer-{offer.pk}")


# --- the direct line -----------------------------------------------------------------------------------------


class RequestForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("What is it about?"), queryset=RequestCategory.objects.all(), empty_label=None
    )
    text = forms.CharField(
        label=gettext_lazy("Your request"),
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "request-text"}),
        max_length=services.MAX_TEXT,
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    contact = forms.CharField(label=gettext_lazy("How to reach you (optional)"), required=False, max_length=64)
    anonymous = forms.BooleanField(label=gettext_lazy("Send without my name"), required=False)


def _target(target: str, ident: str) -> dict:
    """What a QR code names: a station (by HSDS id), a shop (by licence number) or a unit (by code)."""
    try:
        if target == "station":
            station = Station.objects.select_related("shop", "shop__grid", "village").get(uuid=ident)
            return {"station": station, "title": station.name}
        if target == "shop":
            shop = Shop.objects.select_related("grid").get(licence_number=ident)
            return {"shop": shop, "title": shop.name}
        if target == "unit":
            unit = OrgUnit.objects.get(code=ident)
            return {"unit": unit, "title": unit.name}
    except (ObjectDoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    raise Http404


def _remember(request, token: str) -> None:
    tokens = [t for t in request.session.get(SESSION_TOKENS, []) if t != token]
    request.session[SESSION_TOKENS] = [token, *tokens][:50]


@require_http_methods(["GET", "POST"])
def request_form(request, target, ident):
    found = _target(target, ident)
    title = found.pop("title")
    form = RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and filing_throttled(request):
        form.add_error(None, _("Too many requests from here; try again later."))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filed = services.direct_request_file(
                category=data["category"],
                text=data["text"],
                requester=request.user,
                contact=data["contact"],
                anonymous=data["anonymous"],
                photo=data["photo"],
                **found,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            _remember(request, filed.tracking_token)
            messages.success(request, _("Your request was sent. You will find the answer here."))
            return redirect("community:request", uuid=filed.uuid)
    return render(
        request,
        "community/request_form.html",
        {"form": form, "title": title, "max_mb": MAX_PHOTO_BYTES // (1024 * 1024), "target": target},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def qr_page(request, target, ident):
    found = _target(target, ident)
    url = request.build_absolute_uri(reverse("community:request-form", args=[target, ident]))
    return render(request, "community/qr_page.html", {"title": found["title"], "qr": qr_svg(url), "url": url})


@require_GET
def my_requests(request):
    tokens = request.session.get(SESSION_TOKENS, [])
    if not request.user.is_authenticated and not tokens:
        return redirect(f"{reverse('login')}?next={request.path}")
    rows = selectors.my_requests(user=request.user, tokens=tokens)
    return render(request, "community/my_requests.html", {"requests": rows})


def _viewer(request, direct: DirectRequest) -> str:
    if direct.requester_id and request.user.is_authenticated and direct.requester_id == request.user.pk:
        return "requester"
    if direct.tracking_token in request.session.get(SESSION_TOKENS, []):
        return "requester"
    if may_handle_request(request.user, direct):
        return "staff"
    return ""


@require_http_methods(["GET", "POST"])
def request_page(request, uuid):
    direct = get_object_or_404(
        DirectRequest.objects.select_related("category", "unit", "origin_unit", "station", "assignee"), uuid=uuid
    )
    viewer = _viewer(request, direct)
    if not viewer:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        raise Http404
    if request.method == "POST":
        act = request.POST.get("act", "")
        text = request.POST.get("text", "")
        token = direct.tracking_token if viewer == "requester" else None
        try:
            if viewer == "requester" and act == "confirm":
                rating = request.POST.get("rating")
                services.direct_request_confirm(
                    request=direct, by=request.user, token=token, rating=int(rating) if rating else None
                )
            elif viewer == "requester" and act == "reopen":
                services.direct_request_reopen(request=direct, by=request.user, token=token, text=text)
            elif viewer == "staff" and act == "assign":
                services.direct_request_assign(request=direct, by=request.user)
            elif viewer == "staff" and act == "start":
                services.direct_request_start(request=direct, by=request.user)
            elif viewer == "staff" and act == "reply":
                services.direct_request_reply(request=direct, by=request.user, text=text)
            elif viewer == "staff" and act == "resolve":
                services.direct_request_resolve(request=direct, by=request.user, text=text)
            else:
                raise ApplicationError(_("Nothing to do."))
        except ValueError:
            messages.error(request, _("A rating is 1 to 5 stars."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("community:request", uuid=direct.uuid)
    detail = selectors.request_detail(request=direct)
    return render(
        request,
        "community/request_page.html",
        {
            **detail,
            "viewer": viewer,
            "colour": selectors.request_colour(direct, timezone.now()),
            # Staff never see who sent an anonymous request; the requester's name is shown to staff otherwise.
            "requester_name": "" if direct.anonymous or direct.requester is None else direct.requester.name,
            "room": direct.tracking_token if viewer == "requester" else "",
        },
    )


@login_required
@require_GET
def staff_queue(request):
    from .permissions import is_staff_member

    if not is_staff_member(request.user) or request.user.org_unit_id is None:
        raise DjangoPermissionDenied(_("The queue is for staff of a unit."))
    state = request.GET.get("state", "open")
    if state not in {"open", *DirectRequest.State.values}:
        state = "open"
    rows = selectors.staff_queue(user=request.user, state=state)
    return render(
        request,
        "community/queue.html",
        {
            "requests": rows,
            "state": state,
            "states": DirectRequest.State.choices,
            "unit": request.user.org_unit,
            "counts": selectors.queue_counts(unit_id=request.user.org_unit_id),
        },
    )
