from django.urls import path

from .consumers import ActivityRoomConsumer, BoardRoomConsumer

websocket_urlpatterns = [
    path("ws/volunteering/<str:key>/", ActivityRoomConsumer.as_asgi()),
    path("ws/volunteer-board/<str:key>/", BoardRoomConsumer.as_asgi()),
]
