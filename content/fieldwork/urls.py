"""Field work pages, mounted at /fieldwork/ by core/urls.py. The check-in links are printed into shops' QR codes
while they are valid: keep their form."""

from django.urls import path

from . import views

app_name = "fieldwork"

urlpatterns = [
    path("", views.today, name="today"),
    path("tasks/<int:pk>/tick/", views.task_tick, name="task-tick"),
    path("check-in/<str:token>/", views.check_in_qr, name="check-in"),
    path("check-in-by-location/", views.check_in_location, name="check-in-location"),
    path("visits/<int:pk>/", views.visit, name="visit"),
    path("visits/<int:pk>/finish/", views.visit_finish, name="visit-finish"),
    path("visits/<int:pk>/confirm/", views.visit_confirm, name="visit-confirm"),
    path("problems/", views.problems, name="problems"),
    path("problems/new/", views.problem_raise, name="problem-raise"),
    path("problems/<int:pk>/", views.problem, name="problem"),
    path("problems/<int:pk>/close/", views.problem_close, name="problem-close"),
    path("my-shop/", views.my_shop, name="my-shop"),
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("questionnaires/", views.questionnaires, name="questionnaires"),
    path("questionnaires/<int:pk>/", views.questionnaire, name="questionnaire"),
    path("questionnaires/<int:pk>/results/", views.questionnaire_results, name="results"),
    path("questionnaires/<int:pk>/results.csv", views.questionnaire_csv, name="results-csv"),
    path("q/<uuid:uuid>/", views.public_questionnaire, name="public-questionnaire"),
]
