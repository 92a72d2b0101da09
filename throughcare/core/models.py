from django.conf import settings
from django.db import models


class DatabaseMark(models.Model):
    """Marks a database as a demo (synthetic data only). demo-world refuses to touch any other."""

    key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    DEMO = "demo"

    @classmethod
    def is_demo(cls) -> bool:
        return cls.objects.filter(key=cls.DEMO).exists()


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key, claimed by INSERT: the unique (user, key) makes the claim atomic.

    Shared by every API that takes one (referrals, assessments): see throughcare/core/idempotency.py. The
    request hash names what the key was used for, so a key is never replayed as another kind of resource."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        DONE = "done", "Done"

    key = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64, help_text="sha256 of the canonical JSON request")
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_FLIGHT)
    resource_id = models.CharField(max_length=255, blank=True,
                                   help_text="What the request made, or the address a page's form led to")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]
