from django import forms

from throughcare.agencies.models import Agency
from throughcare.agencies.roles import AgencyKind
from throughcare.consent.models import BasisKind, ConsentKind, HowGiven, Purpose
from throughcare.core.categories import Category
from throughcare.core.forms import GovDateField, GovForm


class ConsentForm(GovForm):
    once = True
    kind = forms.ChoiceField(label="What the person agreed to", choices=ConsentKind.choices, required=False,
                             initial=ConsentKind.SHARE, widget=forms.RadioSelect)
    recipient_agency = forms.ChoiceField(label="Share with this agency", required=False,
                                         help_text="Or choose a kind of agency below, not both")
    recipient_kind = forms.ChoiceField(label="Or with every agency of this kind", required=False,
                                       choices=[("", "Choose")] + AgencyKind.choices)
    purposes = forms.MultipleChoiceField(label="For", choices=Purpose.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label="Which information", choices=Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    valid_from = GovDateField(noun="start date", label="From (optional: today if left blank)", required=False)
    valid_until = GovDateField(noun="end date", label="Until (optional)", required=False)
    how_given = forms.ChoiceField(label="How the person gave consent", choices=HowGiven.choices, required=False,
                                  widget=forms.RadioSelect)
    note = forms.CharField(label="Note (optional)", required=False, max_length=500, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].choices = [("", "Choose")] + [
            (str(a.pk), f"{a.name} ({a.get_kind_display()})") for a in Agency.objects.filter(active=True)]


class WithdrawForm(GovForm):
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500, widget=forms.Textarea,
                             help_text="For example, the person asked to stop sharing")


class BreakGlassForm(GovForm):
    once = True  # one emergency access (and one alert to the guardian), however often it is sent (GovForm.once)
    identifier = forms.CharField(label="NHS number, prison number, probation reference or PNC ID", required=False,
                                 widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}))
    reason = forms.CharField(label="Why you need the record now", required=False, widget=forms.Textarea,
                             help_text="This goes to the Caldicott guardian, who will review it")
    hours = forms.TypedChoiceField(label="For how long", coerce=int, required=False, initial=2,
                                   choices=[(1, "1 hour"), (2, "2 hours"), (4, "4 hours"), (8, "8 hours"),
                                            (12, "12 hours")], widget=forms.RadioSelect)


class LawfulBasisForm(GovForm):
    once = True
    basis = forms.ChoiceField(label="Lawful basis", choices=BasisKind.choices, required=False,
                              widget=forms.RadioSelect)
    recipient_agency = forms.ChoiceField(label="Agency that needs the information", required=False)
    categories = forms.MultipleChoiceField(label="Which information", choices=Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea)
    valid_until = GovDateField(noun="end date", label="Until (optional)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].choices = [("", "Choose")] + [
            (str(a.pk), a.name) for a in Agency.objects.filter(active=True)]


class ReviewForm(GovForm):
    outcome = forms.ChoiceField(label="Was the emergency access appropriate?", required=False,
                                choices=[("appropriate", "Yes, appropriate"), ("inappropriate", "No, inappropriate")],
                                widget=forms.RadioSelect)
    note = forms.CharField(label="Note (optional)", required=False, max_length=500, widget=forms.Textarea)


class DecisionForm(GovForm):
    decision = forms.ChoiceField(label="Decision", required=False, widget=forms.RadioSelect,
                                 choices=[("approve", "Approve"), ("decline", "Decline")])
    note = forms.CharField(label="Note (optional)", required=False, max_length=500, widget=forms.Textarea)
