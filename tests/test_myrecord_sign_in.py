"""The person-held record: who may sign in how. A person signs in with a one-time code, a link or a
password; staff add an authenticator app; neither can use the other's pages or the API."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.myrecord_helpers import JO_MOBILE, contactable, invite_jo, latest_code, latest_link, read_outbox
from throughcare.accounts import totp
from throughcare.accounts.models import ApiToken, StaffTwoFactor, hash_token
from throughcare.audit.models import AuditEntry
from throughcare.journey.models import Event
from throughcare.myrecord.models import PersonAccount, SignInCode
from throughcare.notifications.models import Notification


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def outbox(settings, tmp_path):
    settings.NOTIFY_SENDER = "file"
    settings.NOTIFY_OUTBOX = str(tmp_path / "outbox.jsonl")
    return tmp_path / "outbox.jsonl"


# --- the key worker sets it up -----------------------------------------------------------------------


def test_key_worker_sets_up_the_persons_own_record(browser_client, world, outbox,
                                                   django_capture_on_commit_callbacks):
    jo = world["jo"]
    contactable(jo)
    amara = browser_client("amara")
    assert "Their own record" in amara.get(f"/people/{jo.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = amara.post(f"/people/{jo.pk}/own-record", {"channel": "sms"})
    assert response.status_code == 302
    account = PersonAccount.objects.get(person=jo)
    assert account.address == "07700900982" and account.channel == "sms"
    assert not hasattr(account.user, "staff") or account.user.staff is None
    assert not account.user.has_usable_password()
    [message] = read_outbox(outbox)
    assert message["template"] == "record_invitation" and message["to"] == "07700900982"
    assert "Riverside Recovery" in message["body"] and "/my/sign-in" in message["body"]
    assert Event.objects.filter(person=jo, subject_type="person_account").count() == 1
    assert AuditEntry.objects.filter(action="person_account.invite", person_id=jo.pk, username="amara").exists()
    assert "can sign in to see their own record" in amara.get(f"/people/{jo.pk}/own-record").content.decode()


def test_setting_up_is_refused_with_reasons(browser_client, world):
    jo = world["jo"]
    contactable(jo, safe_to_contact={"text": False, "email": True})
    amara = browser_client("amara")
    response = amara.post(f"/people/{jo.pk}/own-record", {"channel": "sms"})
    assert response.status_code == 422 and "It is not recorded as safe to text Jo Bloggs" in response.content.decode()
    response = amara.post(f"/people/{jo.pk}/own-record", {"channel": "email", "address": "not an address"})
    assert response.status_code == 422 and "Enter an email address in the correct format" in response.content.decode()
    response = amara.post(f"/people/{jo.pk}/own-record", {"channel": ""})
    assert response.status_code == 422 and "Choose how the person will get their sign-in codes" in response.content.decode()
    assert not PersonAccount.objects.exists()
    # Someone who may not see Jo gets "not found"; a peer mentor cannot write to the record.
    assert browser_client("grace").post(f"/people/{jo.pk}/own-record", {"channel": "sms"}).status_code == 404
    assert browser_client("yusuf").get(f"/people/{jo.pk}/own-record").status_code == 404
    assert amara.post(f"/people/{jo.pk}/own-record", {"channel": "email"}).status_code == 302
    response = amara.post(f"/people/{jo.pk}/own-record", {"channel": "sms"})
    assert response.status_code == 422 and "can sign in to see their own record" in response.content.decode()
    assert PersonAccount.objects.get().channel == "email"


# --- signing in with a code ---------------------------------------------------------------------------


def test_sign_in_with_a_code_once(world, outbox, django_capture_on_commit_callbacks):
    account = invite_jo(world)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/my/sign-in", {"identifier": "+44 7700 900982"})
    assert response.status_code == 302 and response["Location"] == "/my/sign-in/code"
    code = latest_code(outbox)
    # Only an HMAC is kept; the message row does not keep the code either.
    row = SignInCode.objects.get()
    assert code not in row.code_hash and row.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert code not in str(Notification.objects.get(template="sign_in_code").personalisation)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/my/sign-in/code", {"code": wrong})
    assert response.status_code == 422 and "The code is wrong or has expired" in response.content.decode()
    response = client.post("/my/sign-in/code", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/my/"
    page = client.get("/my/")
    assert page.status_code == 200 and "Jo Bloggs’s record" in page.content.decode()
    assert AuditEntry.objects.filter(action="person.sign_in", person_id=world["jo"].pk,
                                     username=account.user.username, reason="code").exists()
    # Single use: the same code does not work again.
    other = Client()
    other.post("/my/sign-in", {"identifier": JO_MOBILE})
    SignInCode.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert other.post("/my/sign-in/code", {"code": code}).status_code == 422


def test_expired_codes_do_not_work(world, outbox, django_capture_on_commit_callbacks):
    invite_jo(world)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my/sign-in", {"identifier": JO_MOBILE})
    code = latest_code(outbox)
    SignInCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post("/my/sign-in/code", {"code": code})
    assert response.status_code == 422 and "The code is wrong or has expired" in response.content.decode()
    assert client.get("/my/").status_code == 302


def test_the_response_never_says_whether_an_account_exists(world, outbox, django_capture_on_commit_callbacks):
    invite_jo(world)
    known, unknown = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        a = known.post("/my/sign-in", {"identifier": JO_MOBILE})
        b = unknown.post("/my/sign-in", {"identifier": "07700 900000"})
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    page_a = known.get("/my/sign-in/code").content.decode().replace("07700900982", "NUMBER")
    page_b = unknown.get("/my/sign-in/code").content.decode().replace("07700900000", "NUMBER")
    strip = __import__("re").compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", page_a) == strip.sub("", page_b)
    wrong_a = known.post("/my/sign-in/code", {"code": "123456"})
    wrong_b = unknown.post("/my/sign-in/code", {"code": "123456"})
    assert wrong_a.status_code == wrong_b.status_code == 422
    assert "The code is wrong or has expired" in wrong_b.content.decode()
    assert len([m for m in read_outbox(outbox) if m["template"] == "sign_in_code"]) == 1
    # A malformed address is named as such (it says nothing about accounts).
    response = Client().post("/my/sign-in", {"identifier": "not a number"})
    assert response.status_code == 422 and "Enter a mobile phone number" in response.content.decode()


def test_asking_and_guessing_are_rate_limited_whether_or_not_the_account_exists(world, outbox, settings,
                                                                               django_capture_on_commit_callbacks):
    settings.PERSON_SIGN_IN_LIMIT = 3
    invite_jo(world)
    for identifier in (JO_MOBILE, "07700 900000"):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            statuses = [client.post("/my/sign-in", {"identifier": identifier}).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert "You have tried too many times" in client.post("/my/sign-in", {"identifier": identifier}).content.decode()
    # Five wrong guesses, and then even the right code is refused.
    cache.clear()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my/sign-in", {"identifier": JO_MOBILE})
    code = latest_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    assert [client.post("/my/sign-in/code", {"code": wrong}).status_code for _ in range(5)] == [422] * 5
    assert client.post("/my/sign-in/code", {"code": code}).status_code == 429
    assert SignInCode.objects.order_by("-created_at").first().failed_attempts == 5


def test_sign_in_with_the_link_once(world, outbox, django_capture_on_commit_callbacks):
    invite_jo(world)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my/sign-in", {"identifier": JO_MOBILE})
    link = latest_link(outbox)
    page = client.get(link)
    assert page.status_code == 200 and "Continue to your record" in page.content.decode()
    assert SignInCode.objects.get().used_at is None  # opening the link (a link checker) does not spend it
    response = client.post(link)
    assert response.status_code == 302 and client.get("/my/").status_code == 200
    again = Client().post(link)
    assert again.status_code == 410 and "This link has expired or has already been used" in again.content.decode()


def test_optional_password(world, outbox, django_capture_on_commit_callbacks):
    account = invite_jo(world)
    client = Client()
    client.force_login(account.user)
    response = client.post("/my/password", {"password": "short", "confirm": "short"})
    assert response.status_code == 422 and "too short" in response.content.decode()
    response = client.post("/my/password", {"password": "a good long phrase", "confirm": "another phrase"})
    assert response.status_code == 422 and "The passwords do not match" in response.content.decode()
    assert client.post("/my/password", {"password": "a good long phrase", "confirm": "a good long phrase"}
                       ).status_code == 302
    assert AuditEntry.objects.filter(action="person_account.password", person_id=world["jo"].pk).exists()
    fresh = Client()
    wrong = fresh.post("/my/sign-in/password", {"identifier": JO_MOBILE, "password": "wrong password!"})
    nobody = fresh.post("/my/sign-in/password", {"identifier": "07700 900000", "password": "a good long phrase"})
    assert wrong.status_code == nobody.status_code == 422
    assert "Enter a mobile number or email address and password that match" in nobody.content.decode()
    response = fresh.post("/my/sign-in/password", {"identifier": "07700900982", "password": "a good long phrase"})
    assert response.status_code == 302 and fresh.get("/my/").status_code == 200
    # The staff sign-in never signs a person in, even with the right password.
    staff = Client()
    assert not staff.login(username=account.user.username, password="a good long phrase")
    response = staff.post("/sign-in", {"username": account.user.username, "password": "a good long phrase"})
    assert response.status_code == 200 and "Enter a correct username and password" in response.content.decode()


# --- no way to tell from the work a request does ------------------------------------------------------
# Deterministic proxies for time (engineering notes: no timed assertions): the same queries, the same number
# of password hashes and no message sent while the request is answered, for an address with an account,
# one whose account has no password, one whose account is turned off and one with no account at all.

ADDRESSES = {"with a password": JO_MOBILE, "without a password": "07700 900555", "turned off": "07700 900666",
             "no account": "07700 900000"}


def _three_more_accounts(world):
    from throughcare.myrecord.actions import invite_person, stop_sign_in
    from throughcare.people.actions import register_person
    from throughcare.people.inputs import PersonDetails

    amara = world["staff"]["amara"].user
    jo = invite_jo(world)
    jo.user.set_password("a good long phrase")
    jo.user.save()
    for given, number in (("Sam", "07700 900555"), ("Tam", "07700 900666")):
        other = register_person(actor=amara, details=PersonDetails(given_names=given, family_name="Other",
                                                                   date_of_birth=dt.date(1990, 1, 1)))
        contactable(other, phone=number, email="")
        invite_person(actor=amara, person_id=other.pk, channel="sms")
    stop_sign_in(actor=amara, person_id=PersonAccount.objects.get(address="07700900666").person_id)


def _shape(sql: str) -> str:
    """A query with its values taken out, so that two queries for different addresses compare equal."""
    import re

    return re.sub(r"'[^']*'|\b\d+\b", "?", re.sub(r'"s\d+_x\d+"', '"savepoint"', sql))


class _Work:
    """Counts what happens inside `with`: queries (by shape), password hashes and messages sent."""

    def __init__(self, monkeypatch):
        from django.contrib.auth.hashers import MD5PasswordHasher

        from throughcare.notifications import service

        self.hashes, self.sent, inside = [], [], []
        for name in ("encode", "verify"):
            original = getattr(MD5PasswordHasher, name)

            def counted(hasher, *args, _original=original, _name=name, **kwargs):
                if not inside:  # verify() encodes inside: that is one hash check, not two
                    self.hashes.append(_name)
                inside.append(_name)
                try:
                    return _original(hasher, *args, **kwargs)
                finally:
                    inside.pop()

            monkeypatch.setattr(MD5PasswordHasher, name, counted)
        work = self

        class CountingSender:
            name = "counting"

            def send(self, message):
                work.sent.append(message.to)
                return "counted"

        monkeypatch.setattr(service, "get_sender", CountingSender)

    def during(self, run) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.hashes.clear()
        self.sent.clear()
        with CaptureQueriesContext(connection) as queries:
            response = run()
        return {"status": response.status_code, "location": response.get("Location", ""),
                "queries": [_shape(q["sql"]) for q in queries.captured_queries],
                "hashes": list(self.hashes), "sent": list(self.sent)}


def test_a_password_sign_in_does_the_same_work_for_every_address(world, monkeypatch):
    _three_more_accounts(world)
    work = _Work(monkeypatch)
    Client().post("/my/sign-in/password", {"identifier": "07700 900001", "password": "x"})  # the stand-in hash made
    seen = {}
    for what, address in ADDRESSES.items():
        client = Client()
        seen[what] = work.during(lambda: client.post("/my/sign-in/password",  # noqa: B023
                                                     {"identifier": address, "password": "not the password"}))  # noqa: B023
    first = seen["with a password"]
    assert first["status"] == 422 and first["hashes"] == ["verify"] and first["queries"]
    for what, done in seen.items():
        assert done == first, f"a password sign-in for an address {what} does different work: {done} != {first}"
    # And the right password signs in, after the same one hash check.
    right = work.during(lambda: Client().post("/my/sign-in/password", {"identifier": JO_MOBILE,
                                                                       "password": "a good long phrase"}))
    assert right["status"] == 302 and right["hashes"] == ["verify"]


def test_asking_for_a_code_does_the_same_work_for_every_address_and_sends_after_the_response(
        world, monkeypatch, outbox, django_capture_on_commit_callbacks):
    from throughcare.myrecord import views

    _three_more_accounts(world)
    work = _Work(monkeypatch)
    later = []
    monkeypatch.setattr(views, "after_response", lambda response, job: later.append(job) or response)
    seen = {}
    for what, address in ADDRESSES.items():
        client = Client()
        seen[what] = work.during(lambda: client.post("/my/sign-in", {"identifier": address}))  # noqa: B023
        seen[what]["guess"] = work.during(lambda: client.post("/my/sign-in/code", {"code": "123456"}))  # noqa: B023
    first = seen["with a password"]
    assert (first["status"], first["location"]) == (302, "/my/sign-in/code")
    assert first["hashes"] == [] and first["sent"] == []
    assert first["guess"]["status"] == 422
    for what, done in seen.items():
        assert done == first, f"asking for a code for an address {what} does different work: {done} != {first}"
    assert not SignInCode.objects.exists() and not read_outbox(outbox)
    # After the responses: codes for the two accounts that are on, and nothing for the others.
    with django_capture_on_commit_callbacks(execute=True):
        for job in later:
            job()
    assert sorted(work.sent) == ["07700900555", "07700900982"]
    assert SignInCode.objects.count() == 2
    # Guessing now, with live codes for two of the addresses: still the same statements for every address.
    guesses = {}
    for what, address in ADDRESSES.items():
        client = Client()
        client.post("/my/sign-in", {"identifier": address})
        guesses[what] = work.during(lambda: client.post("/my/sign-in/code", {"code": "123456"}))  # noqa: B023
    assert all(done == guesses["no account"] for done in guesses.values()), guesses


def test_the_code_is_made_once_the_response_has_gone(world, outbox, django_capture_on_commit_callbacks):
    """Through the real response: the test client, like a WSGI server, closes the response after sending it,
    and that is when the code is made and sent (in the request's context, so the audit entry keeps its id)."""
    invite_jo(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/my/sign-in", {"identifier": JO_MOBILE}, headers={"X-Request-ID": "ask-code-123"})
    assert response.status_code == 302 and len(read_outbox(outbox)) == 1
    entry = AuditEntry.objects.get(action="person.sign_in_code")
    assert entry.request_id == "ask-code-123" and entry.person_id == world["jo"].pk


# --- the boundary between people and staff ------------------------------------------------------------


def test_a_person_never_passes_staff_pages_or_the_api(world, api):
    account = invite_jo(world)
    jo = world["jo"]
    client = Client()
    client.force_login(account.user)
    for url in (f"/people/{jo.pk}/", "/today/", "/people/", f"/people/{jo.pk}/plan", f"/people/{jo.pk}/consents/"):
        response = client.get(url)
        assert response.status_code == 403, url
    # No token can be made for them, and one made behind the back of the action does not work.
    from throughcare.accounts.actions import create_token
    from throughcare.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        create_token(actor=None, username=account.user.username)
    key = ApiToken.new_key()
    ApiToken.objects.create(user=account.user, key_hash=hash_token(key))
    response = Client().get(f"/api/v1/people/{jo.pk}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_staff_never_use_person_pages(browser_client, world):
    invite_jo(world)
    amara = browser_client("amara")
    for url in ("/my/", "/my/story", "/my/sharing", "/my/copy.json"):
        response = amara.get(url)
        assert response.status_code == 403 and "Staff use the staff pages" in response.content.decode(), url
    assert Client().get("/my/story").status_code == 302


def test_the_person_sees_only_their_own_record(world):
    """The policy's data-subject rule: their own record, nobody else's, and never through staff rules."""
    from throughcare.consent.policy import grant_for, visible_people
    from throughcare.people.actions import register_person
    from throughcare.people.inputs import PersonDetails

    account = invite_jo(world)
    sam = register_person(actor=world["staff"]["amara"].user, details=PersonDetails(
        given_names="Sam", family_name="Other", date_of_birth=dt.date(1990, 1, 1)))
    assert grant_for(account.user, world["jo"]).relationship == "self"
    assert not grant_for(account.user, sam).can_see_person
    assert not grant_for(account.user, world["jo"]).can_write
    assert not visible_people(account.user).exists()
    PersonAccount.objects.filter(pk=account.pk).update(disabled_at=timezone.now())
    assert not grant_for(account.user, world["jo"]).can_see_person


# --- staff two-step sign-in (TOTP) -----------------------------------------------------------------------


RFC6238_SHA1_KEY = b"12345678901234567890"


@pytest.mark.parametrize("moment, expected", [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
    (2000000000, "69279037"), (20000000000, "65353130")])
def test_totp_matches_the_rfc_6238_test_vectors(moment, expected):
    assert totp.hotp(RFC6238_SHA1_KEY, moment // 30, digits=8) == expected


@pytest.mark.parametrize("digest, key, expected", [
    (hashlib.sha256, b"12345678901234567890123456789012", "46119246"),
    (hashlib.sha512, b"1234567890123456789012345678901234567890123456789012345678901234", "90693936")])
def test_totp_matches_the_rfc_6238_vectors_for_sha256_and_sha512(digest, key, expected):
    assert totp.hotp(key, 59 // 30, digits=8, digest=digest) == expected


def test_hotp_matches_the_rfc_4226_test_vectors():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(RFC6238_SHA1_KEY, counter) for counter in range(10)] == expected


def test_a_code_matches_once_and_only_near_now():
    secret = totp.new_secret()
    now = 1_700_000_000
    code = totp.totp(secret, now)
    step = totp.matching_step(secret, code, moment=now)
    assert step == now // 30
    assert totp.matching_step(secret, code, moment=now + 30) == step  # one step of clock drift
    assert totp.matching_step(secret, code, moment=now + 95) is None
    assert totp.matching_step(secret, code, moment=now, after_step=step) is None  # no replay
    assert totp.matching_step(secret, "12345", moment=now) is None
    assert totp.provisioning_uri(secret, account="amara").startswith("otpauth://totp/Throughcare%3Aamara?secret=")


def _code_for(user) -> str:
    return totp.totp(StaffTwoFactor.objects.get(user=user).secret)


class _StoppedClock:
    """The second factor's clock held still, so a code cannot roll into the next 30-second step mid-test."""

    def __init__(self, moment: float):
        self.moment = moment

    def time(self) -> float:
        return self.moment


def test_a_role_that_needs_a_second_factor_sets_it_up_then_gives_a_code(world, settings, monkeypatch):
    settings.TOTP_ROLES = ["key_worker"]
    # Mid-step, so the code given at enrolment is still the current code at the second sign-in.
    monkeypatch.setattr(totp, "time", _StoppedClock((totp.step_at() + 0.5) * totp.STEP_SECONDS))
    amara = world["staff"]["amara"].user
    client = Client()
    response = client.post("/sign-in", {"username": "amara", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/two-step-sign-in"
    assert client.get("/today/").status_code == 302  # not signed in yet
    page = client.get("/two-step-sign-in")
    assert page.status_code == 200 and "Set up two-step sign-in" in page.content.decode()
    response = client.post("/two-step-sign-in", {"code": "000000"})
    assert response.status_code == 422 and "Enter the 6-digit code" in response.content.decode()
    response = client.post("/two-step-sign-in", {"code": _code_for(amara)})
    assert response.status_code == 302 and client.get("/today/").status_code == 200
    assert StaffTwoFactor.objects.get(user=amara).confirmed_at is not None
    assert AuditEntry.objects.filter(action="two_factor.enrol", username="amara").exists()

    # Next time: password, then the code page; the code just used is refused (no replay).
    again = Client()
    response = again.post("/sign-in", {"username": "amara", "password": PASSWORD})
    assert response["Location"] == "/sign-in/code"
    assert again.post("/sign-in/code", {"code": _code_for(amara)}).status_code == 422
    StaffTwoFactor.objects.filter(user=amara).update(last_step=totp.step_at() - 2)
    response = again.post("/sign-in/code", {"code": _code_for(amara)})
    assert response.status_code == 302 and again.get("/today/").status_code == 200

    # Where to go next comes from the address: a page on this site, or else the home page (never a server
    # error for a `next` that is not an address, never another site).
    for next_url, lands in [("/people/", "/people/"), ("abc", "/"), ("https://evil.example/", "/")]:
        third = Client()
        third.post(f"/sign-in?next={next_url}", {"username": "amara", "password": PASSWORD})
        StaffTwoFactor.objects.filter(user=amara).update(last_step=totp.step_at() - 2)
        response = third.post("/sign-in/code", {"code": _code_for(amara)})
        assert response.status_code == 302 and response["Location"] == lands, next_url


def test_too_many_wrong_codes_end_the_attempt(world, settings):
    settings.TOTP_ROLES = ["all"]
    client = Client()
    client.post("/sign-in", {"username": "amara", "password": PASSWORD})
    client.post("/two-step-sign-in", {"code": "000001"})
    statuses = [client.post("/two-step-sign-in", {"code": "000001"}).status_code for _ in range(4)]
    assert statuses[-1] == 302
    assert client.get("/two-step-sign-in")["Location"] == "/sign-in?expired=1"
    assert "Sign in again" in client.get("/sign-in?expired=1").content.decode()


def test_roles_not_named_sign_in_with_a_password_alone(world, settings):
    settings.TOTP_ROLES = ["caldicott_guardian"]
    response = Client().post("/sign-in", {"username": "amara", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    response = Client().post("/sign-in", {"username": "alan", "password": PASSWORD})
    assert response["Location"] == "/two-step-sign-in"


def test_anyone_may_turn_it_on_and_an_administrator_can_reset_it(browser_client, world):
    from throughcare.accounts.two_factor import reset

    amara = browser_client("amara")
    assert "Set up two-step sign-in" in amara.get("/two-step-sign-in").content.decode()
    user = world["staff"]["amara"].user
    assert amara.post("/two-step-sign-in", {"code": _code_for(user)}).status_code == 200
    response = Client().post("/sign-in", {"username": "amara", "password": PASSWORD})
    assert response["Location"] == "/sign-in/code"  # once set up, it is always asked for
    reset(actor=world["staff"]["sam"].user, username="amara")
    assert not StaffTwoFactor.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="two_factor.reset", username="sam").exists()


def test_the_command_line_resets_a_lost_authenticator(world):
    from typer.testing import CliRunner

    from throughcare.accounts.two_factor import start_enrolment
    from throughcare.cli import app

    user = world["staff"]["amara"].user
    start_enrolment(user)
    result = CliRunner().invoke(app, ["user", "reset-two-factor", "amara"])
    assert result.exit_code == 0, result.output
    assert "Two-step sign-in reset for amara" in result.output
    assert not StaffTwoFactor.objects.filter(user=user).exists()
    result = CliRunner().invoke(app, ["user", "reset-two-factor", "nobody"])
    assert result.exit_code != 0 and "No user has that username" in result.output


def test_the_demo_world_has_a_person_who_can_sign_in(db):
    from throughcare.core.demo import DEMO_PASSWORD, DEMO_PERSON_MOBILE, build_world
    from throughcare.myrecord.signin import check_password

    build_world(people=40, seed=3)
    account = PersonAccount.objects.select_related("person").get()
    assert account.address == "07700900001" and account.invited_by.username == "kw.amara"
    assert check_password(identifier=DEMO_PERSON_MOBILE, password=DEMO_PASSWORD) == account


def test_a_worker_turns_the_sign_in_off_at_once_and_back_on_to_a_new_number(browser_client, world, outbox,
                                                                            django_capture_on_commit_callbacks):
    jo = world["jo"]
    account = invite_jo(world)
    person = Client()
    person.force_login(account.user)
    assert person.get("/my/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/my/sign-in", {"identifier": JO_MOBILE})
    code = latest_code(outbox)
    amara = browser_client("amara")
    assert browser_client("grace").post(f"/people/{jo.pk}/own-record/stop").status_code == 404
    response = amara.post(f"/people/{jo.pk}/own-record/stop")
    assert response.status_code == 302
    assert person.get("/my/").status_code == 403  # the very next page
    late = Client()
    late.post("/my/sign-in", {"identifier": JO_MOBILE})
    assert late.post("/my/sign-in/code", {"code": code}).status_code == 422
    assert AuditEntry.objects.filter(action="person_account.stop", username="amara").exists()
    assert amara.post(f"/people/{jo.pk}/own-record/stop").status_code == 422
    contactable(jo, phone="07700 900111")
    assert amara.post(f"/people/{jo.pk}/own-record", {"channel": "sms"}).status_code == 302
    account.refresh_from_db()
    assert account.disabled_at is None and account.address == "07700900111"
    assert person.get("/my/").status_code == 200


def test_system_checks_catch_a_misspelt_role_and_warn_when_production_has_no_second_factor(settings):
    from throughcare.accounts.checks import two_factor_roles

    settings.TOTP_ROLES = ["key_worker", "keyworker"]
    [error] = two_factor_roles()
    assert error.id == "throughcare.A001" and "keyworker" in error.msg
    settings.TOTP_ROLES, settings.PRODUCTION, settings.CACHE_URL = [], True, "redis://127.0.0.1:6379/0"
    [warning] = two_factor_roles()
    assert warning.id == "throughcare.A002"
    settings.TOTP_ROLES = ["all"]
    assert two_factor_roles() == []
    settings.CACHE_URL = ""  # production with rate limits counted per process is warned about too
    [warning] = two_factor_roles()
    assert warning.id == "throughcare.A003" and "THROUGHCARE_CACHE_URL" in warning.hint
