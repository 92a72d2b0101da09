"""Page forms for the recovery plan. Each carries the plan version it was opened at (hidden), so a
save over someone else's change is caught and shown as a conflict instead of overwriting it."""

from __future__ import annotations

from django import forms

from throughcare.agencies.models import Agency
from throughcare.core.forms import GovDateField, GovForm
from throughcare.plans.models import Domain, GoalStatus, Stage

BLANK_ACTION_ROWS = 2


class VersionedForm(GovForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class StageForm(VersionedForm):
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices, required=False, widget=forms.RadioSelect,
                              help_text="Where the person is now. It can move back as well as forward.")
    review_every_weeks = forms.CharField(label="Review the plan every (weeks)", required=False,
                                         help_text="From 1 to 52 weeks. The usual cadence is 12 weeks.",
                                         widget=forms.TextInput(attrs={"class": "govuk-input--width-3"}))


class GoalForm(VersionedForm):
    domain = forms.ChoiceField(label="Area of life", choices=[("", "Choose")] + Domain.choices, required=False)
    in_their_words = forms.CharField(label="The goal, in the person's own words", required=False,
                                     widget=forms.Textarea)
    owner_agency = forms.ChoiceField(label="Agency that owns the goal", required=False)
    target_date = GovDateField(noun="target date", label="Target date (optional)", required=False,
                               help_text="For example, 27 3 2026")
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices, required=False,
                               initial=GoalStatus.NOT_STARTED, widget=forms.RadioSelect)

    def __init__(self, *args, actions: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = [("", "Choose")] + [
            (str(a.pk), a.name) for a in Agency.objects.filter(active=True).exclude(kind="commissioner")]
        self.rows = list(range(actions + BLANK_ACTION_ROWS))
        for i in self.rows:
            n = i + 1
            self.fields[f"action_{i}_text"] = forms.CharField(label=f"Action {n}: what will be done",
                                                              required=False)
            self.fields[f"action_{i}_who"] = forms.CharField(label=f"Action {n}: who will do it", required=False)
            self.fields[f"action_{i}_target"] = GovDateField(noun=f"action {n} target date", required=False,
                                                             label=f"Action {n}: target date (optional)")
            self.fields[f"action_{i}_done"] = forms.BooleanField(label=f"Action {n} is done", required=False)
        self.used_rows: list[int] = []

    def goal_fields(self):
        return [self[name] for name in ("domain", "in_their_words", "owner_agency", "target_date", "status")]

    def action_rows(self):
        return [(i + 1, [self[f"action_{i}_{part}"] for part in ("text", "who", "target", "done")])
                for i in self.rows]

    def goal(self) -> dict:
        """The goal as the action takes it; blank action rows are left out."""
        data = self.cleaned_data
        actions, self.used_rows = [], []
        for i in self.rows:
            text, who = (data.get(f"action_{i}_text") or "").strip(), (data.get(f"action_{i}_who") or "").strip()
            if text or who or data.get(f"action_{i}_target"):
                self.used_rows.append(i)
                actions.append({"text": text, "who": who, "target_date": data.get(f"action_{i}_target"),
                                "done": bool(data.get(f"action_{i}_done"))})
        return {"domain": data.get("domain"), "in_their_words": data.get("in_their_words"),
                "owner_agency": data.get("owner_agency"), "target_date": data.get("target_date"),
                "status": data.get("status") or GoalStatus.NOT_STARTED, "actions": actions}

    def field_for(self, name: str) -> str | None:
        """The form field for an action's error name: actions[1].who -> action_<row>_who."""
        if name.startswith("actions["):
            index, part = name[len("actions["):].split("].", 1)
            row = self.used_rows[int(index)] if int(index) < len(self.used_rows) else None
            part = {"target_date": "target"}.get(part, part)
            return f"action_{row}_{part}" if row is not None else None
        return name if name in self.fields else None

    def add_action_errors(self, failure) -> None:
        for name, message in failure.fields.items():
            self.add_error(self.field_for(name), message)


class RemoveGoalForm(VersionedForm):
    pass
