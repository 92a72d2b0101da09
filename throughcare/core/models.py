from django.db import models


class DatabaseMark(models.Model):
    """Marks a database as a demo (synthetic data only). demo-world refuses to touch any other."""

    key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    DEMO = "demo"

    @classmethod
    def is_demo(cls) -> bool:
        return cls.objects.filter(key=cls.DEMO).exists()
