"""Instruments as versioned data: the holistic assessment, the Treatment Outcomes Profile, BARC-10.

Each instrument is one YAML file in throughcare/refdata/instruments/, named `<key>-v<version>.yaml`,
never edited once in use: a change is a new version file. The loader checks every file strictly when
the app starts (and in the tests); a mistake stops start-up with an error naming the file and the path
inside it, e.g. `top-v1.yaml: sections[3].questions[0].max: required for a scale question`.

An instrument is a list of sections. Each section maps to one information category
(throughcare/core/categories.py): who may see a section's answers follows consent for that category,
from the agency that recorded them. Branching (`show_if`) may only look at an earlier question in the
same section, so that whether a question was asked never tells anyone about a section they cannot see.

Question types: number (min, max, optional decimal and unit), scale (min, max, end labels), choice,
multi_choice (options), yes_no, text (max_length), date (not_future).

Scores (outcome instruments): `item` (one answer), `sum` (every item answered, else no score) or
`count_yes`; each names its better direction and, optionally, the figures for a reliable change index.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from throughcare.core.categories import ALL_CATEGORIES

INSTRUMENTS_DIR = Path(__file__).resolve().parent.parent / "refdata" / "instruments"
#: Jacobson and Truax (1991): a change is reliable when |x2 - x1| / S_diff exceeds 1.96 (p < .05).
RCI_CRITERION = 1.96

QUESTION_TYPES = ("number", "scale", "choice", "multi_choice", "yes_no", "text", "date")
PURPOSES = ("assessment", "outcome")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class InstrumentError(Exception):
    """A mistake in an instrument file: the message names the file and the path within it."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class ShowIf:
    question: str
    op: str  # equals, in, includes, gt
    value: object

    def holds(self, answer) -> bool:
        if answer is None:
            return False
        if self.op == "equals":
            return answer == self.value
        if self.op == "in":
            return answer in self.value  # type: ignore[operator]
        if self.op == "includes":
            return isinstance(answer, list) and self.value in answer
        return isinstance(answer, int | float) and not isinstance(answer, bool) and answer > self.value  # gt


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    label: str
    hint: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    decimal: bool = False
    unit: str = ""
    min_label: str = ""
    max_label: str = ""
    max_length: int = 2000
    multiline: bool = False
    not_future: bool = False
    show_if: ShowIf | None = None
    code: str = ""

    def option_label(self, value) -> str:
        return next((o.label for o in self.options if o.value == value), str(value))


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    category: str
    intro: str = ""
    questions: tuple[Question, ...] = ()

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class ReliableChange:
    sd: float
    reliability: float
    source: str

    @property
    def threshold(self) -> float:
        """The smallest change that counts as reliable: 1.96 × √2 × SD × √(1 − r)."""
        return RCI_CRITERION * math.sqrt(2) * self.sd * math.sqrt(1 - self.reliability)


@dataclass(frozen=True)
class Score:
    id: str
    label: str
    kind: str  # item, sum, count_yes
    items: tuple[tuple[str, str], ...]  # (section, question)
    section: str  # the section its items are in: its category decides who sees it
    min: float
    max: float
    better: str  # higher or lower
    unit: str = ""
    reliable_change: ReliableChange | None = None


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    title: str
    purpose: str
    description: str = ""
    source: str = ""
    sections: tuple[Section, ...] = ()
    scores: tuple[Score, ...] = ()
    file: str = ""

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def score(self, score_id: str) -> Score | None:
        return next((s for s in self.scores if s.id == score_id), None)

    @property
    def ref(self) -> str:
        return f"{self.key}-v{self.version}"


# --- strict reading ---------------------------------------------------------------------------------


class _Reader:
    def __init__(self, file: str):
        self.file = file

    def fail(self, path: str, message: str):
        raise InstrumentError(f"{self.file}: {path}: {message}")

    def mapping(self, data, path: str, required: set[str], optional: set[str]) -> dict:
        if not isinstance(data, dict):
            self.fail(path, "expected a mapping")
        for key in data:
            if key not in required and key not in optional:
                self.fail(f"{path}.{key}" if path else key, "unknown key (allowed: "
                          f"{', '.join(sorted(required | optional))})")
        for key in sorted(required):
            if key not in data:
                self.fail(f"{path}.{key}" if path else key, "required")
        return data

    def text(self, data: dict, key: str, path: str, *, required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(f"{path}.{key}", "expected text")
        return value.strip()

    def number(self, data: dict, key: str, path: str) -> float:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path}.{key}", "expected a number")
        return value

    def flag(self, data: dict, key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", "expected true or false")
        return value

    def ident(self, value, path: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(path, "expected an id of lower-case letters, digits and underscores")
        return value


_COMMON = {"id", "type", "text", "label", "hint", "required", "show_if", "code"}
_BY_TYPE = {
    "number": ({"min", "max"}, {"decimal", "unit"}),
    "scale": ({"min", "max"}, {"min_label", "max_label", "unit"}),
    "choice": ({"options"}, set()),
    "multi_choice": ({"options"}, set()),
    "yes_no": (set(), set()),
    "text": (set(), {"max_length", "multiline"}),
    "date": (set(), {"not_future"}),
}


def _options(r: _Reader, raw, path: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        r.fail(path, "expected a list of at least two options")
    options = []
    for i, item in enumerate(raw):
        item = r.mapping(item, f"{path}[{i}]", {"value", "label"}, set())
        options.append(Option(r.ident(item["value"], f"{path}[{i}].value"), r.text(item, "label", f"{path}[{i}]")))
    values = [o.value for o in options]
    if len(values) != len(set(values)):
        r.fail(path, "option values must be unique")
    return tuple(options)


def _show_if(r: _Reader, raw, path: str, earlier: dict[str, Question]) -> ShowIf:
    ops = {"equals", "in", "includes", "gt"}
    raw = r.mapping(raw, path, {"question"}, ops)
    given = [op for op in ops if op in raw]
    if len(given) != 1:
        r.fail(path, "give exactly one of equals, in, includes or gt")
    op, value = given[0], raw[given[0]]
    target = earlier.get(raw["question"])
    if target is None:
        r.fail(f"{path}.question", f"{raw['question']!r} is not an earlier question in this section")
    allowed = {"choice": {"equals", "in"}, "multi_choice": {"includes"}, "yes_no": {"equals"},
               "number": {"gt"}, "scale": {"gt"}}.get(target.type, set())
    if op not in allowed:
        r.fail(f"{path}.{op}", f"cannot be used on a {target.type} question")
    values = {o.value for o in target.options}
    if target.type == "yes_no" and not isinstance(value, bool):
        r.fail(f"{path}.{op}", "expected true or false")
    if op in {"equals", "includes"} and target.type in {"choice", "multi_choice"} and value not in values:
        r.fail(f"{path}.{op}", f"{value!r} is not an option of {target.id!r}")
    if op == "in" and (not isinstance(value, list) or not value or any(v not in values for v in value)):
        r.fail(f"{path}.in", f"expected a list of options of {target.id!r}")
    if op == "gt" and (isinstance(value, bool) or not isinstance(value, int | float)):
        r.fail(f"{path}.gt", "expected a number")
    return ShowIf(target.id, op, tuple(value) if op == "in" else value)


def _question(r: _Reader, raw, path: str, earlier: dict[str, Question]) -> Question:
    if not isinstance(raw, dict):
        r.fail(path, "expected a mapping")
    kind = raw.get("type")
    if kind not in QUESTION_TYPES:
        r.fail(f"{path}.type", f"expected one of {', '.join(QUESTION_TYPES)}")
    required, optional = _BY_TYPE[kind]
    for key in sorted(required):
        if key not in raw:
            r.fail(f"{path}.{key}", f"required for a {kind} question")
    r.mapping(raw, path, {"id", "type", "text"} | required, (_COMMON | optional) - {"id", "type", "text"})
    qid = r.ident(raw["id"], f"{path}.id")
    if qid in earlier:
        r.fail(f"{path}.id", f"{qid!r} is used twice in this section")
    text = r.text(raw, "text", path)
    values: dict = {"id": qid, "type": kind, "text": text, "label": r.text(raw, "label", path, required=False) or text,
                    "hint": r.text(raw, "hint", path, required=False), "required": r.flag(raw, "required", path),
                    "code": str(raw.get("code", ""))}
    if kind in {"number", "scale"}:
        values["min"], values["max"] = r.number(raw, "min", path), r.number(raw, "max", path)
        if values["min"] >= values["max"]:
            r.fail(f"{path}.max", "must be more than min")
        values["unit"] = r.text(raw, "unit", path, required=False)
        if kind == "number":
            values["decimal"] = r.flag(raw, "decimal", path)
        else:
            if not all(float(v).is_integer() for v in (values["min"], values["max"])):
                r.fail(f"{path}.min", "a scale runs between whole numbers")
            values["min_label"] = r.text(raw, "min_label", path, required=False)
            values["max_label"] = r.text(raw, "max_label", path, required=False)
    if kind in {"choice", "multi_choice"}:
        values["options"] = _options(r, raw["options"], f"{path}.options")
    if kind == "text":
        length = raw.get("max_length", 2000)
        if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 10_000:
            r.fail(f"{path}.max_length", "expected a whole number from 1 to 10000")
        values["max_length"], values["multiline"] = length, r.flag(raw, "multiline", path)
    if kind == "date":
        values["not_future"] = r.flag(raw, "not_future", path)
    if "show_if" in raw:
        values["show_if"] = _show_if(r, raw["show_if"], f"{path}.show_if", earlier)
    return Question(**values)


def _section(r: _Reader, raw, path: str) -> Section:
    raw = r.mapping(raw, path, {"id", "title", "category", "questions"}, {"intro"})
    if raw["category"] not in ALL_CATEGORIES:
        r.fail(f"{path}.category", f"expected one of {', '.join(sorted(ALL_CATEGORIES))}")
    if not isinstance(raw["questions"], list) or not raw["questions"]:
        r.fail(f"{path}.questions", "expected a list of at least one question")
    earlier: dict[str, Question] = {}
    for i, q in enumerate(raw["questions"]):
        question = _question(r, q, f"{path}.questions[{i}]", earlier)
        earlier[question.id] = question
    return Section(id=r.ident(raw["id"], f"{path}.id"), title=r.text(raw, "title", path), category=raw["category"],
                   intro=r.text(raw, "intro", path, required=False), questions=tuple(earlier.values()))


def _score(r: _Reader, raw, path: str, sections: dict[str, Section]) -> Score:
    kinds = {"item", "sum", "count_yes"}
    raw = r.mapping(raw, path, {"id", "label", "better"}, kinds | {"reliable_change", "unit"})
    given = [k for k in kinds if k in raw]
    if len(given) != 1:
        r.fail(path, "give exactly one of item, sum or count_yes")
    kind = given[0]
    refs = [raw[kind]] if kind == "item" else raw[kind]
    if not isinstance(refs, list) or not refs:
        r.fail(f"{path}.{kind}", "expected a list of section.question references")
    items, section_ids = [], set()
    for i, ref in enumerate(refs):
        where = f"{path}.{kind}" if kind == "item" else f"{path}.{kind}[{i}]"
        section_id, _, question_id = str(ref).partition(".")
        section = sections.get(section_id)
        question = section.question(question_id) if section else None
        if question is None:
            r.fail(where, f"{ref!r} is not a question in this instrument (write section.question)")
        wanted = {"yes_no"} if kind == "count_yes" else {"number", "scale"}
        if question.type not in wanted:
            r.fail(where, f"a {kind} score cannot use a {question.type} question")
        items.append((section_id, question_id))
        section_ids.add(section_id)
    if len(section_ids) != 1:
        r.fail(f"{path}.{kind}", "a score's items must all be in one section (its category decides who sees it)")
    if raw["better"] not in {"higher", "lower"}:
        r.fail(f"{path}.better", "expected higher or lower")
    questions = [sections[s].question(q) for s, q in items]
    if kind == "count_yes":
        low, high = 0, len(items)
    elif kind == "sum":
        low, high = sum(q.min for q in questions), sum(q.max for q in questions)
    else:
        low, high = questions[0].min, questions[0].max
    change = None
    if "reliable_change" in raw:
        rc = r.mapping(raw["reliable_change"], f"{path}.reliable_change", {"sd", "reliability", "source"}, set())
        sd, rel = r.number(rc, "sd", f"{path}.reliable_change"), r.number(rc, "reliability", f"{path}.reliable_change")
        if sd <= 0 or not 0 < rel < 1:
            r.fail(f"{path}.reliable_change", "sd must be positive and reliability between 0 and 1")
        change = ReliableChange(sd=sd, reliability=rel, source=r.text(rc, "source", f"{path}.reliable_change"))
    return Score(id=r.ident(raw["id"], f"{path}.id"), label=r.text(raw, "label", path), kind=kind, items=tuple(items),
                 section=items[0][0], min=low, max=high, better=raw["better"],
                 unit=r.text(raw, "unit", path, required=False)
                 or (questions[0].unit if kind == "item" else ""), reliable_change=change)


def parse(text: str, file: str) -> Instrument:
    """One instrument from its YAML text, or InstrumentError naming `file` and the path within it."""
    r = _Reader(Path(file).name)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{file}: not valid YAML: {exc}") from None
    raw = r.mapping(raw, "", {"key", "version", "title", "purpose", "sections"}, {"description", "source", "scores"})
    if not isinstance(raw["key"], str) or not _KEY.match(raw["key"]):
        r.fail("key", "expected lower-case letters, digits and hyphens")
    if isinstance(raw["version"], bool) or not isinstance(raw["version"], int) or raw["version"] < 1:
        r.fail("version", "expected a whole number from 1")
    expected_name = f"{raw['key']}-v{raw['version']}.yaml"
    if Path(file).name != expected_name:
        r.fail("key", f"the file must be called {expected_name}")
    if raw["purpose"] not in PURPOSES:
        r.fail("purpose", f"expected one of {', '.join(PURPOSES)}")
    if not isinstance(raw["sections"], list) or not raw["sections"]:
        r.fail("sections", "expected a list of at least one section")
    sections: dict[str, Section] = {}
    for i, s in enumerate(raw["sections"]):
        section = _section(r, s, f"sections[{i}]")
        if section.id in sections:
            r.fail(f"sections[{i}].id", f"{section.id!r} is used twice")
        sections[section.id] = section
    scores: list[Score] = []
    raw_scores = raw.get("scores", [])
    if not isinstance(raw_scores, list):
        r.fail("scores", "expected a list")
    for i, s in enumerate(raw_scores):
        score = _score(r, s, f"scores[{i}]", sections)
        if any(x.id == score.id for x in scores):
            r.fail(f"scores[{i}].id", f"{score.id!r} is used twice")
        scores.append(score)
    return Instrument(key=raw["key"], version=raw["version"], title=r.text(raw, "title", ""), purpose=raw["purpose"],
                      description=r.text(raw, "description", "", required=False),
                      source=r.text(raw, "source", "", required=False), sections=tuple(sections.values()),
                      scores=tuple(scores), file=Path(file).name)


def load_all(directory: str | Path | None = None) -> dict[tuple[str, int], Instrument]:
    """Every instrument file, checked. Called when the app starts, so a bad file stops start-up.

    The directory is read when called (INSTRUMENTS_DIR unless given), so a test can point the module at a
    directory holding a new version; each directory is read once."""
    return _load_directory(str(directory if directory is not None else INSTRUMENTS_DIR))


@cache
def _load_directory(directory: str) -> dict[tuple[str, int], Instrument]:
    found: dict[tuple[str, int], Instrument] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        instrument = parse(path.read_text(encoding="utf-8"), str(path))
        found[(instrument.key, instrument.version)] = instrument
    return found


def get(key: str, version: int | None = None) -> Instrument | None:
    """An instrument by key: a given version, or the newest."""
    versions = [i for (k, _v), i in load_all().items() if k == key]
    if version is not None:
        return next((i for i in versions if i.version == version), None)
    return max(versions, key=lambda i: i.version, default=None)


def current(purpose: str) -> list[Instrument]:
    """The newest version of each instrument for `purpose`."""
    keys = sorted({k for (k, _v), i in load_all().items() if i.purpose == purpose})
    return [get(k) for k in keys]  # type: ignore[misc]


def shown(section: Section, answers: dict) -> list[Question]:
    """The questions of `section` that are asked, given its answers (branching looks only within the section)."""
    asked: list[Question] = []
    seen: dict = {}
    for q in section.questions:
        if q.show_if is None or q.show_if.holds(seen.get(q.show_if.question)):
            asked.append(q)
            seen[q.id] = answers.get(q.id)
    return asked
