from django.apps import AppConfig


class TodayConfig(AppConfig):
    name = "throughcare.today"
    label = "today"
    verbose_name = "A worker's day"
