"""Appointment forms: GOV.UK date input plus a time box, in the service's time zone."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone

from throughcare.appointments.models import OUTCOMES, CancelledBy, Mode
from throughcare.core.errors import ValidationFailed
from throughcare.core.forms import GovDateField, GovForm

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


class GovTimeField(forms.CharField):
    """A time of day: 14:30, 2:30pm, 2.30pm or 9am."""

    def __init__(self, *, noun: str = "time", **kwargs):
        self.noun = noun
        kwargs.setdefault("help_text", "For example, 14:30 or 2:30pm")
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-5"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (value or "").strip().lower().replace(" ", "")
        if not value:
            return None
        match = _TIME.match(value)
        if match is None:
            raise forms.ValidationError(f"Enter a real {self.noun}, like 14:30 or 2:30pm")
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if half:
            if not 1 <= hour <= 12:
                raise forms.ValidationError(f"Enter a real {self.noun}, like 14:30 or 2:30pm")
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            raise forms.ValidationError(f"Enter a real {self.noun}, like 14:30 or 2:30pm")
        return dt.time(hour, minute)

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(f"Enter the {self.noun}")


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime | str:
    """The aware moment for a local date and time, or a message if the clocks skip that time."""
    zone = timezone.get_current_timezone()
    moment = dt.datetime.combine(day, time, tzinfo=zone)
    if moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return f"{time:%H:%M} does not exist on {day.day} {day:%B %Y}: the clocks go forward. Choose another time"
    return moment


class _WhenForm(GovForm):
    """Date, time and duration: cleaned into `starts_at`."""

    #: Action field names that belong to one of this form's fields.
    field_for = {"starts_at": "date"}

    def clean(self):
        data = super().clean()
        day, time = data.get("date"), data.get("time")
        if day and time:
            moment = local_datetime(day, time)
            if isinstance(moment, str):
                self.add_error("time", moment)
            else:
                data["starts_at"] = moment
        return data

    def add_action_errors(self, failure: ValidationFailed) -> None:
        renamed = {self.field_for.get(name, name): message for name, message in failure.fields.items()}
        super().add_action_errors(ValidationFailed(renamed))


def _duration(value) -> int:
    return int(value) if value not in (None, "") else 60


class BookForm(_WhenForm):
    once = True
    date = GovDateField(noun="appointment date", label="Date", required=False, help_text="For example, 27 3 2026")
    time = GovTimeField(noun="start time", label="Start time", required=False)
    duration_minutes = forms.IntegerField(label="Length in minutes", required=False, min_value=5, max_value=480,
                                          initial=60, widget=forms.TextInput(attrs={"class": "govuk-input--width-3"}),
                                          error_messages={"invalid": "Enter the length as a number of minutes",
                                                          "min_value": "Enter a length between 5 and 480 minutes",
                                                          "max_value": "Enter a length between 5 and 480 minutes"})
    mode = forms.ChoiceField(label="How", choices=Mode.choices, required=False, widget=forms.RadioSelect,
                             initial=Mode.IN_PERSON)
    location = forms.CharField(label="Where (for an appointment in person)", required=False, max_length=300,
                               help_text="Sent to the person in reminders: an address, not the kind of service")
    worker = forms.ChoiceField(label="With", required=False)
    purpose = forms.CharField(label="Purpose (optional)", required=False, max_length=500, widget=forms.Textarea,
                              help_text="Not sent to the person; seen by those who may see your agency's records")

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = list(workers)

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {"starts_at": data.get("starts_at"), "duration_minutes": _duration(data.get("duration_minutes")),
                "mode": data.get("mode") or "", "location": data.get("location", ""),
                "purpose": data.get("purpose", ""), "worker": data.get("worker", "")}

    def clean(self):
        data = super().clean()
        if not data.get("date") and "date" not in self.errors:
            self.add_error("date", "Enter the appointment date")
        if not data.get("time") and "time" not in self.errors:
            self.add_error("time", "Enter the start time")
        return data


class Versioned(forms.Form):
    """The appointment's version when the page was shown: a change made since then is refused (412)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RescheduleForm(Versioned, BookForm):
    requested_by = forms.ChoiceField(label="Who asked to move it", choices=CancelledBy.choices, required=False,
                                     widget=forms.RadioSelect)
    reason = forms.CharField(label="Why is it moving", required=False, max_length=500, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["worker"]
        del self.fields["purpose"]

    def action_fields(self) -> dict:
        fields = super().action_fields()
        fields.pop("worker"), fields.pop("purpose")
        return {**fields, "requested_by": self.cleaned_data.get("requested_by", ""),
                "reason": self.cleaned_data.get("reason", "")}


class CancelForm(Versioned, GovForm):
    cancelled_by = forms.ChoiceField(label="Who cancelled it", choices=CancelledBy.choices, required=False,
                                     widget=forms.RadioSelect)
    reason = forms.CharField(label="Why is it cancelled", required=False, max_length=500, widget=forms.Textarea)


class OutcomeForm(Versioned, GovForm):
    outcome = forms.ChoiceField(label="Did the person attend", required=False, widget=forms.RadioSelect,
                                choices=[(s.value, s.label) for s in OUTCOMES])
