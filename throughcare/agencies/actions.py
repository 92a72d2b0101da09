"""Writes for agencies and staff. Only administrators set up the partnership."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from throughcare.agencies.models import Agency, Staff
from throughcare.agencies.roles import AgencyKind, Role
from throughcare.audit.recorder import record_action
from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.core.ids import parse_uuid


def find_agency(ref: str) -> Agency | None:
    """An agency by id or by name (case-insensitive)."""
    agency_id = parse_uuid(ref)
    if agency_id is not None:
        return Agency.objects.filter(id=agency_id).first()
    return Agency.objects.filter(name__iexact=str(ref).strip()).first()


def _require_admin(actor) -> None:
    """actor None means the command line, run by whoever operates the server."""
    if actor is None:
        return
    staff = getattr(actor, "staff", None)
    if staff is None or staff.role != Role.ADMINISTRATOR:
        raise Forbidden("Only an administrator can set up agencies and staff")


@transaction.atomic
def create_agency(*, actor, name: str, kind: str, area: str = "") -> Agency:
    _require_admin(actor)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Enter the agency's name"
    elif Agency.objects.filter(name__iexact=name).exists():
        errors["name"] = "An agency with that name already exists"
    if kind not in AgencyKind.values:
        errors["kind"] = "Choose a kind of agency from the list"
    if errors:
        raise ValidationFailed(errors)
    agency = Agency.objects.create(name=name, kind=kind, area=(area or "").strip())
    record_action(actor=actor, action="agency.create", resource="agency", resource_id=str(agency.id))
    return agency


@transaction.atomic
def create_staff(
    *, actor, username: str, agency: Agency | str, role: str, password: str | None = None,
    first_name: str = "", last_name: str = "", email: str = "",
) -> Staff:
    _require_admin(actor)
    errors = {}
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        errors["username"] = "Enter a username"
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = "That username is already taken"
    if role not in Role.values:
        errors["role"] = "Choose a role from the list"
    if isinstance(agency, str):
        named = agency.strip()
        found = find_agency(named) if named else None
        if found is None:
            errors["agency"] = "No agency has that name" if named else "Choose the agency they work at"
        agency = found
    if errors:
        raise ValidationFailed(errors)
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    staff = Staff.objects.create(user=user, agency=agency, role=role)
    record_action(actor=actor, action="staff.create", resource="staff", resource_id=str(staff.pk))
    return staff
