"""The person's own look-up: who is signed in, and their record through the one access policy.

`my_person(user, action=...)` is `people.access.get_person` for the person's own record: the policy's
data-subject rule (consent.policy.subject_grant) gives the Grant, and the read is audited like any
other, on the "person" channel (set by views.person_page).
"""

from __future__ import annotations

from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import NotFound
from throughcare.myrecord.models import PersonAccount
from throughcare.people.access import get_person


def account_of(user) -> PersonAccount | None:
    """The signed-in user's person account, if they are a person holding their own record (never staff)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_tc_person_account", False)
    if cached is not False:
        return cached
    account = PersonAccount.objects.filter(user_id=user.pk, disabled_at__isnull=True).first()
    user._tc_person_account = account
    return account


def my_person(user, *, action: str, categories=(IDENTITY_CATEGORY,), write: bool = False):
    """(person, grant) for the person signed in, through the scoped look-up (audited); NotFound otherwise."""
    account = account_of(user)
    if account is None:
        raise NotFound("Person not found")
    return get_person(user, account.person_id, action=action, categories=categories, write=write,
                      subject_may_write=write)
