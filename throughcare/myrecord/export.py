"""The subject access copy: every row about the person in every table that holds person data, and nothing
about anyone else (UK GDPR Art. 15; docs/decisions/0013-person-held-record.md).

Which tables: found by walking the models (django.apps), not listed by hand, so a table added later is
copied without anyone remembering to: a model is copied if it has a foreign key to people.Person, or a
foreign key to a model that is copied (goals through their plan, reschedules through their appointment).
Two tables hold people without a foreign key and are read by their own rule: the audit trail (person_id,
and people named in `subjects`) and the person's own sign-in user.

In each row: the person is "you"; anyone else a row points at is "another person" (never their id);
staff are named (they acted in their job); agencies by name; secrets (hashes, passwords) are left out.
What the law lets us withhold is withheld, the same as on the person's pages (WITHHELD below).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import deque

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from throughcare.consent.models import BasisKind
from throughcare.consent.policy import SUBJECT_WITHHELD_KINDS

#: Fields never copied: secrets, not information about the person.
SECRET_FIELDS = frozenset({"password", "code_hash", "link_hash", "key_hash", "secret", "content_hash",
                           "prev_hash", "chain_hash"})
#: Models the walk does not follow through (everyone's, not the person's).
NOT_FOLLOWED = frozenset({"agencies.Agency", "auth.User", "contenttypes.ContentType", "auth.Permission",
                          "auth.Group"})
#: What is withheld, and why (shown to the person in the copy without saying whether any was).
WITHHELD = ("Records of a safeguarding or court-order basis for sharing, and entries that only such a basis "
            "explains, are not included: the law allows this where telling you could put someone at risk "
            "or harm an investigation (Data Protection Act 2018, Schedule 2 paragraph 2 and Schedule 3 "
            "paragraph 5). Your lead worker can tell you more.")


def _person_model():
    return apps.get_model("people", "Person")


def _links(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is not None]


def person_paths() -> dict[type[models.Model], list[str]]:
    """Every model that holds rows about people, with the lookups that lead from it to people.Person.

    Breadth first from Person, so each model gets its shortest paths; a model with two person keys
    (e.g. two records matched) gets both, and its rows are copied when either is the person.
    """
    person = _person_model()
    paths: dict[type[models.Model], list[str]] = {}
    queue = deque()
    for model in apps.get_models():
        direct = [f.name for f in _links(model) if f.related_model is person]
        if direct and model is not person:
            paths[model] = direct
            queue.append(model)
    while queue:
        target = queue.popleft()
        for model in apps.get_models():
            if model in paths or model is person or model._meta.label in NOT_FOLLOWED:
                continue
            via = [f.name for f in _links(model) if f.related_model is target]
            if via:
                paths[model] = [f"{name}__{rest}" for name in via for rest in paths[target]]
                queue.append(model)
    return paths


def _withheld(model, queryset):
    label = model._meta.label
    if label == "consent.LawfulBasis":
        return queryset.none()
    if label == "journey.Event":
        return queryset.exclude(kind__in=SUBJECT_WITHHELD_KINDS)
    return queryset


def audit_withheld() -> Q:
    """Audit entries withheld from the person: deciding a basis, and looks that only a basis explains."""
    only_basis = Q()
    for kind in BasisKind.values:
        only_basis |= Q(lawful_basis__contains=kind)
    return Q(action__startswith="basis.") | (only_basis & ~Q(lawful_basis__contains="relationship:"))


def audit_rows_about(person):
    """The audit trail's entries about the person: those naming them, and those listing them among others.

    `subjects` is searched as text (a scan of the trail: a subject access copy is rare, and the trail
    has no index for it)."""
    from throughcare.audit.models import AuditEntry

    pid = str(person.pk)
    return (AuditEntry.objects.filter(Q(person_id=person.pk) | Q(subjects__icontains=pid))
            .exclude(audit_withheld()).order_by("seq"))


AUDIT_FIELDS = ("seq", "at", "channel", "username", "role", "agency_name", "action", "resource", "categories",
                "outcome")


class _Writer:
    def __init__(self, person):
        self.person = person
        self.account = getattr(person, "account", None)
        self.own_user_id = self.account.user_id if self.account else None
        self._users: dict[int, str] = {}
        self._agencies: dict = {}

    def user(self, user_id) -> str | None:
        if user_id is None:
            return None
        if user_id == self.own_user_id:
            return "you"
        if user_id not in self._users:
            from django.contrib.auth import get_user_model

            from throughcare.myrecord.models import PersonAccount

            user = get_user_model().objects.filter(pk=user_id).first()
            if user is not None and PersonAccount.objects.filter(user_id=user_id).exists():
                self._users[user_id] = "another person"
            else:
                self._users[user_id] = (user.get_full_name() or user.username) if user else "unknown"
        return self._users[user_id]

    def agency(self, agency_id) -> str | None:
        if agency_id is None:
            return None
        if agency_id not in self._agencies:
            agency = apps.get_model("agencies", "Agency").objects.filter(pk=agency_id).first()
            self._agencies[agency_id] = agency.name if agency else "unknown"
        return self._agencies[agency_id]

    def value(self, value):
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, uuid.UUID | decimal.Decimal):
            return str(value)
        return value

    def row(self, obj) -> dict:
        out = {}
        person_model = _person_model()
        for field in obj._meta.concrete_fields:
            if field.name in SECRET_FIELDS:
                continue
            raw = getattr(obj, field.attname)
            if field.is_relation and field.related_model is not None:
                related = field.related_model._meta.label
                if field.related_model is person_model:
                    out[field.name] = None if raw is None else ("you" if raw == self.person.pk else "another person")
                elif related == settings.AUTH_USER_MODEL or related == "auth.User":
                    out[field.name] = self.user(raw)
                elif related == "agencies.Agency":
                    out[field.name] = self.agency(raw)
                else:
                    out[field.name] = self.value(raw)
            else:
                out[field.name] = self.value(raw)
                if field.choices and raw not in (None, ""):
                    out[f"{field.name}_label"] = str(dict(field.flatchoices).get(raw, raw))
        return out


def _label(model) -> str:
    return model._meta.label


def _title(model) -> str:
    return str(model._meta.verbose_name_plural).capitalize()


def covered_models() -> set[str]:
    """The labels of every table the copy reads (the walk, plus the two read by their own rule)."""
    return {_label(m) for m in person_paths()} | {"people.Person", "audit.AuditEntry", "auth.User"}


def subject_access_copy(person) -> dict:
    """Everything held about `person`, table by table, as JSON-ready data."""
    writer = _Writer(person)
    tables: dict[str, dict] = {}

    def put(model, rows: list[dict]) -> None:
        tables[_label(model)] = {"title": _title(model), "rows": rows}

    put(_person_model(), [writer.row(person)])
    if writer.account is not None:
        user = writer.account.user
        put(type(user), [{"username": user.username, "date_joined": writer.value(user.date_joined),
                          "last_login": writer.value(user.last_login),
                          "has_password": user.has_usable_password()}])
    for model, lookups in sorted(person_paths().items(), key=lambda item: _label(item[0])):
        condition = Q()
        for lookup in lookups:
            condition |= Q(**{lookup: person.pk})
        queryset = _withheld(model, model._default_manager.filter(condition).distinct().order_by("pk"))
        put(model, [writer.row(obj) for obj in queryset])
    audit_model = apps.get_model("audit", "AuditEntry")
    put(audit_model, [{name: writer.value(getattr(entry, name)) if name != "username" or entry.user_id !=
                       writer.own_user_id else "you" for name in AUDIT_FIELDS}
                      for entry in audit_rows_about(person)])
    return {
        "subject_access_copy": {
            "about": "you",
            "person_id": str(person.pk),
            "name": person.display_name,
            "made_at": timezone.localtime().isoformat(),
            "withheld": WITHHELD,
            "counts": {label: len(table["rows"]) for label, table in tables.items()},
            "tables": tables,
        }
    }
