"""Forms on the person's pages: every label and message through the translation machinery."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from throughcare.agencies.models import Agency
from throughcare.consent.models import Purpose
from throughcare.core.categories import Category
from throughcare.core.forms import GovForm
from throughcare.myrecord.words import say
from throughcare.plans.models import Domain


class PersonForm(GovForm):
    """A GOV.UK form whose "choose from the list" messages are translated too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.error_messages["invalid_choice"] = _("Choose from the list")
                field.error_messages["invalid_list"] = _("Choose from the list")

    def add_error(self, field, error):
        """Messages from other apps' actions (consent, plans) and from the shared form page arrive in English:
        they are shown in the person's language (words.ACTION_MESSAGES marks them for the catalogue)."""
        if isinstance(error, str):
            error = say(error)
        super().add_error(field, error)


class IdentifierForm(PersonForm):
    identifier = forms.CharField(label=_("Mobile phone number or email address"), max_length=254, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}))


class CodeForm(PersonForm):
    code = forms.CharField(label=_("Code"), max_length=12, required=False,
                           help_text=_("The 6-digit code in the message we sent you"),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false",
                                                         "class": "govuk-input--width-5"}))


class PasswordSignInForm(PersonForm):
    identifier = forms.CharField(label=_("Mobile phone number or email address"), max_length=254, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}))
    password = forms.CharField(label=_("Password"), strip=False, required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SetPasswordForm(PersonForm):
    password = forms.CharField(label=_("New password"), strip=False, required=False,
                               help_text=_("At least 10 characters"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    confirm = forms.CharField(label=_("Type the password again"), strip=False, required=False,
                              widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class ShareForm(PersonForm):
    once = True
    recipient_agency = forms.ChoiceField(label=_("Which agency"), required=False)
    categories = forms.MultipleChoiceField(label=_("What they can see"), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    purposes = forms.MultipleChoiceField(label=_("What for"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].choices = [("", _("Choose an agency"))] + [
            (str(a.pk), a.name) for a in Agency.objects.filter(active=True).exclude(kind="commissioner")]
        self.fields["categories"].choices = [(value, say(label)) for value, label in Category.choices]
        self.fields["purposes"].choices = [(value, say(label)) for value, label in Purpose.choices]

    def clean(self):
        data = super().clean()
        if not data.get("recipient_agency"):
            self.add_error("recipient_agency", _("Choose the agency you want to share with"))
        if not data.get("categories"):
            self.add_error("categories", _("Choose at least one kind of information"))
        if not data.get("purposes"):
            self.add_error("purposes", _("Choose at least one reason"))
        return data


class StopSharingForm(PersonForm):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=500, widget=forms.Textarea)


class GoalForm(PersonForm):
    domain = forms.ChoiceField(label=_("Which part of your life is it about?"), required=False,
                               widget=forms.RadioSelect)
    in_their_words = forms.CharField(label=_("Your goal, in your own words"), required=False, max_length=2000,
                                     widget=forms.Textarea,
                                     help_text=_("For example: get back to the allotment on Saturdays"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [(value, say(label)) for value, label in Domain.choices]

    def clean(self):
        data = super().clean()
        if not data.get("domain"):
            self.add_error("domain", _("Choose which part of your life the goal is about"))
        if not (data.get("in_their_words") or "").strip():
            self.add_error("in_their_words", _("Enter your goal"))
        return data


class CorrectionForm(PersonForm):
    once = True
    what = forms.CharField(label=_("What is wrong?"), required=False, max_length=300,
                           help_text=_("For example: the date of my appointment on 3 March"))
    correction = forms.CharField(label=_("What should it say?"), required=False, max_length=5000,
                                 widget=forms.Textarea)

    def clean(self):
        data = super().clean()
        if not (data.get("what") or "").strip():
            self.add_error("what", _("Enter which part of your record is wrong"))
        if not (data.get("correction") or "").strip():
            self.add_error("correction", _("Enter what it should say"))
        return data


# --- staff forms (English: staff pages are not translated) ------------------------------------------------


class InviteForm(GovForm):
    once = True
    channel = forms.ChoiceField(label="Send sign-in codes by", required=False, widget=forms.RadioSelect,
                                choices=[("sms", "Text message"), ("email", "Email")])
    address = forms.CharField(label="Mobile number or email address (optional)", required=False, max_length=254,
                              help_text="Leave blank to use the number or address on their record",
                              widget=forms.TextInput(attrs={"spellcheck": "false"}))


class AnswerForm(GovForm):
    answer = forms.CharField(label="Your answer to them", required=False, widget=forms.Textarea,
                             help_text="What you changed, or why the record stays as it is. They will see this.")
