"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

No browser is ever downloaded: Playwright drives /usr/bin/chromium, and the module is
skipped (with the reason) where that browser is not installed.

Shared by every e2e module: `page` (a fresh browser context), `e2e_world` (tests/conftest.py's
personas, committed), `sign_in` / `sign_out`, and `assert_accessible` (axe-core on the page).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from tests.conftest import PASSWORD, build_world  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module", autouse=True)
def _django_allows_playwrights_event_loop():
    """Playwright's sync API runs an event loop in the test thread, where Django's ORM would refuse to run
    ("You cannot call this from an async context"). Allowed for these tests only, not the rest of the suite."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="module")
def browser(_django_allows_playwrights_event_loop) -> Browser:
    """One Chromium per module; Playwright's event loop ends with it, before any other tests run."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Page:
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module", autouse=True)
def _audit_trail_flushable(audit_trail_flushable):
    """Every live-server module commits its rows (transactional_db): tests/conftest.py's fixture, for each."""
    yield


@pytest.fixture
def e2e_world(transactional_db):
    """The same world as tests/conftest.py's `world`, committed so the live server sees it."""
    return build_world()


@pytest.fixture
def sign_in(live_server, e2e_world):
    """sign_in(page, "amara") signs that persona in through the sign-in page."""

    def do(page: Page, username: str) -> None:
        page.goto(f"{live_server.url}/sign-in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/sign-in" not in url)

    return do


@pytest.fixture
def sign_out():
    """sign_out(page) signs out with the service navigation's "Sign out" button, as a person would."""

    def do(page: Page) -> None:
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(lambda url: "/sign-in" in url)

    return do


#: axe-core, from npm (package.json): `assert_accessible` runs its WCAG 2.2 AA rules on a page.
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return {
        passes: result.passes.length,
        violations: result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
        })),
    };
}"""
OPEN_DETAILS = """() => {
    const closed = [...document.querySelectorAll("details:not([open])")];
    closed.forEach(d => { d.open = true; d.dataset.e2eOpened = "yes"; });
    return closed.length;
}"""
CLOSE_DETAILS = """() => document.querySelectorAll("details[data-e2e-opened]").forEach(d => {
    d.open = false; delete d.dataset.e2eOpened;
})"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `make bootstrap`")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def assert_accessible(axe_source):
    """assert_accessible(page, "what the page is") runs axe-core's WCAG 2.2 AA rules on the page."""

    def run(page: Page, what: str) -> None:
        result = page.evaluate(AXE_RUN, AXE_TAGS)
        assert result["passes"], f"axe checked nothing on {what}"
        violations = result["violations"]
        assert not violations, f"axe found accessibility problems on {what} ({page.url}):\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
                f"    {json.dumps(n['target'])}: " + (n["summary"] or "").replace("\n", "\n      ") for n in v["nodes"])
            for v in violations
        )

    def check(page: Page, what: str) -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, not added as an inline <script>: the pages' Content
            # Security Policy refuses inline scripts, as it should.
            page.evaluate(axe_source)
        run(page, what)
        # axe skips what is hidden, so check the contents of closed <details> too, then close them again.
        opened = page.evaluate(OPEN_DETAILS)
        if opened:
            try:
                run(page, f"{what}, with its {opened} hidden section(s) opened")
            finally:
                page.evaluate(CLOSE_DETAILS)

    return check
