"""Pages of the community app, mounted at / by core/urls.py: stations under /stations/, the direct line under
/direct/. QR codes print the /direct/ addresses: never change them, add new ones."""

from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("stations/", views.station_list, name="stations"),
    path("stations/mine/", views.my_stations, name="my-stations"),
    path("stations/<int:pk>/", views.station_page, name="station"),
    path("stations/<int:pk>/manage/", views.station_manage, name="station-manage"),
    path("stations/<int:pk>/details/", views.station_details, name="station-details"),
    path("stations/offers/<int:pk>/capacity/", views.offer_capacity, name="offer-capacity"),
    path("stations/offers/<int:pk>/served/", views.offer_served, name="offer-served"),
    path("direct/mine/", views.my_requests, name="my-requests"),
    path("direct/queue/", views.staff_queue, name="queue"),
    path("direct/requests/<uuid:uuid>/", views.request_page, name="request"),
    path("direct/qr/<str:target>/<str:ident>/", views.qr_page, name="qr"),
    path("direct/<str:target>/<str:ident>/", views.request_form, name="request-form"),
]
