"""Websocket routes of every app, composed in one place, and a refusal for every other path."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from content.learning.routing import websocket_urlpatterns as learning_patterns
from content.volunteering.routing import websocket_urlpatterns as volunteering_patterns
from realtime.routing import websocket_urlpatterns as realtime_patterns


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Refuses the handshake (HTTP 403) of a path no app routes: without it Channels' router raises
    "No route found" and the server answers 500."""

    async def connect(self):
        await self.close()


websocket_urlpatterns = [*learning_patterns, *volunteering_patterns, *realtime_patterns, re_path(r"", UnknownPathConsumer.as_asgi())]
