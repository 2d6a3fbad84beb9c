"""The app's live rooms (realtime.rooms): a station's page, a unit's direct-line queue, one request.

- ``stations:<station pk>``: open or not and the capacities (`selectors.station_snapshot`); anyone may watch.
- ``direct_line:<unit pk>``: the queue's counts by colour; events say a request arrived or moved. Staff who
  answer that unit's requests watch it.
- ``direct_request:<tracking token>``: a request's state and its number of replies, for the requester's page;
  the key is the secret only the requester's pages know, and the snapshot names nobody.
"""

from __future__ import annotations


def station_room_snapshot(key: str, user) -> dict:
    from .models import Station
    from .selectors import station_snapshot

    try:
        return station_snapshot(station_id=int(key))
    except (ValueError, Station.DoesNotExist):
        return {"station": None}


def station_room_may_watch(key: str, user) -> bool:
    from .models import Station

    return key.isdigit() and Station.objects.filter(pk=int(key)).exists()


def queue_room_snapshot(key: str, user) -> dict:
    from .selectors import queue_counts

    try:
        return queue_counts(unit_id=int(key))
    except Exception:  # noqa: BLE001 - a unit deleted under the socket
        return {"unit": None}


def queue_room_may_watch(key: str, user) -> bool:
    from .permissions import is_staff_member

    if not (user and user.is_authenticated and key.isdigit()):
        return False
    if user.is_superuser:
        return True
    if not is_staff_member(user) or user.org_unit_id is None:
        return False
    from core.people.models import OrgUnit

    unit = OrgUnit.objects.filter(pk=int(key)).first()
    return unit is not None and unit.path.startswith(user.org_unit.path)


def _request(key: str):
    from .models import DirectRequest

    return DirectRequest.objects.filter(tracking_token=key).only("pk", "state", "updated_at").first()


def request_room_snapshot(key: str, user) -> dict:
    from .models import RequestEvent

    request = _request(key)
    if request is None:
        return {"state": None}
    return {
        "state": request.state,
        "updated_at": request.updated_at.isoformat(),
        "replies": RequestEvent.objects.filter(request_id=request.pk, kind__in=("reply", "resolved")).count(),
    }


def request_room_may_watch(key: str, user) -> bool:
    """The room's key is the request's tracking token: whoever holds it (the requester's pages) may watch."""
    return _request(key) is not None


def register() -> None:
    from realtime.rooms import RoomKind, room_kind_register

    room_kind_register(RoomKind("stations", station_room_snapshot, station_room_may_watch, pushes_per_second=4.0))
    room_kind_register(RoomKind("direct_line", queue_room_snapshot, queue_room_may_watch, pushes_per_second=2.0))
    room_kind_register(RoomKind("direct_request", request_room_snapshot, request_room_may_watch, pushes_per_second=2.0))
