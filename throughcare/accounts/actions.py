from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from throughcare.accounts.models import ApiToken, hash_token
from throughcare.audit.recorder import record_action
from throughcare.core.errors import ValidationFailed


@transaction.atomic
def create_token(*, actor, username: str, label: str = "") -> str:
    """Issue a Bearer token for a user. Returns the token; only its hash is kept."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationFailed({"username": "No user has that username"})
    if getattr(user, "person_account", None) is not None:
        raise ValidationFailed({"username": "API tokens are for staff: a person signs in to their own record"})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, key_hash=hash_token(key), label=label)
    record_action(actor=actor, action="token.create", resource="api_token", resource_id=str(token.pk),
                  reason=f"for {username}")
    return key


def user_for_token(key: str):
    """The active user a Bearer token belongs to, with staff and agency loaded (one query), or None."""
    if not key or not key.startswith("tc_"):
        return None
    token = (
        ApiToken.objects.select_related("user__staff__agency")
        .filter(key_hash=hash_token(key), revoked_at__isnull=True, user__is_active=True,
                user__person_account__isnull=True)  # never a person holding their own record
        .first()
    )
    return token.user if token else None


@transaction.atomic
def revoke_token(*, actor, token_id: int) -> None:
    ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_action(actor=actor, action="token.revoke", resource="api_token", resource_id=str(token_id))
