"""Websocket routes of the realtime app; core/routing.py composes them."""

from django.urls import path

from .consumers import LeaderboardConsumer

websocket_urlpatterns = [
    path("ws/contests/<slug:slug>/", LeaderboardConsumer.as_asgi()),
]
