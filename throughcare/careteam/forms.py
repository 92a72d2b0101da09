from django import forms

from throughcare.core.forms import GovForm


class AddMemberForm(GovForm):
    once = True
    worker = forms.CharField(label="Worker's username", required=False, max_length=150,
                             help_text="A worker at any agency in the partnership",
                             widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}))
    lead = forms.BooleanField(label="Make them the lead professional", required=False,
                              help_text="Only when there is no lead professional yet")


class HandoverForm(GovForm):
    to_worker = forms.CharField(label="Username of the worker taking over the lead role", required=False,
                                max_length=150,
                                widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}))
    note = forms.CharField(label="Handover note (optional)", required=False, max_length=2000, widget=forms.Textarea,
                           help_text="What the new lead needs to know. The role moves only when they accept it")


class DeclineHandoverForm(GovForm):
    reason = forms.CharField(label="Why you are declining (optional)", required=False, max_length=300,
                             widget=forms.Textarea)
