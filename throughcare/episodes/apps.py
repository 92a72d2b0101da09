from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "throughcare.episodes"
    label = "episodes"
    default_auto_field = "django.db.models.BigAutoField"
