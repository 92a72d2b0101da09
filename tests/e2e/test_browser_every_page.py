"""axe-core on every page each kind of user can reach, in Chromium, over the demo partnership.

The other browser tests check the pages of their own journeys; this one finds pages the way a person does
(tests/page_walk.py: links followed from the start pages, one page of each shape) for a key worker, a
service manager, a prison team member, a partner worker, a peer mentor, a Caldicott guardian, a
commissioner, an administrator and a person holding their own record, over `demo-world`'s partnership
(referrals, release plans, assessments, the directory, reports and a Voice consultation all have rows), and
runs axe's WCAG 2.2 AA rules on each, with closed <details> opened; no link leads to a 403 or a 404; no
script fails and the Content Security Policy refuses nothing; each page has one <h1> and a title of
plain words ending in the service's name; every page reflows to a 320-pixel screen (a wide table scrolls in its
own box, checked by axe there too). A page shape another persona's walk
already checked is not checked again. Every problem on every page is reported, not only the first.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.page_walk import SHAPE, SKIP, demo_personas, walk
from tests.row_counts import SESSIONS, changed, row_counts
from throughcare.core.demo import build_world
from throughcare.core.models import DatabaseMark

pytestmark = pytest.mark.e2e

STAFF_START = ["/", "/today/", "/people/", "/reports/"]
PERSON_START = ["/my/", "/my/story"]
#: Nobody signed in: the sign-in pages, the public directory and the consultations open to everyone.
PUBLIC_START = ["/sign-in", "/my/sign-in", "/find-support/", "/have-your-say/"]


@pytest.fixture
def demo_partnership(transactional_db):
    """demo-world's partnership at 40 people (committed: the live server reads it)."""
    DatabaseMark.objects.create(key=DatabaseMark.DEMO)
    build_world(people=40, seed=3)


def _pages(user) -> tuple[Client, list[str]]:
    """The test client signed in as `user`, and the pages they reach through it (status 200, HTML)."""
    client = Client(raise_request_exception=False)
    if user is None:
        start = PUBLIC_START
    else:
        client.force_login(user)
        start = PERSON_START if hasattr(user, "person_account") else STAFF_START
    visited, _params, _forms = walk(client, start, limit=120)
    assert [v for v in visited if v[1] >= 500] == []
    # No page links to a page that is not there, or not for this person (403, 404).
    assert [v for v in visited if v[1] in (403, 404) and v[3] is not None] == []
    return client, [url for url, status, html, _found_on in visited if status == 200 and html]


#: A page's title: its own words (no markup), then the service's name, as GOV.UK pages are titled.
TITLE = re.compile(r"(Error: )?[^<>\n]+ – (My record – )?Throughcare")


#: The elements that stick out past the right edge of the screen (none when the page reflows).
WIDER_THAN_SCREEN = """() => document.documentElement.scrollWidth <= document.documentElement.clientWidth ? [] :
    [...document.querySelectorAll("body *")].filter(e => !e.closest(".tc-table-scroll, .tc-chart"))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ")[0] : ""))"""


def _browser_context(browser, live_server, user, client: Client):
    """A browser with the session of `client` (signed in as `user`), or signed in as nobody."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    if user is not None:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    return context


def _axe(assert_accessible, page, what: str) -> list[str]:
    """axe's problems on the page, as a list (every page's are reported, not only the first's)."""
    try:
        assert_accessible(page, what)
    except AssertionError as problem:
        return [str(problem)]
    return []


def _personas() -> list:
    return [*demo_personas(), None]


def _who(user) -> str:
    return user.get_username() if user else "nobody signed in"


def test_every_page_every_persona_reaches_passes_axe(demo_partnership, live_server, browser, assert_accessible):
    checked, problems, shapes = [], [], set()
    for user in _personas():
        client, pages = _pages(user)
        assert len(pages) >= 3, (_who(user), pages)
        context = _browser_context(browser, live_server, user, client)
        page = context.new_page()
        refused = []  # scripts' errors, and what the Content Security Policy blocked: none on any page
        page.on("console", lambda message, into=refused: into.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.on("pageerror", lambda error, into=refused: into.append(str(error)))
        try:
            for url in pages:
                shape = SHAPE.sub("N", url.split("?")[0])
                if shape in shapes:
                    continue
                shapes.add(shape)
                response = page.goto(live_server.url + url)
                assert response is not None and response.status == 200, (_who(user), url)
                checked.append(url)
                title, headings = page.title(), page.locator("h1").all_inner_texts()
                # Every page reflows to 320 CSS pixels (a phone, or 1280 pixels at 400% zoom) without scrolling
                # sideways (WCAG 1.4.10): a wide table scrolls in its own box, which a keyboard can reach.
                page.set_viewport_size({"width": 320, "height": 640})
                wide = page.evaluate(WIDER_THAN_SCREEN)
                if wide:
                    problems.append(f"{url} as {_who(user)} is wider than a 320-pixel screen: {wide}")
                elif page.locator("[tabindex='0']:is(.tc-table-scroll, .tc-chart)").count():
                    problems += _axe(assert_accessible, page, f"{url} as {_who(user)} on a 320-pixel screen")
                page.set_viewport_size({"width": 1280, "height": 900})
                if len(headings) != 1 or not TITLE.fullmatch(title):
                    problems.append(f"{url} as {_who(user)}: title {title!r}, headings {headings}")
                problems += _axe(assert_accessible, page, f"{url} as {_who(user)}")
                if refused:  # by now the page's scripts have run (axe runs after the load event)
                    problems.append(f"{url} as {_who(user)}: script errors or refusals {refused}")
                    refused.clear()
        finally:
            context.close()
    assert len(checked) >= 100, checked  # the walk found the service, not a corner of it
    # It did reach the parts of the service: a person's record, referrals, the directory, reports, Voice, the
    # Caldicott guardian's queues, the person's own record, the public pages.
    for part in ["/people/", "/referrals/", "/directory/", "/reports/", "/consultations/", "/caldicott/", "/my/",
                 "/have-your-say/", "/sign-in"]:
        assert any(url.startswith(part) for url in checked), (part, checked)
    assert any(url.endswith("/responses/to-check") for url in checked)  # the demo letter's passages to check
    assert problems == [], f"{len(problems)} of {len(checked)} pages:\n\n" + "\n\n".join(problems)


#: The forms on a page that take something typed or chosen (not one-button actions such as "Sign out" or
#: "Approve"), by their action's shape: [{action, shape, index}].
FORMS_WITH_FIELDS = """(shapePattern) => [...document.querySelectorAll("form")]
    .map((form, index) => ({form, index}))
    .filter(({form}) => (form.getAttribute("method") || "").toLowerCase() === "post")
    .filter(({form}) => form.querySelector(
        "textarea, select, input:not([type=hidden]):not([type=submit]):not([type=button])"))
    .map(({form, index}) => {
        const action = new URL(form.getAttribute("action") || location.href, location.href).pathname;
        return {action, shape: action.replace(new RegExp(shapePattern, "g"), "N"), index};
    })"""
#: The error summary's links, and whether each leads to a field on the page (GOV.UK: every error names and
#: links to its field).
ERROR_SUMMARY = """() => {
    const summary = document.querySelector(".govuk-error-summary");
    if (!summary) { return null; }
    return [...summary.querySelectorAll("a")].map(a => {
        const id = decodeURIComponent((a.getAttribute("href") || "").replace(/^#/, ""));
        return {text: a.textContent.trim(), href: a.getAttribute("href"), target: !!(id && document.getElementById(id))};
    });
}"""
#: Django's own messages, which name no field: a page must say which field and what to do (GOV.UK).
VAGUE = {"This field is required.", "Enter a valid value.", "Enter a whole number.", "Enter a number.",
         "Enter a valid date.", "Enter a valid time.", "Enter a list of values.", "Enter a valid email address."}
#: Empty every box a person types into and untick every choice, then send the form as its first button does.
SEND_BLANK = """(index) => {
    const form = document.querySelectorAll("form")[index];
    form.querySelectorAll("textarea, input:not([type=hidden]):not([type=submit]):not([type=button])").forEach(el => {
        if (el.type === "checkbox" || el.type === "radio") { el.checked = false; } else { el.value = ""; }
    });
    form.querySelectorAll("select").forEach(el => { el.selectedIndex = 0; });
    const button = form.querySelector("button:not([type=button]), input[type=submit]");
    if (button) { button.click(); } else { form.requestSubmit(); }
}"""


def test_every_form_sent_back_blank_answers_with_an_accessible_page(demo_partnership, live_server, browser,
                                                                     assert_accessible):
    """Every form that takes input, sent with nothing filled in: the page that comes back is not a server
    error and passes axe; when it refuses (400, 422) nothing was saved, and it has a GOV.UK error summary
    whose every link leads to a field on the page, whose messages are not Django's nameless defaults ("This
    field is required.") and which never gives two fields the same message."""
    sent, problems, shapes, refused = [], [], set(), 0
    for user in _personas():
        client, pages = _pages(user)
        context = _browser_context(browser, live_server, user, client)
        page = context.new_page()
        failed = []
        page.on("pageerror", lambda error, into=failed: into.append(str(error)))
        try:
            for url in pages:
                page.goto(live_server.url + url)
                for form in page.evaluate(FORMS_WITH_FIELDS, SHAPE.pattern):
                    if form["shape"] in shapes or SKIP.search(form["action"]):
                        continue
                    shapes.add(form["shape"])
                    if page.url != live_server.url + url:
                        page.goto(live_server.url + url)
                    before = row_counts(leave_out=SESSIONS)
                    with page.expect_navigation() as navigation:
                        page.evaluate(SEND_BLANK, form["index"])
                    response = navigation.value
                    what = f"{form['action']} sent blank from {url} as {_who(user)}"
                    sent.append(what)
                    assert response is not None and response.status < 500, (what, response and response.status)
                    if response.status in (400, 422):
                        # Refused: nothing was saved, not part of it (no half-saved record).
                        assert changed(before, row_counts(leave_out=SESSIONS)) == {}, what
                        errors = page.evaluate(ERROR_SUMMARY)
                        assert errors, f"{what}: {response.status} without an error summary"
                        unlinked = [e for e in errors if not e["target"]]
                        assert not unlinked, f"{what}: errors that lead to no field: {unlinked}"
                        refused += 1
                        messages = [e["text"] for e in errors]
                        vague = [m for m in messages if m in VAGUE or m.startswith("Select a valid choice")]
                        assert not vague, f"{what}: messages that name no field: {vague}"
                        twice = sorted({m for m in messages if messages.count(m) > 1})
                        assert not twice, f"{what}: the same message for different fields: {twice}"
                    problems += _axe(assert_accessible, page, what)
                    if failed:
                        problems.append(f"{what}: script errors {failed}")
                        failed.clear()
        finally:
            context.close()
    assert len(sent) >= 30, sent
    assert refused >= 25, (refused, sent)  # most forms need something: their refusals were checked
    assert problems == [], f"{len(problems)} of {len(sent)} forms:\n\n" + "\n\n".join(problems)
