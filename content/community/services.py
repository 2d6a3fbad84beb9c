"""Writes of the community app: stations and their services, and the direct line.

Every function checks who may act first, writes in one transaction, records a statement when the act counts, and
tells the live rooms after commit. `now` is a parameter wherever time matters, so tests run a fake clock.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.activity.items import item_iri
from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, NotFound, PermissionDenied
from core.people.models import OrgUnit, Role, Shop, User

from .cards import station_cards_forget
from .cockpit import resolution_facts
from .models import DirectLineUnit, DirectRequest, Offer, RequestCategory, RequestEvent, Station
from .permissions import may_edit_station, may_handle_request
from .uploads import photo_checked

MAX_TEXT = 2000
MAX_CAPACITY = 100_000
STATION_FIELDS = {
    "name",
    "description",
    "address",
    "contact_name",
    "phone",
    "status",
    "anonymous_requests",
    "latitude",
    "longitude",
    "time_zone",
}


class InvalidTransition(ApplicationError):
    status = 409


def _room_changed(kind: str, key) -> None:
    from realtime.rooms import room_changed

    if kind == "stations":  # what the station's room shows is also on its card in the search
        station_cards_forget([key])
    transaction.on_commit(lambda: room_changed(kind, str(key)))


def _room_send(kind: str, key, payload: dict) -> None:
    from realtime.rooms import room_send

    transaction.on_commit(lambda: room_send(kind, str(key), payload))


# --- stations ------------------------------------------------------------------------------------------------


def station_update(*, station: Station, by, **fields) -> Station:
    """Change a station's details: its host shop's owner or an editor."""
    if not may_edit_station(by, station):
        raise PermissionDenied(_("Only the station's shop owner or an editor may change it."))
    unknown = set(fields) - STATION_FIELDS
    if unknown:
        raise ApplicationError(
            _("These details cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        station = Station.objects.select_for_update().get(pk=station.pk)
        for name, value in fields.items():
            setattr(station, name, value)
        station.full_clean(exclude=["shop", "village", "partners"])
        station.save()
        _room_changed("stations", station.pk)
    return station


def offer_capacity_set(*, offer: Offer, by, capacity: int | None = None, delta: int | None = None, now=None) -> Offer:
    """Set an offered service's capacity (parcels waiting, seats free), or move it by `delta` (one tap: +1, -1).
    Its station's owner or an editor; never below zero."""
    station = offer.station
    if not may_edit_station(by, station):
        raise PermissionDenied(_("Only the station's shop owner or an editor may change it."))
    if (capacity is None) == (delta is None):
        raise ApplicationError(_("Give either a capacity or a change."))
    now = now or timezone.now()
    with transaction.atomic():
        offer = Offer.objects.select_for_update().select_related("station", "kind").get(pk=offer.pk)
        if not offer.kind.has_capacity:
            raise ApplicationError(_("This service has no capacity to count."))
        value = capacity if capacity is not None else (offer.capacity or 0) + delta
        if value < 0 or value > MAX_CAPACITY:
            raise ApplicationError(
                _("A capacity is between 0 and %(max)d.") % {"max": MAX_CAPACITY}, extra={"max": MAX_CAPACITY}
            )
        offer.capacity = value
        offer.capacity_updated_at = now
        offer.save(update_fields=["capacity", "capacity_updated_at", "updated_at"])
        Station.objects.filter(pk=offer.station_id).update(updated_at=now)
        _room_changed("stations", offer.station_id)
    return offer


def offer_served_record(*, offer: Offer, by, note: str = "", now=None):
    """The station served someone with this service (a parcel handed over, a bill paid): one statement, so
    service work counts. Its station's owner or an editor."""
    if not may_edit_station(by, offer.station):
        raise PermissionDenied(_("Only the station's shop owner or an editor may record its services."))
    now = now or timezone.now()
    with transaction.atomic():
        result = activity_record(
            actor=by,
            verb=Verb.SERVED,
            object_id=item_iri(f"station-service:{offer.pk}"),
            activity_type=ActivityType.STATION_SERVICE,
            name=f"{offer.station.name} · {offer.kind.name}",
            result={"response": note[:200]} if note else None,
            timestamp=now,
        )
    return result.statement


# --- the direct line -----------------------------------------------------------------------------------------


def unit_staff(unit: OrgUnit) -> list[User]:
    """Who answers a unit's requests: its responsible staff when an editor named them, else its staff members."""
    line = DirectLineUnit.objects.filter(unit=unit).first()
    if line is not None:
        named = list(line.responders.filter(is_active=True))
        if named:
            return named
    return list(User.objects.filter(org_unit=unit, is_active=True, roles__role=Role.STAFF).distinct())


def answering_unit(start: OrgUnit) -> OrgUnit:
    """The first unit from `start` upwards with someone to answer (a grid's requests go to its department)."""
    for unit in [start, *reversed(list(start.get_ancestors()))]:
        if unit_staff(unit):
            return unit
    return start


def allows_anonymous(unit: OrgUnit, station: Station | None = None) -> bool:
    if station is not None and not station.anonymous_requests:
        return False
    line = DirectLineUnit.objects.filter(unit=unit).first()
    return True if line is None else line.allow_anonymous


def _event(request: DirectRequest, kind: str, *, actor=None, text: str = "", now, from_unit=None, to_unit=None):
    return RequestEvent.objects.create(
        request=request, kind=kind, actor=actor, text=text, created_at=now, from_unit=from_unit, to_unit=to_unit
    )


def _object(request: DirectRequest) -> dict:
    return {
        "object_id": item_iri(f"help-request:{request.pk}"),
        "activity_type": ActivityType.HELP_REQUEST,
        "name": f"{request.category.name} #{request.pk}",
    }


def _queue_changed(request: DirectRequest, *, event: str) -> None:
    payload = {"kind": event, "request": str(request.uuid), "state": request.state, "unit": request.unit_id}
    for unit_id in {request.unit_id, request.origin_unit_id}:
        _room_send("direct_line", unit_id, payload)
        _room_changed("direct_line", unit_id)
    _room_changed("direct_request", request.tracking_token)


def direct_request_file(
    *,
    category: RequestCategory,
    text: str,
    station: Station | None = None,
    shop: Shop | None = None,
    unit: OrgUnit | None = None,
    requester=None,
    contact: str = "",
    anonymous: bool = False,
    photo=None,
    latitude: float | None = None,
    longitude: float | None = None,
    now: dt.datetime | None = None,
) -> DirectRequest:
    """File a request through a QR code (a station's, a shop's or a unit's). Returns it with `tracking_token` set:
    whoever holds the token may follow it, which is how an anonymous requester does.

    Anonymous requests name nobody: no account, no contact, and no statement (a statement names its actor)."""
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Write what the request is about."))
    if len(text) > MAX_TEXT:
        raise ApplicationError(_("A request is at most %(n)d characters.") % {"n": MAX_TEXT}, extra={"max": MAX_TEXT})
    contact = (contact or "").strip()[:64]
    if station is not None:
        shop = station.shop
    if shop is not None:
        unit = shop.grid
    if unit is None:
        raise NotFound(_("This QR code names no station, shop or unit."))
    signed_in = bool(requester and requester.is_authenticated)
    if not signed_in:
        anonymous = True
        requester = None
    target = answering_unit(unit)
    if anonymous and not allows_anonymous(target, station):
        raise PermissionDenied(_("This unit does not take anonymous requests: sign in first."))
    if anonymous:
        requester, contact = None, ""
    cleaned_photo = photo_checked(photo) if photo else None
    now = now or timezone.now()
    with transaction.atomic():
        request = DirectRequest(
            category=category,
            text=text,
            station=station,
            shop=shop,
            origin_unit=target,
            unit=target,
            requester=requester,
            contact=contact,
            anonymous=anonymous,
            tracking_token=secrets.token_urlsafe(32),
            latitude=latitude if latitude is not None else (station.latitude if station else None),
            longitude=longitude if longitude is not None else (station.longitude if station else None),
            due_at=now + dt.timedelta(hours=category.target_hours),
            created_at=now,
            updated_at=now,
        )
        if cleaned_photo is not None:
            request.photo.save(cleaned_photo.name, cleaned_photo, save=False)
        request.save()
        _event(request, RequestEvent.Kind.FILED, actor=requester, now=now, to_unit=target)
        if requester is not None:
            activity_record(
                actor=requester,
                verb=Verb.REQUESTED,
                timestamp=now,
                natural_key=("direct-requested", request.uuid),
                **_object(request),
            )
        _queue_changed(request, event="new")
    return request


# Which state each act moves a request from and to: states only move forward (or back to work when reopened).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": (
        (DirectRequest.State.NEW, DirectRequest.State.ASSIGNED, DirectRequest.State.REOPENED),
        DirectRequest.State.ASSIGNED,
    ),
    "start": ((DirectRequest.State.ASSIGNED, DirectRequest.State.REOPENED), DirectRequest.State.IN_PROGRESS),
    "resolve": ((DirectRequest.State.ASSIGNED, DirectRequest.State.IN_PROGRESS), DirectRequest.State.RESOLVED),
    "confirm": ((DirectRequest.State.RESOLVED,), DirectRequest.State.CONFIRMED),
    "reopen": ((DirectRequest.State.RESOLVED,), DirectRequest.State.REOPENED),
}


def _locked(request: DirectRequest, act: str) -> DirectRequest:
    request = (
        DirectRequest.objects.select_for_update().select_related("category", "unit", "origin_unit").get(pk=request.pk)
    )
    allowed_from, _to = TRANSITIONS[act]
    if request.state not in allowed_from:
        raise InvalidTransition(
            _("A request that is %(state)s cannot be %(act)s.")
            % {"state": request.get_state_display(), "act": ACT_NAMES[act]()},
            extra={"state": request.state, "act": act},
        )
    return request


ACT_NAMES = {
    "assign": lambda: pgettext("request act", "assigned"),
    "start": lambda: pgettext("request act", "started"),
    "resolve": lambda: pgettext("request act", "resolved"),
    "confirm": lambda: pgettext("request act", "confirmed"),
    "reopen": lambda: pgettext("request act", "reopened"),
}


def _check_staff(by, request) -> None:
    if not may_handle_request(by, request):
        raise PermissionDenied(_("Only the staff of the answering unit may handle this request."))


def direct_request_assign(*, request: DirectRequest, by, assignee=None, now=None) -> DirectRequest:
    """Give the request to a staff member (oneself by default)."""
    _check_staff(by, request)
    assignee = assignee or by
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request, "assign")
        if not may_handle_request(assignee, request):
            raise PermissionDenied(_("The request can only go to staff of its answering unit."))
        request.state, request.assignee, request.updated_at = DirectRequest.State.ASSIGNED, assignee, now
        request.save(update_fields=["state", "assignee", "updated_at"])
        _event(request, RequestEvent.Kind.ASSIGNED, actor=by, text=str(assignee), now=now)
        _queue_changed(request, event="assigned")
    return request


def direct_request_start(*, request: DirectRequest, by, now=None) -> DirectRequest:
    _check_staff(by, request)
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request, "start")
        request.state, request.updated_at = DirectRequest.State.IN_PROGRESS, now
        if request.assignee_id is None:
            request.assignee = by
        request.save(update_fields=["state", "assignee", "updated_at"])
        _event(request, RequestEvent.Kind.STARTED, actor=by, now=now)
        _queue_changed(request, event="started")
    return request


def direct_request_reply(*, request: DirectRequest, by, text: str, now=None) -> RequestEvent:
    """A reply the requester reads; any state but confirmed."""
    _check_staff(by, request)
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ApplicationError(_("A reply has 1 to %(n)d characters.") % {"n": MAX_TEXT})
    now = now or timezone.now()
    with transaction.atomic():
        request = DirectRequest.objects.select_for_update().get(pk=request.pk)
        if request.state == DirectRequest.State.CONFIRMED:
            raise InvalidTransition(_("The request is closed."), extra={"state": request.state})
        DirectRequest.objects.filter(pk=request.pk).update(updated_at=now)
        event = _event(request, RequestEvent.Kind.REPLY, actor=by, text=text, now=now)
        _room_changed("direct_request", request.tracking_token)
    return event


def direct_request_resolve(*, request: DirectRequest, by, text: str, now=None) -> DirectRequest:
    """Answer the request and mark it resolved; the requester confirms or reopens it. One statement for the
    staff member who resolved it."""
    _check_staff(by, request)
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ApplicationError(_("Say how the request was resolved (1 to %(n)d characters).") % {"n": MAX_TEXT})
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request, "resolve")
        request.state, request.resolved_by, request.resolved_at, request.updated_at = (
            DirectRequest.State.RESOLVED,
            by,
            now,
            now,
        )
        request.save(update_fields=["state", "resolved_by", "resolved_at", "updated_at"])
        _event(request, RequestEvent.Kind.RESOLVED, actor=by, text=text, now=now)
        resolutions = request.events.filter(kind=RequestEvent.Kind.RESOLVED).count()
        activity_record(
            actor=by,
            verb=Verb.RESOLVED,
            timestamp=now,
            **resolution_facts(request, now=now),
            natural_key=("direct-resolved", request.uuid, resolutions),
            **_object(request),
        )
        _queue_changed(request, event="resolved")
    return request


def _check_requester(request: DirectRequest, by, token: str | None) -> None:
    if token and secrets.compare_digest(token, request.tracking_token):
        return
    if request.requester_id is not None and by is not None and by.is_authenticated and by.pk == request.requester_id:
        return
    raise PermissionDenied(_("Only the person who sent the request may do this."))


def direct_request_confirm(
    *, request: DirectRequest, by=None, token: str | None = None, rating: int | None = None, now=None
) -> DirectRequest:
    """The requester confirms the answer, and may rate it (1 to 5). The resolver's work counts (a statement
    naming them); a signed-in requester's rating is a statement too."""
    _check_requester(request, by, token)
    if rating is not None and not 1 <= int(rating) <= 5:
        raise ApplicationError(_("A rating is 1 to 5 stars."))
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request, "confirm")
        request.state, request.closed_at, request.updated_at = DirectRequest.State.CONFIRMED, now, now
        if rating is not None:
            request.rating = int(rating)
        request.save(update_fields=["state", "closed_at", "updated_at", "rating"])
        _event(request, RequestEvent.Kind.CONFIRMED, actor=request.requester, text=str(rating or ""), now=now)
        if request.resolved_by_id is not None:
            activity_record(
                actor=request.resolved_by,
                verb=Verb.CONFIRMED,
                timestamp=now,
                natural_key=("direct-confirmed", request.uuid),
                **_object(request),
            )
        if rating is not None and request.requester_id is not None:
            activity_record(
                actor=request.requester,
                verb=Verb.RATED,
                timestamp=now,
                result={"score": {"raw": int(rating), "min": 1, "max": 5, "scaled": int(rating) / 5}},
                natural_key=("direct-rated", request.uuid),
                **_object(request),
            )
        _queue_changed(request, event="confirmed")
    return request


def direct_request_reopen(
    *, request: DirectRequest, by=None, token: str | None = None, text: str = "", now=None
) -> DirectRequest:
    """The requester is not satisfied: back to the staff, with a new deadline."""
    _check_requester(request, by, token)
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request, "reopen")
        request.state, request.updated_at = DirectRequest.State.REOPENED, now
        request.due_at = now + dt.timedelta(hours=request.category.target_hours)
        request.save(update_fields=["state", "updated_at", "due_at"])
        _event(
            request, RequestEvent.Kind.REOPENED, actor=request.requester, text=(text or "").strip()[:MAX_TEXT], now=now
        )
        _queue_changed(request, event="reopened")
    return request


def direct_requests_escalate(*, now: dt.datetime | None = None) -> int:
    """Every open request past its target goes to the next unit up, with a new deadline (run by the scheduler:
    `manage.py direct_line_escalate`). Returns how many moved. A request at the top unit stays there."""
    now = now or timezone.now()
    moved = 0
    overdue = (
        DirectRequest.objects.filter(state__in=DirectRequest.OPEN_STATES, due_at__lte=now)
        .select_related("unit", "category")
        .order_by("due_at", "pk")
    )
    for request in overdue.iterator(chunk_size=500):
        parent = request.unit.get_parent()
        if parent is None:
            continue
        with transaction.atomic():
            locked = (
                DirectRequest.objects.select_for_update()
                .filter(pk=request.pk, state__in=DirectRequest.OPEN_STATES, due_at__lte=now)
                .first()
            )
            if locked is None:
                continue
            previous = request.unit
            DirectRequest.objects.filter(pk=request.pk).update(
                unit=parent,
                escalation_level=F("escalation_level") + 1,
                due_at=now + dt.timedelta(hours=request.category.target_hours),
                updated_at=now,
            )
            _event(locked, RequestEvent.Kind.ESCALATED, now=now, from_unit=previous, to_unit=parent)
            request.unit = parent
            _queue_changed(request, event="escalated")
            moved += 1
    return moved
