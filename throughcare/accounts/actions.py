from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from throughcare.accounts.models import ApiToken, hash_token
from throughcare.agencies.models import Agency, Staff
from throughcare.audit.recorder import record_action
from throughcare.core import prepared
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
    """The active user a Bearer token belongs to, with staff and agency loaded, or None.

    One prepared statement, read afresh on every request (no cache): a revoked token, a deactivated
    user or a changed role or agency bites on the very next request.
    """
    if not key or not key.startswith("tc_"):
        return None
    row = prepared.fetchone(_token_sql(), [hash_token(key), True])
    if row is None:
        return None
    user_model = get_user_model()
    user_width, staff_width = len(user_model._meta.concrete_fields), len(Staff._meta.concrete_fields)
    user = prepared.instance(user_model, row[:user_width])
    staff = None
    if row[user_width] is not None:  # the staff row's id: a user with no agency has none
        staff = prepared.instance(Staff, row[user_width:user_width + staff_width])
        agency = prepared.instance(Agency, row[user_width + staff_width:])
        Staff.agency.field.set_cached_value(staff, agency)
        Staff.user.field.set_cached_value(staff, user)
    user_model.staff.related.set_cached_value(user, staff)
    return user


_TOKEN_SQL: dict[str, str] = {}


def _token_sql() -> str:
    """The token, its user, the user's staff record and agency; never a person holding their own record."""
    if connection.vendor not in _TOKEN_SQL:
        from throughcare.myrecord.models import PersonAccount

        user_model = get_user_model()
        q = connection.ops.quote_name
        token, user, staff, agency = (m._meta.db_table for m in (ApiToken, user_model, Staff, Agency))
        account = PersonAccount._meta.db_table
        # Table and column names come from the models' metadata; the values are parameters.
        _TOKEN_SQL[connection.vendor] = (
            f"SELECT {prepared.columns(user_model, 'u')}, {prepared.columns(Staff, 's')}, "  # noqa: S608  # nosec B608
            f"{prepared.columns(Agency, 'a')} FROM {q(token)} t "
            f"INNER JOIN {q(user)} u ON u.id = t.user_id "
            f"LEFT OUTER JOIN {q(staff)} s ON s.user_id = u.id "
            f"LEFT OUTER JOIN {q(agency)} a ON a.id = s.agency_id "
            f"WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {q(account)} pa WHERE pa.user_id = u.id)"
        )
    return _TOKEN_SQL[connection.vendor]


@transaction.atomic
def revoke_token(*, actor, token_id: int) -> None:
    ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_action(actor=actor, action="token.revoke", resource="api_token", resource_id=str(token_id))
