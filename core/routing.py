"""Websocket routes of every app, composed in one place, and a refusal for every other path."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from content.certification.routing import websocket_urlpatterns as cockpit_patterns
from content.community.routing import websocket_urlpatterns as community_patterns
from content.ideas.routing import websocket_urlpatterns as ideas_patterns
from content.learning.routing import websocket_urlpatterns as learning_patterns
from content.livestreams.routing import websocket_urlpatterns as livestreams_patterns
from content.volunteering.routing import websocket_urlpatterns as volunteering_patterns
from realtime.routing import websocket_urlpatterns as realtime_patterns


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Refuses the handshake (HTTP 403) of a path no app routes: without it Channels' router raises
    "No route found" and the server answers 500."""

    async def connect(self):
        await self.close()


websocket_urlpatterns = [
    *learning_patterns,
    *livestreams_patterns,
    *community_patterns,
    *ideas_patterns,
    *volunteering_patterns,
    *cockpit_patterns,
    *realtime_patterns,
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
