from django.urls import path

app_name = "fieldwork"
urlpatterns = []
