"""A small hand-made directory shared by the directory tests (API, pages, ORUK, browser)."""

from __future__ import annotations

from throughcare.directory import actions

WEEKDAYS_9_TO_5 = [{"weekday": d, "opens_at": "09:00", "closes_at": "17:00"} for d in range(5)]


def _service(organisation, name, **overrides):
    fields = {"service_type": "treatment", "life_domains": ["substance_use"], "referral_routes": ["professional"],
              "description": f"{name} for people in Swansea", "time_zone": "Europe/London"}
    return actions.create_service(actor=None, organisation_id=organisation.pk, name=name, **{**fields, **overrides})


def build_directory(world) -> dict:
    """A small directory: Riverside (a partnership agency) and two organisations outside Throughcare."""
    riverside = actions.create_organisation(actor=None, name="Riverside Recovery", agency=world["agencies"]["riverside"].pk,
                                            description="Drug and alcohol service")
    hub = actions.save_location(actor=None, organisation_id=riverside.pk, name="Riverside hub",
                                address_1="1 Quay Street", city="Swansea", postcode="sa1 1aa",
                                accessibility="Step-free entrance; hearing loop at reception")
    mind = actions.create_organisation(actor=None, name="Mind the Gap", description="Mental health charity")
    housing = actions.create_organisation(actor=None, name="Taff Housing", description="Housing association")
    services = {
        "treatment": _service(riverside, "Structured treatment", tier="3", areas=["SA"], minimum_age=18,
                              referral_routes=["self_referral", "professional"], hours=WEEKDAYS_9_TO_5,
                              location_ids=[hub.pk], published_wait_days=14,
                              contacts=[{"name": "Duty worker", "phone": "01792 000000"},
                                        {"name": "Professionals' line", "phone": "01792 111111", "staff_only": True}]),
        "women": _service(riverside, "Women's recovery group", service_type="mutual_aid", genders=["women"],
                          life_domains=["substance_use", "wellbeing"], referral_routes=["self_referral"]),
        "wellbeing": _service(mind, "Wellbeing clinic", service_type="mental_health", life_domains=["mental_health"],
                              exclusions=["current_substance_use"], referral_routes=["gp", "professional"]),
        "young": _service(mind, "Young people's service", service_type="mental_health", minimum_age=11,
                          maximum_age=24, life_domains=["mental_health"]),
        "cardiff": _service(housing, "Cardiff floating support", service_type="housing", areas=["CF"],
                            life_domains=["housing"]),
        "alcohol": _service(riverside, "Alcohol day programme", substances=["alcohol"], tier="3"),
    }
    return {"riverside": riverside, "hub": hub, "mind": mind, "housing": housing, **services}
