from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "throughcare.assessments"
    label = "assessments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # Every instrument file is checked at start-up: a mistake stops the service with an error naming
        # the file and the path within it, rather than surfacing half way through someone's assessment.
        from throughcare.assessments.instruments import load_all

        load_all()
