from __future__ import annotations

from django import forms

from throughcare.consent.models import HowGiven, Purpose
from throughcare.core.categories import Category
from throughcare.core.forms import GovDateField, GovForm
from throughcare.episodes.models import Setting
from throughcare.matching.models import AccessDecision


class JoinForm(GovForm):
    """Joining an existing record instead of registering the person again: the episode the agency starts."""

    setting = forms.ChoiceField(label="Setting of your agency's episode of care", choices=Setting.choices,
                                required=False, widget=forms.RadioSelect, initial=Setting.COMMUNITY)
    service = forms.CharField(label="Service", required=False, max_length=200,
                              help_text="The service within your agency, for example Key working")


class MergeForm(GovForm):
    keep = forms.ChoiceField(label="Which record stays", required=False, widget=forms.RadioSelect,
                             help_text="The other is merged into it. Choose the older record unless it is wrong")
    reason = forms.CharField(label="Why these records are the same person", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = list(choices)


class RejectForm(GovForm):
    note = forms.CharField(label="Why these are different people", required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))


class UnmergeForm(GovForm):
    reason = forms.CharField(label="Why these records are different people", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


class AskAccessForm(GovForm):
    """Asking the agency that holds a possible match to let yours work with the person."""

    access_reason = forms.CharField(
        label="Why your agency needs to work with the person", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The agency that holds the record reads this with the details you entered, and asks the person")


class AnswerAccessForm(GovForm):
    """The holding side's answer: the person's consent to share with the asking agency, or no."""

    decision = forms.ChoiceField(label="What did the person say?", required=False, widget=forms.RadioSelect,
                                 choices=AccessDecision.choices)
    purposes = forms.MultipleChoiceField(label="They agreed to share for", choices=Purpose.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label="Which information the asking agency may see",
                                           choices=Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    how_given = forms.ChoiceField(label="How the person gave consent", choices=HowGiven.choices, required=False,
                                  widget=forms.RadioSelect)
    valid_until = GovDateField(noun="end date", label="Until (optional)", required=False)
    note = forms.CharField(label="Note (optional)", required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Kept with the answer. The asking agency sees only whether the person agreed")
