"""Voice in a real browser, with axe-core on every page.

Nadia, a service manager (a consultation analyst by role), creates a consultation, imports its paper and two
response documents, checks the mapping of one, and opens it. A member of the public, signed in to nothing, answers
through the form (first leaving it empty, to see the error summary). Nadia closes it, runs the analysis, approves
the themes, checks the redaction of the phone number the respondent wrote, codes a response, lets the classifier
code the rest, records a "you said, we did" decision and publishes. The public summary is accessible and quotes
the respondent without the phone number.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.voice_helpers import EXAMPLE, RESPONSE_FILES, add_analysts, example_consultation
from throughcare.voice import worker
from throughcare.voice.models import Consultation

pytestmark = pytest.mark.e2e

PUBLIC_ANSWER = "Opening in the evening would help me most. Call me on 07700 900456 if you want to know more."


@pytest.fixture
def analysts(e2e_world):
    return add_analysts(e2e_world)


def _public_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    return context.new_page()


def test_an_analyst_consults_the_public_and_publishes_what_they_said(
        page: Page, browser: Browser, live_server, analysts, sign_in, assert_accessible):
    url = live_server.url
    page.set_default_timeout(60_000)  # the analysis runs in the request
    sign_in(page, "nadia")
    page.get_by_role("link", name="Consultations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultations")
    assert_accessible(page, "the consultations list")
    page.get_by_role("button", name="Create a consultation").click()
    page.get_by_label("Title").fill("The recovery hub")
    assert_accessible(page, "the new consultation form")
    page.get_by_role("button", name="Create consultation").click()
    expect(page.get_by_test_id("status")).to_have_text("Being set up")
    assert_accessible(page, "a consultation's overview")

    # The paper: first nothing chosen (the error names the field), then the example paper.
    page.get_by_role("link", name="Questions", exact=True).click()
    assert_accessible(page, "the questions page, before any")
    page.get_by_role("button", name="Import the consultation paper").click()
    page.get_by_role("button", name="Import the paper").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the consultation paper to upload")
    assert_accessible(page, "the paper import with an error")
    page.get_by_label("Consultation paper").set_input_files(str(EXAMPLE / "paper.txt"))
    page.get_by_role("button", name="Import the paper").click()
    expect(page.get_by_test_id("question")).to_have_count(3)
    expect(page.get_by_test_id("question").nth(2)).to_contain_text("WHAT WOULD HELP YOU KEEP YOUR APPOINTMENTS")
    assert_accessible(page, "the questions read from the paper")
    page.get_by_role("link", name="Change question 3").click()
    page.get_by_label("Question", exact=True).fill("What would help you keep your appointments at the hub?")
    assert_accessible(page, "the question form")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_test_id("question").nth(2)).to_contain_text("What would help you keep your appointments")
    page.get_by_role("link", name="Remove question 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove question 2?")
    assert_accessible(page, "the question removal check")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_test_id("question")).to_have_count(3)

    # Response documents, and the mapping of one of them.
    page.get_by_role("link", name="Responses", exact=True).click()
    page.get_by_role("button", name="Import response documents").click()
    assert_accessible(page, "the import page")
    page.get_by_label("Response files").set_input_files([str(EXAMPLE / name) for name in RESPONSE_FILES])
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("response-row")).to_have_count(2)
    assert_accessible(page, "the responses list")
    page.get_by_role("link", name="response_families").click()
    expect(page.get_by_test_id("passage")).to_have_count(4)
    expect(page.locator("mark").filter(has_text="A text the day before")).to_be_visible()
    assert_accessible(page, "a response with its passages marked")

    page.get_by_role("link", name="Overview", exact=True).click()
    page.get_by_role("button", name="Open for responses").click()
    expect(page.get_by_test_id("status")).to_have_text("Open for responses")
    public_url = page.get_by_test_id("public-url").inner_text()

    # A member of the public responds, with no sign-in.
    public = _public_page(browser)
    public.goto(public_url)
    expect(public.get_by_role("heading", level=1)).to_have_text("The recovery hub")
    expect(public.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(public, "the public response form")
    public.get_by_role("button", name="Send your response").click()
    summary = public.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Answer at least one question")
    expect(summary).to_contain_text("Choose whether we may publish your response")
    assert_accessible(public, "the public response form with errors")
    summary.get_by_role("link", name="Choose whether we may publish your response").click()
    expect(public.get_by_label("Publish my response with my name")).to_be_focused()
    public.get_by_role("group", name=re.compile("Should the hub open on Saturdays")).get_by_label("Yes").check()
    public.get_by_label("Peer support groups").check()
    public.get_by_label(re.compile("What would help you keep your appointments")).fill(PUBLIC_ANSWER)
    public.get_by_label("As an individual").check()
    public.get_by_label("Publish my response without my name").check()
    public.get_by_role("button", name="Send your response").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Response sent")
    expect(public.get_by_test_id("reference")).to_have_text(re.compile(r"^web-[0-9a-f]{8}$"))
    assert_accessible(public, "the confirmation page")

    # Nadia closes the consultation and analyses the responses.
    page.reload()
    expect(page.get_by_test_id("responses-count")).to_contain_text("3")
    page.get_by_role("button", name="Close to responses").click()
    page.get_by_role("link", name="Themes", exact=True).click()
    page.get_by_role("button", name="Run the analysis").click()
    expect(page.get_by_test_id("last-run")).to_contain_text("queued")
    assert_accessible(page, "the themes page with a run queued")
    assert worker.work_until_idle() == 1  # the Voice worker's part (a service of its own in production)
    page.get_by_role("link", name="refresh this page").click()
    expect(page.get_by_test_id("last-run")).to_contain_text("done")
    assert_accessible(page, "the themes page after a run")
    page.get_by_role("link", name=re.compile("^3: What would help you")).click()
    expect(page.get_by_test_id("theme").first).to_be_visible()
    assert_accessible(page, "a question's proposed themes")
    approve = page.get_by_role("button", name=re.compile("^Approve"))
    for left in range(approve.count() - 1, -1, -1):
        approve.first.click()
        expect(approve).to_have_count(left)
    assert_accessible(page, "a question's approved themes")
    page.get_by_role("link", name=re.compile("^Rename")).first.click()
    page.get_by_label("Name of the theme").fill("Getting to the hub")
    assert_accessible(page, "renaming a theme")
    page.get_by_role("button", name="Save theme").click()
    expect(page.get_by_test_id("theme").filter(has_text="Getting to the hub")).to_have_count(1)

    # The phone number in the respondent's quote is redacted; it cannot be undone, only accepted.
    page.get_by_role("link", name="Redactions", exact=True).click()
    row = page.get_by_test_id("redaction").filter(has_text="07700 900456")
    expect(row).to_contain_text("A phone number")
    expect(row.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    assert_accessible(page, "the redactions to check")
    row.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_test_id("redaction").filter(has_text="07700 900456")).to_contain_text("Accepted")

    # Coding: one response by hand, the classifier the rest; the review queue.
    page.get_by_role("link", name="Themes", exact=True).click()
    page.get_by_role("link", name=re.compile("^3: What would help you")).click()
    page.get_by_role("button", name="Code the next response").click()
    expect(page.get_by_test_id("answer")).to_be_visible()
    assert_accessible(page, "coding a response")
    page.get_by_role("group", name=re.compile("Themes this response raises")).get_by_role("checkbox").first.check()
    page.get_by_label("Agrees", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("coded")
    page.get_by_role("button", name="Code the rest with the classifier").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The classifier coded 2 responses")
    page.get_by_role("link", name=re.compile("^Responses to review")).click()
    assert_accessible(page, "the review queue")
    page.get_by_role("link", name="Campaigns", exact=True).click()
    assert_accessible(page, "the campaigns page")

    # "You said, we did", then publication.
    page.get_by_role("link", name="You said, we did", exact=True).click()
    assert_accessible(page, "the decisions page")
    page.get_by_label("Theme").select_option(index=1)
    page.get_by_label("You said").fill("Open in the evening so people who work can come")
    page.get_by_label("We did").fill("The hub will open until 8pm on Thursdays")
    page.get_by_label("Agreed", exact=True).check()
    page.get_by_label("Next steps (optional)").fill("Review attendance after six months")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("decision")).to_have_count(1)
    assert_accessible(page, "the decisions page with a decision")
    page.get_by_role("link", name="Publish", exact=True).click()
    assert_accessible(page, "the summary preview")
    page.get_by_role("button", name="Publish the summary").click()
    expect(page.get_by_test_id("published")).to_be_visible()

    # The themes compared with another consultation of the agency's (one with no themes yet: all are new here).
    consultation = Consultation.objects.get(title="The recovery hub")
    other = example_consultation(analysts["nadia"].user)
    Consultation.objects.filter(pk=other.pk).update(title="The recovery hub, first thoughts")
    page.goto(f"{url}/consultations/{consultation.pk}/themes")
    page.get_by_role("link", name="Compare the themes with another consultation").click()
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a consultation to compare with")
    assert_accessible(page, "the comparison with an error")
    page.get_by_label("The recovery hub, first thoughts").check()
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_test_id("only-there")).to_contain_text("None: every theme there was raised here too.")
    expect(page.get_by_test_id("only-here").locator("tbody tr")).not_to_have_count(0)
    assert_accessible(page, "the comparison of two consultations")

    # The public reads the summary.
    public.goto(f"{url}/have-your-say/{consultation.pk}/summary")
    expect(public.get_by_role("heading", level=1)).to_have_text("The recovery hub")
    expect(public.get_by_test_id("total")).to_have_text("3 responses were received.")
    expect(public.get_by_test_id("decisions")).to_contain_text("The hub will open until 8pm on Thursdays")
    quotes = public.get_by_test_id("quote")
    expect(quotes.filter(has_text="Opening in the evening would help me most")).not_to_have_count(0)
    expect(public.get_by_text("07700 900456")).to_have_count(0)
    expect(quotes.filter(has_text="[phone]")).not_to_have_count(0)
    expect(public.get_by_text("Sarah Jones")).to_have_count(0)  # the families' document was not for publication
    assert_accessible(public, "the published summary of responses")
    public.goto(f"{url}/have-your-say/")
    expect(public.get_by_role("link", name="The recovery hub: summary of responses")).to_be_visible()
    assert_accessible(public, "the public list of consultations")
    public.context.close()


def test_an_administrator_gives_a_key_worker_the_analyst_permission(page: Page, live_server, e2e_world, sign_in,
                                                                     sign_out, assert_accessible):
    sign_in(page, "sam")
    page.get_by_role("link", name="Consultation analysts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation analysts")
    assert_accessible(page, "the consultation analysts page")
    page.get_by_role("button", name="Give the permission").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a member of staff")
    assert_accessible(page, "the consultation analysts page with an error")
    page.get_by_label("Member of staff").select_option(label="Amara Okafor (Key worker, Riverside Recovery)")
    page.get_by_role("button", name="Give the permission").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Amara Okafor is now a consultation analyst")
    sign_out(page)
    sign_in(page, "amara")
    page.get_by_role("link", name="Consultations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultations")



def test_an_analyst_checks_the_passages_the_mapper_was_unsure_of(page: Page, live_server, analysts, sign_in,
                                                                 assert_accessible):
    from tests.test_voice_pages import UNLABELLED_RESPONSE
    from throughcare.voice import actions

    hub = example_consultation(analysts["nadia"].user)
    actions.import_responses(actor=analysts["nadia"].user, consultation_id=hub.pk,
                             uploads=[actions.Upload(name="unlabelled.txt", text=UNLABELLED_RESPONSE)])
    waiting = [p for p in hub.respondents.get(ref="unlabelled").passages.all() if p.to_check]
    assert waiting
    sign_in(page, "nadia")
    page.goto(f"{live_server.url}/consultations/{hub.pk}/responses")
    page.get_by_role("link", name=re.compile(r"passages? to check")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passages to check")
    cards = page.get_by_test_id("passage-to-check")
    expect(cards).to_have_count(len(waiting))
    assert_accessible(page, "the passages to check")
    first = cards.first
    first.get_by_label("Question this passage answers").select_option(value=str(hub.questions.get(qid="3").pk))
    first.get_by_role("button", name=re.compile("^Save passage")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Response unlabelled, passage")
    expect(page.get_by_test_id("passage-to-check")).to_have_count(len(waiting) - 1)
    assert_accessible(page, "the passages to check, after one was checked")
