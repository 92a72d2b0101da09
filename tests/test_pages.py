"""The pages, through the Django test client, for every persona."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertInHTML

from tests.conftest import PASSWORD
from throughcare.agencies.actions import create_staff
from throughcare.consent.actions import request_basis
from throughcare.core.forms import GovDateField, GovForm
from throughcare.journey.models import Event
from throughcare.people.models import Person


def test_sign_in_page_and_redirects(client, world):
    assert client.get("/sign-in").status_code == 200
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
    bad = client.post("/sign-in", {"username": "amara", "password": "wrong"})
    assert bad.status_code == 200
    assert "Enter a correct username and password" in bad.content.decode()
    good = client.post("/sign-in", {"username": "amara", "password": "correct-horse-battery"})
    assert good.status_code == 302


@pytest.mark.parametrize("persona,sees", [("amara", True), ("grace", False), ("una", False), ("yusuf", False)])
def test_search_page_shows_only_visible_people(browser_client, world, persona, sees):
    page = browser_client(persona).get("/people/", {"q": "bloggs"}).content.decode()
    assert (f'href="/people/{world["jo"].pk}/"' in page) is sees
    assert ("1 person matches" in page) is sees


@pytest.mark.parametrize("persona,status", [
    ("amara", 200), ("ben", 200), ("grace", 404), ("una", 404), ("yusuf", 404), ("alan", 404), ("sam", 404),
])
def test_person_page_by_persona(browser_client, world, persona, status):
    response = browser_client(persona).get(f"/people/{world['jo'].pk}/")
    assert response.status_code == status
    if status == 404:
        assert "Jo Bloggs" not in response.content.decode()


def test_person_page_shows_summary_and_timeline(browser_client, world):
    page = browser_client("amara").get(f"/people/{world['jo'].pk}/").content.decode()
    assert "Jo Bloggs" in page and "4857773457" in page and "A1234BC" in page
    assert "moj-timeline" in page and "Registered by Riverside Recovery" in page
    assert "Key working" in page


def test_register_page_success_and_errors(browser_client, world):
    client = browser_client("amara")
    before = Person.objects.count()
    bad = client.post("/people/new", {"given_names": "", "family_name": "X", "date_of_birth-day": "1",
                                      "date_of_birth-month": "1", "date_of_birth-year": "2999",
                                      "nhs_number": "1234567890", "sex": "not_stated"})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_given_names"' in html and 'href="#id_date_of_birth-day"' in html
    assert "NHS number is not valid" in html and "Date of birth must be in the past" in html
    assert Person.objects.count() == before
    good = client.post("/people/new", {"given_names": "Kim", "family_name": "Lee", "date_of_birth-day": "2",
                                       "date_of_birth-month": "3", "date_of_birth-year": "1991",
                                       "nhs_number": "9434765919", "sex": "female",
                                       "safe_to_contact": ["text"]})
    assert good.status_code == 302
    kim = Person.objects.get(display_name="Kim Lee")
    assert kim.safe_to_contact == {"phone": False, "text": True, "voicemail": False, "letter": False, "email": False}
    assert good["Location"] == f"/people/{kim.pk}/"


def test_impossible_date_is_named(browser_client, world):
    response = browser_client("amara").post("/people/new", {
        "given_names": "A", "family_name": "B", "date_of_birth-day": "31", "date_of_birth-month": "2",
        "date_of_birth-year": "1990", "sex": "male"})
    assert response.status_code == 422
    assert "Date of birth must be a real date" in response.content.decode()


def test_add_note_page(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    form = client.get(f"/people/{jo.pk}/notes/new")
    assert form.status_code == 200
    empty = client.post(f"/people/{jo.pk}/notes/new", {"text": "", "category": ""})
    assert empty.status_code == 422
    assert "Enter the note" in empty.content.decode()
    done = client.post(f"/people/{jo.pk}/notes/new", {"text": "Housing benefit sorted", "category": "housing"})
    assert done.status_code == 302
    assert Event.objects.filter(person=jo, title="Housing benefit sorted", category="housing").exists()
    page = client.get(f"/people/{jo.pk}/").content.decode()
    assert "Housing benefit sorted" in page
    assert browser_client("grace").get(f"/people/{jo.pk}/notes/new").status_code == 404


def test_timeline_filter_on_page(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    client.post(f"/people/{jo.pk}/notes/new", {"text": "About housing", "category": "housing"})
    client.post(f"/people/{jo.pk}/notes/new", {"text": "About money", "category": "employment_benefits"})
    page = client.get(f"/people/{jo.pk}/", {"category": "housing"}).content.decode()
    assert "About housing" in page and "About money" not in page


def test_episode_pages(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    bad = client.post(f"/people/{jo.pk}/episodes/new", {"setting": "", "service": ""})
    assert bad.status_code == 422
    ok = client.post(f"/people/{jo.pk}/episodes/new", {"setting": "residential_rehab", "service": "Rehab",
                                                       "started_on-day": "1", "started_on-month": "2",
                                                       "started_on-year": "2026"})
    assert ok.status_code == 302
    episode = jo.episodes.get(service="Rehab")
    from throughcare.core import refdata

    reason = refdata.current_choices("discharge_reasons")[0][0]
    ended = client.post(f"/episodes/{episode.pk}/end", {"ended_on-day": "1", "ended_on-month": "3",
                                                        "ended_on-year": "2026", "discharge_reason": reason})
    assert ended.status_code == 302
    episode.refresh_from_db()
    assert episode.ended_on is not None and episode.discharge_reason == reason


def test_admin_pages_for_administrators_only(browser_client, world):
    admin = browser_client("sam")
    assert admin.get("/agencies/").status_code == 200
    created = admin.post("/agencies/new", {"name": "Harbour Housing", "kind": "housing"})
    assert created.status_code == 302
    bad = admin.post("/agencies/new", {"name": "", "kind": "zoo"})
    assert bad.status_code == 422 and "Choose one of the options for “Kind of agency”" in bad.content.decode()
    blank = admin.post("/agencies/new", {"name": "", "kind": "housing"})
    assert blank.status_code == 422 and "Enter the agency" in blank.content.decode()
    staff = admin.post("/agencies/staff/new", {"username": "nia", "agency": str(world["agencies"]["prison"].pk),
                                               "role": "prison_team"})
    assert staff.status_code == 302
    nowhere = admin.post("/agencies/staff/new", {"username": "nia2", "agency": "", "role": "prison_team"})
    assert nowhere.status_code == 422 and "Choose the agency they work at" in nowhere.content.decode()
    assert browser_client("amara").get("/agencies/").status_code == 403
    # The administrator sees no case content.
    assert admin.get(f"/people/{world['jo'].pk}/").status_code == 404


def test_person_page_query_count_does_not_grow_with_history(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    client.get(f"/people/{jo.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/people/{jo.pk}/")
    for i in range(60):
        client.post(f"/people/{jo.pk}/notes/new", {"text": f"note {i}", "category": "housing"})
    with CaptureQueriesContext(connection) as many:
        client.get(f"/people/{jo.pk}/")
    assert len(many.captured_queries) == len(few.captured_queries)


# The person page's contact channels, the service navigation, and fields with more than one error.

SAFE_TO_CONTACT_ROW = ('<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Safe to contact by</dt>'
                       '<dd class="govuk-summary-list__value">{}</dd></div>')
NO_CHANNELS = {"phone": False, "text": False, "voicemail": False, "letter": False, "email": False}


@pytest.mark.parametrize("channels,note,shown", [
    (NO_CHANNELS, "", "None recorded"),
    ({}, "", "None recorded"),
    ({**NO_CHANNELS, "letter": True, "text": True}, "", "Text, letter"),
    ({**NO_CHANNELS, "email": True}, "Not the family landline", "Email<br>Not the family landline"),
])
def test_person_page_shows_only_the_ways_it_is_safe_to_contact(browser_client, world, channels, note, shown):
    jo = world["jo"]
    Person.objects.filter(pk=jo.pk).update(safe_to_contact=channels, safe_to_contact_note=note)
    html = browser_client("amara").get(f"/people/{jo.pk}/").content.decode()
    assertInHTML(SAFE_TO_CONTACT_ROW.format(shown), html, count=1)


def _navigation(html: str) -> list[tuple[str, str, str | None]]:
    """(text, href, aria-current or None) for each link of the service navigation, in order."""
    nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', html, re.S).group(0)
    return [(re.sub(r"<[^>]+>", "", text).strip(), href, current or None) for href, current, text in re.findall(
        r'<a class="govuk-service-navigation__link" href="([^"]+)"(?: aria-current="([^"]+)")?>(.*?)</a>', nav, re.S)]


def _nav_item(text: str, href: str, current: str | None) -> str:
    """The GOV.UK Frontend service-navigation item (components/service-navigation/template.njk)."""
    if current is None:
        return (f'<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="{href}">'
                f"{text}</a></li>")
    return (f'<li class="govuk-service-navigation__item govuk-service-navigation__item--active">'
            f'<a class="govuk-service-navigation__link" href="{href}" aria-current="{current}">'
            f'<strong class="govuk-service-navigation__active-fallback">{text}</strong></a></li>')


FIND, REGISTER, EMERGENCY = ("Find a person", "/people/"), ("Register a person", "/people/new"), \
    ("Emergency access", "/emergency-access")
REVIEW, AUDIT, AGENCIES = ("Review queue", "/caldicott/"), ("Audit trail", "/audit/"), \
    ("Agencies and staff", "/agencies/")
TODAY, REFERRALS, DIRECTORY = ("Today", "/today/"), ("Referrals", "/referrals/"), ("Services", "/directory/")
RELEASES, GATE, CONTINUITY = ("Release plans", "/releases/"), ("Meeting at the gate", "/gate/"), \
    ("Continuity of care", "/continuity/")
REPORTS = ("Reports", "/reports/")
CONSULTATIONS, ANALYSTS = ("Consultations", "/consultations/"), ("Consultation analysts", "/consultations/analysts")
COMMISSIONER = [REPORTS, CONTINUITY, DIRECTORY, FIND, CONSULTATIONS]
ADMIN = [AGENCIES, DIRECTORY, ANALYSTS]
WORKER = [TODAY, FIND, REFERRALS, DIRECTORY, RELEASES, REPORTS, REGISTER, EMERGENCY]


@pytest.mark.parametrize("persona,path,links,current", [
    # The page's own link is aria-current="page"; a page within a link's section makes it aria-current="true".
    ("amara", "/today/", WORKER, (TODAY, "page")),
    ("amara", "/people/", WORKER, (FIND, "page")),
    ("amara", "/people/new", WORKER, (REGISTER, "page")),
    ("amara", "/people/{jo}/", WORKER, (FIND, "true")),
    ("amara", "/people/{jo}/consents/", WORKER, (FIND, "true")),
    ("amara", "/referrals/", WORKER, (REFERRALS, "page")),
    ("grace", "/emergency-access", WORKER, (EMERGENCY, "page")),
    ("patrick", "/people/", WORKER, (FIND, "page")),
    ("amara", "/directory/", WORKER, (DIRECTORY, "page")),
    ("grace", "/releases/", WORKER, (RELEASES, "page")),
    ("una", "/people/", [FIND, REFERRALS, GATE, DIRECTORY], (FIND, "page")),
    ("una", "/gate/", [FIND, REFERRALS, GATE, DIRECTORY], (GATE, "page")),
    ("yusuf", "/people/", COMMISSIONER, (FIND, "page")),
    ("yusuf", "/continuity/", COMMISSIONER, (CONTINUITY, "page")),
    ("yusuf", "/reports/commissioner/", COMMISSIONER, (REPORTS, "true")),
    ("amara", "/reports/service/", WORKER, (REPORTS, "true")),
    ("alan", "/caldicott/", [REVIEW, AUDIT], (REVIEW, "page")),
    ("alan", "/caldicott/lawful-basis/{basis}", [REVIEW, AUDIT], (REVIEW, "true")),
    ("alan", "/audit/", [REVIEW, AUDIT], (AUDIT, "page")),
    ("olive", "/audit/", [AUDIT], (AUDIT, "page")),
    ("sam", "/agencies/", ADMIN, (AGENCIES, "page")),
    ("sam", "/agencies/new", ADMIN, (AGENCIES, "true")),
    ("sam", "/directory/", ADMIN, (DIRECTORY, "page")),
])
def test_service_navigation_marks_the_current_section(browser_client, world, persona, path, links, current):
    agencies = world["agencies"]
    create_staff(actor=None, username="patrick", agency=agencies["peer"], role="partner_worker", password=PASSWORD)
    create_staff(actor=None, username="olive", agency=agencies["daat"], role="auditor", password=PASSWORD)
    basis = request_basis(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, basis="safeguarding_child",
                          recipient_agency=str(agencies["prison"].pk), categories=["family_safeguarding"],
                          reason="Strategy meeting decided to share")
    response = browser_client(persona).get(path.format(jo=world["jo"].pk, basis=basis.pk))
    assert response.status_code == 200
    html = response.content.decode()
    (current_link, aria_current) = current
    assert _navigation(html) == [(text, href, aria_current if (text, href) == current_link else None)
                                 for text, href in links]
    for text, href in links:
        assertInHTML(_nav_item(text, href, aria_current if (text, href) == current_link else None), html, count=1)
    assert html.count("govuk-service-navigation__item--active") == 1
    # The menu button GOV.UK Frontend shows on small screens, hidden until its script needs it.
    assertInHTML('<button type="button" class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle" '
                 'aria-controls="navigation" hidden aria-hidden="true">Menu</button>', html, count=1)


@pytest.mark.parametrize("persona", ["alan", "yusuf"])
def test_a_role_that_cannot_register_people_is_not_offered_the_form(browser_client, world, persona):
    """A Caldicott guardian or a commissioner may search, but registering is for roles that record: they see
    no button for it, and the form answers 403 before anything is filled in (not after, as it once did)."""
    client = browser_client(persona)
    assert 'href="/people/new"' not in client.get("/people/").content.decode()
    refused = client.get("/people/new")
    assert refused.status_code == 403
    assert "Your role cannot register people" in refused.content.decode()
    assert 'name="given_names"' not in refused.content.decode()
    assert client.post("/people/new", {"given_names": "Kim"}).status_code == 403
    assert 'href="/people/new"' in browser_client("amara").get("/people/").content.decode()


def test_service_navigation_marks_nothing_on_a_page_outside_its_sections(browser_client, world):
    html = browser_client("alan").get("/people/").content.decode()  # a guardian on a key worker's page
    assert [current for _text, _href, current in _navigation(html)] == [None, None]
    html = browser_client("sam").get("/people/").content.decode()  # an administrator has no "Find a person"
    assert _navigation(html) == [("Agencies and staff", "/agencies/", None), ("Services", "/directory/", None),
                                 ("Consultation analysts", "/consultations/analysts", None)]
    assert "govuk-service-navigation__item--active" not in html


class _Reasons(GovForm):
    reason = forms.CharField(label="Reason", required=False, help_text="Say why")
    ended_on = GovDateField(noun="end date", label="End date", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False, widget=forms.RadioSelect,
                                choices=[("good", "Good"), ("bad", "Bad")])
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea)


def _error(error_id: str, message: str) -> str:
    """The GOV.UK Frontend error message (components/error-message/template.njk)."""
    return (f'<p id="{error_id}" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> '
            f"{message}</p>")


@pytest.mark.parametrize("name,control", [
    ("reason", "input"), ("ended_on", "fieldset"), ("outcome", "fieldset"), ("note", "textarea"),
])
def test_each_of_a_fields_errors_is_its_own_line(name, control):
    form = _Reasons(data={})
    assert form.is_valid()
    form.add_error(name, "First problem")
    form.add_error(name, "Second problem")
    html = render_to_string("includes/field.html", {"field": form[name]})
    assertInHTML(_error(f"id_{name}-error", "First problem"), html, count=1)
    assertInHTML(_error(f"id_{name}-error-2", "Second problem"), html, count=1)
    assert html.count('class="govuk-error-message"') == 2
    hint = f"id_{name}-hint " if form[name].help_text else ""
    described = re.findall(rf'<{control}\b[^>]*aria-describedby="([^"]+)"', html)
    assert described == [f"{hint}id_{name}-error id_{name}-error-2"]
    # The error summary links each of them to the field.
    summary = render_to_string("includes/error_summary.html", {"form": form})
    assert summary.count(">First problem</a>") == 1 and summary.count(">Second problem</a>") == 1


def test_a_single_error_and_a_hint_keep_their_ids():
    form = _Reasons(data={})
    assert form.is_valid()
    form.add_error("reason", "Enter the reason")
    html = render_to_string("includes/field.html", {"field": form["reason"]})
    assertInHTML(_error("id_reason-error", "Enter the reason"), html, count=1)
    assert 'aria-describedby="id_reason-hint id_reason-error"' in html
    untouched = render_to_string("includes/field.html", {"field": _Reasons()["reason"]})
    assert 'aria-describedby="id_reason-hint"' in untouched and "govuk-error-message" not in untouched
    plain = render_to_string("includes/field.html", {"field": _Reasons()["note"]})
    assert "aria-describedby" not in plain


def test_staff_sign_in_stops_guessing_after_ten_failures_even_with_the_right_password(world):
    from django.test import Client

    from throughcare.accounts.views import FAILURES_PER_USERNAME, TOO_MANY

    client = Client()
    for _ in range(FAILURES_PER_USERNAME):
        wrong = client.post("/sign-in", {"username": "amara", "password": "guess"})
        assert "Enter a correct username and password" in wrong.content.decode()
    refused = client.post("/sign-in", {"username": "amara", "password": PASSWORD})
    assert TOO_MANY in refused.content.decode() and "_auth_user_id" not in client.session
    # Another username from the same client is still fine, well below the per-client limit.
    assert client.post("/sign-in", {"username": "ben", "password": PASSWORD}).status_code == 302


class _Required(GovForm):
    date_of_birth = forms.CharField(label="Date of birth")
    nhs_number = forms.CharField(label="NHS number")
    setting = forms.ChoiceField(label="Setting", choices=[("prison", "Prison")], widget=forms.RadioSelect)
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A")], error_messages={"required": "Choose what kind it is"})


def test_a_required_field_left_empty_is_named_never_this_field_is_required():
    form = _Required(data={})
    assert not form.is_valid()
    assert form.errors == {"date_of_birth": ["Enter date of birth"], "nhs_number": ["Enter NHS number"],
                           "setting": ["Choose setting"], "kind": ["Choose what kind it is"]}
    # Each form has its own messages (Django copies a field's messages for each form).
    assert forms.CharField().error_messages["required"] == "This field is required."


def test_no_answer_is_kept_by_the_browser(browser_client, api, world, client):
    """A shared computer's browser must not keep a person's record on disk or show it from the back button after
    sign-out: pages, API answers and public pages alike are `no-store`, unless a view says otherwise."""
    jo = world["jo"].pk
    page = browser_client("amara").get(f"/people/{jo}/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    read = api("amara").get(f"/people/{jo}")
    assert read.status_code == 200 and read["Cache-Control"] == "no-store"
    assert "no-store" in client.get("/sign-in")["Cache-Control"]  # Django's own never_cache, or ours
    assert client.get("/find-support/")["Cache-Control"] == "no-store"
    assert client.get("/nowhere-at-all")["Cache-Control"] == "no-store"


def test_every_answer_has_a_content_security_policy(browser_client, api, world, client):
    """Scripts only from this site's own files: no inline script, no eval, except that the pages drawing Vega
    charts allow eval (Vega compiles its expressions). The API's JSON carries the strict policy too."""
    jo = world["jo"].pk
    strict = settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in strict and "unsafe-inline" not in strict.split("style-src")[0]
    assert "frame-ancestors 'none'" in strict and "object-src 'none'" in strict
    amara = browser_client("amara")
    assert amara.get(f"/people/{jo}/")["Content-Security-Policy"] == strict
    assert client.get("/sign-in")["Content-Security-Policy"] == strict
    assert api("amara").get(f"/people/{jo}")["Content-Security-Policy"] == strict
    charts = amara.get(f"/people/{jo}/outcomes")
    assert charts.status_code == 200
    assert charts["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY_CHARTS
    assert "script-src 'self' 'unsafe-eval';" in charts["Content-Security-Policy"]


def test_the_api_docs_page_works_offline_under_the_policy(client):
    """/api/v1/docs (README, docs/api.md) was a server error: the page is a template, and an /api/ request has no
    signed-in user for the context processor. Swagger UI comes from django-ninja's own static files, not a CDN."""
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html
    assert page["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_a_choice_no_longer_offered_is_refused_in_words_that_read_whatever_the_label():
    """A value not among the options (a worker who has left since the page was opened, a hand-made request)
    quotes the field's label, so a question or the start of a sentence reads as well as a noun."""
    from django import forms as django_forms

    from throughcare.core.forms import GovForm

    class Booking(GovForm):
        worker = django_forms.ChoiceField(label="With", choices=[("amara", "Amara")])
        attended = django_forms.ChoiceField(label="Did the person attend?", choices=[("yes", "Yes")])
        needs = django_forms.MultipleChoiceField(label="Disabilities (optional)", choices=[("sight", "Sight")],
                                                 required=False)

    form = Booking({"worker": "gone", "attended": "perhaps", "needs": ["hearing"]})
    assert not form.is_valid()
    assert form.errors["worker"] == ["Choose one of the options for “With”"]
    assert form.errors["attended"] == ["Choose one of the options for “Did the person attend”"]
    assert form.errors["needs"] == ["Choose one of the options for “Disabilities”"]
