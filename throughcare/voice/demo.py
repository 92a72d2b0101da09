"""The demo's consultation: the synthetic example in examples/voice/, loaded through the actions as the
Riverside service manager (a consultation analyst), analysed, with a theme approved and the example decisions.
The handwritten-style letter has no labels, so two of its passages are listed to check."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from throughcare.config import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "examples" / "voice"
ANALYST = "sm.nadia"
TITLE = "Riverside Recovery Partnership: the recovery hub"


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def _theme_id(consultation, refs) -> int | None:
    """The approved theme a decision names as "question/theme key" (e.g. "3/T1"), if there is one."""
    for ref in refs or []:
        qid, _sep, key = str(ref).partition("/")
        theme = consultation.themes.filter(question__qid=qid, key=key, approved=True).first()
        if theme is not None:
            return theme.pk
    return None


def build_consultation() -> str:
    """Load the example consultation (once). Returns what it did, for the command's output."""
    from throughcare.voice import actions, publish_actions, theme_actions, workflow
    from throughcare.voice.models import Consultation

    if not (EXAMPLE / "paper.txt").exists():
        return "Voice: examples/voice/ is not here (an installed package): no demo consultation"
    if Consultation.objects.filter(title=TITLE).exists():
        return "Voice: the demo consultation is already loaded"
    user = get_user_model().objects.filter(username=ANALYST).first()
    if user is None:
        return f"Voice: no {ANALYST} to load the demo consultation as"
    consultation = actions.create_consultation(
        actor=user, title=TITLE, description="We are planning a recovery hub in Riverside and want to hear from "
                                             "people who use services, families and partners.")
    actions.import_paper(actor=user, consultation_id=consultation.pk, file_name="paper.txt",
                         text=workflow.read_document(_upload(EXAMPLE / "paper.txt")))
    uploads = [actions.Upload(name=name, text=workflow.read_document(_upload(EXAMPLE / name)))
               for name in ("response_families.txt", "response_individual.txt", "response_letter.txt")]
    uploads.append(actions.Upload(name="responses.csv", rows=workflow.read_csv(_upload(EXAMPLE / "responses.csv"))))
    created = actions.import_responses(actor=user, consultation_id=consultation.pk, uploads=uploads)
    meta = json.loads((EXAMPLE / "respondents.json").read_text())
    for respondent in created:
        about = meta.get(respondent.ref)
        if about:
            organisation = about["name"] if about["type"] == "organisation" else ""
            actions.update_respondent(actor=user, consultation_id=consultation.pk, respondent_id=respondent.pk,
                                      respondent_type=about["type"], organisation=organisation,
                                      name="" if organisation else about["name"], publish=about["publish"])
    actions.set_status(actor=user, consultation_id=consultation.pk, status="open")
    run = theme_actions.run_analysis(actor=user, consultation_id=consultation.pk)
    first = consultation.themes.filter(question__qid="3").order_by("position").first()
    if first is not None:
        theme_actions.approve_theme(actor=user, consultation_id=consultation.pk, theme_id=first.pk)
        theme_actions.classify(actor=user, consultation_id=consultation.pk, question_id=first.question_id)
    for decision in json.loads((EXAMPLE / "decisions.json").read_text()):
        publish_actions.add_decision(actor=user, consultation_id=consultation.pk,
                                     theme_id=_theme_id(consultation, decision.get("themes")),
                                     **{k: decision.get(k, "") for k in ("you_said", "we_did", "status", "rationale",
                                                                          "next_steps")})
    return (f"Voice: the example consultation with {len(created)} responses, {run.counts['themes_proposed']} themes "
            f"proposed (open for responses; sign in as {ANALYST})")
