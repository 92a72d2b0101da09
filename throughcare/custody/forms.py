"""Custody forms: GOV.UK inputs whose cleaned data are the action's keyword arguments."""

from __future__ import annotations

from django import forms

from throughcare.agencies.models import Agency
from throughcare.agencies.roles import AgencyKind
from throughcare.core.forms import GovDateField, GovForm
from throughcare.custody.models import ReceptionType, ReleaseType, WithdrawalRisk

RECEPTION_CHOICES = [(v, label) for v, label in ReceptionType.choices if v != ReceptionType.TRANSFER]


class ReceptionForm(GovForm):
    once = True
    prison_number = forms.CharField(label="Prison number", required=False, max_length=10,
                                    help_text="For example, A1234BC", widget=forms.TextInput(
                                        attrs={"class": "govuk-input--width-10", "spellcheck": "false"}))
    date_of_birth = GovDateField(noun="date of birth", label="Date of birth", required=False)
    received_on = GovDateField(noun="reception date", label="Date received", required=False)
    reception_type = forms.ChoiceField(label="How they came in", choices=RECEPTION_CHOICES, required=False,
                                       widget=forms.RadioSelect)
    release_on = GovDateField(noun="release date", label="Expected release date (if known)", required=False)


class FirstNightForm(GovForm):
    held_on = GovDateField(noun="date it was held", label="Date of the screen", required=False)
    substances = forms.CharField(label="What they use now, in their words", required=False, max_length=500)
    on_script = forms.BooleanField(label="They are on a script", required=False)
    script = forms.CharField(label="Script (medicine and dose)", required=False, max_length=200,
                             help_text="Confirmed with the prescriber")
    withdrawal_risk = forms.ChoiceField(label="Risk of withdrawal", choices=WithdrawalRisk.choices, required=False,
                                        widget=forms.RadioSelect)
    risk_to_self = forms.BooleanField(label="There is a risk to themselves tonight", required=False)
    immediate_needs = forms.CharField(label="Immediate needs", required=False, widget=forms.Textarea)


class FullAssessmentForm(GovForm):
    held_on = GovDateField(noun="date it was held", label="Date of the assessment", required=False,
                           help_text="After the first night, at a better time")
    substances = forms.CharField(label="Substance use, in their words", required=False, widget=forms.Textarea)
    mental_health = forms.CharField(label="Mental health", required=False, widget=forms.Textarea)
    physical_health = forms.CharField(label="Physical health", required=False, widget=forms.Textarea)
    housing = forms.CharField(label="Housing", required=False, widget=forms.Textarea)
    employment_benefits = forms.CharField(label="Work, training and money", required=False, widget=forms.Textarea)
    family = forms.CharField(label="Family and children", required=False, widget=forms.Textarea)
    goals = forms.CharField(label="What they want from their time here", required=False, widget=forms.Textarea)


class ReleaseDateForm(GovForm):
    release_on = GovDateField(noun="release date", label="Expected release date", required=False)
    release_type = forms.ChoiceField(label="Type of release", choices=[("", "Not known yet")] + ReleaseType.choices,
                                     required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TransferForm(GovForm):
    to_prison = forms.ChoiceField(label="Prison they are moving to", required=False)
    transferred_on = GovDateField(noun="transfer date", label="Date of the transfer", required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, current_prison_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        prisons = Agency.objects.filter(kind=AgencyKind.PRISON, active=True).exclude(pk=current_prison_id)
        self.fields["to_prison"].choices = [("", "Choose a prison")] + [(str(a.pk), a.name) for a in prisons]


class ReleaseForm(GovForm):
    released_on = GovDateField(noun="release date", label="Date released", required=False)
    release_type = forms.ChoiceField(label="Type of release", choices=[("", "Choose")] + ReleaseType.choices,
                                     required=False)
    destination_area = forms.CharField(label="Area they are going to", required=False, max_length=120,
                                       help_text="The local authority, for example Swansea")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
