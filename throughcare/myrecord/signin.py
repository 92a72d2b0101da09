"""A person signs in with a one-time code (or link) sent to the mobile or email they chose, or a password.

- Nothing in a response says whether an account exists: asking for a code always answers the same way,
  and a wrong code, an expired one and one for an address with no account get the same message.
- Codes are six digits, kept only as HMACs keyed with the secret key, live PERSON_CODE_MINUTES, work once
  (a conditional UPDATE spends them), and die after MAX_WRONG wrong guesses. A new code replaces the last.
- Asking and guessing are rate-limited per address and per client address through Django's cache, counted
  the same way whether or not the address has an account (docs/decisions/0013).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
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


def request_code(*, identifier: str, client: str = "", base_url: str = "") -> str:
    """Send a code (and a link) if `identifier` belongs to an account. Returns the normalised address either way."""
    channel, address = normalise(identifier)
    _limit(client, address, "ask", settings.PERSON_SIGN_IN_LIMIT)
    account = (PersonAccount.objects.select_related("person").filter(address=address, disabled_at__isnull=True)
               .first())
    if account is None:
        make_password(secrets.token_hex(8))  # about as long as the work below, so timing tells little
        return address
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
    return address


def _send(account: PersonAccount, row: SignInCode, code: str, url: str, minutes: int) -> None:
    from throughcare.notifications.service import notify_person

    notify_person(person=account.person, template="sign_in_code", key=f"sign_in:{row.pk}",
                  personalisation={"minutes": str(minutes)}, address=(account.channel, account.address),
                  secret={"code": code, "link": url})


WRONG_CODE = gettext_noop("The code is wrong or has expired. Check the code in your latest message, or ask for a new one.")


def check_code(*, address: str, code: str, client: str = "") -> PersonAccount:
    """The account whose latest live code is `code`, spending it; else ValidationFailed (the same message
    for a wrong, spent or expired code and for an address with no account)."""
    _limit(client, address, "guess", MAX_WRONG)
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed({"code": _("Enter the 6-digit code from your message")})
    account = PersonAccount.objects.filter(address=address, disabled_at__isnull=True).first()
    now = timezone.now()
    if account is not None:
        live = SignInCode.objects.filter(account=account, used_at__isnull=True, expires_at__gt=now,
                                         failed_attempts__lt=MAX_WRONG).order_by("-created_at").first()
        if live is not None:
            if hmac.compare_digest(live.code_hash, _digest("code", f"{account.pk}:{code}")):
                if SignInCode.objects.filter(pk=live.pk, used_at__isnull=True).update(used_at=now):
                    return account
            else:
                SignInCode.objects.filter(pk=live.pk).update(failed_attempts=F("failed_attempts") + 1)
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


def check_password(*, identifier: str, password: str, client: str = "") -> PersonAccount:
    """The account for `identifier` if it has this password; else the same message whatever was wrong."""
    wrong = ValidationFailed({"identifier": _("Enter a mobile number or email address and password that "
                                              "match, or sign in with a code instead")})
    try:
        _channel, address = normalise(identifier)
    except ValidationFailed:
        raise wrong from None
    _limit(client, address, "guess", MAX_WRONG)
    account = (PersonAccount.objects.select_related("user").filter(address=address, disabled_at__isnull=True)
               .first())
    if account is None:
        make_password(password or "")  # the same work as checking one, so timing tells little
        raise wrong
    if not account.user.has_usable_password() or not account.user.check_password(password or ""):
        raise wrong
    return account


def signed_in(*, account: PersonAccount, how: str) -> None:
    """Note the sign-in on the account and in the audit trail."""
    with transaction.atomic():
        PersonAccount.objects.filter(pk=account.pk).update(last_signed_in_at=timezone.now())
        record_action(actor=account.user, action="person.sign_in", person_id=account.person_id,
                      resource="person_account", resource_id=str(account.pk), reason=how)
