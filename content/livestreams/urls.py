"""The media server's callbacks (platform/nginx-rtmp.conf names them): under /livestreams/ in core/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("rtmp/on_publish", views.rtmp_on_publish, name="livestreams-on-publish"),
    path("rtmp/on_publish_done", views.rtmp_on_publish_done, name="livestreams-on-publish-done"),
]
