"""Voice pages through HTTP, with personas: nadia (service manager at Riverside: a consultation analyst by role),
zoe (commissioner at the DAAT: an analyst of another agency), amara (key worker: not an analyst), sam
(administrator: grants the permission) and the anonymous public (the response form and published summaries).

Set-up (paper import in three formats, correcting questions), taking responses (the public form with its
confidentiality and "responding as" choices, CSRF and a rate limit; bulk import of documents and CSV), upload
limits, the mapping review, themes and coding, redactions, decisions and publication."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.voice_helpers import (
    RESPONSE_FILES,
    add_analysts,
    docx_bytes,
    example_consultation,
    pdf_bytes,
    text_of,
    upload,
)
from throughcare.audit.models import AuditEntry
from throughcare.voice import actions, theme_actions, worker
from throughcare.voice.models import (
    Assignment,
    Consultation,
    Passage,
    Redaction,
    Respondent,
    Theme,
)


@pytest.fixture
def analysts(world):
    return add_analysts(world)


@pytest.fixture
def nadia(browser_client, analysts):
    return browser_client("nadia")


@pytest.fixture
def hub(world, analysts):
    """The example consultation (paper and two response documents), open for responses."""
    return example_consultation(analysts["nadia"].user, open_it=True)


def _errors(response) -> list[tuple[str, str]]:
    """(href, message) of each link in the page's GOV.UK error summary."""
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', response.content.decode(), re.S)
    assert summary, "no error summary on the page"
    return [(href, re.sub(r"\s+", " ", text).strip()) for href, text in
            re.findall(r'<a href="([^"]*)">(.*?)</a>', summary.group(0), re.S)]


# --- setting up a consultation ------------------------------------------------------------------------------


def test_an_analyst_creates_a_consultation_and_imports_its_paper(nadia, world):
    response = nadia.post("/consultations/new", {"title": "The recovery hub", "description": "Tell us"})
    assert response.status_code == 302
    consultation = Consultation.objects.get(title="The recovery hub")
    assert consultation.agency == world["agencies"]["riverside"]
    response = nadia.post(f"/consultations/{consultation.pk}/paper", {"paper": upload("paper.txt")})
    assert response.status_code == 302 and response["Location"].endswith("/questions")
    questions = list(consultation.questions.all())
    assert [(q.qid, q.type, q.options) for q in questions] == [
        ("1", "yes-no-dont-know", ["Yes", "No", "Don't know"]),
        ("2", "select-all", ["Needle exchange", "Housing advice", "Peer support groups"]),
        ("3", "open", [])]
    page = text_of(nadia.get(f"/consultations/{consultation.pk}/questions"))
    assert "Question 3" in page and "WHAT WOULD HELP YOU KEEP YOUR APPOINTMENTS AT THE HUB?" in page
    assert AuditEntry.objects.filter(action="voice_paper.import", username="nadia").count() == 1
    assert AuditEntry.objects.filter(action="voice_consultation.create", username="nadia").count() == 1


PAPER = ["Our survey", "THE HUB", "QUESTION 1: SHOULD THE HUB OPEN ON SATURDAYS?", "Yes", "No",
         "QUESTION 2: WHAT WOULD HELP YOU GET THERE?"]


@pytest.mark.parametrize("name,content", [("paper.docx", docx_bytes(PAPER)), ("paper.pdf", pdf_bytes(PAPER))])
def test_a_paper_in_word_or_pdf_is_read_too(nadia, analysts, name, content):
    consultation = actions.create_consultation(actor=analysts["nadia"].user, title="Survey")
    response = nadia.post(f"/consultations/{consultation.pk}/paper", {"paper": upload(name, content)})
    assert response.status_code == 302, text_of(response)
    assert [(q.qid, q.type) for q in consultation.questions.all()] == [("1", "yes-no"), ("2", "open")]


@pytest.mark.parametrize("name,content,message", [
    ("paper.exe", b"MZ\x90\x00", "The consultation paper must be a .txt, .pdf or .docx file"),
    ("paper.doc", b"\xd0\xcf\x11\xe0", "The consultation paper must be a .txt, .pdf or .docx file"),
    ("paper.pdf", b"QUESTION 1: not really a PDF?", "The consultation paper is not a PDF file"),
    ("paper.docx", b"QUESTION 1: not a Word file?", "The consultation paper is not a Word (.docx) document"),
    ("paper.txt", b"\x00\x01\x02binary", "The consultation paper is not a text file"),
    ("paper.txt", b"There are no questions in here at all.", "No questions were found"),
])
def test_a_wrong_paper_is_refused_naming_the_field_and_nothing_is_saved(nadia, analysts, name, content, message):
    consultation = actions.create_consultation(actor=analysts["nadia"].user, title="Survey")
    response = nadia.post(f"/consultations/{consultation.pk}/paper", {"paper": upload(name, content)})
    assert response.status_code == 422
    assert any(href == "#id_paper" and message in text for href, text in _errors(response)), _errors(response)
    assert not consultation.questions.exists()
    assert response.content.decode().count("govuk-form-group--error") == 1


def test_an_oversized_paper_is_refused_with_the_limit(nadia, analysts, settings):
    settings.UPLOAD_MAX_BYTES = 100
    consultation = actions.create_consultation(actor=analysts["nadia"].user, title="Survey")
    response = nadia.post(f"/consultations/{consultation.pk}/paper", {"paper": upload("paper.txt")})
    assert response.status_code == 422
    assert ("#id_paper", "The consultation paper must be smaller than 100 bytes") in _errors(response)
    assert not consultation.questions.exists()


def test_no_paper_chosen_says_so(nadia, analysts):
    consultation = actions.create_consultation(actor=analysts["nadia"].user, title="Survey")
    response = nadia.post(f"/consultations/{consultation.pk}/paper", {})
    assert response.status_code == 422
    assert ("#id_paper", "Choose the consultation paper to upload") in _errors(response)


def test_the_analyst_corrects_adds_and_removes_questions(nadia, analysts):
    consultation = example_consultation(analysts["nadia"].user)
    q2 = consultation.questions.get(qid="2")
    base = f"/consultations/{consultation.pk}/questions"
    response = nadia.post(f"{base}/{q2.pk}/edit", {"qid": "2", "text": "Which services should the hub offer?",
                                                   "type": "select-all", "options": "Needle exchange\nHousing advice"
                                                   "\nPeer support groups\nA GP", "section": "The hub"})
    assert response.status_code == 302
    q2.refresh_from_db()
    assert q2.text == "Which services should the hub offer?" and q2.options[-1] == "A GP"
    response = nadia.post(f"{base}/new", {"qid": "4", "text": "Anything else?", "type": "open"})
    assert response.status_code == 302
    assert consultation.questions.get(qid="4").position == 4
    q1 = consultation.questions.get(qid="1")
    mapped = q1.passages.count()
    assert mapped == 2  # both documents answer question 1
    assert "2 passages of responses answer this question" in text_of(nadia.get(f"{base}/{q1.pk}/remove"))
    assert nadia.post(f"{base}/{q1.pk}/remove").status_code == 302
    assert not consultation.questions.filter(qid="1").exists()
    assert Passage.objects.filter(respondent__consultation=consultation, question=None, remapped=True).count() >= 2
    assert [a.action for a in AuditEntry.objects.filter(action__startswith="voice_question.").order_by("pk")] == [
        "voice_question.update", "voice_question.add", "voice_question.remove"]


@pytest.mark.parametrize("data,field,message", [
    ({"qid": "", "text": "Why?", "type": "open"}, "qid", "Enter the question number, like A1 or 3"),
    ({"qid": "3", "text": "Why?", "type": "open"}, "qid", "There is already a question 3"),
    ({"qid": "5", "text": "", "type": "open"}, "text", "Enter the question"),
    ({"qid": "5", "text": "Which?", "type": "select-one", "options": "Only one"}, "options",
     "Enter at least two options, one on each line"),
    ({"qid": "5", "text": "Which?", "type": "multiple-guess"}, "type", "Choose one of the options for “Type of question”"),
    ({"qid": "5 & 6", "text": "Which?", "type": "open"}, "qid", "The question number must be up to 10 letters"),
])
def test_a_bad_question_names_the_field_and_saves_nothing(nadia, analysts, data, field, message):
    consultation = example_consultation(analysts["nadia"].user)
    response = nadia.post(f"/consultations/{consultation.pk}/questions/new", data)
    assert response.status_code == 422
    errors = _errors(response)
    assert any(href.startswith(f"#id_{field}") and text.startswith(message) for href, text in errors), errors
    assert consultation.questions.count() == 3


# --- the public response form -------------------------------------------------------------------------------


def _answers(**extra) -> dict:
    return {"q-1": "Yes", "q-2": ["Housing advice", "Peer support groups"],
            "q-3": "Evening sessions, and a crèche so parents can come.", "respondent_type": "organisation",
            "organisation": "Northgate Parents Group", "name": "", "publish": "name"} | extra


def test_the_public_responds_without_signing_in(hub):
    client = Client()
    page = client.get(f"/have-your-say/{hub.pk}/")
    assert page.status_code == 200
    text = text_of(page)
    assert "1. Should the hub open on Saturdays?" in text  # the paper prints its questions in capitals
    assert "Are you responding as an individual or on behalf of an organisation?" in text
    assert "Publish my response without my name" in text and "Do not publish my response" in text
    assert "Sign out" not in text
    response = client.post(f"/have-your-say/{hub.pk}/", _answers())
    assert response.status_code == 302
    respondent = Respondent.objects.get(consultation=hub, source="form")
    assert response["Location"].endswith(f"/thank-you?ref={respondent.ref}")
    assert respondent.organisation == "Northgate Parents Group" and respondent.publish == "name"
    assert respondent.respondent_type == "organisation"
    passages = {p.question.qid: p for p in respondent.passages.select_related("question")}
    assert passages["1"].closed["chosen"] == ["Yes"]
    assert passages["2"].closed["chosen"] == ["Housing advice", "Peer support groups"]
    assert passages["3"].text == "Evening sessions, and a crèche so parents can come."
    assert all(respondent.text[p.start:p.end] == p.text for p in passages.values())
    assert respondent.ref in text_of(client.get(response["Location"]))
    entry = AuditEntry.objects.get(action="voice_response.submit")
    assert entry.username == "anonymous"


@pytest.mark.parametrize("change,anchor,message", [
    ({"q-1": "", "q-2": [], "q-3": ""}, "#id_q-1_0", "Answer at least one question"),
    ({"respondent_type": ""}, "#id_respondent_type_0",
     "Choose whether you are responding as an individual or on behalf of an organisation"),
    ({"organisation": ""}, "#id_organisation", "Enter the name of the organisation you are responding for"),
    ({"publish": ""}, "#id_publish_0", "Choose whether we may publish your response"),
    ({"respondent_type": "individual", "organisation": "", "name": ""}, "#id_name",
     "Enter your name, or choose to publish your response without it"),
    ({"q-1": "Perhaps"}, "#id_q-1_0", "Choose your answer to question 1 from the list"),
    ({"q-3": "x" * 10_001}, "#id_q-3", "Your answer to question 3 must be 10,000 characters or fewer"),
])
def test_a_bad_response_names_the_field_and_saves_nothing(hub, change, anchor, message):
    response = Client().post(f"/have-your-say/{hub.pk}/", _answers(**change))
    assert response.status_code == 422
    assert (anchor, message) in _errors(response), _errors(response)
    assert "Error:" in response.content.decode().split("</title>")[0]
    assert not Respondent.objects.filter(consultation=hub, source="form").exists()


def test_the_form_needs_its_csrf_token(hub):
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/have-your-say/{hub.pk}/", _answers()).status_code == 403
    page = client.get(f"/have-your-say/{hub.pk}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert client.post(f"/have-your-say/{hub.pk}/", _answers(csrfmiddlewaretoken=token)).status_code == 302


def test_the_form_is_rate_limited_per_client(hub, settings):
    settings.VOICE_RESPONSES_PER_HOUR = 2
    client = Client()
    assert client.post(f"/have-your-say/{hub.pk}/", _answers()).status_code == 302
    assert client.post(f"/have-your-say/{hub.pk}/", _answers(publish="")).status_code == 422  # counted too
    refused = client.post(f"/have-your-say/{hub.pk}/", _answers())
    assert refused.status_code == 429 and "too many times" in text_of(refused)
    assert Respondent.objects.filter(consultation=hub, source="form").count() == 1
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(f"/have-your-say/{hub.pk}/", _answers()).status_code == 302


def test_only_open_consultations_take_responses(hub, analysts):
    actions.set_status(actor=analysts["nadia"].user, consultation_id=hub.pk, status="closed")
    assert Client().get(f"/have-your-say/{hub.pk}/").status_code == 404
    assert Client().post(f"/have-your-say/{hub.pk}/", _answers()).status_code == 404
    draft = actions.create_consultation(actor=analysts["nadia"].user, title="Not yet")
    assert Client().get(f"/have-your-say/{draft.pk}/").status_code == 404
    assert Client().get("/have-your-say/not-a-uuid/").status_code == 404
    assert "Not yet" not in text_of(Client().get("/have-your-say/"))


# --- bulk import --------------------------------------------------------------------------------------------

CSV = ("respondent_id,name,respondent_type,publish,1,2,3\n"
       "r1,Pat Lee,individual,anonymous,Yes,Housing advice,Somewhere quiet to wait\n"
       "r2,Harbour Housing,organisation,name,No,\"Needle exchange\nPeer support groups\",Late opening on Thursdays\n")


def test_an_analyst_imports_documents_and_a_spreadsheet(nadia, analysts):
    consultation = actions.create_consultation(actor=analysts["nadia"].user, title="Hub")
    nadia.post(f"/consultations/{consultation.pk}/paper", {"paper": upload("paper.txt")})
    files = [upload(name) for name in RESPONSE_FILES] + [upload("more.csv", CSV)]
    response = nadia.post(f"/consultations/{consultation.pk}/responses/import", {"files": files})
    assert response.status_code == 302, text_of(response)
    by_ref = {r.ref: r for r in consultation.respondents.all()}
    assert set(by_ref) == {"response_families", "response_individual", "r1", "r2"}
    assert by_ref["response_families"].publish == "no"  # a document is not quoted until the analyst says
    assert (by_ref["r2"].organisation, by_ref["r2"].publish) == ("Harbour Housing", "name")
    closed = {(p.respondent.ref, p.question.qid): p.closed["chosen"] for p in Passage.objects.filter(
        respondent__consultation=consultation, closed__isnull=False).select_related("respondent", "question")}
    assert closed[("r2", "2")] == ["Needle exchange", "Peer support groups"]
    assert closed[("response_families", "1")] == ["Yes"] and closed[("response_individual", "1")] == ["Don't know"]
    assert closed[("response_families", "2")] == ["Housing advice", "Peer support groups"]
    for passage in Passage.objects.filter(respondent__consultation=consultation).select_related("respondent"):
        assert passage.respondent.text[passage.start:passage.end] == passage.text
    families = by_ref["response_families"]
    three = families.passages.get(question__qid="3")
    assert families.text[three.start:three.end].startswith("A text the day before")
    assert AuditEntry.objects.filter(action="voice_response.import").count() == 1


@pytest.mark.parametrize("files,message", [
    ([("notes.exe", b"MZ")], "Response files: notes.exe must be a .txt, .pdf, .docx or .csv file"),
    ([("a.txt", b"Q1 Yes"), ("b.pdf", b"not a pdf")], "Response files: b.pdf is not a PDF file"),
    ([("a.csv", "respondent_id,colour\nr1,blue\n")], "Response files: a.csv: no column is headed with a question"),
    ([("response_families.txt", None), ("response_families.txt", None)],
     "Response files: response_families.txt: a response called response_families has already been imported"),
])
def test_a_bad_import_names_the_field_and_saves_nothing(nadia, analysts, files, message):
    consultation = example_consultation(analysts["nadia"].user)
    consultation.respondents.all().delete()
    response = nadia.post(f"/consultations/{consultation.pk}/responses/import",
                          {"files": [upload(name, content) for name, content in files]})
    assert response.status_code == 422
    assert any(href == "#id_files" and text.startswith(message) for href, text in _errors(response)), _errors(response)
    assert not consultation.respondents.exists()


def test_an_oversized_or_too_many_response_files_are_refused(nadia, analysts, settings):
    consultation = example_consultation(analysts["nadia"].user)
    settings.UPLOAD_MAX_BYTES = 300
    response = nadia.post(f"/consultations/{consultation.pk}/responses/import",
                          {"files": [upload("response_families.txt")]})  # 402 bytes
    assert response.status_code == 422
    assert ("#id_files", "Response files: response_families.txt must be smaller than 300 bytes") in _errors(response)
    settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_FILES = 10_000, 1
    response = nadia.post(f"/consultations/{consultation.pk}/responses/import",
                          {"files": [upload("x.txt", "Q1 Yes"), upload("y.txt", "Q1 No")]})
    assert response.status_code == 422
    assert ("#id_files", "Response files: choose up to 1 files at a time") in _errors(response)
    assert consultation.respondents.count() == 2


def test_upload_limits_are_explicit_settings():
    from django.conf import settings

    assert settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024 and settings.UPLOAD_MAX_FILES == 50
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 51


# --- the mapping review -------------------------------------------------------------------------------------


def test_the_mapping_review_shows_offsets_and_the_analyst_remaps_and_corrects(nadia, hub):
    families = hub.respondents.get(ref="response_families")
    page = nadia.get(f"/consultations/{hub.pk}/responses/{families.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    three = families.passages.get(question__qid="3")
    assert f"characters {three.start} to {three.end}" in text_of(page)
    assert f'<mark id="source-{three.pk}">A text the day before' in html
    assert AuditEntry.objects.filter(action="voice_response.read", username="nadia").exists()
    # Move question 3's passage outside the questions, then correct question 2's answer.
    response = nadia.post(f"/consultations/{hub.pk}/passages/{three.pk}/question", {f"p{three.pk}-question": "outside"})
    assert response.status_code == 302
    three.refresh_from_db()
    assert three.question is None and three.remapped
    two = families.passages.get(question__qid="2")
    response = nadia.post(f"/consultations/{hub.pk}/passages/{two.pk}/answer", {f"c{two.pk}-chosen": ["Needle exchange"]})
    assert response.status_code == 302
    two.refresh_from_db()
    assert two.closed["chosen"] == ["Needle exchange"] and two.closed_corrected
    one = families.passages.get(question__qid="1")
    assert nadia.post(f"/consultations/{hub.pk}/passages/{one.pk}/answer", {f"c{one.pk}-chosen": "No"}).status_code == 302
    one.refresh_from_db()
    assert one.closed["chosen"] == ["No"]
    # Bad input names the field and changes nothing.
    bad = nadia.post(f"/consultations/{hub.pk}/passages/{two.pk}/answer", {f"c{two.pk}-chosen": ["A swimming pool"]})
    assert bad.status_code == 422 and "Choose the answers from the question's options" in text_of(bad)
    bad = nadia.post(f"/consultations/{hub.pk}/passages/{three.pk}/question", {f"p{three.pk}-question": "999999"})
    assert bad.status_code == 422 and "Choose a question from the list" in text_of(bad)
    # A new run of the analysis keeps both decisions.
    theme_actions.run_analysis(actor=hub.created_by, consultation_id=hub.pk)
    assert families.passages.get(pk=three.pk).question is None
    assert families.passages.get(pk=two.pk).closed["chosen"] == ["Needle exchange"]


#: A response with no labels, written for this test: "Reminders by text" could answer question 3 or be a remark
#: outside the questions, and the mapper cannot tell which with confidence.
UNLABELLED_RESPONSE = ("Reminders by text, not letters. Letters go to my old address.\n\n"
                       "No, the staff need a break too and I can come in on a Tuesday.\n\n"
                       "Peer support groups")


def test_passages_with_little_to_choose_between_two_answers_are_listed_to_check(nadia, hub, browser_client, api):
    response = nadia.post(f"/consultations/{hub.pk}/responses/import",
                          {"files": [upload("unlabelled.txt", UNLABELLED_RESPONSE)]})
    assert response.status_code == 302, text_of(response)
    unlabelled = hub.respondents.get(ref="unlabelled")
    passages = list(unlabelled.passages.order_by("position"))
    assert all(p.how in ("meaning", "general") and p.margin is not None for p in passages)
    waiting = [p for p in passages if p.to_check]
    assert waiting and all(p.margin < 0.1 for p in waiting), [(p.question_id, p.margin) for p in passages]
    # The labelled example documents have nothing to check.
    assert not [p for p in Passage.objects.filter(respondent__consultation=hub).exclude(respondent=unlabelled)
                if p.to_check]

    listing = nadia.get(f"/consultations/{hub.pk}/responses")
    assert f"{len(waiting)} passage{'s' if len(waiting) > 1 else ''} to check" in text_of(listing)
    page = nadia.get(f"/consultations/{hub.pk}/responses/to-check")
    assert page.status_code == 200
    shown = re.findall(r'data-testid="passage-to-check"', page.content.decode())
    assert len(shown) == len(waiting)
    assert "Reminders by text, not letters." in text_of(page)
    entry = AuditEntry.objects.filter(action="voice_response.list", username="nadia").latest("seq")
    assert entry.reason == f"{len(waiting)} passages to check"
    response_page = text_of(nadia.get(f"/consultations/{hub.pk}/responses/{unlabelled.pk}"))
    assert "Check little to choose between this and another answer" in response_page

    # The analyst confirms the first as it is, from the list, and goes back to it; it leaves the list.
    first = waiting[0]
    kept = str(first.question_id or "outside")
    confirmed = nadia.post(f"/consultations/{hub.pk}/passages/{first.pk}/question",
                           {f"p{first.pk}-question": kept, "return_to": "to-check"}, follow=True)
    assert confirmed.redirect_chain[-1][0] == f"/consultations/{hub.pk}/responses/to-check"
    assert f"Response unlabelled, passage {first.position + 1}: confirmed as" in text_of(confirmed)
    first.refresh_from_db()
    assert first.remapped and not first.to_check and str(first.question_id or "outside") == kept
    assert len(re.findall(r'data-testid="passage-to-check"', confirmed.content.decode())) == len(waiting) - 1
    through_api = {p["id"]: p for r in api("nadia").get(f"/consultations/{hub.pk}/responses").json()
                   for p in r["passages"]}
    assert through_api[first.pk]["to_check"] is False and through_api[first.pk]["margin"] == first.margin
    assert [p["id"] for p in through_api.values() if p["to_check"]] == [p.pk for p in waiting[1:]]

    # Another agency's analyst finds no such page; a key worker is not an analyst.
    assert browser_client("zoe").get(f"/consultations/{hub.pk}/responses/to-check").status_code == 404
    assert browser_client("amara").get(f"/consultations/{hub.pk}/responses/to-check").status_code == 404


def test_who_sent_a_document_is_recorded_and_bad_input_named(nadia, hub):
    individual = hub.respondents.get(ref="response_individual")
    url = f"/consultations/{hub.pk}/responses/{individual.pk}/about"
    bad = nadia.post(url, {"respondent_type": "organisation", "organisation": "", "publish": "name"})
    assert bad.status_code == 422
    assert ("#id_organisation", "Enter the name of the organisation you are responding for") in _errors(bad)
    individual.refresh_from_db()
    assert individual.publish == "anonymous"
    assert nadia.post(url, {"respondent_type": "individual", "publish": "no"}).status_code == 302
    individual.refresh_from_db()
    assert individual.publish == "no"


# --- themes, coding, redactions, decisions, publication -------------------------------------------------------


def _more_answers(hub, n=6):
    """n more web responses to question 3, two about buses, two about evenings, two about children."""
    texts = ["Help with bus fares to get to the hub", "A free bus pass for appointments would help",
             "Evening opening after work", "Open in the evening when I finish my shift",
             "Somewhere for my children to play while I wait", "A creche for children during appointments"]
    for text in texts[:n]:
        actions.submit_response(actor=None, consultation_id=hub.pk, answers={"3": text},
                                respondent_type="individual", publish="anonymous")


def test_analysis_proposes_themes_and_the_analyst_approves_codes_and_reviews(nadia, hub):
    _more_answers(hub)
    response = nadia.post(f"/consultations/{hub.pk}/analysis")
    assert response.status_code == 302
    waiting = nadia.get(response["Location"])
    assert "The analysis is queued" in text_of(waiting) and "refresh this page" in text_of(waiting)
    assert not Theme.objects.filter(consultation=hub).exists()  # nothing yet: the worker does the run
    assert worker.work_until_idle() == 1
    assert "Last run: done" in text_of(nadia.get(response["Location"]))
    q3 = hub.questions.get(qid="3")
    themes = list(q3.themes.all())
    assert len(themes) >= 2 and all(t.keywords for t in themes)
    page = nadia.get(f"/consultations/{hub.pk}/themes/{q3.pk}")
    assert page.status_code == 200 and "Representative responses" in text_of(page)
    first = themes[0]
    assert nadia.post(f"/consultations/{hub.pk}/theme/{first.pk}/approve").status_code == 302
    assert nadia.post(f"/consultations/{hub.pk}/theme/{first.pk}/edit",
                      {"label": "Getting there", "description": "Travel to the hub"}).status_code == 302
    first.refresh_from_db()
    assert first.approved and first.edited and first.label == "Getting there"
    # The analyst codes one answer by hand; the classifier codes the rest with a confidence.
    unit = next(iter(theme_actions.units(q3).values()))
    code_url = f"/consultations/{hub.pk}/themes/{q3.pk}/responses/{unit.respondent_id}"
    assert nadia.get(code_url).status_code == 200
    response = nadia.post(code_url, {"themes": [str(first.pk)], "stance": "agree", "then": "back"})
    assert response.status_code == 302
    manual = Assignment.objects.get(question=q3, respondent_id=unit.respondent_id)
    assert manual.coded_by == "analyst" and list(manual.themes.all()) == [first]
    assert nadia.post(f"/consultations/{hub.pk}/themes/{q3.pk}/classify").status_code == 302
    coded = Assignment.objects.filter(question=q3, coded_by="classifier")
    assert coded.count() == len(theme_actions.units(q3)) - 1
    assert all(a.confidence is not None and a.stance in ("agree", "disagree", "mixed", "neutral") for a in coded)
    counts = re.findall(r'data-testid="theme-count">([^<]*)<', nadia.get(
        f"/consultations/{hub.pk}/themes/{q3.pk}").content.decode())
    approved = re.match(r"(\d+) \((\d+) coded with it", counts[0])
    assert approved and int(approved.group(2)) == first.assignments.count() >= 1
    assert int(approved.group(1)) >= int(approved.group(2))
    assert all(c.endswith("(as proposed)") and not c.startswith("0") for c in counts[1:])
    queue = nadia.get(f"/consultations/{hub.pk}/themes/{q3.pk}/review")
    assert queue.status_code == 200
    assert len(re.findall('data-testid="review-row"', queue.content.decode())) == coded.filter(
        needs_review=True).count()
    # Bad coding input names the field.
    bad = nadia.post(code_url, {"themes": ["999999"], "stance": "furious"})
    assert bad.status_code == 422 and {h for h, _t in _errors(bad)} >= {"#id_themes_0", "#id_stance_0"}


def test_running_again_keeps_the_analysts_decisions_and_gives_the_same_output(hub):
    _more_answers(hub)
    user = hub.created_by
    theme_actions.run_analysis(actor=user, consultation_id=hub.pk)
    q3 = hub.questions.get(qid="3")

    def snapshot():
        return ([(t.key, t.label, t.members, t.approved) for t in q3.themes.order_by("key")],
                [(a.respondent.ref, a.coded_by, sorted(t.key for t in a.themes.all()), a.stance, a.confidence)
                 for a in q3.assignments.select_related("respondent").order_by("respondent__ref")])

    first = q3.themes.order_by("key").first()
    theme_actions.approve_theme(actor=user, consultation_id=hub.pk, theme_id=first.pk)
    unit = next(iter(theme_actions.units(q3).values()))
    theme_actions.code_response(actor=user, consultation_id=hub.pk, question_id=q3.pk,
                                respondent_id=unit.respondent_id, theme_ids=[first.pk], stance="mixed")
    theme_actions.run_analysis(actor=user, consultation_id=hub.pk)
    once = snapshot()
    theme_actions.run_analysis(actor=user, consultation_id=hub.pk)
    assert snapshot() == once  # same input, same output
    assert Theme.objects.get(pk=first.pk).approved  # the approved theme is kept
    manual = Assignment.objects.get(question=q3, respondent_id=unit.respondent_id)
    assert (manual.coded_by, manual.stance) == ("analyst", "mixed")
    assert q3.assignments.filter(coded_by="classifier").exists()


def test_merge_split_and_add_themes(nadia, hub):
    _more_answers(hub)
    theme_actions.run_analysis(actor=hub.created_by, consultation_id=hub.pk)
    q3 = hub.questions.get(qid="3")
    themes = list(q3.themes.all())
    base = f"/consultations/{hub.pk}/themes/{q3.pk}"
    bad = nadia.post(f"{base}/merge", {"themes": [str(themes[0].pk)]})
    assert bad.status_code == 422 and ("#id_themes_0", "Choose at least two themes to merge") in _errors(bad)
    response = nadia.post(f"{base}/merge", {"themes": [str(t.pk) for t in themes[:2]], "label": "Practical help"})
    assert response.status_code == 302
    merged = Theme.objects.get(pk=themes[0].pk)
    assert merged.label == "Practical help" and not Theme.objects.filter(pk=themes[1].pk).exists()
    assert set(merged.members) >= set(themes[0].members) | set(themes[1].members)
    response = nadia.post(f"/consultations/{hub.pk}/theme/{merged.pk}/split")
    assert response.status_code == 302
    assert q3.themes.count() == len(themes)  # two merged into one, then split in two
    assert nadia.post(f"{base}/add", {"label": "Staff attitude", "description": "Being listened to"}).status_code == 302
    assert q3.themes.filter(label="Staff attitude", edited=True).exists()
    bad = nadia.post(f"{base}/add", {"label": ""})
    assert bad.status_code == 422 and ("#id_label", "Enter a name for the theme") in _errors(bad)


def test_quotes_redact_personal_data_and_the_analyst_checks_each_redaction(nadia, hub):
    user = hub.created_by
    _more_answers(hub, 2)
    theme_actions.run_analysis(actor=user, consultation_id=hub.pk)
    q3 = hub.questions.get(qid="3")
    families = hub.respondents.get(ref="response_families")
    theme = next(t for t in q3.themes.all() if "response_families" in t.members)
    theme_actions.approve_theme(actor=user, consultation_id=hub.pk, theme_id=theme.pk)
    quote = theme.quotes.get(respondent=families)
    found = {r.entity: r for r in quote.redactions.all()}
    assert found["PERSON"].text == "Sarah Jones" and found["PHONE_NUMBER"].text == "07700 900123"
    page = nadia.get(f"/consultations/{hub.pk}/redactions")
    assert page.status_code == 200 and "Sarah Jones" in text_of(page)
    refused = nadia.post(f"/consultations/{hub.pk}/redactions/{found['PHONE_NUMBER'].pk}", {"decision": "undo"})
    assert refused.status_code == 422
    assert "A phone number is never published: this redaction cannot be undone" in text_of(refused)
    assert nadia.post(f"/consultations/{hub.pk}/redactions/{found['PERSON'].pk}",
                      {"decision": "accept"}).status_code == 302
    assert Redaction.objects.get(pk=found["PERSON"].pk).status == "accepted"
    assert Redaction.objects.get(pk=found["PHONE_NUMBER"].pk).status == "pending"


def test_decisions_publication_and_the_public_summary(nadia, hub, analysts):
    user = hub.created_by
    _more_answers(hub, 2)
    actions.update_respondent(actor=user, consultation_id=hub.pk, respondent_id=hub.respondents.get(
        ref="response_individual").pk, respondent_type="individual", publish="no")
    theme_actions.run_analysis(actor=user, consultation_id=hub.pk)
    q3 = hub.questions.get(qid="3")
    for theme in q3.themes.all():
        theme_actions.approve_theme(actor=user, consultation_id=hub.pk, theme_id=theme.pk)
    theme = q3.themes.first()
    bad = nadia.post(f"/consultations/{hub.pk}/decisions", {"theme": str(theme.pk), "you_said": "", "we_did": "x",
                                                           "status": "maybe"})
    assert bad.status_code == 422
    assert {h for h, _t in _errors(bad)} == {"#id_you_said", "#id_status_0"}
    assert not hub.decisions.exists()
    response = nadia.post(f"/consultations/{hub.pk}/decisions", {
        "theme": str(theme.pk), "you_said": "Help with getting to the hub", "we_did": "Bus fares refunded on the day",
        "status": "agreed in part", "rationale": "Funded for people on benefits", "next_steps": "Ask the council"})
    assert response.status_code == 302
    # Publishing needs the consultation closed.
    refused = nadia.post(f"/consultations/{hub.pk}/publish")
    assert refused.status_code == 422 and "Close the consultation to responses" in text_of(refused)
    assert Client().get(f"/have-your-say/{hub.pk}/summary").status_code == 404
    actions.set_status(actor=user, consultation_id=hub.pk, status="closed")
    assert nadia.post(f"/consultations/{hub.pk}/publish").status_code == 302
    public = Client().get(f"/have-your-say/{hub.pk}/summary")
    assert public.status_code == 200
    text = text_of(public)
    assert "4 responses were received" in text
    assert "Help with getting to the hub" in text and "Bus fares refunded on the day" in text
    assert "[name]" in text and "[phone]" in text
    assert "Sarah Jones" not in text and "07700 900123" not in text
    assert "two buses from my estate" not in text  # the individual asked not to be published
    assert "Riverside Families Together" in text  # publish with name
    tally = re.search(r'data-testid="tally-1".*?</table>', public.content.decode(), re.S).group(0)
    assert re.sub(r"<[^>]+>|\s+", " ", tally).split().count("1") >= 2  # Yes 1, Don't know 1
    pdf = Client().get(f"/have-your-say/{hub.pk}/summary.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert hub.title in text_of(Client().get("/have-your-say/"))
    assert AuditEntry.objects.filter(action="voice_summary.publish", username="nadia").count() == 1


def test_an_analyst_compares_the_themes_of_two_consultations(nadia, hub, analysts, monkeypatch):
    """A year later the same questions are asked again: the same answers give the same themes (matched, with
    similarity 1), and a theme raised only the second time shows as raised there and not here."""
    user = analysts["nadia"].user
    counter = iter(range(1000))
    # The same answers under the same references (web references are random): the same input, so the same themes.
    monkeypatch.setattr(actions, "_new_ref", lambda prefix="web": f"{prefix}-{next(counter) % 100:04d}")
    _more_answers(hub)
    theme_actions.run_analysis(actor=user, consultation_id=hub.pk)
    later = example_consultation(user, open_it=True)
    Consultation.objects.filter(pk=later.pk).update(title="The recovery hub, a year on")
    counter = iter(range(1000))
    _more_answers(later)
    theme_actions.run_analysis(actor=user, consultation_id=later.pk)
    parking = theme_actions.add_theme(actor=user, consultation_id=later.pk,
                                      question_id=later.questions.get(qid="3").pk, label="Parking at the hub",
                                      description="There is nowhere to leave a car near the building")
    elsewhere = actions.create_consultation(actor=analysts["zoe"].user, title="The DAAT's own survey")
    base = f"/consultations/{hub.pk}/compare"
    choose = nadia.get(base)
    assert choose.status_code == 200 and "The recovery hub, a year on" in text_of(choose)
    assert "The DAAT's own survey" not in text_of(choose)  # only the agency's own consultations
    assert f'href="/consultations/{hub.pk}/compare"' in nadia.get(f"/consultations/{hub.pk}/themes").content.decode()
    empty = nadia.get(base, {"compare": "1"})  # the button, with nothing chosen
    assert empty.status_code == 422 and ("#id_other_0", "Choose a consultation to compare with") in _errors(empty)
    foreign = nadia.get(base, {"other": str(elsewhere.pk)})
    assert foreign.status_code == 422 and "The DAAT's own survey" not in text_of(foreign)
    assert not AuditEntry.objects.filter(action="voice_consultation.compare").exists()

    page = nadia.get(base, {"other": str(later.pk)})
    assert page.status_code == 200
    html = page.content.decode()

    def table(testid):
        return text_of(SimpleNamespace(content=re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
                                       .group(0).encode()))

    themes_here = Theme.objects.filter(consultation=hub).count()
    assert themes_here >= 2
    assert "Parking at the hub" in table("only-there") and "Parking at the hub" not in table("in-both")
    assert "None: every theme here was raised there too." in table("only-here")
    pairs = re.findall(r"<tr class=\"govuk-table__row\"><td", re.search(r'data-testid="in-both".*?</table>', html,
                                                                       re.S).group(0))
    similarities = [float(x) for x in re.findall(r"\) (\d\.\d+)", table("in-both"))]
    assert len(pairs) == len(similarities) == themes_here and min(similarities) == 1.0
    entry = AuditEntry.objects.get(action="voice_consultation.compare")
    assert entry.resource_id == str(hub.pk) and str(later.pk) in entry.reason
    # The other way round, the parking theme is the one raised only there.
    back = nadia.get(f"/consultations/{later.pk}/compare", {"other": str(hub.pk)})
    assert "Parking at the hub" in text_of(back) and str(parking.key) in text_of(back)
    # An analyst of another agency cannot compare this consultation at all: not found, as if it did not exist.
    zoe = Client()
    assert zoe.login(username="zoe", password=PASSWORD)
    assert zoe.get(base, {"other": str(later.pk)}).status_code == 404


# --- who may do what ----------------------------------------------------------------------------------------


def test_staff_who_are_not_analysts_are_refused_and_other_agencies_see_nothing(browser_client, hub):
    amara = browser_client("amara")
    assert amara.get("/consultations/").status_code == 403
    assert amara.post("/consultations/new", {"title": "Mine"}).status_code == 403
    assert amara.get(f"/consultations/{hub.pk}/").status_code == 404
    assert amara.post(f"/consultations/{hub.pk}/analysis").status_code == 404
    zoe = browser_client("zoe")  # an analyst, at another agency
    assert zoe.get("/consultations/").status_code == 200 and hub.title not in text_of(zoe.get("/consultations/"))
    assert zoe.get(f"/consultations/{hub.pk}/responses").status_code == 404
    assert zoe.post(f"/consultations/{hub.pk}/status", {"status": "closed"}).status_code == 404
    anonymous = Client().get(f"/consultations/{hub.pk}/")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous["Location"]
    assert Consultation.objects.get(pk=hub.pk).status == "open"
    assert "Consultations" not in text_of(amara.get("/today/"))
    assert 'href="/consultations/"' in browser_client("nadia").get("/today/").content.decode()


def test_an_administrator_gives_and_takes_away_the_analyst_permission(browser_client, world, hub):
    sam = browser_client("sam")
    amara_staff = world["staff"]["amara"]
    assert sam.get("/consultations/analysts").status_code == 200
    assert browser_client("nadia").get("/consultations/analysts").status_code == 403
    assert sam.get(f"/consultations/{hub.pk}/").status_code == 404  # administrators see no responses
    assert sam.post("/consultations/analysts", {"staff": str(world["staff"]["sam"].pk)}).status_code == 422
    assert sam.post("/consultations/analysts", {"staff": str(amara_staff.pk)}).status_code == 302
    amara = Client()
    assert amara.login(username="amara", password=PASSWORD)
    assert amara.get(f"/consultations/{hub.pk}/").status_code == 200
    assert sam.post("/consultations/analysts", {"revoke": str(amara_staff.pk)}).status_code == 302
    assert amara.get(f"/consultations/{hub.pk}/").status_code == 404
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="voice_analyst.")] == [
        "voice_analyst.grant", "voice_analyst.revoke"]


# --- the demo -----------------------------------------------------------------------------------------------


def test_the_demo_loads_the_example_consultation_for_its_service_manager(db):
    from throughcare.core.demo import build_agencies_and_staff
    from throughcare.voice.demo import TITLE, build_consultation

    build_agencies_and_staff()
    assert "21 responses" in build_consultation()
    consultation = Consultation.objects.get(title=TITLE)
    assert consultation.status == "open" and consultation.created_by.username == "sm.nadia"
    assert consultation.respondents.count() == 21 and consultation.decisions.count() == 2
    campaign = consultation.campaigns.get(kind="campaign")
    assert sorted(r.ref for r in campaign.members.all()) == ["csv-13", "csv-14", "csv-15"]
    assert consultation.themes.filter(question__qid="3", approved=True).count() == 1
    assert Assignment.objects.filter(question__consultation=consultation, coded_by="classifier").exists()
    assert build_consultation() == "Voice: the demo consultation is already loaded"
    nadia = Client()
    assert nadia.login(username="sm.nadia", password="throughcare-demo")
    page = nadia.get(f"/consultations/{consultation.pk}/")
    assert page.status_code == 200 and "21 (18 from spreadsheets, 3 as documents)" in text_of(page)
    # The letter has no labels: its unsure passages are listed for the analyst to check.
    letter = consultation.respondents.get(ref="response_letter")
    assert {p.how for p in letter.passages.all()} <= {"meaning", "general"}
    assert len([p for p in letter.passages.all() if p.to_check]) == 2
    listing = nadia.get(f"/consultations/{consultation.pk}/responses")
    assert "2 passages to check" in text_of(listing)
