"""Page forms for recording an outcome review: when it was done, then every section of the instrument on
one page (each section's fields prefixed with its id)."""

from __future__ import annotations

from django import forms

from throughcare.assessments.forms import SectionForm
from throughcare.core.forms import GovDateField, GovForm
from throughcare.outcomes.models import Stage


class ReviewHeaderForm(GovForm):
    stage = forms.ChoiceField(label="When in treatment is this?", widget=forms.RadioSelect, choices=Stage.choices,
                              required=False)
    completed_on = GovDateField(noun="date it was completed", label="Date it was completed with the person",
                                help_text="For example, 27 3 2026", required=False)

    def add_action_errors(self, failure) -> None:
        for name in ("stage", "completed_on"):
            if name in failure.fields:
                self.add_error(name, failure.fields[name])


def section_forms(instrument, data=None) -> list[SectionForm]:
    return [SectionForm(data, section=s, answers={}, versioned=False, prefix=s.id) for s in instrument.sections]


def raw_answers(forms_: list[SectionForm]) -> dict:
    return {f.section.id: f.raw() for f in forms_}
