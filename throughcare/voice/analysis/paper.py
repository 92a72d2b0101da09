"""A consultation paper's questions: id, text, section, type and options.

Types: ``open``; ``yes-no``; ``yes-no-dont-know``; ``select-all`` ("please select as many as apply");
``select-one`` (a list of options, or a choice between a) and b), to pick one). A closed question may also
invite an explanation (``explain``). Parts such as "a) offenders? b) your local community?" are ``parts``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

OPEN, YES_NO, YES_NO_DK, SELECT_ALL, SELECT_ONE = "open", "yes-no", "yes-no-dont-know", "select-all", "select-one"
TYPES = (OPEN, YES_NO, YES_NO_DK, SELECT_ALL, SELECT_ONE)

QUESTION_RE = re.compile(
    r"^\s*(?:\*\*)?\s*(?:QUESTION|Question|Q)\s*\.?\s*(?P<id>[A-Z]?\d{1,2}[a-z]?)\b\s*(?P<note>\([^)]*\))?\s*"
    r"(?:[:.\-–—]\s*)?(?P<text>.*)$")
NUMBERED_RE = re.compile(r"^\s*(?P<id>[A-Z]\d{1,2}|\d{1,2})[.)]\s+(?P<text>.+\?)\s*$")
BULLET_RE = re.compile(r"^\s*(?:[-*•▪●]|\[\s?\]|☐)\s*")
LETTERED_RE = re.compile(r"^\s*(?:[-*•]\s*)?\(?([a-hA-H])\)\s*(.+)$|^\s*(?:[-*•]\s*)?([A-H])\s*[–—-]\s+(.+)$")
SELECT_ALL_RE = re.compile(r"select as many as apply|tick all that apply|select all that apply|as many as apply", re.I)
EXPLAIN_RE = re.compile(r"^\s*please\s+(explain|outline|give|tell|say)\b", re.I)
END_OF_QUESTIONS_RE = re.compile(r"^\s*(ANNEX\b|LINKS TO OTHER|APPENDIX\b|RESPONSE CONFIDENTIALITY)", re.I)


@dataclass
class Question:
    id: str
    text: str
    section: str = ""
    type: str = OPEN
    options: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    guidance: str = ""
    explain: bool = False
    context: str = ""  # the paper's explanation just before the question (helps match answers by meaning)
    start: int = 0
    end: int = 0

    @property
    def title(self) -> str:
        """The question in sentence case when the paper printed it in capitals."""
        return sentence_case(self.text)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["title"] = self.title
        return data


def sentence_case(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) / len(letters) < 0.8:
        return text
    lowered = text.lower()
    for word in ("uk", "nhs", "ii", "iom"):
        lowered = re.sub(rf"\b{word}\b", word.upper(), lowered)
    return lowered[:1].upper() + lowered[1:]


def _is_upper_heading(line: str) -> bool:
    stripped = line.strip().strip("*").strip()
    letters = [c for c in stripped if c.isalpha()]
    return (len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.9
            and not QUESTION_RE.match(stripped) and len(stripped.split()) >= 2)


def _lines(text: str):
    """(start offset, line) for every line."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def parse_paper(text: str) -> list[Question]:
    """Questions in the order the paper asks them. Raises ValueError if none is found."""
    lines = list(_lines(text))
    questions: list[Question] = []
    section = ""
    pending_heading: list[str] = []
    prose: list[str] = []  # paragraphs of explanation since the last question
    in_questions = False
    current: Question | None = None
    state = "text"  # text → body (options, guidance) until prose or the next question
    i = 0
    while i < len(lines):
        start, raw = lines[i]
        line = raw.strip()
        i += 1
        if not line:
            if pending_heading:
                section = _clean_heading(" ".join(pending_heading))
                pending_heading = []
            continue
        if END_OF_QUESTIONS_RE.match(line.strip("*")) and questions:
            break
        match = QUESTION_RE.match(line) or (NUMBERED_RE.match(line) if in_questions else None)
        if match:
            in_questions = True
            if pending_heading:
                section = _clean_heading(" ".join(pending_heading))
                pending_heading = []
            qtext = (match.group("text") or "").strip().strip("*").strip()
            end = start + len(raw)
            # The question text may run on to following lines (until a blank line or a '?').
            while i < len(lines) and lines[i][1].strip() and not qtext.endswith("?"):
                nxt = lines[i][1].strip()
                if QUESTION_RE.match(nxt) or BULLET_RE.match(nxt) or LETTERED_RE.match(nxt):
                    break
                qtext = (qtext + " " + nxt).strip()
                end = lines[i][0] + len(lines[i][1])
                i += 1
            current = Question(id=match.group("id").upper(), text=qtext, section=section, start=start, end=end,
                               context=_context(prose))
            prose = []
            questions.append(current)
            state = "body"
            continue
        if current is not None and state == "body" and SELECT_ALL_RE.search(line):
            current.type = SELECT_ALL
            current.end = start + len(raw)
            continue
        in_select_all = current is not None and current.type == SELECT_ALL and state == "body"
        # In a select-all list an upper-case line is an option, unless the options so far are not upper case
        # (then it is the next section's heading).
        if _is_upper_heading(line) and not (in_select_all and not (
                current.options and not any(_is_upper_heading(o) for o in current.options))):
            pending_heading.append(line)
            prose = []
            current = None
            continue
        if current is None or state != "body":
            prose.append(line)
            continue
        # Inside a question's body: options, guidance, "please explain", or prose that ends it.
        if SELECT_ALL_RE.search(line):
            current.type = SELECT_ALL
            current.end = start + len(raw)
            continue
        if EXPLAIN_RE.match(line):
            current.explain = True
            current.end = start + len(raw)
            continue
        if line.startswith("(") and line.endswith(")"):
            current.guidance = (current.guidance + " " + line[1:-1]).strip()
            current.end = start + len(raw)
            continue
        lettered = LETTERED_RE.match(line)
        if lettered:
            option = (lettered.group(2) or lettered.group(4) or "").strip()
            current.parts.append(option)
            current.end = start + len(raw)
            continue
        option = BULLET_RE.sub("", line).strip()
        if _short_option(option) or BULLET_RE.match(line) or current.type == SELECT_ALL:
            current.options.append(option)
            current.end = start + len(raw)
            continue
        state = "text"  # prose: the preamble to the next question
        prose.append(line)
    if not questions:
        raise ValueError("No questions were found: label each question, e.g. 'Question A1:' or 'Q1.'")
    for question in questions:
        _settle_type(question)
    return questions


def _context(prose: list[str], limit: int = 600) -> str:
    """The last paragraphs of explanation before a question, at most about `limit` characters."""
    kept: list[str] = []
    for paragraph in reversed(prose):
        if kept and sum(len(k) for k in kept) + len(paragraph) > limit:
            break
        kept.insert(0, paragraph)
    return " ".join(kept)[-limit * 2:]


def _short_option(line: str) -> bool:
    words = line.strip().split()
    return 0 < len(words) <= 14 and not line.rstrip().endswith(":")


def _clean_heading(heading: str) -> str:
    heading = re.sub(r"\*+", "", heading)
    return sentence_case(re.sub(r"\s+", " ", heading).strip())


def _norm(option: str) -> str:
    return re.sub(r"[^a-z' ]", "", option.lower().replace("’", "'")).strip()


def _settle_type(question: Question) -> None:
    options = [_norm(o) for o in question.options]
    if options and options[:2] == ["yes", "no"]:
        question.type = YES_NO_DK if len(options) > 2 and options[2].startswith("don") else YES_NO
        question.options = ["Yes", "No"] + (["Don't know"] if question.type == YES_NO_DK else [])
        return
    if question.type == SELECT_ALL:
        return
    if question.options:
        question.type = SELECT_ONE
        return
    if question.parts and re.search(r"\bchoice\b|\bbetween\b|\beither\b", question.text, re.I):
        question.type = SELECT_ONE
        question.options, question.parts = question.parts, []
        return
    question.type = OPEN


def question_ids(questions: list[Question]) -> list[str]:
    return [q.id for q in questions]
