"""Websocket consumers, thin: the shared live-room consumer for an activity's places and a unit's board."""

from realtime.rooms import RoomConsumer

from .live import ACTIVITY_ROOM, BOARD_ROOM


class ActivityRoomConsumer(RoomConsumer):
    kind = ACTIVITY_ROOM


class BoardRoomConsumer(RoomConsumer):
    kind = BOARD_ROOM
