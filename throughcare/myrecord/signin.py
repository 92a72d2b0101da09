"""A person signs in with a one-time code (or link) sent to the mobile or email they chose, or a password.

- Nothing in a response says whether an account exists: asking for a code always answers the same way,
  and a wrong code, an expired one and one for an address with no account get the same message.
- Codes are six digits, kept only as HMACs keyed with the secret key, live PERSON_CODE_MINUTES, work once
  (a conditional UPDATE spends them), and die after MAX_WRONG wrong guesses. A new code replaces the last.
- Asking and guessing are rate-limited per address and per client address through Django's cache, counted
  the same way whether or not the address has an account (docs/decisions/0013).
- Nor does the time a request takes: asking for a code does the same work for every address (the code is
  made and sent after the response has gone), guessing a code runs the same queries, and a password
  sign-in always checks exactly one password hash. tests/test_myrecord_sign_in.py counts the work.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import hashers
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from throughcare.audit.recorder import record_action
from throughcare.core import ratelimit
from throughcare.core.errors import ThroughcareError, ValidationFailed
from throughcare.myrecord.models import PersonAccount, SignInChannel, SignInCode
from throughcare.notifications.service import mobile_number

#: Wrong codes (or passwords) allowed per address before a new code must be asked for.
MAX_WRONG = 5
#: Requests from one client address per hour (asking for codes, guessing them), whatever the address.
PER_CLIENT_PER_HOUR = 30
WINDOW_SECONDS = 60 * 60


class TooManyAttempts(ThroughcareError):
    code = "too_many_requests"
    status = 429


def normalise(identifier: str) -> tuple[str, str]:
    """(channel, address) in the form accounts keep, or ValidationFailed naming the field."""
    value = (identifier or "").strip()
    if "@" in value:
        email = value.lower()
        local, _at, domain = email.partition("@")
        if local and "." in domain and " " not in email and len(email) <= 254:
            return SignInChannel.EMAIL, email
    else:
        number = mobile_number(value)
        if number:
            return SignInChannel.SMS, number
    raise ValidationFailed({"identifier": _("Enter a mobile phone number, like 07700 900 982, or an email "
                                            "address, like name@example.com")})


def _digest(purpose: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _key(kind: str, value: str) -> str:
    return ratelimit.key(f"myrecord:{kind}", value)


def _count(key: str) -> int:
    return ratelimit.hit(key, WINDOW_SECONDS)


def _limit(client: str, address: str, kind: str, allowed: int) -> None:
    if _count(_key("client", client or "-")) > PER_CLIENT_PER_HOUR or _count(_key(kind, address)) > allowed:
        raise TooManyAttempts(_("You have tried too many times. Wait an hour, then try again."))


def request_code(*, identifier: str, client: str = "") -> str:
    """The request's part of asking for a code: check the address's form and count the attempt. Returns the
    normalised address. It does exactly the same work whether or not the address has an account (no query,
    no password hash, no message): the view runs `issue_code` after the response has gone
    (notifications.deferred.after_response), so nothing the person can time depends on the account."""
    _channel, address = normalise(identifier)
    _limit(client, address, "ask", settings.PERSON_SIGN_IN_LIMIT)
    return address


def issue_code(*, address: str, base_url: str = "") -> SignInCode | None:
    """After the response: if `address` belongs to an account that is on, a new code and link replace the
    last, and the message goes on commit. None when there is no such account (no entry, no message)."""
    account = (PersonAccount.objects.select_related("person").filter(address=address, disabled_at__isnull=True)
               .first())
    if account is None:
        return None
    code = f"{secrets.randbelow(10 ** 6):06d}"
    link = secrets.token_urlsafe(32)
    minutes = settings.PERSON_CODE_MINUTES
    with transaction.atomic():
        now = timezone.now()
        SignInCode.objects.filter(account=account, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        row = SignInCode.objects.create(account=account, code_hash=_digest("code", f"{account.pk}:{code}"),
                                        link_hash=_digest("link", link), created_at=now,
                                        expires_at=now + dt.timedelta(minutes=minutes))
        record_action(actor=account.user, action="person.sign_in_code", person_id=account.person_id,
                      resource="sign_in_code", resource_id=str(row.pk), reason=f"sent by {account.channel}")
        url = base_url + reverse("myrecord:sign-in-link", kwargs={"token": link})
        transaction.on_commit(lambda: _send(account, row, code, url, minutes))
    return row


def _send(account: PersonAccount, row: SignInCode, code: str, url: str, minutes: int) -> None:
    from throughcare.notifications.service import notify_person

    notify_person(person=account.person, template="sign_in_code", key=f"sign_in:{row.pk}",
                  personalisation={"minutes": str(minutes)}, address=(account.channel, account.address),
                  secret={"code": code, "link": url})


WRONG_CODE = gettext_noop("The code is wrong or has expired. Check the code in your latest message, or ask for a new one.")


def check_code(*, address: str, code: str, client: str = "") -> PersonAccount:
    """The account whose latest live code is `code`, spending it; else ValidationFailed (the same message
    for a wrong, spent or expired code and for an address with no account).

    The same work whatever the address: one query for the live code (none when there is no account), one
    HMAC, and one UPDATE (spending the code, or counting a wrong guess, which for an address with no live
    code changes no row)."""
    _limit(client, address, "guess", MAX_WRONG)
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed({"code": _("Enter the 6-digit code from your message")})
    now = timezone.now()
    live_codes = SignInCode.objects.filter(account__address=address, account__disabled_at__isnull=True,
                                           used_at__isnull=True, expires_at__gt=now, failed_attempts__lt=MAX_WRONG)
    live = live_codes.select_related("account").order_by("-created_at").first()
    given = _digest("code", f"{live.account_id if live else '-'}:{code}")
    if live is not None and hmac.compare_digest(live.code_hash, given):
        if SignInCode.objects.filter(pk=live.pk, used_at__isnull=True).update(used_at=now):
            return live.account
    else:  # the same statement whatever the address (a new code expires the last, so at most one is live)
        live_codes.update(failed_attempts=F("failed_attempts") + 1)
    raise ValidationFailed({"code": _(WRONG_CODE)})


def check_link(*, token: str) -> PersonAccount:
    """The account a sign-in link belongs to, spending its code; else ValidationFailed."""
    now = timezone.now()
    row = (SignInCode.objects.select_related("account")
           .filter(link_hash=_digest("link", token or ""), used_at__isnull=True, expires_at__gt=now,
                   account__disabled_at__isnull=True).first())
    if row is None or not SignInCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationFailed({"link": _("This link has expired or has already been used. Ask for a new code.")})
    return row.account


@functools.cache
def _stand_in_hash(algorithm: str) -> str:
    """A hash of nothing anyone knows, made once per hasher: checked when an address has no account, or an
    account has no password, so that every attempt costs one password hash check."""
    return make_password(secrets.token_urlsafe(24), hasher=algorithm)


def check_password(*, identifier: str, password: str, client: str = "") -> PersonAccount:
    """The account for `identifier` if it has this password; else the same message whatever was wrong.

    The same work whatever the address: one query, and exactly one password hash check (against a stand-in
    hash when there is no account or the account has no password)."""
    wrong = ValidationFailed({"identifier": _("Enter a mobile number or email address and password that "
                                              "match, or sign in with a code instead")})
    try:
        _channel, address = normalise(identifier)
    except ValidationFailed:
        raise wrong from None
    _limit(client, address, "guess", MAX_WRONG)
    account = (PersonAccount.objects.select_related("user").filter(address=address, disabled_at__isnull=True)
               .first())
    usable = account is not None and account.user.has_usable_password()
    encoded = account.user.password if usable else _stand_in_hash(get_hasher().algorithm)

    def upgrade(raw: str) -> None:  # a stronger hasher since the password was set: store its hash
        account.user.set_password(raw)
        account.user.save(update_fields=["password"])

    matched = hashers.check_password(password or "", encoded, setter=upgrade if usable else None)
    if not (matched and usable):
        raise wrong
    return account


def signed_in(*, account: PersonAccount, how: str) -> None:
    """Note the sign-in on the account and in the audit trail."""
    with transaction.atomic():
        PersonAccount.objects.filter(pk=account.pk).update(last_signed_in_at=timezone.now())
        record_action(actor=account.user, action="person.sign_in", person_id=account.person_id,
                      resource="person_account", resource_id=str(account.pk), reason=how)
