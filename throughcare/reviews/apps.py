from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "throughcare.reviews"
    label = "reviews"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Reviews"
