from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "throughcare.voice"
    label = "voice"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Voice: consultations"
