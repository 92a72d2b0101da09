from django.urls import path

from throughcare.myrecord import views

app_name = "myrecord"
urlpatterns = [
    path("my/sign-in", views.sign_in, name="sign-in"),
    path("my/sign-in/code", views.sign_in_code, name="sign-in-code"),
    path("my/sign-in/link/<str:token>", views.sign_in_link, name="sign-in-link"),
    path("my/sign-in/password", views.sign_in_password, name="sign-in-password"),
    path("my/sign-out", views.sign_out, name="sign-out"),
    path("my/language/<str:code>", views.language, name="language"),
    path("my/", views.home, name="home"),
    path("my/story", views.story, name="story"),
    path("my/people", views.team, name="team"),
    path("my/plan", views.plan, name="plan"),
    path("my/plan/goals/new", views.goal_new, name="goal-new"),
    path("my/appointments", views.appointments, name="appointments"),
    path("my/appointments/<str:appointment_id>.ics", views.appointment_ics, name="appointment-ics"),
    path("my/how-i-am-doing", views.progress, name="progress"),
    path("my/release-pack/<str:plan_id>.pdf", views.release_pack, name="release-pack"),
    path("my/sharing", views.sharing, name="sharing"),
    path("my/sharing/new", views.share, name="share"),
    path("my/sharing/<str:consent_id>/stop", views.stop_sharing, name="stop-sharing"),
    path("my/who-has-looked", views.looked_at, name="looked-at"),
    path("my/copy", views.copy, name="copy"),
    path("my/copy.json", views.copy_json, name="copy-json"),
    path("my/copy.pdf", views.copy_pdf, name="copy-pdf"),
    path("my/correction", views.correction, name="correction"),
    path("my/password", views.password, name="password"),
    # staff
    path("people/<str:person_id>/own-record", views.invite, name="invite"),
    path("people/<str:person_id>/own-record/stop", views.stop, name="stop"),
    path("corrections/<str:correction_id>", views.answer, name="answer"),
]
