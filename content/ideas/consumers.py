"""The live rooms of ideas and boards: thin, the shared broadcaster (realtime.rooms) does the work. Viewers only
watch; writes go through the REST API and the pages."""

from realtime.rooms import RoomConsumer


class IdeaRoomConsumer(RoomConsumer):
    kind = "ideas"
