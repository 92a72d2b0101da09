"""A refused form names the field that is wrong, and its links go to that field (GOV.UK's error summary).

Every form that posts, on every page the personas reach (tests/page_walk.py), is sent back as the page
filled it in (its hidden values, what is selected and checked, what the text boxes hold), with one field at a
time holding a value that field cannot take:

- a text box or text area: text with a null character (no record may store it; PostgreSQL cannot);
- a list, radios or tick boxes: a value that is not one of the options;
- a number box: letters; a date box or a day, month or year box: a day that does not exist.

The page must refuse it (the service's forms answer a refusal with 400 or 422, or show the error summary),
and the error summary must link to that field: to the control itself, or to a control of the same form group
or fieldset (a date's day box, a question's first radio). Every link in any error summary must lead to
something on the page. A refusal saves nothing (tests/row_counts.py).

The oracle is the page's own HTML (lxml), not the forms' code: what a person sees and can click.
"""

from __future__ import annotations

import urllib.parse

import lxml.html
import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.myrecord_helpers import invite_jo
from tests.page_walk import PERSON_START, SHAPE, SKIP, STAFF_START, awaiting_decision, demo_personas, walk
from tests.row_counts import SESSIONS, changed, row_counts

NUL_TEXT = "a\x00b"
NOT_AN_OPTION = "not-an-option"
NOT_A_NUMBER = "abc"
NOT_A_DAY = "2026-02-30"
TEXT_TYPES = {"text", "email", "tel", "search", "url", "password", ""}
#: Boxes a person types a date into, one part each (GOV.UK's date input).
DATE_PARTS = ("-day", "-month", "-year", "_day", "_month", "_year")


def bad_value(control, alone: bool) -> str | None:
    """A value `control` cannot take, or None for controls a person does not fill in. A tick box `alone` (the
    only control of its name) is a yes or no: any value it sends means ticked, as in every browser."""
    tag = control.tag
    kind = (control.get("type") or "").lower()
    name = control.get("name") or ""
    if tag == "textarea":
        return NUL_TEXT
    if tag == "select" or kind == "radio" or (kind == "checkbox" and not alone):
        return NOT_AN_OPTION
    if kind in {"hidden", "submit", "button", "file", "image", "reset"}:
        return None
    if kind == "date" or name.endswith(DATE_PARTS):
        return NOT_A_DAY if kind == "date" else NOT_A_NUMBER
    if kind == "number" or control.get("inputmode") == "numeric":
        return NOT_A_NUMBER
    if kind in TEXT_TYPES or kind in {"time", "datetime-local", "month"}:
        return NUL_TEXT
    return None


def filled_in(form) -> list[tuple[str, str]]:
    """What the form sends as the page filled it in, with its first named button (pages with several ask which)."""
    values = list(form.form_values())
    for button in form.xpath(".//button[@name] | .//input[@type='submit'][@name]"):
        values.append((button.get("name"), button.get("value") or ""))
        break
    return [(name, value) for name, value in values if name != "csrfmiddlewaretoken"]


def with_value(values: list[tuple[str, str]], name: str, value: str) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for key, old in values:
        if key != name:
            data.setdefault(key, []).append(old)
    data[name] = [value]
    return data


def group_of(element):
    """The form group or fieldset a control belongs to (the innermost, but a date's, not its day box's), or the
    control itself."""
    for ancestor in element.iterancestors():
        classes = (ancestor.get("class") or "").split()
        in_date = any("govuk-date-input" in (a.get("class") or "") for a in ancestor.iterancestors())
        if ("govuk-form-group" in classes and not in_date) or ancestor.tag == "fieldset":
            return ancestor
    return element


def summary_links(page) -> list[str]:
    return [a.get("href")[1:] for a in page.xpath("//div[contains(@class,'govuk-error-summary')]//a[@href]")
            if (a.get("href") or "").startswith("#")]


def names_field(page, name: str) -> bool:
    """Does some link of the error summary lead to the control `name`, or to its group or fieldset?"""
    for anchor in summary_links(page):
        found = page.get_element_by_id(anchor, None)
        if found is None:
            continue
        controls = [found, *found.iter()] + [c for c in group_of(found).iter()]
        if any(c.get("name") == name for c in controls):
            return True
    return False


def dangling(page) -> list[str]:
    return [anchor for anchor in summary_links(page) if page.get_element_by_id(anchor, None) is None]


def forms_found(client: Client, start: list[str], limit: int = 80) -> list[tuple[str, object]]:
    """(action, lxml form) for one form of each shape that posts, from the pages the walk reached."""
    visited, _params, _forms = walk(client, start, limit)
    found, shapes = [], set()
    for url, status, is_html, _found_on in visited:
        if status != 200 or not is_html:
            continue
        page = lxml.html.fromstring(client.get(url).content.decode())
        for form in page.xpath("//form[translate(@method,'POST','post')='post']"):
            action = urllib.parse.urljoin(url, form.get("action") or url)
            shape = SHAPE.sub("N", urllib.parse.urlsplit(action).path)
            if SKIP.search(action) or shape in shapes:
                continue
            shapes.add(shape)
            found.append((action, form))
    return found


def check_forms(client: Client, start: list[str], limit: int = 80) -> tuple[int, list]:
    tried, failures = 0, []
    for action, form in forms_found(client, start, limit):
        values = filled_in(form)
        controls, count = {}, {}
        for control in form.xpath(".//input[@name] | .//select[@name] | .//textarea[@name]"):
            controls.setdefault(control.get("name"), control)
            count[control.get("name")] = count.get(control.get("name"), 0) + 1
        for name, control in controls.items():
            value = bad_value(control, alone=count[name] == 1)
            if value is None or name == "csrfmiddlewaretoken":
                continue
            tried += 1
            before = row_counts(leave_out=SESSIONS)
            response = client.post(action, with_value(values, name, value))
            where = (client.persona, SHAPE.sub("N", urllib.parse.urlsplit(action).path), name, repr(value))
            if response.status_code >= 500:
                failures.append((*where, response.status_code, "server error"))
                continue
            body = response.content.decode(errors="replace")
            shown = "govuk-error-summary" in body
            if response.status_code not in (400, 422) and not shown:
                failures.append((*where, response.status_code, "not refused"))
                continue
            if saved := changed(before, row_counts(leave_out=SESSIONS)):
                failures.append((*where, response.status_code, "refused, but saved", saved))
            page = lxml.html.fromstring(body)
            if gone := dangling(page):
                failures.append((*where, response.status_code, "error summary links to nothing", gone))
            if not names_field(page, name):
                messages = [" ".join(li.text_content().split())
                            for li in page.xpath("//div[contains(@class,'govuk-error-summary')]//li")]
                failures.append((*where, response.status_code, "field not named", messages))
    return tried, failures


@pytest.mark.parametrize("persona", ["amara", "alan", "yusuf", "grace", "jo"])
def test_a_refused_form_names_the_field(world, persona):
    client = Client(raise_request_exception=False)
    client.persona = persona
    if persona == "jo":
        client.force_login(invite_jo(world).user)
        start = PERSON_START
    else:
        assert client.login(username=persona, password=PASSWORD)
        awaiting_decision(world)
        start = [*STAFF_START, f"/people/{world['jo'].pk}/"]
    tried, failures = check_forms(client, start)
    assert tried >= 2, tried  # every persona reaches forms with fields to fill in
    assert failures == [], "\n".join(map(repr, failures))


def test_every_form_in_a_partnership_names_the_field_it_refuses(partnership):
    """The same over demo-world's partnership (40 people with referrals, appointments, plans, release plans,
    consultations), as every kind of staff and as a person holding their own record: the pages deeper in, whose
    forms a small world does not reach (answering a referral, an appointment's outcome, a release plan, ...)."""
    tried, failures = 0, []
    for user in demo_personas():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        client.persona = user.username
        start = PERSON_START if hasattr(user, "person_account") else STAFF_START
        found, problems = check_forms(client, start, limit=150)
        tried, failures = tried + found, failures + problems
    assert tried >= 150, tried
    assert failures == [], "\n".join(map(repr, failures))
