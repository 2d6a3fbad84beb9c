from django.urls import path

from . import views

app_name = "realtime"

urlpatterns = [
    path("contests/", views.contest_list, name="contests"),
    path("contests/<slug:slug>/", views.contest_live, name="contest"),
    path("contests/<slug:slug>/screen/", views.contest_screen, name="contest-screen"),
    path("contests/<slug:slug>/league/", views.contest_league, name="contest-league"),
    path("pioneer-index/", views.my_index, name="my-index"),
    path("branches/", views.branch_board, name="branches"),
]
