from django.urls import path

from .consumers import CockpitRoomConsumer

websocket_urlpatterns = [path("ws/cockpit/<str:key>/", CockpitRoomConsumer.as_asgi())]
