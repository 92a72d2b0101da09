"""Checking, showing and comparing answers to an instrument.

Answers are kept as {section id: {question id: value}} with JSON values: numbers, option values,
lists of option values, true/false, text and ISO dates. Only questions that were asked (branching)
and answered are kept. Errors name the question as a field path: `answers.housing.eviction_risk`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from throughcare.assessments.instruments import Instrument, Question, Section, shown


def field_path(section_id: str, question_id: str, prefix: str = "answers") -> str:
    return f"{prefix}.{section_id}.{question_id}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _fmt(number) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _range_message(q: Question) -> str:
    unit = f" {q.unit}" if q.unit and q.type == "number" else ""
    return f"{q.label} must be between {_fmt(q.min)} and {_fmt(q.max)}{unit}"


class _Invalid(Exception):
    pass


def _number(q: Question, value):
    if isinstance(value, bool):
        raise _Invalid(f"{q.label} must be a number")
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise _Invalid(f"{q.label} must be a number") from None
    if not isinstance(value, int | float) or value != value:  # NaN
        raise _Invalid(f"{q.label} must be a number")
    whole = q.type == "scale" or not q.decimal
    if whole and not float(value).is_integer():
        raise _Invalid(f"{q.label} must be a whole number")
    if not q.min <= value <= q.max:
        raise _Invalid(_range_message(q))
    return int(value) if whole else (int(value) if float(value).is_integer() else round(float(value), 2))


def _yes_no(q: Question, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"yes", "no", "true", "false"}:
        return value.strip().lower() in {"yes", "true"}
    raise _Invalid(f"Choose yes or no for {_lower_first(q.label)}")


def _choice(q: Question, value):
    values = {o.value for o in q.options}
    if not isinstance(value, str) or value not in values:
        raise _Invalid(f"Choose {_lower_first(q.label)} from the list")
    return value


def _multi(q: Question, value):
    if isinstance(value, str):
        value = [value]
    values = {o.value for o in q.options}
    if not isinstance(value, list) or any(not isinstance(v, str) or v not in values for v in value):
        raise _Invalid(f"Choose {_lower_first(q.label)} from the list")
    ordered = [o.value for o in q.options if o.value in value]  # the instrument's order, no repeats
    return ordered or None


def _text(q: Question, value):
    if not isinstance(value, str):
        raise _Invalid(f"{q.label} must be text")
    text = value.strip()
    if len(text) > q.max_length:
        raise _Invalid(f"{q.label} must be {q.max_length:,} characters or fewer")
    return text or None


def _date(q: Question, value):
    if isinstance(value, dt.datetime):
        raise _Invalid(f"{q.label} must be a date without a time")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _Invalid(f"{q.label} must be a real date in the format YYYY-MM-DD") from None
    if not isinstance(value, dt.date):
        raise _Invalid(f"{q.label} must be a real date in the format YYYY-MM-DD")
    if q.not_future and value > timezone.localdate():
        raise _Invalid(f"{q.label} must be today or in the past")
    return value.isoformat()


_CLEANERS = {"number": _number, "scale": _number, "yes_no": _yes_no, "choice": _choice, "multi_choice": _multi,
             "text": _text, "date": _date}


def clean_value(q: Question, value):
    """The stored form of one answer, None if unanswered, or _Invalid with a message naming the question."""
    if value is None or value == "" or value == []:
        return None
    return _CLEANERS[q.type](q, value)


def clean_section(section: Section, raw, errors: dict[str, str], prefix: str = "answers") -> dict:
    """One section's answers as sent: unknown questions and bad values are errors; questions not asked
    (their branch is closed) are dropped, whatever was sent for them."""
    if not isinstance(raw, dict):
        errors[f"{prefix}.{section.id}"] = "Send the section's answers as an object of question ids and answers"
        return {}
    for key in raw:
        if section.question(key) is None:
            errors[field_path(section.id, key, prefix)] = "This question is not in the instrument"
    values: dict = {}
    for q in section.questions:
        if q.id not in raw:
            continue
        try:
            value = clean_value(q, raw[q.id])
        except _Invalid as invalid:
            values[q.id] = _BAD
            errors_for = field_path(section.id, q.id, prefix)
            errors[errors_for] = str(invalid)
            continue
        if value is not None:
            values[q.id] = value
    asked = {q.id for q in shown(section, {k: v for k, v in values.items() if v is not _BAD})}
    for q in section.questions:
        if q.id not in asked:
            values.pop(q.id, None)
            errors.pop(field_path(section.id, q.id, prefix), None)  # a closed branch is never an error
    return {k: v for k, v in values.items() if v is not _BAD}


_BAD = object()


def clean_answers(instrument: Instrument, raw, prefix: str = "answers") -> tuple[dict, dict[str, str]]:
    """{section: {question: value}} as sent → (clean answers for the sections sent, errors)."""
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        return {}, {prefix: "Send the answers as an object of sections"}
    clean: dict = {}
    for section_id, section_raw in raw.items():
        section = instrument.section(section_id)
        if section is None:
            errors[f"{prefix}.{section_id}"] = "This section is not in the instrument"
            continue
        clean[section_id] = clean_section(section, section_raw, errors, prefix)
    return clean, errors


def missing_required(instrument: Instrument, answers: dict, sections: list[Section] | None = None,
                     prefix: str = "answers", *, every_question: bool = False) -> dict[str, str]:
    """Questions that must be answered (and are asked) but are not. `every_question`: all but free text
    (an outcome measure is scored from every item)."""
    errors = {}
    for section in sections if sections is not None else instrument.sections:
        given = answers.get(section.id, {})
        for q in shown(section, given):
            needed = q.required or (every_question and q.type != "text")
            if needed and given.get(q.id) is None:
                verb = "Enter" if q.type in {"number", "text", "date"} else "Choose"
                errors[field_path(section.id, q.id, prefix)] = f"{verb} {_lower_first(q.label)}"
    return errors


def display(q: Question, value) -> str:
    """An answer as a worker reads it."""
    if value is None:
        return "Not answered"
    if q.type == "yes_no":
        return "Yes" if value else "No"
    if q.type == "choice":
        return q.option_label(value)
    if q.type == "multi_choice":
        return ", ".join(q.option_label(v) for v in value)
    if q.type == "date":
        day = dt.date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    if q.type in {"number", "scale"}:
        suffix = f" {q.unit}" if q.unit else ""
        if q.type == "scale":
            suffix = f" (from {_fmt(q.min)} to {_fmt(q.max)})"
        return f"{_fmt(value)}{suffix}"
    return str(value)


@dataclass(frozen=True)
class Change:
    section: Section
    question: Question
    before: object
    after: object

    @property
    def before_text(self) -> str:
        return display(self.question, self.before)

    @property
    def after_text(self) -> str:
        return display(self.question, self.after)


def changes(sections: list[Section], before: dict, after: dict) -> list[Change]:
    """What changed between two sets of answers, question by question, in `sections` only."""
    found = []
    for section in sections:
        old, new = before.get(section.id, {}), after.get(section.id, {})
        for q in section.questions:
            if old.get(q.id) != new.get(q.id):
                found.append(Change(section, q, old.get(q.id), new.get(q.id)))
    return found
