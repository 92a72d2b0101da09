from django.urls import path

from throughcare.agencies import views

app_name = "agencies"
urlpatterns = [
    path("agencies/", views.agency_list, name="list"),
    path("agencies/new", views.agency_new, name="new"),
    path("agencies/staff/new", views.staff_new, name="staff-new"),
]
