"""Public certificate URLs, mounted at /certificates/ by core/urls.py. These addresses are published inside
issued certificates and QR codes: never change them, add new ones."""

from django.urls import path

from . import views

app_name = "certification"

urlpatterns = [
    path("mine/", views.my_certificates, name="mine"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("issuers/<int:pk>.json", views.issuer_json, name="issuer-json"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme"),
    path("programmes/<slug:slug>/badge.json", views.badge_json, name="badge-json"),
    path("programmes/<slug:slug>/badge.svg", views.badge_image, name="badge-image"),
    path("<uuid:uuid>/", views.certificate_verify, name="verify"),
    path("<uuid:uuid>/print/", views.certificate_print, name="print"),
    path("<uuid:uuid>/assertion.json", views.assertion_json, name="assertion-json"),
]
