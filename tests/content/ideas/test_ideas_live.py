"""An idea's room and its board's room over the websocket (realtime/rooms.py): support counts and new comments
arrive without a reload; a draft's room is refused; connecting writes nothing."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections

from content.ideas import services
from content.ideas.routing import websocket_urlpatterns
from realtime import rooms

pytestmark = [pytest.mark.django_db(transaction=True)]
TIMEOUT = 10
APP = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


async def _next(communicator, kind: str) -> dict:
    while True:
        message = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if message["type"] == kind:
            return message


def _flush():
    if rooms.settings.REDIS_URL:
        rooms.publisher().flush()


def _post(board, author, **extra):
    return services.idea_create(
        board=board, author=author, title="扫码订货", problem="电话打不通", proposal="<p>贴二维码</p>", **extra
    )


async def test_supports_and_comments_reach_the_idea_and_board_rooms(ideas_world):
    world = ideas_world.world
    idea = await sync_to_async(_post)(ideas_world.board, world.staff)
    viewer = WebsocketCommunicator(APP, f"/ws/ideas/{idea.pk}/")
    board_viewer = WebsocketCommunicator(APP, f"/ws/ideas/board-{ideas_world.board.pk}/")
    assert (await viewer.connect(timeout=TIMEOUT))[0]
    assert (await board_viewer.connect(timeout=TIMEOUT))[0]
    first = await _next(viewer, "snapshot")
    assert first["room"] == f"ideas:{idea.pk}" and first["data"]["supports"] == 0
    board_first = await _next(board_viewer, "snapshot")
    assert board_first["data"]["ideas"] == [{"id": idea.pk, "supports": 0, "comments": 0, "status": "submitted"}]

    def support_and_comment():
        services.idea_support(idea=idea, user=world.member)
        services.comment_add(idea=idea, author=world.member, body="好主意")
        _flush()

    await sync_to_async(support_and_comment)()
    snapshot, events = None, []
    while snapshot is None or snapshot["data"]["comments"] < 1 or not events:
        message = json.loads(await viewer.receive_from(timeout=TIMEOUT))
        if message["type"] == "snapshot":
            snapshot = message
        elif message["type"] == "events":
            events += message["items"]
    assert snapshot["data"]["supports"] == 1
    assert [c["body"] for c in snapshot["data"]["latest_comments"]] == ["好主意"]
    assert [(e["kind"], e["body"]) for e in events] == [("comment", "好主意")]
    while True:
        board_snapshot = await _next(board_viewer, "snapshot")
        if board_snapshot["data"]["ideas"][0]["comments"] == 1:
            break
    assert board_snapshot["data"]["ideas"][0]["supports"] == 1
    await viewer.disconnect()
    await board_viewer.disconnect()


async def test_a_drafts_room_is_refused_to_others(ideas_world):
    idea = await sync_to_async(_post)(ideas_world.board, ideas_world.world.staff, submit=False)
    viewer = WebsocketCommunicator(APP, f"/ws/ideas/{idea.pk}/")
    connected, code = await viewer.connect(timeout=TIMEOUT)
    assert not connected and code == rooms.CLOSE_FORBIDDEN
    missing = WebsocketCommunicator(APP, "/ws/ideas/999999/")
    connected, code = await missing.connect(timeout=TIMEOUT)
    assert not connected and code == rooms.CLOSE_FORBIDDEN
