"""Shared by the assessment and outcome tests (and their browser test): a housing agency that works with
Jo, with consent for some categories, and a complete set of answers to the holistic assessment."""

from __future__ import annotations

import datetime as dt

from tests.conftest import PASSWORD
from throughcare.agencies.actions import create_agency, create_staff
from throughcare.consent.actions import record_consent
from throughcare.episodes.models import Episode


def harbour_housing_works_with_jo(world, *, consent=("housing",)):
    """Harbour Housing (hana, a partner worker) has an episode with Jo and Jo's consent for `consent` only."""
    harbour = create_agency(actor=None, name="Harbour Housing", kind="housing")
    hana = create_staff(actor=None, username="hana", agency=harbour, role="partner_worker", password=PASSWORD,
                        first_name="Hana", last_name="Ito")
    Episode.objects.create(person=world["jo"], agency=harbour, setting="community", service="Tenancy support",
                           started_on=dt.date(2026, 1, 5), created_by=hana.user)
    if consent:
        record_consent(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, kind="share",
                       recipient_agency=str(harbour.pk), recipient_kind="", purposes=["direct_care"],
                       categories=list(consent), valid_from=None, valid_until=None, how_given="verbal", note="")
    world["agencies"]["harbour"] = harbour
    world["staff"]["hana"] = hana
    return hana


def full_answers() -> dict:
    """Every section answered, with branches open (heroin days, injecting, children) and closed."""
    return {
        "drugs": {"drugs_used": ["heroin", "crack"], "main_problem": "heroin", "main_problem_days": 20,
                  "years_using": 12,
                  "routes": ["smoking", "injecting"], "ever_injected": True, "injecting_days": 6,
                  "shared_equipment": False, "overdose_past_year": True, "has_naloxone": False,
                  "substitute_prescription": "methadone", "over_the_counter": ["none"],
                  "in_their_words": "Using most days, want to get on a script that works"},
        "alcohol": {"drinks": True, "drinking_days": 4, "units_per_day": 6.5, "withdrawal_fits": False},
        "mental_health": {"concerns": ["anxiety"], "suicidal_thoughts": False, "mental_health_service": False,
                          "dual_diagnosis": True, "refused_service": True, "learning_disability": "no",
                          "in_their_words": "Panic attacks when I try to stop"},
        "trauma": {"trauma_experience": "yes", "wants_therapy": True},
        "physical_health": {"has_gp": True, "rating": 9, "conditions": ["hepatitis_c", "dental"],
                            "bbv_test_date": "2025-11-02"},
        "housing": {"living_situation": "hostel", "acute_problem": False, "wants_housing_help": True,
                    "in_their_words": "A room of my own, near my kids"},
        "work": {"status": "looking", "paid_work_days": 0, "education_days": 0, "wants_help": True},
        "money": {"income": ["universal_credit"], "debts": True, "bank_account": True, "photo_id": False},
        "family": {"parental_status": "none_live_with_me", "children_under_18": 2, "childrens_services": True,
                   "pregnant": "no", "important_people": "My two girls and my sister"},
        "domestic_abuse": {"safe_at_home": True, "abuse_past_year": "no"},
        "offending": {"cj_status": "drr", "arrested_past_28": False, "offences_linked": True},
        "strengths": {"strengths": ["family", "past_recovery"], "going_well": "Seeing my sister on Sundays",
                      "what_matters": "Getting my girls back in my life", "what_would_help": "A stable script"},
    }
