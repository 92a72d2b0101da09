from django import forms

from throughcare.core import refdata
from throughcare.core.forms import GovDateField, GovForm
from throughcare.episodes.models import Setting


class StartEpisodeForm(GovForm):
    once = True
    setting = forms.ChoiceField(label="Setting", choices=Setting.choices, required=False, widget=forms.RadioSelect)
    service = forms.CharField(label="Service", required=False, max_length=200)
    started_on = GovDateField(noun="start date", label="Start date", required=False)


class EndEpisodeForm(GovForm):
    ended_on = GovDateField(noun="end date", label="End date", required=False)
    discharge_reason = forms.ChoiceField(label="Discharge reason", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["discharge_reason"].choices = [("", "Choose")] + refdata.current_choices("discharge_reasons")
