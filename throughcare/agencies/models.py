from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from throughcare.agencies.roles import RECORDING_ROLES, AgencyKind, Role
from throughcare.core.errors import Forbidden


class Agency(models.Model):
    """An organisation in the partnership: a treatment service, a prison, a probation office..."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=AgencyKind.choices)
    area = models.CharField(max_length=120, blank=True, help_text="Local authority or DAAT area")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """A user's place in the partnership: the agency they work for and their role there."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=40, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "staff"
        indexes = [models.Index(fields=["agency", "role"])]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.get_role_display()}, {self.agency})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.username


def recorder(user) -> Staff | None:
    """The Staff record of a user whose role records about people (RECORDING_ROLES: registers them, asks for
    access to their record), or None."""
    staff = staff_of(user)
    return staff if staff is not None and staff.role in RECORDING_ROLES else None


def require_recorder(user, refusal: str = "Your role cannot register people") -> Staff:
    """recorder(user), or Forbidden(`refusal`): a page asks before it shows a form the role cannot use."""
    staff = recorder(user)
    if staff is None:
        raise Forbidden(refusal)
    return staff


def staff_of(user) -> Staff | None:
    """The Staff record of a signed-in user, or None (anonymous users, or a user with no agency)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None
