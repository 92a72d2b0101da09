"""Information categories. Every timeline event carries one; consent is given per category."""

from django.db import models


class Category(models.TextChoices):
    SUBSTANCE_USE = "substance_use", "Substance use"
    ALCOHOL = "alcohol", "Alcohol"
    MENTAL_HEALTH = "mental_health", "Mental health"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    OFFENDING = "offending", "Offending"
    HOUSING = "housing", "Housing"
    EMPLOYMENT_BENEFITS = "employment_benefits", "Employment and benefits"
    FAMILY_SAFEGUARDING = "family_safeguarding", "Family, children and safeguarding"
    CONTACT_ADMIN = "contact_admin", "Contact and administration"


ALL_CATEGORIES = frozenset(Category.values)
#: Seeing that a person exists (name, date of birth, identifiers) needs this category.
IDENTITY_CATEGORY = Category.CONTACT_ADMIN

#: The category of an agency's own events (episodes), by the kind of agency.
CATEGORY_BY_AGENCY_KIND = {
    "community_treatment": Category.SUBSTANCE_USE,
    "prison": Category.OFFENDING,
    "probation": Category.OFFENDING,
    "police_liaison": Category.OFFENDING,
    "housing": Category.HOUSING,
    "mental_health": Category.MENTAL_HEALTH,
    "primary_care": Category.PHYSICAL_HEALTH,
    "jobcentre_plus": Category.EMPLOYMENT_BENEFITS,
    "childrens_services": Category.FAMILY_SAFEGUARDING,
    "voluntary": Category.SUBSTANCE_USE,
    "commissioner": Category.CONTACT_ADMIN,
}
