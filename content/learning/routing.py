"""Websocket routes of the learning app; core/routing.py composes them."""

from django.urls import path

from .consumers import LessonProgressConsumer

websocket_urlpatterns = [
    path("ws/learning/lessons/<int:lesson_id>/progress/", LessonProgressConsumer.as_asgi()),
]
