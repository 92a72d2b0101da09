"""Checking what a client sent for a plan, before anything is saved. Messages name the field,
in the API's own terms: `goals[2].target_date`, `goals[0].actions[1].who`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from throughcare.core.ids import parse_uuid
from throughcare.plans.models import MAX_REVIEW_WEEKS, MIN_REVIEW_WEEKS, Domain, GoalStatus, Stage

MAX_GOALS = 50
MAX_ACTIONS = 20
MAX_WORDS_LENGTH = 2_000
MAX_ACTION_LENGTH = 500
MAX_WHO_LENGTH = 200
MAX_NOTE_LENGTH = 500

#: Keys a client may send back from GET unchanged: they are read-only and ignored.
READ_ONLY_PLAN_KEYS = frozenset({"person", "version", "created_on", "last_reviewed_on", "next_review_due",
                                 "stage_moves", "updated_at", "updated_by", "overdue"})
READ_ONLY_GOAL_KEYS = frozenset({"category", "recorded_by_agency", "domain_label"})
PLAN_KEYS = frozenset({"stage", "review_every_weeks", "goals"})
GOAL_KEYS = frozenset({"id", "domain", "in_their_words", "owner_agency", "target_date", "status", "actions"})
ACTION_KEYS = frozenset({"text", "who", "target_date", "done"})

#: "Not sent": the value stays as it is.
KEEP: Any = object()


def parse_date(value, field: str, errors: dict[str, str]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[field] = "Enter a real date in the format YYYY-MM-DD"
    return None


def _text(value, field: str, errors: dict[str, str], *, missing: str, limit: int, noun: str) -> str:
    if value is not None and not isinstance(value, str):
        errors[field] = "Enter text"
        return ""
    text = (value or "").strip()
    if not text:
        errors[field] = missing
    elif len(text) > limit:
        errors[field] = f"{noun} must be {limit:,} characters or fewer"
    return text


def _unknown(data: dict, allowed: frozenset, ignored: frozenset, prefix: str, errors: dict[str, str]) -> None:
    for key in data:
        if key not in allowed and key not in ignored:
            errors[f"{prefix}{key}"] = "This field is not recognised"


def clean_stage(value, errors: dict[str, str], field: str = "stage"):
    if value is KEEP or value is None or value == "":
        return KEEP
    if value not in Stage.values:
        errors[field] = "Choose a stage: harm reduction, stability, reduced use, abstinence or reintegration"
        return KEEP
    return value


def clean_weeks(value, errors: dict[str, str], field: str = "review_every_weeks"):
    if value is KEEP or value is None or value == "":
        return KEEP
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_REVIEW_WEEKS <= value <= MAX_REVIEW_WEEKS:
        errors[field] = f"Enter a whole number of weeks from {MIN_REVIEW_WEEKS} to {MAX_REVIEW_WEEKS}"
        return KEEP
    return value


def clean_action(data, prefix: str, errors: dict[str, str]) -> dict:
    if not isinstance(data, dict):
        errors[prefix.rstrip(".")] = "Send each action as an object with text, who, target_date and done"
        return {}
    _unknown(data, ACTION_KEYS, frozenset(), prefix, errors)
    done = data.get("done", False)
    if not isinstance(done, bool):
        errors[f"{prefix}done"] = "Enter true or false"
        done = False
    return {
        "text": _text(data.get("text"), f"{prefix}text", errors, missing="Enter what will be done",
                      limit=MAX_ACTION_LENGTH, noun="The action"),
        "who": _text(data.get("who"), f"{prefix}who", errors, missing="Enter who will do it",
                     limit=MAX_WHO_LENGTH, noun="Who"),
        "target_date": parse_date(data.get("target_date"), f"{prefix}target_date", errors),
        "done": done,
    }


def clean_goal(data, prefix: str, errors: dict[str, str]) -> dict:
    """One goal as sent; `owner_agency` becomes a UUID (or None), checked against agencies later."""
    if not isinstance(data, dict):
        errors[prefix.rstrip(".")] = "Send each goal as an object"
        return {}
    _unknown(data, GOAL_KEYS, READ_ONLY_GOAL_KEYS, prefix, errors)
    domain = data.get("domain")
    if not domain:
        errors[f"{prefix}domain"] = "Choose the area of life the goal is about"
    elif domain not in Domain.values:
        errors[f"{prefix}domain"] = "Choose an area of life from the list"
    owner = data.get("owner_agency")
    if isinstance(owner, dict):
        owner = owner.get("id")
    owner_id = parse_uuid(owner) if owner else None
    if owner_id is None:
        errors[f"{prefix}owner_agency"] = "Choose the agency that owns the goal"
    status = data.get("status") or GoalStatus.NOT_STARTED
    if status not in GoalStatus.values:
        errors[f"{prefix}status"] = "Choose a status: not started, in progress, achieved or stopped"
    raw_actions = data.get("actions") or []
    actions = []
    if not isinstance(raw_actions, list):
        errors[f"{prefix}actions"] = "Send the actions as a list"
    elif len(raw_actions) > MAX_ACTIONS:
        errors[f"{prefix}actions"] = f"A goal can have at most {MAX_ACTIONS} actions"
    else:
        actions = [clean_action(a, f"{prefix}actions[{i}].", errors) for i, a in enumerate(raw_actions)]
    goal_id = data.get("id")
    parsed_id: uuid.UUID | None = None
    if goal_id:
        parsed_id = parse_uuid(goal_id)
        if parsed_id is None:
            errors[f"{prefix}id"] = "This goal is not on the plan: leave out the id to add a new goal"
    return {
        "id": parsed_id,
        "domain": domain,
        "in_their_words": _text(data.get("in_their_words"), f"{prefix}in_their_words", errors,
                                missing="Enter the goal in the person's own words", limit=MAX_WORDS_LENGTH,
                                noun="The goal"),
        "owner_agency": owner_id,
        "target_date": parse_date(data.get("target_date"), f"{prefix}target_date", errors),
        "status": status,
        "actions": actions,
    }


def clean_plan(body) -> tuple[dict, dict[str, str]]:
    """The whole plan as sent to PUT: (clean values, errors). Absent keys are KEEP."""
    errors: dict[str, str] = {}
    if not isinstance(body, dict):
        return {}, {"body": "Send the plan as a JSON object"}
    _unknown(body, PLAN_KEYS, READ_ONLY_PLAN_KEYS, "", errors)
    clean: dict = {"stage": clean_stage(body.get("stage", KEEP), errors),
                   "review_every_weeks": clean_weeks(body.get("review_every_weeks", KEEP), errors),
                   "goals": KEEP}
    if "goals" in body:
        goals = body["goals"]
        if not isinstance(goals, list):
            errors["goals"] = "Send the goals as a list"
        elif len(goals) > MAX_GOALS:
            errors["goals"] = f"A plan can have at most {MAX_GOALS} goals"
        else:
            clean["goals"] = [clean_goal(g, f"goals[{i}].", errors) for i, g in enumerate(goals)]
            seen: dict[uuid.UUID, int] = {}
            for i, goal in enumerate(clean["goals"]):
                if goal.get("id") and goal["id"] in seen:
                    errors[f"goals[{i}].id"] = f"This goal is already in the list, at goals[{seen[goal['id']]}]"
                elif goal.get("id"):
                    seen[goal["id"]] = i
    return clean, errors
