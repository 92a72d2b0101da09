"""Page forms built from an instrument's questions: one question a page, GOV.UK markup.

Fields take anything: checking types and ranges is the action's job (answers.clean_section), so the page
and the API give the same messages, naming the same questions.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from throughcare.assessments.answers import _fmt
from throughcare.assessments.instruments import Question
from throughcare.core.forms import GovDateField, GovForm

#: A scale with this many points or fewer is radios; longer ones (0-20) are a number box.
MAX_RADIO_POINTS = 7


def _hint(q: Question) -> str:
    parts = [q.hint] if q.hint else []
    if q.type == "number":
        unit = f"In {q.unit}, from" if q.unit else "From"
        parts.append(f"{unit} {_fmt(q.min)} to {_fmt(q.max)}.")
    if q.type == "scale" and q.max - q.min + 1 > MAX_RADIO_POINTS:
        ends = f"{_fmt(q.min)}{f' ({q.min_label.lower()})' if q.min_label else ''} to " \
               f"{_fmt(q.max)}{f' ({q.max_label.lower()})' if q.max_label else ''}"
        parts.append(f"From {ends}.")
    return " ".join(parts)


def field_for(q: Question) -> forms.Field:
    common = {"label": q.text, "required": False, "help_text": _hint(q)}
    if q.type == "number" or (q.type == "scale" and q.max - q.min + 1 > MAX_RADIO_POINTS):
        return forms.CharField(widget=forms.TextInput(attrs={"class": "govuk-input--width-4"}), **common)
    if q.type == "scale":
        points = range(int(q.min), int(q.max) + 1)
        labels = {int(q.min): q.min_label, int(q.max): q.max_label}
        return forms.ChoiceField(widget=forms.RadioSelect, choices=[
            (str(p), f"{p}{' – ' + labels[p] if labels.get(p) else ''}") for p in points], **common)
    if q.type == "choice":
        return forms.ChoiceField(widget=forms.RadioSelect, choices=[(o.value, o.label) for o in q.options], **common)
    if q.type == "multi_choice":
        return forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple,
                                         choices=[(o.value, o.label) for o in q.options], **common)
    if q.type == "yes_no":
        return forms.ChoiceField(widget=forms.RadioSelect, choices=[("yes", "Yes"), ("no", "No")], **common)
    if q.type == "date":
        return GovDateField(noun=q.label.lower(), **common)
    widget = forms.Textarea if q.multiline else forms.TextInput
    return forms.CharField(widget=widget, **common)


def initial_value(q: Question, value):
    if value is None:
        return None
    if q.type == "yes_no":
        return "yes" if value else "no"
    if q.type == "date":
        return dt.date.fromisoformat(value)
    if q.type in {"number", "scale"}:
        return _fmt(value)
    return value


class QuestionForm(GovForm):
    """One question on its own page (the journey), with the draft's revision it was read at (If-Match)."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, question: Question, value, section_id: str, **kwargs):
        initial = {question.id: initial_value(question, value), **kwargs.pop("initial", {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.question, self.section_id = question, section_id
        self.fields[question.id] = field_for(question)

    @property
    def answer(self):
        return self[self.question.id]

    def full_clean(self):
        super().full_clean()
        q = self.question  # the action, not Django, decides whether a choice is valid
        if q.type in {"choice", "scale", "yes_no", "multi_choice"} and q.id in self.errors:
            del self.errors[q.id]

    def raw(self):
        """The answer as the action takes it (strings are parsed and checked there); None when blank."""
        q = self.question
        if q.type == "date":
            value = self.cleaned_data.get(q.id)
            return value.isoformat() if value else None
        if q.type == "multi_choice":
            return self.data.getlist(self.add_prefix(q.id)) or None
        return (self.data.get(self.add_prefix(q.id)) or "").strip() or None

    def add_action_errors(self, failure) -> None:
        mine = f"answers.{self.section_id}.{self.question.id}"
        for name, message in failure.fields.items():
            self.add_error(self.question.id if name in {mine, self.question.id} else None, message)


class RevisionForm(GovForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StartForm(GovForm):
    kind = forms.ChoiceField(label="What do you want to do?", widget=forms.RadioSelect, required=False, choices=[
        ("new", "Start a new assessment"),
        ("reassessment", "Start a re-assessment, beginning from the latest assessment")])

    def clean_kind(self):
        kind = self.cleaned_data.get("kind")
        if not kind:
            raise forms.ValidationError("Choose whether to start a new assessment or a re-assessment")
        return kind
