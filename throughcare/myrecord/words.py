"""The words of the person's pages that come from elsewhere (model labels), marked for translation here so
that `makemessages` finds them and the Welsh catalogue carries them. `say(label)` translates one at run time."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

LABELS = (
    # information categories (core.categories)
    _("Substance use"), _("Alcohol"), _("Mental health"), _("Physical health"), _("Offending"), _("Housing"),
    _("Employment and benefits"), _("Family, children and safeguarding"), _("Contact and administration"),
    # purposes (consent.models)
    _("Direct care"), _("Care co-ordination"), _("Safeguarding"),
    # areas of life, goal status and stages (plans.models)
    _("Family and safeguarding"), _("Wellbeing and social"), _("Not started"), _("In progress"), _("Achieved"),
    _("Stopped"), _("Harm reduction"), _("Stability"), _("Reduced use"), _("Abstinence"), _("Reintegration"),
    # appointments
    _("Booked"), _("Cancelled"), _("Attended"), _("Did not attend"), _("In person"), _("Phone call"),
    _("Video call"),
    # journey event kinds
    _("Registered"), _("Details updated"), _("Episode of care started"), _("Episode of care ended"), _("Note"),
    _("Consent recorded"), _("Consent withdrawn"), _("Emergency access"), _("Referral sent"),
    _("Referral updated"), _("Care team"), _("Recovery plan"), _("Review"), _("Appointment"), _("Assessment"),
    _("Outcome review"), _("Custody"), _("Release plan"), _("Records merged"), _("Records separated"),
    _("Correction requested"),
    # corrections and sign-in
    _("Waiting for your lead worker"), _("Answered"), _("Text message"), _("Email"),
)


def say(label) -> str:
    """A label in the language of the request (as it is, if the catalogue does not have it)."""
    return gettext(str(label)) if label else ""
