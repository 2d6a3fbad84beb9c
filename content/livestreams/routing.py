"""Websocket routes of the livestreams app; core/routing.py composes them."""

from django.urls import path

from .consumers import StreamRoomConsumer

websocket_urlpatterns = [
    path("ws/livestreams/<str:key>/", StreamRoomConsumer.as_asgi()),
]
