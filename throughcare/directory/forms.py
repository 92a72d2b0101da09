"""Directory forms. They only shape input: directory.actions checks it and names the fields it refuses."""

from __future__ import annotations

from django import forms

from throughcare.core.forms import GovForm, read_upload
from throughcare.directory.hours import format_hours, parse_hours
from throughcare.directory.models import Location, Organisation
from throughcare.directory.vocab import (
    Exclusion,
    GenderGroup,
    LifeDomain,
    ReferralRoute,
    ServiceStatus,
    ServiceType,
    Substance,
    Tier,
)

NUMBER = {"inputmode": "numeric", "class": "govuk-input--width-3"}


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


class FilterForm(GovForm):
    """The search filters, for the staff and the public pages alike (GET)."""

    q = forms.CharField(label="Words to search for", required=False)
    need = forms.ChoiceField(label="Help with", required=False, choices=[("", "Anything")] + LifeDomain.choices)
    area = forms.CharField(label="Postcode or area", required=False,
                           help_text="For example SA1 1AA, SA1 or SA", widget=forms.TextInput(attrs={
                               "autocomplete": "postal-code", "class": "govuk-input--width-10"}))
    service_type = forms.ChoiceField(label="Kind of service", required=False,
                                     choices=[("", "Any kind")] + ServiceType.choices)
    open_now = forms.BooleanField(label="Open now", required=False)
    self_referral = forms.BooleanField(label="I can refer myself", required=False)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {name: data.get(name) or ("" if name not in ("open_now", "self_referral") else False)
                for name in self.fields}


class StaffFilterForm(FilterForm):
    self_referral = forms.BooleanField(label="Takes self-referrals", required=False)
    co_occurring = forms.BooleanField(label="Only services that turn people away for a co-occurring need",
                                      required=False)


YES_NO = [("", "Not asked"), ("yes", "Yes"), ("no", "No")]


class ToldForm(GovForm):
    """What the person has told the worker just now, for this search only: never stored."""

    substances = forms.MultipleChoiceField(label="Substances the person uses now", required=False,
                                           choices=Substance.choices, widget=forms.CheckboxSelectMultiple)
    substitute_prescription = forms.ChoiceField(label="On a substitute prescription", choices=YES_NO, required=False)
    mental_health_need = forms.ChoiceField(label="A current severe mental health need", choices=YES_NO,
                                           required=False)

    def told(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        told: dict = {}
        if data.get("substances"):
            told["substances"] = data["substances"]
        for name in ("substitute_prescription", "mental_health_need"):
            if data.get(name):
                told[name] = data[name] == "yes"
        return told


class _Versioned:
    """`with_version`: a hidden field carrying the version the page was read at (a stale save is refused)."""

    def _add_version(self, with_version: bool) -> None:
        if with_version:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OrganisationForm(_Versioned, GovForm):
    name = forms.CharField(label="Organisation name", required=False, max_length=200)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    email = forms.CharField(label="Email (optional)", required=False)
    website = forms.CharField(label="Website (optional)", required=False, help_text="Starting with https://")
    agency = forms.ChoiceField(label="Throughcare agency (optional)", required=False,
                               help_text="If the organisation is an agency in the partnership, its staff keep its "
                                         "entries and its waiting times come from its referrals")

    def __init__(self, *args, with_version: bool = False, **kwargs):
        from throughcare.agencies.models import Agency

        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Not a Throughcare agency")] + [
            (str(a.pk), a.name) for a in Agency.objects.filter(active=True).order_by("name")]
        self._add_version(with_version)


class LocationForm(_Versioned, GovForm):
    name = forms.CharField(label="Name of the place", required=False, max_length=200)
    address_1 = forms.CharField(label="Building and street", required=False, max_length=200)
    city = forms.CharField(label="Town or city", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10,
                               widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}))
    accessibility = forms.CharField(label="Accessibility", required=False, widget=forms.Textarea,
                                    help_text="Step-free access, hearing loop, accessible toilet, quiet room")
    description = forms.CharField(label="How to find it (optional)", required=False, widget=forms.Textarea)

    def __init__(self, *args, with_version: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_version(with_version)


class ServiceForm(GovForm):
    once = True
    organisation = forms.ChoiceField(label="Organisation that runs it", required=False)
    name = forms.CharField(label="Service name", required=False, max_length=200)
    description = forms.CharField(label="What the service does", required=False, widget=forms.Textarea)
    service_type = forms.ChoiceField(label="Kind of service", required=False,
                                     choices=[("", "Choose")] + ServiceType.choices)
    tier = forms.ChoiceField(label="Treatment tier (treatment and harm reduction only)", required=False,
                             choices=[("", "No tier")] + Tier.choices)
    life_domains = forms.MultipleChoiceField(label="Needs it meets", required=False, choices=LifeDomain.choices,
                                             widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label="Status", required=False, choices=ServiceStatus.choices,
                               initial=ServiceStatus.ACTIVE, widget=forms.RadioSelect)
    listed_publicly = forms.BooleanField(label="Show it on the public directory", required=False, initial=True)
    referral_routes = forms.MultipleChoiceField(label="How people get a place", required=False,
                                                choices=ReferralRoute.choices, widget=forms.CheckboxSelectMultiple)
    how_to_access = forms.CharField(label="How to get a place", required=False, widget=forms.Textarea,
                                    help_text="For example: walk in on weekday mornings, or phone the duty worker")
    minimum_age = forms.CharField(label="Minimum age (optional)", required=False, widget=forms.TextInput(NUMBER))
    maximum_age = forms.CharField(label="Maximum age (optional)", required=False, widget=forms.TextInput(NUMBER))
    genders = forms.MultipleChoiceField(label="Only for (leave empty if it is for everyone)", required=False,
                                        choices=GenderGroup.choices, widget=forms.CheckboxSelectMultiple)
    substances = forms.MultipleChoiceField(label="Substances it works with (leave empty for any)", required=False,
                                           choices=Substance.choices, widget=forms.CheckboxSelectMultiple)
    areas = forms.CharField(label="Areas it covers (optional)", required=False,
                            help_text="Postcode districts or areas, separated by commas, like SA1, SA2, CF. "
                                      "Leave empty if anyone can use it, wherever they live")
    exclusions = forms.MultipleChoiceField(label="Who it cannot take", required=False, choices=Exclusion.choices,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text="The first four turn people away for a co-occurring need: "
                                                     "they are flagged so the partnership can see the gaps")
    exclusions_note = forms.CharField(label="Other exclusions (optional)", required=False, max_length=500)
    eligibility_note = forms.CharField(label="Anything else about who it is for (optional)", required=False,
                                       widget=forms.Textarea)
    hours = forms.CharField(label="Opening hours", required=False, widget=forms.Textarea,
                            help_text="One session a line, like \"Monday 09:00 to 17:00\" or \"Sunday all day\"")
    time_zone = forms.CharField(label="Time zone of the opening hours", required=False, max_length=64)
    published_wait_days = forms.CharField(label="Published waiting time in days (optional)", required=False,
                                          widget=forms.TextInput(NUMBER))
    locations = forms.MultipleChoiceField(label="Where it is delivered", required=False,
                                          widget=forms.CheckboxSelectMultiple)
    phone = forms.CharField(label="Phone (optional)", required=False, max_length=30)
    email = forms.CharField(label="Email (optional)", required=False)
    url = forms.CharField(label="Website (optional)", required=False)
    languages = forms.CharField(label="Languages (optional)", required=False,
                                help_text="Separated by commas, like English, Welsh, Polish")
    interpretation_services = forms.CharField(label="Interpreting (optional)", required=False, max_length=300)
    public_contacts = forms.CharField(label="Contacts (optional)", required=False, widget=forms.Textarea,
                                      help_text="One a line: name; job title; phone; email")
    staff_contacts = forms.CharField(label="Contacts for professionals only (optional)", required=False,
                                     widget=forms.Textarea,
                                     help_text="One a line, as above. Never shown on the public directory")
    alert = forms.CharField(label="Alert (optional)", required=False, max_length=500,
                            help_text="A short-term notice, like \"Closed on 24 December\"")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        organisations = list(organisations)
        self.fields["organisation"].choices = [("", "Choose")] + [(str(o.pk), o.name) for o in organisations]
        self.fields["locations"].choices = [
            (str(loc.pk), f"{loc.name}, {loc.organisation.name}" + (f" ({loc.postcode})" if loc.postcode else ""))
            for loc in Location.objects.filter(organisation__in=organisations).select_related("organisation")]

    def clean_hours(self):
        try:
            return parse_hours(self.cleaned_data.get("hours") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def _contacts(self, name: str, staff_only: bool) -> list[dict]:
        rows = []
        for line in (self.cleaned_data.get(name) or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")] + ["", "", "", ""]
            rows.append({"name": parts[0], "title": parts[1], "phone": parts[2], "email": parts[3],
                         "staff_only": staff_only})
        return rows

    def action_fields(self) -> dict:
        data = dict(self.cleaned_data)
        fields = {name: data.get(name) for name in (
            "name", "description", "service_type", "tier", "life_domains", "status", "listed_publicly",
            "referral_routes", "how_to_access", "minimum_age", "maximum_age", "genders", "substances", "exclusions",
            "exclusions_note", "eligibility_note", "time_zone", "published_wait_days", "phone", "email", "url",
            "interpretation_services", "alert")}
        fields["status"] = fields["status"] or ServiceStatus.ACTIVE
        fields["areas"] = _split(data.get("areas"))
        fields["languages"] = _split(data.get("languages"))
        fields["hours"] = data.get("hours") or []
        fields["contacts"] = self._contacts("public_contacts", False) + self._contacts("staff_contacts", True)
        fields["location_ids"] = data.get("locations") or []
        fields["organisation_id"] = data.get("organisation")
        return fields

    @staticmethod
    def initial_for(service) -> dict:
        def lines(staff_only: bool) -> str:
            return "\n".join("; ".join([c.name, c.title, c.phone, c.email]).rstrip("; ")
                             for c in service.contacts.all() if c.staff_only == staff_only)

        return {
            **{name: getattr(service, name) for name in (
                "name", "description", "service_type", "tier", "life_domains", "status", "listed_publicly",
                "referral_routes", "how_to_access", "minimum_age", "maximum_age", "genders", "substances",
                "exclusions", "exclusions_note", "eligibility_note", "time_zone", "published_wait_days", "phone",
                "email", "url", "interpretation_services", "alert", "version")},
            "organisation": str(service.organisation_id), "areas": ", ".join(service.areas),
            "languages": ", ".join(service.languages), "hours": format_hours(service.hours.all()),
            "locations": [str(loc.pk) for loc in service.locations.all()],
            "public_contacts": lines(False), "staff_contacts": lines(True),
        }


def editable_organisations(user):
    """The organisations whose entries the user may keep."""
    from throughcare.directory.actions import may_edit

    return [o for o in Organisation.objects.select_related("agency") if may_edit(user, o)]


class OrukImportForm(GovForm):
    """An Open Referral UK services page (JSON), checked for type and size before anything reads it."""

    file = forms.FileField(label="Open Referral UK file (JSON)",
                           help_text="A services page in Open Referral UK (HSDS 3.0) JSON, such as another "
                                     "directory's export",
                           error_messages={"required": "Choose the Open Referral UK file to import"})

    def clean_file(self) -> bytes:
        return read_upload(self.cleaned_data["file"], ".json")
