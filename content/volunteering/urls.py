from django.urls import path

from . import views

app_name = "volunteering"

urlpatterns = [
    path("", views.index, name="index"),
    path("activities/<int:pk>/", views.activity_page, name="activity"),
    path("activities/<int:pk>/signup/", views.signup, name="signup"),
    path("activities/<int:pk>/checkin/", views.checkin_screen, name="checkin"),
    path("activities/<int:pk>/checkin/code/", views.checkin_code, name="checkin-code"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup-cancel"),
    path("signups/<int:pk>/confirm/", views.signup_confirm, name="signup-confirm"),
    path("signups/<int:pk>/checkin/", views.checkin_by_leader, name="checkin-by-leader"),
    path("scan/<str:token>/", views.scan, name="scan"),
    path("teams/<int:pk>/", views.team_page, name="team"),
    path("teams/<int:pk>/apply/", views.team_apply, name="team-apply"),
    path("teams/<int:pk>/calendar/<str:token>.ics", views.team_calendar, name="team-calendar"),
    path("join/", views.team_join, name="join"),
    path("memberships/<int:pk>/decide/", views.membership_decide, name="membership-decide"),
    path("hours/<int:pk>/decide/", views.hours_decide, name="hours-decide"),
    path("me/", views.me, name="me"),
    path("me/calendar/renew/", views.calendar_renew, name="calendar-renew"),
    path("me/stars/", views.stars_page, name="stars"),
    path("me/certificate/", views.certificate_print, name="certificate"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("board/<int:pk>/", views.board, name="board"),
    path("calendar/<str:token>.ics", views.person_calendar, name="person-calendar"),
]
