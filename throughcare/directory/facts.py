"""Eligibility facts from the person's latest holistic assessment answers, section by section within consent.

Registered with `eligibility.register_fact_source` when the app loads. Each section's latest answers are read
(`assessments.actions.latest_by_section`: a re-assessment that did not ask about drugs leaves the drugs answers
as they were). A section is used only if the worker may see its category from the agency that recorded those
answers (`grant.allows(category, agency_id)`), exactly as the assessment pages show it; if they may not, nothing
comes from that section (older answers to it are not dug out instead).
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
    from throughcare.assessments.actions import latest_by_section

    by_section = latest_by_section(person, INSTRUMENT)

    def seen(section_id: str, category: str) -> tuple[dict, str]:
        """The section's latest answers if the worker may see them there, and where they were given."""
        source = by_section.get(section_id)
        if source is None or not grant.allows(category, source.agency_id):
            return {}, ""
        return source.answers.get(section_id) or {}, f"in their holistic assessment at {source.agency.name}"

    drugs, drugs_when = seen("drugs", Category.SUBSTANCE_USE)
    alcohol, alcohol_when = seen("alcohol", Category.ALCOHOL)
    used = drugs.get("drugs_used")
    found: set[str] = set()
    if isinstance(used, list):
        found |= {DRUGS[d] for d in used if d in DRUGS}
        if [o for o in drugs.get("over_the_counter") or [] if o != "none"]:
            found.add(Substance.PRESCRIBED)
        any_drug = bool(found) or any(d not in ("none", *DRUGS) for d in used)
        profile.know("substance_use", any_drug or bool(alcohol.get("drinks")),
                     f"said {drugs_when} that they {'use' if any_drug else 'have used no'} drugs in the last 28 days",
                     Category.SUBSTANCE_USE)
    if isinstance(alcohol.get("drinks"), bool):
        profile.know("alcohol_use", alcohol["drinks"],
                     f"said {alcohol_when} that they {'drank' if alcohol['drinks'] else 'did not drink'} in the last "
                     "28 days", Category.ALCOHOL)
        if alcohol["drinks"]:
            found.add(Substance.ALCOHOL)
    if isinstance(used, list) and isinstance(alcohol.get("drinks"), bool):
        # Both sections seen: the list of substances is complete enough to rule services in or out.
        names = ", ".join(Substance(s).label.lower() for s in sorted(found)) or "nothing"
        profile.know("substances", frozenset(found), f"said {drugs_when} that they use {names}")
    prescription = drugs.get("substitute_prescription")
    if prescription:
        on_script = prescription != "none"
        profile.know("substitute_prescription", on_script,
                     f"{'is' if on_script else 'is not'} on a substitute prescription ({drugs_when})",
                     Category.SUBSTANCE_USE)
    mental, mental_when = seen("mental_health", Category.MENTAL_HEALTH)
    if SEVERE & set(mental.get("concerns") or []) or mental.get("mental_health_service") is True:
        profile.know("mental_health_need", True, f"has a current mental health need ({mental_when})",
                     Category.MENTAL_HEALTH)


register_fact_source(from_assessment)
