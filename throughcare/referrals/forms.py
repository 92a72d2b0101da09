"""Referral forms. They only shape input: referrals.actions checks it and names the fields it refuses."""

from __future__ import annotations

from django import forms

from throughcare.agencies.models import Agency
from throughcare.core.categories import Category
from throughcare.core.forms import GovDateField, GovForm
from throughcare.referrals.models import DeclineReason, FastTrackReason, Priority


class ReferralForm(GovForm):
    once = True  # a double click or a resent form makes one referral, not two (GovForm.once)
    to_agency = forms.ChoiceField(label="Agency you are referring to", required=False)
    service = forms.CharField(label="Service", required=False, max_length=200,
                              help_text="For example, opiate substitution therapy, floating support, IAPT")
    reason = forms.CharField(label="Reason for the referral", required=False, widget=forms.Textarea,
                             help_text="What the person needs, in their words where you can")
    shared_categories = forms.MultipleChoiceField(
        label="Information you share with the referral", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Only what the person agreed to share, and only what you can see yourself")
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices, required=False, initial=Priority.ROUTINE,
                                 widget=forms.RadioSelect)
    fast_track_reason = forms.ChoiceField(label="Fast-track reason (if fast track)", required=False,
                                          choices=[("", "Choose")] + FastTrackReason.choices)
    fast_track_note = forms.CharField(label="Fast-track note (optional)", required=False, max_length=500)
    #: The directory entry the form was started from (hidden; its agency is checked by the action).
    directory_service = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, own_agency_id=None, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [("", "Choose")] + [
            (str(a.pk), f"{a.name} ({a.get_kind_display()})")
            for a in Agency.objects.filter(active=True).exclude(pk=own_agency_id).order_by("name")]
        self.fields["shared_categories"].choices = [(c.value, c.label) for c in Category if c.value in categories]


class MoveForm(GovForm):
    """A step that needs details. `version` is the referral as the worker saw it: a stale one is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def details(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class DeclineForm(MoveForm):
    decline_reason = forms.ChoiceField(label="Why the referral is declined", choices=DeclineReason.choices,
                                       required=False, widget=forms.RadioSelect,
                                       help_text="Declines because of another need are counted: they are the "
                                                 "gaps between services that commissioners need to see")
    decline_note = forms.CharField(label="Note (optional unless you chose other)", required=False, max_length=500,
                                   widget=forms.Textarea)


class OfferForm(MoveForm):
    first_appointment_on = GovDateField(noun="date of the first appointment", label="Date of the first appointment")


class WithdrawForm(MoveForm):
    note = forms.CharField(label="Reason (optional)", required=False, max_length=500, widget=forms.Textarea)


class ListFilterForm(forms.Form):
    direction = forms.ChoiceField(choices=[("incoming", "Received"), ("outgoing", "Sent")], required=False)
    status = forms.ChoiceField(choices=[("", "Open"), ("all", "All, including closed")], required=False)
