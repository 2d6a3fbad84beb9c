"""The stream room's socket (consumers.StreamRoomConsumer): chat from several sockets goes to the database in
batches (consumers.ChatQueue) and reaches every viewer, each accepted message stored and shown once, in each
person's order; a refusal goes to its sender alone and reaches nobody else."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections

from content.livestreams import services
from content.livestreams.models import ChatMessage
from content.livestreams.routing import websocket_urlpatterns
from realtime import rooms

pytestmark = [pytest.mark.django_db(transaction=True)]
TIMEOUT = 10
APP = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


async def _open(stream, user=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(APP, f"/ws/livestreams/{stream.pk}/")
    if user is not None:
        communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def _chat_until(communicator, count: int) -> list[dict]:
    """The chat items this viewer receives until it has `count` of them."""
    items: list[dict] = []
    while len(items) < count:
        message = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if message["type"] == "events":
            items += [item for item in message["items"] if item["kind"] == "chat"]
    return items


def _prepare(w) -> None:
    services.stream_publish_authorise(key=w.key, now=w.start)
    services.stream_mute(user=w.staff, stream=w.stream, person=w.villager)


async def test_chat_from_several_sockets_reaches_every_viewer_once_and_in_order(stream_world):
    w = stream_world
    await sync_to_async(_prepare)(w)
    watcher = await _open(w.stream)
    retailer, member, muted = [await _open(w.stream, person) for person in (w.retailer, w.member, w.villager)]
    for n in range(3):  # sent together, without waiting: they share batches
        await retailer.send_json_to({"type": "chat", "text": f"李{n}"})
        await member.send_json_to({"type": "chat", "text": f"王{n}"})
    await muted.send_json_to({"type": "chat", "text": "我被禁言了"})
    if rooms.settings.REDIS_URL:
        await sync_to_async(rooms.publisher().flush)()

    seen = await _chat_until(watcher, 6)
    texts = [item["text"] for item in seen]
    assert sorted(texts) == ["李0", "李1", "李2", "王0", "王1", "王2"]
    assert [t for t in texts if t.startswith("李")] == ["李0", "李1", "李2"]
    assert [t for t in texts if t.startswith("王")] == ["王0", "王1", "王2"]
    stored = await sync_to_async(lambda: list(ChatMessage.objects.order_by("pk").values_list("pk", "text")))()
    assert [pk for pk, _text in stored] == [item["id"] for item in seen]  # shown in the order stored
    refusal = json.loads(await muted.receive_from(timeout=TIMEOUT))
    while refusal["type"] != "error":
        refusal = json.loads(await muted.receive_from(timeout=TIMEOUT))
    assert (refusal["status"], refusal["for"]) == (403, "chat")
    assert await _drain(watcher) == []  # the muted person's message reached nobody
    for communicator in (watcher, retailer, member, muted):
        await communicator.disconnect()


async def _drain(communicator) -> list[dict]:
    """The chat items still arriving at this viewer."""
    items: list[dict] = []
    while not await communicator.receive_nothing(timeout=0.5):
        message = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if message["type"] == "events":
            items += [item for item in message["items"] if item["kind"] == "chat"]
    return items
