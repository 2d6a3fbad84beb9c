from django.urls import path

from .consumers import IdeaRoomConsumer

websocket_urlpatterns = [path("ws/ideas/<str:key>/", IdeaRoomConsumer.as_asgi())]
