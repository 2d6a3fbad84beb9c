"""Websocket routes of every app, composed in one place."""

from content.learning.routing import websocket_urlpatterns as learning_patterns
from realtime.routing import websocket_urlpatterns as realtime_patterns

websocket_urlpatterns = [*learning_patterns, *realtime_patterns]
