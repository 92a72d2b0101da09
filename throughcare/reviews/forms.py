"""The structured review form: when, who, how each goal has gone, the summary and the person's view."""

from __future__ import annotations

from django import forms

from throughcare.core.forms import GovDateField, GovForm, in_sentence
from throughcare.plans.models import GoalStatus
from throughcare.reviews.models import Progress


class ReviewForm(GovForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    held_on = GovDateField(noun="date the review was held", label="Date the review was held", required=False,
                           help_text="For example, 27 3 2026")
    attended = forms.CharField(label="Who attended", required=False, widget=forms.Textarea,
                               help_text="One person on each line, for example: Jo (the person), Amara (key worker)")

    def __init__(self, *args, goals: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        for i, goal in enumerate(goals):
            n = i + 1
            self.fields[f"goal_{i}_rating"] = forms.ChoiceField(
                label=f"Goal {n}: how has it gone?", choices=Progress.choices, required=False,
                widget=forms.RadioSelect)
            self.fields[f"goal_{i}_comment"] = forms.CharField(label=f"Goal {n}: what happened, in words",
                                                               required=False, widget=forms.Textarea)
            self.fields[f"goal_{i}_status"] = forms.ChoiceField(
                label=f"Goal {n}: status now", choices=GoalStatus.choices, required=False, initial=goal["status"])
        self.fields["summary"] = forms.CharField(label="Summary of the review", required=False, widget=forms.Textarea)
        self.fields["persons_view"] = forms.CharField(label="The person's own view, in their words",
                                                      required=False, widget=forms.Textarea)

    def goal_rows(self):
        return [(i + 1, goal, [self[f"goal_{i}_{part}"] for part in ("rating", "comment", "status")])
                for i, goal in enumerate(self.goals)]

    def body(self) -> dict:
        data = self.cleaned_data
        return {
            "held_on": data.get("held_on"), "attended": (data.get("attended") or "").splitlines(),
            "summary": data.get("summary"), "persons_view": data.get("persons_view"),
            "progress": [{"goal_id": goal["id"], "rating": data.get(f"goal_{i}_rating"),
                          "comment": data.get(f"goal_{i}_comment") or "", "status": data.get(f"goal_{i}_status")}
                         for i, goal in enumerate(self.goals)],
        }

    def add_action_errors(self, failure) -> None:
        for name, message in failure.fields.items():
            field = None
            if name.startswith("progress["):
                index, part = name[len("progress["):].split("]", 1)
                part = part.lstrip(".") or "rating"
                field = f"goal_{index}_{'rating' if part == 'goal_id' else part}"
                if index.isdigit():  # the page numbers the goals: say which one
                    message = f"Goal {int(index) + 1}: {in_sentence(message)}"
            elif name in self.fields:
                field = name
            self.add_error(field if field in self.fields else None, message)
