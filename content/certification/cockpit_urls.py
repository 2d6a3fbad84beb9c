"""The digital cockpit's pages, mounted at /cockpit/ by core/urls.py (beside the certification dashboard they
grew from: dashboards live in this app)."""

from django.urls import path

from . import cockpit_views

app_name = "cockpit"

urlpatterns = [
    path("", cockpit_views.cockpit, name="cockpit"),
    path("screen/", cockpit_views.cockpit_screen, name="screen"),
]
