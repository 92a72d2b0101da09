from django.urls import path

from throughcare.today import views

app_name = "today"
urlpatterns = [path("today/", views.today, name="page")]
