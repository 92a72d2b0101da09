"""The national return extract: a CSV in the shape of the adult drug and alcohol treatment monitoring return
(NDTMS): client, episode, intervention and outcome-review (TOP) records for one provider and period.

Only people with an active "national data return" consent (consent kind `national_return`, not withdrawn,
in date on the day of the extract) are in it. Every record is checked against the validation rules first
and nothing is written if any fails (each failure names the record and the field). Field names and codes
follow docs/national-return.md, which says which could not be checked against the current specification.

This reads the live tables (it is a return of identifiable records, not a statistic), so it is a command an
operator runs (`throughcare reports national-return`), audited with everyone it includes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils import timezone

from throughcare.audit.recorder import record_access
from throughcare.core import refdata
from throughcare.core.errors import ValidationFailed
from throughcare.reporting import keys

CLIENT, EPISODE, INTERVENTION, TOP = "CLIENT", "EPISODE", "INTERVENTION", "TOP"
SEX_CODES = {"male": "1", "female": "2", "intersex": "9", "not_stated": "9"}
SETTING_CODES = {"community": "C", "residential_rehab": "R", "inpatient_detox": "I", "prison": "P"}
STAGE_CODES = {"start": "S", "review": "R", "exit": "E", "post_exit": "P"}
#: TOP items in the return, in order: (column, section, question).
TOP_ITEMS = (
    ("OPIATES_DAYS", "substance_use", "opiates_days"), ("CRACK_DAYS", "substance_use", "crack_days"),
    ("COCAINE_DAYS", "substance_use", "cocaine_days"), ("AMPHET_DAYS", "substance_use", "amphetamines_days"),
    ("CANNABIS_DAYS", "substance_use", "cannabis_days"), ("OTHER_DAYS", "substance_use", "other_days"),
    ("ALCOHOL_DAYS", "alcohol", "alcohol_days"), ("ALCOHOL_UNITS", "alcohol", "alcohol_units"),
    ("INJECT_DAYS", "injecting", "injecting_days"), ("SHARED_NEEDLES", "injecting", "shared_needles"),
    ("SHOPLIFT_DAYS", "crime", "shoplifting_days"), ("SELLING_DAYS", "crime", "selling_drugs_days"),
    ("VEHICLE_THEFT", "crime", "vehicle_theft"), ("OTHER_THEFT", "crime", "other_theft"),
    ("FRAUD", "crime", "fraud"), ("VIOLENCE", "crime", "violence"),
    ("PSYCH_HEALTH", "psychological_health", "rating"), ("PHYS_HEALTH", "physical_health", "rating"),
    ("QUALITY_OF_LIFE", "quality_of_life", "rating"), ("ACUTE_HOUSING", "housing", "acute_problem"),
    ("EVICTION_RISK", "housing", "eviction_risk"), ("PAID_WORK_DAYS", "work", "paid_work_days"),
    ("EDUCATION_DAYS", "work", "education_days"),
)
COLUMNS = ("RECORD_TYPE", "CLIENT_ID", "INITIALS", "DOB", "SEX", "ETHNICITY", "POSTCODE_DISTRICT",
           "EPISODE_ID", "PROVIDER", "SETTING", "REFERRAL_DATE", "TRIAGE_DATE", "DISCHARGE_DATE",
           "DISCHARGE_REASON", "INTERVENTION_ID", "INTERVENTION_SETTING", "INTERVENTION_START", "INTERVENTION_END",
           "TOP_DATE", "TOP_STAGE", *(c for c, _s, _q in TOP_ITEMS))


@dataclass(frozen=True)
class Problem:
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


def _d(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _yn(value) -> str:
    return "" if value is None else ("Y" if value is True else "N" if value is False else str(value))


def consenting(on: dt.date):
    """Ids of people whose national-return consent is active on `on`: the rule lives in the access policy
    (`consent.policy.national_return_people`)."""
    from throughcare.consent.policy import national_return_people

    return set(national_return_people(on))


def build(agency, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> tuple[list[dict], list[Problem]]:
    """The records for one provider's episodes overlapping [start, end], and the problems found."""
    from throughcare.episodes.models import Episode
    from throughcare.outcomes.models import OutcomeReview
    from throughcare.people.models import Person
    from throughcare.referrals.models import Referral

    today = today or timezone.localdate()
    allowed = consenting(today)
    episodes = list(Episode.objects.filter(agency=agency, person_id__in=allowed, started_on__lte=end)
                    .exclude(ended_on__lt=start).order_by("started_on", "id"))
    people = {p.pk: p for p in Person.objects.filter(pk__in={e.person_id for e in episodes}).prefetch_related("names")}
    referrals = list(Referral.objects.filter(to_agency=agency, person_id__in=people,
                                             intervention_started_at__isnull=False))
    reviews = list(OutcomeReview.objects.filter(agency=agency, person_id__in=people, instrument="top",
                                                replaced_by__isnull=True, completed_on__gte=start,
                                                completed_on__lte=end).order_by("completed_on"))
    ethnicity = {e.id: e.code for e in refdata.load("ethnicity")}
    discharge = {e.id: e.code for e in refdata.load("discharge_reasons")}
    rows: list[dict] = []
    problems: list[Problem] = []
    client_id = {pid: keys.key("national_return", pid) for pid in people}
    for pid, person in sorted(people.items(), key=lambda kv: client_id[kv[0]]):
        name = person.usual_name
        rows.append({"RECORD_TYPE": CLIENT, "CLIENT_ID": client_id[pid],
                     "INITIALS": (name.given_names[:1] + name.family_name[:1]).upper() if name else "",
                     "DOB": _d(person.date_of_birth), "SEX": SEX_CODES.get(person.sex, ""),
                     "ETHNICITY": ethnicity.get(person.ethnicity, ""),
                     "POSTCODE_DISTRICT": person.postcode.split(" ")[0].upper() if person.postcode else ""})
    for e in episodes:
        episode_id = keys.key("national_return_episode", e.pk)
        referral = min((r for r in referrals if r.person_id == e.person_id
                        and timezone.localtime(r.intervention_started_at).date() >= e.started_on
                        and (e.ended_on is None or timezone.localtime(r.intervention_started_at).date() <= e.ended_on)),
                       key=lambda r: r.intervention_started_at, default=None)
        rows.append({"RECORD_TYPE": EPISODE, "CLIENT_ID": client_id[e.person_id], "EPISODE_ID": episode_id,
                     "PROVIDER": agency.name, "SETTING": SETTING_CODES.get(e.setting, ""),
                     "REFERRAL_DATE": _d(referral.received_at if referral else e.started_on),
                     "TRIAGE_DATE": _d(e.started_on), "DISCHARGE_DATE": _d(e.ended_on),
                     "DISCHARGE_REASON": discharge.get(e.discharge_reason, "") if e.discharge_reason else ""})
        rows.append({"RECORD_TYPE": INTERVENTION, "CLIENT_ID": client_id[e.person_id], "EPISODE_ID": episode_id,
                     "INTERVENTION_ID": keys.key("national_return_intervention", e.pk),
                     "INTERVENTION_SETTING": SETTING_CODES.get(e.setting, ""),
                     "INTERVENTION_START": _d(referral.intervention_started_at if referral else e.started_on),
                     "INTERVENTION_END": _d(e.ended_on)})
    for review in reviews:
        episode = next((e for e in episodes if e.person_id == review.person_id and e.started_on <= review.completed_on
                        and (e.ended_on is None or review.completed_on <= e.ended_on)), None)
        answers = review.answers or {}
        rows.append({"RECORD_TYPE": TOP, "CLIENT_ID": client_id[review.person_id],
                     "EPISODE_ID": keys.key("national_return_episode", episode.pk) if episode else "",
                     "TOP_DATE": _d(review.completed_on), "TOP_STAGE": STAGE_CODES.get(review.stage, ""),
                     **{col: _yn(answers.get(section, {}).get(q)) for col, section, q in TOP_ITEMS}})
    for index, row in enumerate(rows, start=1):
        problems.extend(validate(row, f"row {index} ({row['RECORD_TYPE'].lower()})", today=today))
    return rows, problems


def validate(row: dict, label: str, *, today: dt.date) -> list[Problem]:
    """The validation rules (docs/national-return.md, "Validation rules")."""
    out = []

    def need(field, message):
        if not row.get(field):
            out.append(Problem(label, field, message))

    def day(field):
        return dt.date.fromisoformat(row[field]) if row.get(field) else None

    kind = row["RECORD_TYPE"]
    need("CLIENT_ID", "Every record needs the client id")
    if kind == CLIENT:
        need("INITIALS", "Enter the client's initials (first letter of given name and family name)")
        need("DOB", "Enter the date of birth")
        if row.get("SEX") not in ("1", "2", "9"):
            out.append(Problem(label, "SEX", "Sex must be 1, 2 or 9"))
        born = day("DOB")
        if born and keys.age_on(born, today) < 18:
            out.append(Problem(label, "DOB", "The adult return is for people aged 18 or over"))
        if born and born > today:
            out.append(Problem(label, "DOB", "Date of birth must be in the past"))
    elif kind == EPISODE:
        need("EPISODE_ID", "Every episode needs an id")
        need("SETTING", "Choose the setting")
        need("TRIAGE_DATE", "Enter the triage date")
        referred, triaged, left = day("REFERRAL_DATE"), day("TRIAGE_DATE"), day("DISCHARGE_DATE")
        if referred and triaged and triaged < referred:
            out.append(Problem(label, "TRIAGE_DATE", "Triage date must be on or after the referral date"))
        if left and triaged and left < triaged:
            out.append(Problem(label, "DISCHARGE_DATE", "Discharge date must be on or after the triage date"))
        if left and not row.get("DISCHARGE_REASON"):
            out.append(Problem(label, "DISCHARGE_REASON", "Enter the discharge reason for a discharged episode"))
        if row.get("DISCHARGE_REASON") and not left:
            out.append(Problem(label, "DISCHARGE_DATE", "Enter the discharge date for a discharge reason"))
    elif kind == INTERVENTION:
        need("INTERVENTION_START", "Enter the intervention start date")
        started, ended = day("INTERVENTION_START"), day("INTERVENTION_END")
        if started and ended and ended < started:
            out.append(Problem(label, "INTERVENTION_END", "Intervention end must be on or after its start"))
    elif kind == TOP:
        need("TOP_DATE", "Enter the date of the TOP")
        need("TOP_STAGE", "Choose the TOP stage")
        need("EPISODE_ID", "A TOP must fall within an episode at this provider")
        for col, _section, _q in TOP_ITEMS:
            value = row.get(col)
            if col.endswith("_DAYS") and value not in ("", None) and not 0 <= float(value) <= 28:
                out.append(Problem(label, col, "Days must be from 0 to 28"))
    return out


def write(agency, start: dt.date, end: dt.date, out, *, actor=None, today: dt.date | None = None) -> int:
    """Validate, then write the CSV to the text stream `out`; raises ValidationFailed (nothing written) on any
    problem. Returns the number of records. Audited with every person included."""
    if end < start:
        raise ValidationFailed({"to": "The end of the period must be on or after its start"})
    rows, problems = build(agency, start, end, today=today)
    if problems:
        raise ValidationFailed({f"{p.record} {p.field}": p.message for p in problems},
                               message=f"{len(problems)} problems: nothing was written")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out.write(buffer.getvalue())
    from throughcare.people.models import Person

    ids = list(Person.objects.filter(pk__in=consenting(today or timezone.localdate()),
                                     episodes__agency=agency).values_list("pk", flat=True).distinct())
    record_access(actor=actor, action="national_return.extract", resource="national_return",
                  resource_id=str(agency.pk), subjects=[i for i in ids if keys.key("national_return", i) in
                                                       {r["CLIENT_ID"] for r in rows}],
                  reason=f"{agency.name}, {start} to {end}: {len(rows)} records")
    return len(rows)
