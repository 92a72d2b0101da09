"""Demo data: holistic assessments and outcome reviews (TOP and BARC-10 at the start and six months on) for
the people kw.amara leads on, written through the real actions so each has its events and audit rows."""

from __future__ import annotations

import datetime as dt

from throughcare.assessments import actions
from throughcare.outcomes.actions import record_outcome_review

DEMO_LIMIT = 12


def _assessment(rng) -> dict:
    living = rng.choice(["hostel", "private_rented", "family_friends", "sofa_surfing", "social_rented"])
    days = rng.randint(4, 28)
    return {
        "drugs": {"drugs_used": rng.sample(["heroin", "crack", "cannabis", "benzodiazepines"], k=2),
                  "main_problem": "heroin", "main_problem_days": days, "years_using": 2 + days * 7 % 23,
                  "ever_injected": rng.random() < 0.4,
                  "overdose_past_year": rng.random() < 0.2, "has_naloxone": rng.random() < 0.5,
                  "in_their_words": rng.choice(["Using most days, want a script that holds me",
                                                "Cutting down but the weekends are hard"])},
        "alcohol": {"drinks": True, "drinking_days": rng.randint(0, 12), "units_per_day": rng.choice([4, 6.5, 10])},
        "mental_health": {"concerns": rng.sample(["anxiety", "depression", "none"], k=1),
                          "dual_diagnosis": rng.random() < 0.3, "learning_disability": "no"},
        "housing": {"living_situation": living, "acute_problem": living in {"hostel", "sofa_surfing"},
                    "wants_housing_help": True, "in_their_words": "Somewhere of my own, near my kids"},
        "work": {"status": "looking", "paid_work_days": 0, "education_days": 0, "wants_help": True},
        "family": {"parental_status": rng.choice(["none", "none_live_with_me"]), "pregnant": "no"},
        "strengths": {"strengths": ["family", "past_recovery"],
                      "what_matters": rng.choice(["Seeing my kids again", "Getting back to work", "Staying alive"])},
    }


def _top(rng, better: int) -> dict:
    days = max(0, rng.randint(14, 28) - better * 2)
    rating = min(20, rng.randint(4, 9) + better)
    return {
        "substance_use": {"opiates_days": days, **({"opiates_amount": 0.5} if days else {}), "crack_days": 0,
                          "cocaine_days": 0, "amphetamines_days": 0, "cannabis_days": 0, "other_days": 0},
        "alcohol": {"alcohol_days": max(0, 8 - better), **({"alcohol_units": 6} if 8 - better > 0 else {})},
        "injecting": {"injecting_days": 0},
        "crime": {"shoplifting_days": max(0, 6 - better), "selling_drugs_days": 0, "vehicle_theft": False,
                  "other_theft": better < 2, "fraud": False, "violence": False},
        "psychological_health": {"rating": rating}, "physical_health": {"rating": min(20, rating + 1)},
        "quality_of_life": {"rating": rating},
        "housing": {"acute_problem": better < 3, "eviction_risk": False},
        "work": {"paid_work_days": min(28, better), "education_days": 0},
    }


def build_assessments(*, rng, today: dt.date, lead_members) -> int:
    made = 0
    for member in list(lead_members)[:DEMO_LIMIT]:
        worker, person = member.worker, member.person_id
        draft = actions.start_assessment(actor=worker, person_id=person)
        actions.save_draft(actor=worker, assessment_id=draft.pk, expected_revision=1, answers=_assessment(rng))
        actions.submit_assessment(actor=worker, assessment_id=draft.pk, expected_revision=2)
        start = today - dt.timedelta(days=rng.randint(190, 230))
        review = start + dt.timedelta(days=182)
        better = rng.randint(0, 8)
        for stage, day, progress in (("start", start, 0), ("review", review, better)):
            record_outcome_review(actor=worker, person_id=person, instrument="top", stage=stage, completed_on=day,
                                  answers=_top(rng, progress))
            score = min(6, max(1, 2 + progress // 2))
            record_outcome_review(actor=worker, person_id=person, instrument="barc10", stage=stage, completed_on=day,
                                  answers={"recovery_capital": {f"q{i}": min(6, max(1, score + rng.choice([-1, 0, 1])))
                                                                for i in range(1, 11)}})
        made += 1
    return made
