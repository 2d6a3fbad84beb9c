"""Websocket routes of every app, composed in one place."""

websocket_urlpatterns: list = []

try:
    from realtime.routing import websocket_urlpatterns as realtime_patterns
except ModuleNotFoundError as exc:  # realtime not built yet
    if exc.name != "realtime.routing":
        raise
    realtime_patterns = []
websocket_urlpatterns += realtime_patterns
