from django.urls import path

from .consumers import QueueRoomConsumer, RequestRoomConsumer, StationRoomConsumer

websocket_urlpatterns = [
    path("ws/community/stations/<str:key>/", StationRoomConsumer.as_asgi()),
    path("ws/community/queue/<str:key>/", QueueRoomConsumer.as_asgi()),
    path("ws/community/requests/<str:key>/", RequestRoomConsumer.as_asgi()),
]
