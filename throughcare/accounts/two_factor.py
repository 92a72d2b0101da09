"""The staff second factor: an authenticator app (TOTP), required for the roles named in settings.TOTP_ROLES
(THROUGHCARE_TOTP_ROLES; docs/configuration.md) and used by anyone who has set one up.

Sign-in is two steps. The password step (accounts.views.SignInView) does not sign in a user who needs a
second factor: it notes them in the session as "password checked" for a few minutes, and the code step
signs them in. Wrong codes are counted; too many end the attempt.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from throughcare.accounts import totp
from throughcare.accounts.models import StaffTwoFactor
from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import record_action
from throughcare.core.errors import ValidationFailed

PENDING_KEY = "tc_two_factor_pending"
#: How long the password step stays good for the code step.
PENDING_SECONDS = 5 * 60
#: Wrong codes allowed in one sign-in attempt.
MAX_WRONG_CODES = 5
WRONG_CODE = "Enter the 6-digit code shown in your authenticator app now"


def required_for(user) -> bool:
    """Must this user give a code? Their role is in TOTP_ROLES ("all": every staff role)."""
    roles = settings.TOTP_ROLES
    staff = staff_of(user)
    if staff is None or not roles:
        return False
    return "all" in roles or staff.role in roles


def device_of(user) -> StaffTwoFactor | None:
    return StaffTwoFactor.objects.filter(user_id=user.pk).first()


def needs_code(user) -> bool:
    """True when the password alone does not sign this user in."""
    device = device_of(user)
    return (device is not None and device.confirmed_at is not None) or required_for(user)


def begin(session, user, next_url: str) -> None:
    session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": next_url, "wrong": 0}


def pending_user(session):
    """The user whose password was checked in this session, if still in time, else None."""
    from django.contrib.auth import get_user_model

    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    return get_user_model().objects.select_related("staff__agency").filter(pk=pending["user"], is_active=True).first()


def pending_next(session) -> str:
    return (session.get(PENDING_KEY) or {}).get("next", "")


def count_wrong(session) -> bool:
    """Note a wrong code; True when the attempt is used up (the session forgets the password step)."""
    pending = session.get(PENDING_KEY) or {}
    pending["wrong"] = pending.get("wrong", 0) + 1
    if pending["wrong"] >= MAX_WRONG_CODES:
        session.pop(PENDING_KEY, None)
        return True
    session[PENDING_KEY] = pending
    return False


def start_enrolment(user) -> StaffTwoFactor:
    """The user's app: a new secret if they have none yet (kept, unconfirmed, until a first code confirms it)."""
    device, _created = StaffTwoFactor.objects.get_or_create(user_id=user.pk,
                                                             defaults={"secret": totp.new_secret()})
    return device


def check_code(*, actor, code: str, moment: float | None = None) -> StaffTwoFactor:
    """Accept `code` from the actor's app, once: confirms a new app (audited), or passes the sign-in step.

    Each code works once (the step is stored with a conditional update, so two requests with one code
    cannot both pass)."""
    with transaction.atomic():
        device = StaffTwoFactor.objects.select_for_update().filter(user_id=actor.pk).first()
        if device is None:
            raise ValidationFailed({"code": "Set up your authenticator app first"})
        step = totp.matching_step(device.secret, code, moment=moment, after_step=device.last_step)
        if step is None:
            raise ValidationFailed({"code": WRONG_CODE})
        if not StaffTwoFactor.objects.filter(pk=device.pk, last_step=device.last_step).update(last_step=step):
            raise ValidationFailed({"code": WRONG_CODE})
        device.last_step = step
        if device.confirmed_at is None:
            device.confirmed_at = timezone.now()
            device.save(update_fields=["confirmed_at"])
            record_action(actor=actor, action="two_factor.enrol", resource="user", resource_id=str(actor.pk))
    return device


def reset(*, actor, username: str) -> None:
    """Remove a user's authenticator app (a lost phone): they set up a new one at their next sign-in."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationFailed({"username": "No user has that username"})
    with transaction.atomic():
        StaffTwoFactor.objects.filter(user=user).delete()
        record_action(actor=actor, action="two_factor.reset", resource="user", resource_id=str(user.pk),
                      reason=f"for {username}")
