"""The subject access copy: every row about the person in every table that holds person data, and nothing
about anyone else (UK GDPR Art. 15; docs/decisions/0013-person-held-record.md).

Which tables: found by walking the models (django.apps), not listed by hand, so a table added later is
copied without anyone remembering to: a model is copied if it has a foreign key to people.Person, or a
foreign key to a model that is copied (goals through their plan, reschedules through their appointment).
Two tables hold people without a foreign key and are read by their own rule: the audit trail (person_id,
and people named in `subjects`) and the person's own sign-in user. The reporting tables (rpt_*) hold
people under a pseudonym, `person_key`, an HMAC of their id with the reporting key: Throughcare holds that
key and can work out whose rows they are, so they are still personal data (UK GDPR recital 26) and are
copied too, found by computing the person's key (every model with a `person_key` column; decision 0013).

In each row: the person is "you"; anyone else a row points at is "another person" (never their id);
staff are named (they acted in their job); agencies by name; secrets (hashes, passwords) are left out.
What the law lets us withhold is withheld, the same as on the person's pages (WITHHELD below).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from throughcare.consent.models import BasisKind
from throughcare.consent.policy import SUBJECT_WITHHELD_KINDS
from throughcare.myrecord.audit_words import entry_words

#: Fields never copied: secrets, not information about the person.
SECRET_FIELDS = frozenset({"password", "code_hash", "link_hash", "key_hash", "secret", "content_hash",
                           "prev_hash", "chain_hash"})
#: Models the walk does not follow through (everyone's, not the person's).
NOT_FOLLOWED = frozenset({"agencies.Agency", "auth.User", "contenttypes.ContentType", "auth.Permission",
                          "auth.Group"})
#: The longest chain of keys followed from a row to a person.
MAX_CHAIN = 5
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
    """Every model that holds rows about people, with every lookup that leads from it to people.Person.

    First which models hold person data (a key to a person, or to a model that holds it), then, for each,
    every chain of keys to a person (no model twice in a chain): a checklist item is about the person of its
    plan *and* of the appointment it links, and its rows are copied when either is the person.
    """
    person = _person_model()
    known: set = set()
    while True:
        found = {model for model in apps.get_models()
                 if model not in known and model is not person and model._meta.label not in NOT_FOLLOWED
                 and any(f.related_model is person or f.related_model in known for f in _links(model))}
        if not found:
            break
        known |= found

    def chains(model, seen: frozenset) -> list[str]:
        out = []
        for link in _links(model):
            target = link.related_model
            if target is person:
                out.append(link.name)
            elif target in known and target not in seen and len(seen) < MAX_CHAIN:
                out += [f"{link.name}__{rest}" for rest in chains(target, seen | {target})]
        return out

    return {model: list(dict.fromkeys(chains(model, frozenset({model})))) for model in known}


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
    """The audit trail's entries about the person (audit.reads.about: those naming them or a record merged
    into theirs, and those listing them among others)."""
    from throughcare.audit.models import AuditEntry
    from throughcare.audit.reads import about

    return AuditEntry.objects.filter(about(person.pk)).exclude(audit_withheld()).order_by("seq")


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

    def pseudonymised_row(self, obj, key: str) -> dict:
        """A reporting table's row: the person's key is "you", agencies and workers are named."""
        out = {}
        for field in obj._meta.concrete_fields:
            raw = getattr(obj, field.attname)
            if field.name == "person_key":
                out[field.name] = "you" if raw == key else "another person"
            elif _agency_column(field.name) and raw:
                out[field.name] = self.agency(raw)
            elif field.name == "worker_id" and raw is not None:
                out[field.name] = self.user(raw)
            else:
                out[field.name] = self.value(raw)
        return out

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


def _agency_column(name: str) -> bool:
    return name.endswith("agency_id") or name == "prison_id"


def _label(model) -> str:
    return model._meta.label


def _title(model) -> str:
    if model._meta.db_table.startswith("rpt_"):  # the reporting tables: named by their table
        return f"Reporting table {model._meta.db_table}"
    return str(model._meta.verbose_name_plural).capitalize()


def pseudonymised_models() -> list[type[models.Model]]:
    """Every model that holds people under their reporting key (a `person_key` column, no foreign key)."""
    return sorted((m for m in apps.get_models()
                   if any(f.name == "person_key" and not f.is_relation for f in m._meta.concrete_fields)),
                  key=_label)


def covered_models() -> set[str]:
    """The labels of every table the copy reads (the walk, the pseudonymised tables, and the two read by
    their own rule)."""
    return ({_label(m) for m in person_paths()} | {_label(m) for m in pseudonymised_models()}
            | {"people.Person", "audit.AuditEntry", "auth.User"})


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
    from throughcare.reporting.keys import person_key

    key = person_key(person.pk)
    for model in pseudonymised_models():
        put(model, [writer.pseudonymised_row(obj, key) for obj in
                    model._default_manager.filter(person_key=key).order_by("pk")])
    audit_model = apps.get_model("audit", "AuditEntry")
    put(audit_model, [{**{name: writer.value(getattr(entry, name)) if name != "username" or entry.user_id !=
                          writer.own_user_id else "you" for name in AUDIT_FIELDS},
                       "what": entry_words(entry)}
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
