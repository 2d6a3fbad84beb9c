"""Websocket routes of every app, composed in one place."""

from realtime.routing import websocket_urlpatterns as realtime_patterns

websocket_urlpatterns = [*realtime_patterns]
