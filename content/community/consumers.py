"""Websocket consumers of the live rooms (rooms.py says what each room holds and who may watch it)."""

from realtime.rooms import RoomConsumer


class StationRoomConsumer(RoomConsumer):
    kind = "stations"


class QueueRoomConsumer(RoomConsumer):
    kind = "direct_line"


class RequestRoomConsumer(RoomConsumer):
    kind = "direct_request"
