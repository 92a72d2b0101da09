"""Between the Voice models and the analysis library (throughcare/voice/analysis, pure Python).

The library reads papers and documents, maps passages to questions, proposes themes, codes responses, finds
campaigns, redacts and renders the summary. This module only converts: uploads to text, model rows to the
library's questions, a respondent's passages to the text coded for one question (a "unit"), quotes chosen
from those units, and the database back to analysis.json (schema_version 1, docs/voice.md) for the summary.
Nothing here writes to the database: the action modules do.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from throughcare.voice.analysis import campaigns as engine_campaigns
from throughcare.voice.analysis import themes as engine_themes
from throughcare.voice.analysis.documents import CsvRespondent, DocumentError, read_responses_csv, read_text
from throughcare.voice.analysis.mapping import PARAGRAPH_RE, closed_answer, map_response
from throughcare.voice.analysis.paper import Question as EngineQuestion
from throughcare.voice.analysis.paper import parse_paper, sentence_case
from throughcare.voice.analysis.redact import PLACEHOLDER, STRUCTURED, Redaction, redact, structured_left

SCHEMA_VERSION = 1
PAPER_SUFFIXES = (".txt", ".pdf", ".docx")
RESPONSE_SUFFIXES = (".txt", ".pdf", ".docx", ".csv")
#: A classifier's code below this confidence (or with no theme) goes to the analyst's review queue.
REVIEW_BELOW = 0.35
#: The longest quote, in characters (cut at the end of a sentence).
QUOTE_LIMIT = 400
QUOTES_PER_THEME = 2

__all__ = ["DocumentError", "STRUCTURED", "sentence_case", "structured_left"]


# --- documents ----------------------------------------------------------------------------------------------


def _spooled(upload, suffix: str, reader):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return reader(path)


def read_document(upload) -> str:
    """The text of an uploaded .txt, .pdf or .docx (offsets elsewhere index into it). DocumentError if unreadable."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in PAPER_SUFFIXES:
        raise DocumentError("choose a .txt, .pdf or .docx file")
    return _spooled(upload, suffix, read_text).replace("\x00", "")


def read_csv(upload) -> list[CsvRespondent]:
    """Rows of an uploaded responses CSV: one row per respondent, one column per question id."""
    rows = _spooled(upload, ".csv", read_responses_csv)
    for row in rows:  # a NUL cannot be stored in PostgreSQL text
        row.respondent_id, row.name = row.respondent_id.replace("\x00", ""), row.name.replace("\x00", "")
        row.answers = {k.replace("\x00", ""): v.replace("\x00", "") for k, v in row.answers.items()}
    return rows


def parse_questions(text: str) -> list[EngineQuestion]:
    """The paper's questions (ValueError with the library's message when none is found)."""
    return parse_paper(text)


PROPER_WORDS = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
                          r"april|june|july|august|september|october|november|december|england|wales|welsh|english|"
                          r"british|i)(s?)\b")


def readable(text: str) -> str:
    """A question printed in capitals, in sentence case with days, months and the like capitalised again."""
    cased = sentence_case(text)
    if cased == text:
        return text
    return PROPER_WORDS.sub(lambda m: m.group(1).capitalize() + m.group(2) if m.group(1) != "i" or not m.group(2)
                            else m.group(0), cased)


def engine_question(question) -> EngineQuestion:
    return EngineQuestion(id=question.qid, text=question.text, section=question.section, type=question.type,
                          options=list(question.options or []), parts=list(question.parts or []),
                          guidance=question.guidance, explain=question.explain)


def map_document(text: str, questions) -> list[dict]:
    """The document's passages in order: {question (qid or None), how, start, end, label, ..., closed}."""
    return [p.as_dict() for p in map_response(text, [engine_question(q) for q in questions])]


def closed_from_text(text: str, question) -> dict | None:
    return closed_answer(text, engine_question(question))


def closed_from_choice(chosen: list[str], at: tuple[int, int] | None = None) -> dict | None:
    if not chosen:
        return None
    return {"answer": "; ".join(chosen), "chosen": list(chosen), "at": list(at) if at else None}


@dataclass
class Written:
    """Answers given one by one (a web form, a CSV row) written out as one source text with offsets."""

    text: str = ""
    passages: list[dict] = field(default_factory=list)

    def add(self, question, answer: str, *, how: str, closed: dict | None = None) -> None:
        label = f"Question {question.qid}: {sentence_case(question.text)}"
        label_start = len(self.text)
        self.text += label + "\n\n"
        start = len(self.text)
        self.text += answer
        end = len(self.text)
        self.text += "\n\n"
        self.passages.append({"question": question.qid, "how": how, "start": start, "end": end, "label": label,
                              "label_start": label_start, "label_end": label_start + len(label), "score": 1.0,
                              "closed": closed, "references": [], "resolved_to": None})


def respondent_name(text: str, fallback: str) -> str:
    """A document's first line that is not a web address: usually who wrote it."""
    for line in text.split("\n"):
        line = line.strip().strip("*").strip()
        if line and not re.match(r"^(www\.|https?:)", line):
            return line[:120]
    return fallback


def clean_ref(value: str) -> str:
    ref = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.")[:80]
    return ref or "response"


# --- units: what one respondent said to one question --------------------------------------------------------


@dataclass
class Unit:
    ref: str
    respondent_id: int
    source: str  # the respondent's whole text: spans index into it
    spans: list[tuple[int, int]]
    publish: str = "no"

    @property
    def text(self) -> str:
        return "\n\n".join(self.source[s:e] for s, e in self.spans).strip()


def units_for(question, passages) -> dict[str, Unit]:
    """{respondent ref: Unit} from the question's passages (each with its respondent loaded), by ref."""
    units: dict[str, Unit] = {}
    for passage in passages:
        if passage.question_id != question.pk or passage.end <= passage.start:
            continue
        respondent = passage.respondent
        if not respondent.text[passage.start:passage.end].strip():
            continue
        unit = units.setdefault(respondent.ref, Unit(respondent.ref, respondent.pk, respondent.text, [],
                                                     respondent.publish))
        unit.spans.append((passage.start, passage.end))
    return dict(sorted(units.items()))


def theme_respondents(assigned, members, coded, *, approved: bool = True) -> set[str]:
    """Who raised a theme. A theme not yet approved: the members of its proposal (coding uses approved themes
    only). An approved theme: the answers coded with it, and the members of its proposal whose answer nobody has
    coded yet (coding an answer, by the analyst or the classifier, replaces the proposal for that answer)."""
    if not approved:
        return set(members)
    return set(assigned) | {ref for ref in members if ref not in coded}


def sample_order(refs) -> list[str]:
    """A repeatable spread of respondents for the analyst's coding sample (not the order they arrived in)."""
    return sorted(refs, key=lambda r: (hashlib.sha256(r.encode()).hexdigest(), r))


# --- the library's steps ------------------------------------------------------------------------------------


def find_campaigns(texts: dict[str, str]):
    return engine_campaigns.find_groups(texts)


def propose_themes(texts: dict[str, str]) -> list[engine_themes.Theme]:
    return engine_themes.propose({ref: text for ref, text in texts.items() if text.strip()})


def theme_set(rows) -> engine_themes.ThemeSet:
    return engine_themes.ThemeSet([engine_themes.Theme(
        id=row.key, label=row.label, description=row.description, keywords=list(row.keywords or []),
        members=list(row.members or []), representatives=list(row.representatives or []), approved=row.approved)
        for row in rows])


ThemeError = engine_themes.ThemeError


def code(approved_rows, examples: list[tuple[str, list[str]]], texts: dict[str, str]):
    """The classifier's codes for `texts` with the approved themes and the analyst's coded examples."""
    theme_list = [{"id": t.key, "label": t.label, "description": t.description, "keywords": list(t.keywords or [])}
                  for t in approved_rows]
    coder = engine_themes.Coder(theme_list, examples or None, review_below=REVIEW_BELOW)
    return coder.code(texts)


# --- quotes and redaction -----------------------------------------------------------------------------------


def quote_span(unit: Unit, limit: int = QUOTE_LIMIT) -> tuple[int, int] | None:
    """Offsets (in the respondent's text) of a verbatim quote: the unit's first paragraph of some substance,
    cut after a sentence if it is long."""
    for start, end in unit.spans:
        for match in PARAGRAPH_RE.finditer(unit.source, start, end):
            chunk = match.group()
            stripped = chunk.strip()
            if len(stripped) < 20:
                continue
            s = match.start() + (len(chunk) - len(chunk.lstrip()))
            e = s + len(stripped)
            if e - s > limit:
                cut = [m.end() for m in re.finditer(r"[.!?](?=\s)", unit.source[s:s + limit])]
                e = s + (cut[-1] if cut else limit)
            return s, e
    return None


def find_personal_data(text: str) -> list[Redaction]:
    return redact(text)[1]


def apply_redactions(text: str, redactions) -> str:
    """The quote as published: every redaction not undone by the analyst replaced by its placeholder."""
    out, last = [], 0
    for item in sorted(redactions, key=lambda r: r.start):
        if getattr(item, "status", "") == "undone" or item.start < last:
            continue
        out.append(text[last:item.start])
        out.append(PLACEHOLDER.get(item.entity, "[removed]"))
        last = item.end
    out.append(text[last:])
    return "".join(out)


# --- the summary --------------------------------------------------------------------------------------------


def tallies(analysis: dict) -> dict:
    """Per closed question: {answered, counts: {option: n}} (the library's count)."""
    from throughcare.voice.analysis import pipeline

    return pipeline.tallies(analysis)


def quantifiers() -> dict:
    """How counts are worded in the summary, as the library states them (docs/voice.md)."""
    from throughcare.voice.analysis import pipeline

    return dict(pipeline.QUANTIFIERS_DOC)


def render_summary_html(analysis: dict) -> str:
    """The library's summary of responses (a standalone HTML document)."""
    from throughcare.voice.analysis import publish

    return publish.render_html(analysis)


def summary_context(analysis: dict) -> dict:
    from throughcare.voice.analysis import publish

    return publish.context(analysis)


def render_summary_pdf(analysis: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_summary_html(analysis)).write_pdf()
