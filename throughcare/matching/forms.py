from __future__ import annotations

from django import forms

from throughcare.core.forms import GovForm
from throughcare.episodes.models import Setting


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
