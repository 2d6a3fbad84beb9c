"""The community's live rooms: a station's viewers get the new capacity pushed; the staff queue announces a new
request to its unit's staff and refuses other people; a request's room is known only by its secret token."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections

from content.community import services
from content.community.models import RequestCategory
from content.community.routing import websocket_urlpatterns
from realtime import rooms

pytestmark = [pytest.mark.django_db(transaction=True)]
APP = URLRouter(websocket_urlpatterns)
TIMEOUT = 10


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


async def _open(path: str, user=None):
    communicator = WebsocketCommunicator(APP, path)
    communicator.scope["user"] = user
    connected, code = await communicator.connect(timeout=TIMEOUT)
    return communicator, connected, code


async def _next(communicator, kind: str) -> dict:
    while True:
        message = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if message["type"] == kind:
            return message


def _flush():
    if rooms.settings.REDIS_URL:
        rooms.publisher().flush()


def _tap(offer, owner):
    from django.db import transaction

    with transaction.atomic():
        services.offer_capacity_set(offer=offer, by=owner, delta=1)
    _flush()


def _file(community):
    request = services.direct_request_file(
        category=RequestCategory.objects.get(code="help"),
        text="路灯坏了",
        station=community.near,
        requester=community.world.villager,
    )
    _flush()
    return request


async def test_a_station_viewer_sees_the_capacity_change(community):
    viewer, connected, _code = await _open(f"/ws/community/stations/{community.near.pk}/")
    assert connected
    first = await _next(viewer, "snapshot")
    assert [o["capacity"] for o in first["data"]["offers"] if o["service"] == "parcel-pickup"] == [12]
    await sync_to_async(_tap)(community.parcels, community.world.retailer)
    second = await _next(viewer, "snapshot")
    assert [o["capacity"] for o in second["data"]["offers"] if o["service"] == "parcel-pickup"] == [13]
    await viewer.disconnect()
    _none, connected, _code = await _open("/ws/community/stations/999999/")
    assert not connected


async def test_the_queue_tells_its_staff_of_a_new_request_and_nobody_else(community):
    unit = community.world.department.pk
    _v, connected, code = await _open(f"/ws/community/queue/{unit}/", community.world.villager)
    assert (connected, code) == (False, 4403)
    _a, connected, code = await _open(f"/ws/community/queue/{unit}/", None)
    assert (connected, code) == (False, 4403)
    staff, connected, _code = await _open(f"/ws/community/queue/{unit}/", community.world.staff)
    assert connected
    before = await _next(staff, "snapshot")
    assert before["data"]["new"] == 0
    request = await sync_to_async(_file)(community)
    events = await _next(staff, "events")
    assert events["items"][0]["kind"] == "new" and events["items"][0]["request"] == str(request.uuid)
    assert "requester" not in events["items"][0]
    await staff.disconnect()
    watcher, connected, _code = await _open(f"/ws/community/requests/{request.tracking_token}/")
    assert connected
    snapshot = await _next(watcher, "snapshot")
    assert snapshot["data"] == {"state": "new", "updated_at": request.updated_at.isoformat(), "replies": 0}
    await watcher.disconnect()
    _w, connected, _code = await _open("/ws/community/requests/not-the-token/")
    assert not connected
