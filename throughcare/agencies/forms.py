from django import forms

from throughcare.agencies.models import Agency
from throughcare.agencies.roles import AgencyKind, Role
from throughcare.core.forms import GovForm


class AgencyForm(GovForm):
    once = True
    name = forms.CharField(label="Agency name", required=False, max_length=200)
    kind = forms.ChoiceField(label="Kind of agency", required=False, choices=[("", "Choose")] + AgencyKind.choices)
    area = forms.CharField(label="Area (optional)", required=False, help_text="Local authority or DAAT area")


class StaffForm(GovForm):
    once = True
    username = forms.CharField(label="Username", required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    first_name = forms.CharField(label="First name", required=False)
    last_name = forms.CharField(label="Last name", required=False)
    agency = forms.ChoiceField(label="Agency", required=False)
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Choose")] + Role.choices)
    password = forms.CharField(label="Temporary password", required=False, widget=forms.PasswordInput,
                               help_text="At least 10 characters. Leave blank to set one later.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Choose")] + [(str(a.pk), a.name) for a in Agency.objects.all()]
