from django.urls import path

from throughcare.appointments import views

app_name = "appointments"
urlpatterns = [
    path("people/<str:person_id>/appointments", views.person_list, name="list"),
    path("people/<str:person_id>/appointments/new", views.book, name="book"),
    path("appointments/<str:appointment_id>", views.detail, name="detail"),
    path("appointments/<str:appointment_id>/reschedule", views.reschedule, name="reschedule"),
    path("appointments/<str:appointment_id>/cancel", views.cancel, name="cancel"),
    path("appointments/<str:appointment_id>/outcome", views.outcome, name="outcome"),
    path("appointments/<str:appointment_id>/calendar.ics", views.calendar, name="calendar"),
]
