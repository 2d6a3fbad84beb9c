"""The cockpit's live room: thin, the shared room consumer does the work (realtime/rooms.py)."""

from realtime.rooms import RoomConsumer


class CockpitRoomConsumer(RoomConsumer):
    kind = "cockpit"
