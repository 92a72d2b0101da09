"""Release planning forms. The checklist item form is built from the item's spec (releases.checklist)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from throughcare.agencies.models import Agency
from throughcare.agencies.roles import AgencyKind
from throughcare.appointments.forms import GovTimeField, local_datetime
from throughcare.core.errors import ValidationFailed
from throughcare.core.forms import GovDateField, GovForm
from throughcare.releases import checklist
from throughcare.releases.actions import RECEIVING_KINDS
from throughcare.releases.models import ItemStatus


def _agencies(kinds=None) -> list[tuple[str, str]]:
    queryset = Agency.objects.filter(active=True)
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    return [(str(a.pk), f"{a.name} ({a.get_kind_display()})") for a in queryset.order_by("name")]


class ItemForm(GovForm):
    """One checklist item: status, owner (the plan's prison only), due date, blocker, its when / where / who,
    and its details if the caller may see them."""

    status = forms.ChoiceField(label="Status", choices=ItemStatus.choices, required=False, widget=forms.RadioSelect)
    due_on = GovDateField(noun="due date", label="Due by", required=False)
    blocker = forms.CharField(label="Blocker", required=False, max_length=500, widget=forms.Textarea,
                              help_text="Every agency involved sees this: say what is needed, not why")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, item, can_reassign: bool, details_seen: bool, appointments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.item, self.details_seen = item, details_seen
        spec = checklist.SPECS[item.kind]
        self.spec = spec
        if can_reassign:
            self.fields["owner_agency"] = forms.ChoiceField(label="Owned by", choices=_agencies(), required=False)
            self.initial.setdefault("owner_agency", str(item.owner_agency_id))
        if "appointment" in spec.columns:
            self.fields["appointment"] = forms.ChoiceField(
                label="Appointment booked in Throughcare", required=False,
                choices=[("", "None: give the time and place below")] + list(appointments))
        if "worker" in spec.columns:
            self.fields["worker"] = forms.CharField(label="Who meets them: their username", required=False,
                                                    help_text="A peer mentor or worker. They join the care team.")
        if "at" in spec.columns:
            self.fields["at_date"] = GovDateField(noun="date", label=f"{spec.at_label}: date", required=False)
            self.fields["at_time"] = GovTimeField(noun="time", label=f"{spec.at_label}: time", required=False)
        if "place" in spec.columns:
            self.fields["place"] = forms.CharField(label=spec.place_label, required=False, max_length=300)
        if "contact_name" in spec.columns:
            self.fields["contact_name"] = forms.CharField(label="Who to ask for", required=False, max_length=200)
        if "phone" in spec.columns:
            self.fields["phone"] = forms.CharField(label="Phone number", required=False, max_length=40)
        if details_seen:
            for detail in spec.details:
                name = f"d_{detail.name}"
                if detail.kind == "date":
                    self.fields[name] = GovDateField(noun=detail.label.lower(), label=detail.label, required=False,
                                                     help_text=detail.hint)
                elif detail.kind == "bool":
                    self.fields[name] = forms.BooleanField(label=detail.label, required=False)
                elif detail.kind == "choice":
                    self.fields[name] = forms.ChoiceField(label=detail.label, required=False,
                                                          choices=[("", "Choose")] + list(detail.choices))
                else:
                    self.fields[name] = forms.CharField(label=detail.label, required=False, max_length=300,
                                                        help_text=detail.hint)
        self.order_fields(["status", "owner_agency", "due_on", "appointment", "worker", "at_date", "at_time", "place",
                           "contact_name", "phone"] + [f"d_{d.name}" for d in spec.details] + ["blocker", "version"])

    def clean(self):
        data = super().clean()
        if "at_date" in self.fields:
            day, time = data.get("at_date"), data.get("at_time")
            if day and time:
                moment = local_datetime(day, time)
                if isinstance(moment, str):
                    self.add_error("at_time", moment)
                else:
                    data["at"] = moment
            elif day or time:
                self.add_error("at_date" if not day else "at_time", "Enter both the date and the time")
            else:
                data["at"] = None
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {"status": data.get("status") or self.item.status, "due_on": data.get("due_on"),
                   "blocker": data.get("blocker", "")}
        if data.get("owner_agency"):
            changes["owner_agency"] = data["owner_agency"]
        for name in ("appointment", "worker", "place", "contact_name", "phone"):
            if name in self.fields:
                changes[name] = data.get(name) or ""
        if "at_date" in self.fields:
            changes["at"] = data.get("at")
        if self.details_seen:
            details = {}
            for detail in self.spec.details:
                value = data.get(f"d_{detail.name}")
                details[detail.name] = (value if detail.kind == "bool" else
                                        value.isoformat() if isinstance(value, dt.date) else (value or None))
            changes["details"] = details
        return changes

    def add_action_errors(self, failure: ValidationFailed) -> None:
        renamed = {}
        for name, message in failure.fields.items():
            if name.startswith("details."):
                name = f"d_{name.removeprefix('details.')}"
            elif name == "at":
                name = "at_date"
            renamed[name] = message
        super().add_action_errors(ValidationFailed(renamed))

    @staticmethod
    def initial_for(item) -> dict:
        initial = {"status": item.status, "due_on": item.due_on, "blocker": item.blocker, "version": item.version,
                   "place": item.place, "phone": item.phone, "contact_name": item.contact_name,
                   "worker": item.worker.get_username() if item.worker_id else "",
                   "appointment": str(item.appointment_id or "")}
        if item.at:
            local = timezone.localtime(item.at)
            initial.update(at_date=local.date(), at_time=f"{local:%H:%M}")
        for name, value in item.details.items():
            detail = next((d for d in checklist.SPECS[item.kind].details if d.name == name), None)
            if detail is not None:
                initial[f"d_{name}"] = dt.date.fromisoformat(value) if detail.kind == "date" else value
        return initial


class ReviewForm(GovForm):
    held_on = GovDateField(noun="date of the review", label="Date of the review", required=False)
    persons_view = forms.CharField(label="What the person says", required=False, widget=forms.Textarea)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = [view.item.kind for view in items]
        for view in items:
            self.fields[f"holds_{view.item.kind}"] = forms.ChoiceField(
                label=f"{view.label}: does it still hold?", required=False, widget=forms.RadioSelect,
                choices=[("yes", "Yes, it still holds"), ("no", "No, it has changed")])
            self.fields[f"note_{view.item.kind}"] = forms.CharField(
                label=f"{view.label}: what changed", required=False, max_length=500)
        self.order_fields(["held_on"] + [n for k in self.kinds for n in (f"holds_{k}", f"note_{k}")]
                          + ["persons_view", "version"])

    def confirmations(self) -> list[dict]:
        data, result = self.cleaned_data, []
        for kind in self.kinds:
            answer = data.get(f"holds_{kind}")
            entry = {"kind": kind, "still_holds": {"yes": True, "no": False}.get(answer), "note": data.get(f"note_{kind}", "")}
            result.append(entry)
        return result

    def add_action_errors(self, failure: ValidationFailed) -> None:
        renamed = {}
        for name, message in failure.fields.items():
            if name.startswith("confirmations["):
                index = int(name[len("confirmations["):name.index("]")])
                part = name.split(".")[-1]
                name = f"{'note' if part == 'note' else 'holds'}_{self.kinds[index]}"
            renamed[name] = message
        super().add_action_errors(ValidationFailed(renamed))


class HandoverForm(GovForm):
    receiving_agency = forms.ChoiceField(label="Community service they are going to", required=False)
    note = forms.CharField(label="Note for the service", required=False, max_length=500, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_agency"].choices = [("", "Choose a service")] + _agencies(RECEIVING_KINDS)


class EngagementForm(GovForm):
    first_intervention_on = GovDateField(noun="date of the first intervention", label="Date of the first intervention",
                                         required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ContinuityForm(GovForm):
    prison = forms.ChoiceField(label="Prison", required=False)
    area = forms.CharField(label="Or partnership area", required=False, max_length=120,
                           help_text="The area people were released to, for example Swansea")
    weeks = forms.IntegerField(label="Weeks", required=False, min_value=1, max_value=104,
                               widget=forms.TextInput(attrs={"class": "govuk-input--width-3"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prison"].choices = [("", "All prisons")] + [
            (str(a.pk), a.name) for a in Agency.objects.filter(kind=AgencyKind.PRISON).order_by("name")]
