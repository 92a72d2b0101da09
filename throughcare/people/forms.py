from __future__ import annotations

from django import forms

from throughcare.core import refdata
from throughcare.core.forms import GovDateField, GovForm
from throughcare.people.inputs import SAFE_TO_CONTACT_CHANNELS, OtherName, PersonDetails
from throughcare.people.models import NameKind, Sex


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label="Name, date of birth or identifier")


class RegisterPersonForm(GovForm):
    once = True  # one record, however often the form (or "register a new record") is sent (GovForm.once)
    given_names = forms.CharField(label="Given names", required=False, max_length=120,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    family_name = forms.CharField(label="Family name", required=False, max_length=120,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    date_of_birth = GovDateField(noun="date of birth", label="Date of birth", required=False,
                                 help_text="For example, 27 3 1985")
    alias_given_names = forms.CharField(label="Other name: given names (optional)", required=False)
    alias_family_name = forms.CharField(label="Other name: family name (optional)", required=False)
    alias_kind = forms.ChoiceField(label="That other name is", required=False, widget=forms.RadioSelect,
                                   choices=[(NameKind.ALIAS, "Also known as"), (NameKind.PREVIOUS, "A previous name")])
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.NOT_STATED, widget=forms.RadioSelect,
                            error_messages={"required": "Choose the person's sex, or Not stated"})
    gender = forms.CharField(label="Gender (optional)", required=False, help_text="In the person's own words")
    ethnicity = forms.ChoiceField(label="Ethnic group (optional)", required=False)
    postcode = forms.CharField(label="Postcode (optional)", required=False,
                               widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}))
    preferred_language = forms.CharField(label="Preferred language", initial="English", required=False)
    interpreter_needed = forms.BooleanField(label="Needs an interpreter", required=False)
    disabilities = forms.MultipleChoiceField(label="Disabilities (optional)", required=False,
                                             widget=forms.CheckboxSelectMultiple)
    learning_disability = forms.BooleanField(label="Has a learning disability", required=False)
    phone = forms.CharField(label="Phone (optional)", required=False)
    email = forms.CharField(label="Email (optional)", required=False, widget=forms.EmailInput)
    safe_to_contact = forms.MultipleChoiceField(
        label="Safe to contact by", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(c, c.capitalize()) for c in SAFE_TO_CONTACT_CHANNELS],
        help_text="Leave a way unticked if it is not safe, for example a shared phone or the family address",
    )
    safe_to_contact_note = forms.CharField(label="Contact note (optional)", required=False, max_length=300)
    nhs_number = forms.CharField(label="NHS number (optional)", required=False,
                                 widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}))
    prison_number = forms.CharField(label="Prison number (optional)", required=False,
                                    widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}))
    probation_reference = forms.CharField(label="Probation case reference (optional)", required=False,
                                          widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}))
    pnc_id = forms.CharField(label="PNC ID (optional)", required=False,
                             widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ethnicity"].choices = [("", "Choose")] + refdata.current_choices("ethnicity")
        self.fields["disabilities"].choices = refdata.current_choices("disabilities")

    def details(self) -> PersonDetails:
        data = self.cleaned_data
        other = []
        if data.get("alias_given_names") or data.get("alias_family_name"):
            other.append(OtherName(kind=data.get("alias_kind") or NameKind.ALIAS,
                                   given_names=data.get("alias_given_names", ""),
                                   family_name=data.get("alias_family_name", "")))
        return PersonDetails(
            given_names=data.get("given_names", ""), family_name=data.get("family_name", ""),
            date_of_birth=data.get("date_of_birth"), other_names=other, sex=data.get("sex") or Sex.NOT_STATED,
            gender=data.get("gender", ""), ethnicity=data.get("ethnicity", ""), postcode=data.get("postcode", ""),
            preferred_language=data.get("preferred_language", "") or "English",
            interpreter_needed=data.get("interpreter_needed", False), disabilities=data.get("disabilities", []),
            learning_disability=data.get("learning_disability", False), phone=data.get("phone", ""),
            email=data.get("email", ""),
            safe_to_contact={c: c in data.get("safe_to_contact", []) for c in SAFE_TO_CONTACT_CHANNELS},
            safe_to_contact_note=data.get("safe_to_contact_note", ""), nhs_number=data.get("nhs_number", ""),
            prison_number=data.get("prison_number", ""), probation_reference=data.get("probation_reference", ""),
            pnc_id=data.get("pnc_id", ""),
        )

    def add_action_errors(self, failure) -> None:
        for name, message in failure.fields.items():
            if name.startswith("other_names."):
                name = "alias_family_name"
            self.add_error(name if name in self.fields else None, message)
