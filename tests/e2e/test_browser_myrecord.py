"""The person-held record in a real browser on a phone-sized screen, with axe-core on every page in English
and in Welsh.

Jo signs in with the code texted to her, shares housing information with Open Door, then stops: Xena at
Open Door, who had Jo's housing goal open, gets "Page not found" on her next request. Jo downloads
everything held about her as a PDF.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.myrecord_helpers import JO_MOBILE, invite_jo, latest_code, latest_link, read_outbox
from throughcare.careteam.actions import add_member
from throughcare.consent.models import Consent
from throughcare.plans.actions import save_goal
from throughcare.plans.models import Goal

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


@pytest.fixture
def outbox(settings, tmp_path):
    settings.NOTIFY_SENDER = "file"
    settings.NOTIFY_OUTBOX = str(tmp_path / "outbox.jsonl")
    cache.clear()
    return tmp_path / "outbox.jsonl"


@pytest.fixture
def phone(browser: Browser) -> Page:
    context = browser.new_context(locale="en-GB", **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def code_sent(outbox, after: int = 0) -> str:
    """The newest code in the outbox, once a message beyond the first `after` has arrived: the code is made and
    sent after the server's answer has gone (myrecord.signin), so the browser may get there first."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        codes = [m for m in read_outbox(outbox) if m["template"] == "sign_in_code"]
        if len(codes) > after:
            return latest_code(outbox)
        time.sleep(0.05)
    raise AssertionError("no sign-in code arrived in the outbox")


def codes_sent(outbox) -> int:
    return len([m for m in read_outbox(outbox) if m["template"] == "sign_in_code"])


def sign_in_with_code(page: Page, url: str, outbox) -> None:
    before = codes_sent(outbox)
    page.goto(f"{url}/my/sign-in")
    page.get_by_label("Mobile phone number or email address").fill(JO_MOBILE)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code").fill(code_sent(outbox, before))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}/my/")


def test_sign_in_with_a_code_stop_sharing_and_download_everything(
        phone: Page, page: Page, live_server, e2e_world, outbox, sign_in, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    amara = e2e_world["staff"]["amara"].user
    invite_jo(e2e_world)
    add_member(actor=amara, person_id=jo.pk, worker="xena")  # Open Door works with Jo
    save_goal(actor=amara, person_id=jo.pk, expected_version=0, goal={
        "domain": "housing", "in_their_words": "A flat near my mum",
        "owner_agency": str(e2e_world["agencies"]["riverside"].pk)})
    goal = Goal.objects.get()

    phone.goto(f"{url}/my/sign-in")
    assert_accessible(phone, "the person's sign-in page")
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text("Enter a mobile phone number")
    assert_accessible(phone, "the person's sign-in page with an error")
    phone.get_by_label("Mobile phone number or email address").fill(JO_MOBILE)
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_accessible(phone, "the code page")
    phone.get_by_label("Code").fill("12345")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit code from your message")
    phone.get_by_label("Code").fill(code_sent(outbox))
    phone.get_by_role("button", name="Sign in").click()
    expect(phone).to_have_url(f"{url}/my/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Jo Bloggs’s record")

    # Share housing with Open Door, from the phone.
    phone.get_by_role("link", name="Who can see what").click()
    expect(phone.get_by_text("You are not sharing anything with other agencies.")).to_be_visible()
    phone.get_by_role("link", name="Share with an agency").click()
    phone.get_by_label("Which agency").select_option(label="Open Door")
    phone.get_by_role("group", name="What they can see").get_by_label("Housing").check()
    phone.get_by_role("group", name="What for").get_by_label("Direct care").check()
    phone.get_by_role("button", name="Share", exact=True).click()
    expect(phone.locator(".govuk-notification-banner")).to_contain_text("You are now sharing with Open Door")
    expect(phone.locator(".govuk-summary-card")).to_contain_text("Open Door can see: housing.")

    # Xena, at Open Door, opens Jo's housing goal.
    goal_url = f"{url}/people/{jo.pk}/plan/goals/{goal.pk}"
    sign_in(page, "xena")
    page.goto(goal_url)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Page not found")
    expect(page.get_by_label("The goal, in the person's own words")).to_have_value("A flat near my mum")

    # Jo stops sharing; it bites on Xena's very next request.
    phone.get_by_role("link", name="Stop sharing with Open Door").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Stop sharing with Open Door")
    assert_accessible(phone, "the stop-sharing page")
    phone.get_by_role("button", name="Stop sharing").click()
    expect(phone.locator(".govuk-notification-banner")).to_contain_text("Sharing stopped")
    assert Consent.objects.get().withdrawn_at is not None
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")

    # Everything held about Jo, as a PDF.
    phone.goto(f"{url}/my/copy")
    with phone.expect_download(timeout=30_000) as download_info:  # WeasyPrint takes a few seconds on a busy machine
        phone.get_by_role("link", name="Download as a PDF (to read or print)").click()
    download = download_info.value
    assert re.fullmatch(r"my-record-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


PAGES = [
    ("/my/", "Jo Bloggs’s record", "Cofnod Jo Bloggs"),
    ("/my/story", "My story", "Fy stori"),
    ("/my/people", "Who is involved", "Pwy sy’n rhan o hyn"),
    ("/my/plan", "My plan", "Fy nghynllun"),
    ("/my/plan/goals/new", "Add a goal", "Ychwanegu nod"),
    ("/my/appointments", "Appointments", "Apwyntiadau"),
    ("/my/how-i-am-doing", "How I’m doing", "Sut rydw i’n dod ymlaen"),
    ("/my/sharing", "Who can see what", "Pwy sy’n gallu gweld beth"),
    ("/my/sharing/new", "Share with an agency", "Rhannu ag asiantaeth"),
    ("/my/sharing/{consent}/stop", "Stop sharing with every housing provider",
     "Rhoi’r gorau i rannu gyda phob darparwr tai"),
    ("/my/who-has-looked", "Who has looked at my record", "Pwy sydd wedi edrych ar fy nghofnod"),
    ("/my/copy", "Download everything we hold about you", "Lawrlwytho popeth sydd gennym amdanoch"),
    ("/my/correction", "Ask for something to be corrected", "Gofyn am gywiro rhywbeth"),
    ("/my/password", "Set a password", "Gosod cyfrinair"),
    ("/my/no-such-page", "Page not found", "Heb ddod o hyd i’r dudalen"),
]


def test_every_person_page_is_accessible_in_english_and_welsh(phone: Page, page: Page, live_server, e2e_world,
                                                              outbox, sign_in, assert_accessible):
    """Every page a person can reach, with something on it (appointments, a chart, a consent to stop), and the
    sign-in pages, the link page and the error pages, in English and in Welsh."""
    from throughcare.appointments.actions import book_appointment
    from throughcare.consent.actions import record_consent
    from throughcare.outcomes.actions import record_outcome_review

    url, jo = live_server.url, e2e_world["jo"]
    amara = e2e_world["staff"]["amara"].user
    invite_jo(e2e_world)
    add_member(actor=amara, person_id=jo.pk, worker="amara", lead=True)
    save_goal(actor=amara, person_id=jo.pk, expected_version=0, goal={
        "domain": "housing", "in_their_words": "A flat near my mum",
        "owner_agency": str(e2e_world["agencies"]["riverside"].pk)})
    soon = timezone.localtime() + dt.timedelta(days=3)
    book_appointment(actor=amara, person_id=jo.pk, starts_at=soon.replace(hour=14, minute=30, second=0,
                                                                          microsecond=0),
                     location="12 High Street", purpose="Talk about the plan")
    consent = record_consent(actor=amara, person_id=jo.pk, recipient_kind="housing", purposes=["direct_care"],
                             categories=["housing"], how_given="verbal")
    for stage, day, value in (("start", dt.date(2026, 1, 5), 2), ("review", dt.date(2026, 4, 5), 4)):
        record_outcome_review(actor=amara, person_id=jo.pk, instrument="barc10", stage=stage, completed_on=day,
                              answers={"recovery_capital": {f"q{i}": value for i in range(1, 11)}})
    sign_in_with_code(phone, url, outbox)
    link = latest_link(outbox)
    for language, column in (("English", 1), ("Cymraeg", 2)):
        if language == "Cymraeg":
            phone.get_by_role("navigation", name="Language").get_by_role("link", name="Cymraeg").click()
            expect(phone.locator("html")).to_have_attribute("lang", "cy")
        for path, *headings in PAGES:
            phone.goto(f"{url}{path.format(consent=consent.pk)}")
            expect(phone.get_by_role("heading", level=1)).to_have_text(headings[column - 1])
            if path == "/my/how-i-am-doing":  # the chart is drawn: check it too
                expect(phone.locator("#outcome-chart svg")).to_be_visible()
            if path == "/my/appointments":
                expect(phone.locator(".govuk-summary-card")).to_contain_text("12 High Street")
            assert_accessible(phone, f"{path} in {language}")
        # A form with its errors, in this language.
        phone.goto(f"{url}/my/correction")
        phone.locator("main form button[type=submit]").click()
        expect(phone.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(phone, f"the correction form with errors in {language}")
        # The sign-in link page: its button, and once used, its "expired" answer.
        phone.goto(f"{url}{link}")
        expect(phone.get_by_role("heading", level=1)).to_have_text(
            "Sign in to your record" if column == 1 else "Mewngofnodi i’ch cofnod")
        assert_accessible(phone, f"the sign-in link page in {language}")
    phone.get_by_role("button", name="Ymlaen i’ch cofnod").click()
    phone.goto(f"{url}{link}")
    phone.get_by_role("button", name="Ymlaen i’ch cofnod").click()
    expect(phone.locator("main")).to_contain_text("Gofyn am god newydd")
    assert_accessible(phone, "the used sign-in link in Welsh")
    # Signed out, on the phone (the menu is behind its toggle), the sign-in pages in Welsh too.
    phone.get_by_role("button", name="Dewislen").click()
    phone.get_by_role("button", name="Allgofnodi").click()
    expect(phone).to_have_url(f"{url}/my/sign-in")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mewngofnodi i’ch cofnod")
    assert_accessible(phone, "the sign-in page in Welsh")
    before = codes_sent(outbox)
    phone.get_by_label("Rhif ffôn symudol neu gyfeiriad e-bost").fill(JO_MOBILE)
    phone.get_by_role("button", name="Anfon cod ataf").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Rhowch eich cod")
    assert_accessible(phone, "the code page in Welsh")
    phone.get_by_label("Cod", exact=True).fill("12345")
    phone.get_by_role("button", name="Mewngofnodi").click()
    expect(phone.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(phone, "the code page with an error in Welsh")
    code_sent(outbox, before)
    phone.goto(f"{url}/my/sign-in")
    phone.get_by_role("link", name="Mewngofnodi gyda chyfrinair yn lle hynny").click()
    assert_accessible(phone, "the password sign-in page in Welsh")
    phone.get_by_role("navigation", name="Iaith").get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en-GB")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in with a password")
    assert_accessible(phone, "the password sign-in page in English")
    phone.get_by_role("link", name="Sign in with a code instead").click()
    phone.get_by_label("Mobile phone number or email address").fill(JO_MOBILE)
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_accessible(phone, "the code page in English")
    # A member of staff who opens a person's page is refused (403), in either language.
    sign_in(page, "amara")
    for language, heading in (("en-gb", "You cannot do that"), ("cy", "Ni allwch wneud hynny")):
        page.goto(f"{url}/my/language/{language}?next=/my/story")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page, f"the person pages' 403 for staff in {language}")
