"""Eligibility facts from the person's latest holistic assessment, section by section within consent.

Registered with `eligibility.register_fact_source` when the app loads. A section is used only if the
worker may see its category from the agency that recorded the assessment (`grant.allows(category,
assessment.agency_id)`), exactly as the assessment pages show it. Only the latest submitted holistic
assessment is read: if the worker may not see its sections, nothing comes from it (an older one is not
dug out instead).
"""

from __future__ import annotations

from throughcare.core.categories import Category
from throughcare.directory.eligibility import Profile, register_fact_source
from throughcare.directory.vocab import Substance

INSTRUMENT = "holistic-assessment"

#: The assessment's answers to "drugs used in the last 28 days" -> the directory's substances.
DRUGS = {
    "heroin": Substance.OPIATES, "illicit_methadone": Substance.OPIATES, "crack": Substance.CRACK,
    "cocaine": Substance.COCAINE, "amphetamines": Substance.AMPHETAMINES, "cannabis": Substance.CANNABIS,
    "benzodiazepines": Substance.BENZODIAZEPINES, "synthetic_cannabinoids": Substance.NPS,
    "other_nps": Substance.NPS, "gabapentinoids": Substance.PRESCRIBED,
}
#: Answers about mental health that mean a current severe need (others are not enough to exclude anyone).
SEVERE = {"psychosis", "personality_disorder", "self_harm"}


def from_assessment(*, person, grant, staff, profile: Profile) -> None:
    from throughcare.assessments.actions import latest_submitted

    assessment = latest_submitted(person, INSTRUMENT)
    if assessment is None:
        return
    answers = assessment.answers or {}
    when = f"in their holistic assessment at {assessment.agency.name}"
    drugs_seen = grant.allows(Category.SUBSTANCE_USE, assessment.agency_id)
    alcohol_seen = grant.allows(Category.ALCOHOL, assessment.agency_id)
    drugs = (answers.get("drugs") or {}) if drugs_seen else {}
    alcohol = (answers.get("alcohol") or {}) if alcohol_seen else {}
    used = drugs.get("drugs_used")
    found: set[str] = set()
    if isinstance(used, list):
        found |= {DRUGS[d] for d in used if d in DRUGS}
        if [o for o in drugs.get("over_the_counter") or [] if o != "none"]:
            found.add(Substance.PRESCRIBED)
        any_drug = bool(found) or any(d not in ("none", *DRUGS) for d in used)
        profile.know("substance_use", any_drug or bool(alcohol.get("drinks")),
                     f"said {when} that they {'use' if any_drug else 'have used no'} drugs in the last 28 days",
                     Category.SUBSTANCE_USE)
    if isinstance(alcohol.get("drinks"), bool):
        profile.know("alcohol_use", alcohol["drinks"],
                     f"said {when} that they {'drank' if alcohol['drinks'] else 'did not drink'} in the last 28 days",
                     Category.ALCOHOL)
        if alcohol["drinks"]:
            found.add(Substance.ALCOHOL)
    if isinstance(used, list) and isinstance(alcohol.get("drinks"), bool):
        # Both sections seen: the list of substances is complete enough to rule services in or out.
        names = ", ".join(Substance(s).label.lower() for s in sorted(found)) or "nothing"
        profile.know("substances", frozenset(found), f"said {when} that they use {names}")
    prescription = drugs.get("substitute_prescription")
    if prescription:
        on_script = prescription != "none"
        profile.know("substitute_prescription", on_script,
                     f"{'is' if on_script else 'is not'} on a substitute prescription ({when})",
                     Category.SUBSTANCE_USE)
    if grant.allows(Category.MENTAL_HEALTH, assessment.agency_id):
        mental = answers.get("mental_health") or {}
        severe = SEVERE & set(mental.get("concerns") or []) or mental.get("mental_health_service") is True
        if severe:
            profile.know("mental_health_need", True, f"has a current mental health need ({when})",
                         Category.MENTAL_HEALTH)


register_fact_source(from_assessment)
