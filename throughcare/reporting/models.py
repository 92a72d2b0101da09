"""Reporting tables: de-identified copies of the live tables, built and refreshed by reporting.refresh.

Reports read only these tables (and Parquet extracts of them), never the live ones. Nothing here names
a person: `person_key` is an HMAC of the person's id with the reporting key (reporting.keys), the date of
birth becomes an age band, and the only place is the registering agency's area. Days are whole numbers
(days since 1970-01-01), flags are 0 or 1, and agency ids are text, so the same report SQL runs unchanged
on SQLite, PostgreSQL and DuckDB (docs/reporting.md, docs/decisions/0015-reporting.md).

Person keys are whole numbers (63 bits of the HMAC), so joins and distinct counts over millions of rows
compare integers, not 32-character text. A few columns are worked out by the refresh so that reports read
rather than search: on each episode, re-presentation within six months, complexity at entry and the last
attended appointment at its agency; and `rpt_outcome_pair`, each person's first and latest score.
"""

from __future__ import annotations

from django.db import models

KEY = 32  # hex characters of an HMAC-SHA256 key kept (person keys are integers: keys.person_key)


class Watermark(models.Model):
    """How far the refresh has read one source: the highest journey Event id, or an updated_at stamp."""

    source = models.CharField(max_length=60, primary_key=True)
    mark_id = models.BigIntegerField(default=0)
    mark_time = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rpt_watermark"


class ReportMeta(models.Model):
    """One row: the day the reporting tables describe (reports measure "now" from it) and when."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    as_of_day = models.IntegerField()
    refreshed_at = models.CharField(max_length=40)

    class Meta:
        db_table = "rpt_meta"


class RAgency(models.Model):
    agency_id = models.CharField(max_length=36, primary_key=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    area = models.CharField(max_length=120, blank=True)

    class Meta:
        db_table = "rpt_agency"


class RPerson(models.Model):
    person_key = models.BigIntegerField(primary_key=True)
    age_band = models.CharField(max_length=10)
    sex = models.CharField(max_length=12)
    area = models.CharField(max_length=120, blank=True)
    registered_day = models.IntegerField()

    class Meta:
        db_table = "rpt_person"


class REpisode(models.Model):
    episode_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    agency_id = models.CharField(max_length=36)
    setting = models.CharField(max_length=20)
    start_day = models.IntegerField()
    end_day = models.IntegerField(null=True)
    exit_code = models.CharField(max_length=4, blank=True)
    planned_exit = models.SmallIntegerField(default=0)
    #: 1 when the episode ended and the same person started another treatment episode (any agency, any
    #: setting but prison) from the day it ended to 182 days after: re-presentation within six months.
    re_presented_182 = models.SmallIntegerField(default=0)
    #: The person's complexity at entry (rpt_complexity), copied onto each of their episodes; all 0 when
    #: never assessed (`assessed` 0).
    assessed = models.SmallIntegerField(default=0)
    housing = models.SmallIntegerField(default=0)
    dual_diagnosis = models.SmallIntegerField(default=0)
    injecting = models.SmallIntegerField(default=0)
    criminal_justice = models.SmallIntegerField(default=0)
    alcohol_and_opiates = models.SmallIntegerField(default=0)
    long_use = models.SmallIntegerField(default=0)
    #: The day of the person's latest attended appointment at this episode's agency, on or before the day
    #: of the refresh (null: none).
    last_attended_day = models.IntegerField(null=True)

    class Meta:
        db_table = "rpt_episode"


class RReferral(models.Model):
    referral_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    to_agency_id = models.CharField(max_length=36)
    priority = models.CharField(max_length=20)
    status = models.CharField(max_length=30)
    received_day = models.IntegerField()
    started_day = models.IntegerField(null=True)
    #: The day the receiving agency accepted or declined it (null: not yet decided).
    decided_day = models.IntegerField(null=True)
    #: The decline reason code when declined (referrals.models.DeclineReason), else ''.
    decline_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        db_table = "rpt_referral"


class RAppointment(models.Model):
    appointment_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    agency_id = models.CharField(max_length=36)
    worker_id = models.IntegerField()
    day = models.IntegerField()
    status = models.CharField(max_length=20)

    class Meta:
        db_table = "rpt_appointment"


class RCareTeam(models.Model):
    member_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    agency_id = models.CharField(max_length=36)
    worker_id = models.IntegerField()
    is_lead = models.SmallIntegerField(default=0)
    active = models.SmallIntegerField(default=1)

    class Meta:
        db_table = "rpt_care_team"


class RPlan(models.Model):
    plan_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    lead_agency_id = models.CharField(max_length=36, blank=True)
    next_review_due_day = models.IntegerField()
    in_treatment = models.SmallIntegerField(default=1)

    class Meta:
        db_table = "rpt_plan"


class ROutcome(models.Model):
    """One score of one outcome review (corrected reviews left out)."""

    score_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    agency_id = models.CharField(max_length=36)
    instrument = models.CharField(max_length=40)
    stage = models.CharField(max_length=20)
    day = models.IntegerField()
    score = models.CharField(max_length=40)
    value = models.FloatField()
    #: 1 when a higher value is better, -1 when lower is better.
    better = models.SmallIntegerField()

    class Meta:
        db_table = "rpt_outcome"


class ROutcomePair(models.Model):
    """Each person's first and latest score on one outcome measure (by day, then score key), kept by the
    refresh so that outcome reports read one row per person and measure instead of sorting every review."""

    pair_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    instrument = models.CharField(max_length=40)
    score = models.CharField(max_length=40)
    #: 1 when a higher value is better, -1 when lower is better.
    better = models.SmallIntegerField()
    #: The agency of the latest review: outcome change is counted there.
    agency_id = models.CharField(max_length=36)
    first_day = models.IntegerField()
    first_value = models.FloatField()
    latest_day = models.IntegerField()
    latest_value = models.FloatField()

    class Meta:
        db_table = "rpt_outcome_pair"


class RRelease(models.Model):
    release_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    prison_id = models.CharField(max_length=36)
    receiving_agency_id = models.CharField(max_length=36, blank=True)
    released_day = models.IntegerField()
    plan_complete = models.SmallIntegerField(default=0)
    #: engaged, not_engaged, or '' while the 21-day clock runs (or no handover was made).
    engagement = models.CharField(max_length=20, blank=True)

    class Meta:
        db_table = "rpt_release"


class RComplexity(models.Model):
    """Complexity at entry, from a submitted holistic assessment: the case-mix model's inputs (0 or 1)."""

    assessment_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    agency_id = models.CharField(max_length=36)
    day = models.IntegerField()
    housing = models.SmallIntegerField(default=0)
    dual_diagnosis = models.SmallIntegerField(default=0)
    injecting = models.SmallIntegerField(default=0)
    criminal_justice = models.SmallIntegerField(default=0)
    alcohol_and_opiates = models.SmallIntegerField(default=0)
    #: 1 when years_of_use is 10 or more (refresh.LONG_USE_YEARS).
    long_use = models.SmallIntegerField(default=0)
    #: Years using the main problem substance, as answered: asked from holistic-assessment v2 (null before,
    #: or when not answered).
    years_of_use = models.IntegerField(null=True)

    class Meta:
        db_table = "rpt_complexity"


class RPresentation(models.Model):
    """A substance a person presented with: one row per substance of each first holistic assessment (as amended)."""

    presentation_key = models.CharField(max_length=KEY, primary_key=True)
    person_key = models.BigIntegerField(db_index=True)
    agency_id = models.CharField(max_length=36)
    day = models.IntegerField()
    month = models.CharField(max_length=7, help_text="YYYY-MM")
    substance = models.CharField(max_length=40)
    #: 1 for new psychoactive substances (synthetic cannabinoids and others).
    nps = models.SmallIntegerField(default=0)

    class Meta:
        db_table = "rpt_presentation"


class PartnerSignal(models.Model):
    """An aggregate count from a partner (hospital admissions, police seizures), imported as CSV. No person."""

    month = models.CharField(max_length=7, help_text="YYYY-MM")
    area = models.CharField(max_length=120)
    source = models.CharField(max_length=40)
    signal = models.CharField(max_length=120)
    count = models.PositiveIntegerField()
    imported_at = models.DateTimeField()

    class Meta:
        db_table = "rpt_partner_signal"
        constraints = [models.UniqueConstraint(fields=["month", "area", "source", "signal"],
                                               name="partner_signal_once")]


#: Every reporting table that is extracted and that reports may read, in extract order.
TABLES = (ReportMeta, RAgency, RPerson, REpisode, RReferral, RAppointment, RCareTeam, RPlan, ROutcome, ROutcomePair,
          RRelease, RComplexity, RPresentation, PartnerSignal)
#: The per-person tables a refresh rebuilds for each person touched.
PERSON_TABLES = (RPerson, REpisode, RReferral, RAppointment, RCareTeam, RPlan, ROutcome, ROutcomePair, RRelease,
                 RComplexity, RPresentation)
