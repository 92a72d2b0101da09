"""Voice test helpers: analyst personas beside tests/conftest.py's world, and the example consultation's files."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PASSWORD
from throughcare.agencies.actions import create_staff

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "voice"
RESPONSE_FILES = ("response_families.txt", "response_individual.txt")


def add_analysts(world) -> dict:
    """nadia: service manager at Riverside (an analyst by role); zoe: commissioner at the DAAT (an analyst of
    another agency); both added to world["staff"]."""
    agencies = world["agencies"]
    staff = {
        "nadia": create_staff(actor=None, username="nadia", agency=agencies["riverside"], role="service_manager",
                              password=PASSWORD, first_name="Nadia", last_name="Rahman"),
        "zoe": create_staff(actor=None, username="zoe", agency=agencies["daat"], role="commissioner",
                            password=PASSWORD),
    }
    world["staff"].update(staff)
    return staff


def upload(name: str, content: bytes | str | None = None) -> SimpleUploadedFile:
    """A file as a browser would send it: the example file `name`, or `content` under that name."""
    if content is None:
        content = (EXAMPLE / name).read_bytes()
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content)


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(paragraphs: list[str]) -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def respondents_meta() -> dict:
    return json.loads((EXAMPLE / "respondents.json").read_text())


def text_of(response) -> str:
    """A page's visible text, one space between words."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def example_consultation(analyst_user, *, open_it: bool = False):
    """The example consultation through the actions: paper, the two response documents with who sent them."""
    from throughcare.voice import actions, workflow

    consultation = actions.create_consultation(actor=analyst_user, title="The recovery hub")
    paper = upload("paper.txt")
    actions.import_paper(actor=analyst_user, consultation_id=consultation.pk, file_name="paper.txt",
                         text=workflow.read_document(paper))
    uploads = [actions.Upload(name=name, text=workflow.read_document(upload(name))) for name in RESPONSE_FILES]
    created = actions.import_responses(actor=analyst_user, consultation_id=consultation.pk, uploads=uploads)
    meta = respondents_meta()
    for respondent in created:
        about = meta[respondent.ref]
        actions.update_respondent(actor=analyst_user, consultation_id=consultation.pk, respondent_id=respondent.pk,
                                  respondent_type=about["type"], publish=about["publish"],
                                  name="" if about["type"] == "organisation" else about["name"],
                                  organisation=about["name"] if about["type"] == "organisation" else "")
    if open_it:
        actions.set_status(actor=analyst_user, consultation_id=consultation.pk, status="open")
    consultation.refresh_from_db()
    return consultation
