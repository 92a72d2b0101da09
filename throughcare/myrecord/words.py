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


#: Each kind of agency (agencies.roles.AgencyKind), in the person's words: one of them, and every one of them
#: (a consent can share with every agency of a kind: "every housing provider").
AGENCY_KINDS = {
    "community_treatment": (_("drug and alcohol service"), _("every drug and alcohol service"),
                            _("with every drug and alcohol service")),
    "prison": (_("prison"), _("every prison"), _("with every prison")),
    "probation": (_("probation service"), _("every probation service"), _("with every probation service")),
    "police_liaison": (_("police liaison team"), _("every police liaison team"), _("with every police liaison team")),
    "housing": (_("housing provider"), _("every housing provider"), _("with every housing provider")),
    "mental_health": (_("mental health service"), _("every mental health service"),
                      _("with every mental health service")),
    "primary_care": (_("GP practice"), _("every GP practice"), _("with every GP practice")),
    "jobcentre_plus": (_("Jobcentre Plus office"), _("every Jobcentre Plus office"),
                       _("with every Jobcentre Plus office")),
    "childrens_services": (_("children’s services team"), _("every children’s services team"),
                           _("with every children’s services team")),
    "voluntary": (_("voluntary or peer support group"), _("every voluntary or peer support group"),
                  _("with every voluntary or peer support group")),
    "commissioner": (_("commissioner"), _("every commissioner"), _("with every commissioner")),
}
ANY_KIND = _("every agency of one kind")
WITH_ANY_KIND = _("with every agency of one kind")
#: "with Riverside Recovery" (a Welsh "gyda" mutates what follows it, so each kind has its own "with" words).
WITH_AGENCY = _("with %(agency)s")

#: Why an agency may know who the person is: the access policy's relationships (consent.policy, rule 3).
WHY = {
    "registered": _("they registered you"),
    "merged_registered": _("they registered you"),
    "current_episode": _("you are getting care or support from them now"),
    "care_team": _("one of their workers is on your care team"),
    "open_referral": _("there is a referral between them and you"),
}


def kind_words(kind: str) -> str:
    """One agency of this kind, in the language of the request."""
    return gettext(AGENCY_KINDS[kind][0]) if kind in AGENCY_KINDS else ""


def every_kind(kind: str) -> str:
    """Every agency of this kind, in the language of the request."""
    return gettext(AGENCY_KINDS[kind][1] if kind in AGENCY_KINDS else ANY_KIND)


def with_kind(kind: str) -> str:
    """"with every agency of this kind", in the language of the request."""
    return gettext(AGENCY_KINDS[kind][2] if kind in AGENCY_KINDS else WITH_ANY_KIND)


def why_words(reason: str) -> str:
    return gettext(WHY[reason]) if reason in WHY else ""


#: Messages other apps' actions (consent, plans) and the shared form page give in English, which can reach the
#: person on their own pages: marked here for the catalogue, and shown through `say` (forms.PersonForm).
ACTION_MESSAGES = (
    _("Choose one agency, or one kind of agency, to share with"), _("Choose an agency from the list"),
    _("Choose a kind of agency from the list"), _("Choose at least one purpose"), _("Choose purposes from the list"),
    _("Choose at least one category of information"), _("Choose what the consent is for"),
    _("The note must be 500 characters or fewer"), _("This consent has already been withdrawn"),
    _("Consent not found"), _("Only an agency working with the person can record their consent"),
    _("Choose the area of life the goal is about"), _("Choose an area of life from the list"),
    _("Enter the goal in the person's own words"), _("The goal must be 2,000 characters or fewer"), _("Enter text"),
    _("Someone else changed this while you had the page open. Go back to see it as it is now, then try again."),
    _("Your role cannot add to this person's record"), _("Person not found"),
)

#: "How I'm doing": the outcome measures' names (refdata/instruments/*.yaml), the review stages
#: (outcomes.models.Stage) and the chart's own words (outcomes.reads.chart_spec).
CHART_WORDS = (
    _("Days using opiates"), _("Days using crack"), _("Days using cocaine"), _("Days using amphetamines"),
    _("Days using cannabis"), _("Days using another problem substance"), _("Days drinking"), _("Injecting days"),
    _("Days shoplifting"), _("Days selling drugs"), _("Other kinds of offence (of 4)"), _("Psychological health"),
    _("Physical health"), _("Quality of life"), _("Housing problems (of 2)"), _("Days of paid work"),
    _("Days of education or training"), _("Recovery capital (BARC-10 total)"),
    _("Start of treatment"), _("Review (every six months)"), _("Exit from treatment"), _("After exit"),
    _("Measure"), _("Date"), _("When"), _("Value"),
    _("Each outcome measure over time; the same figures are in the tables on this page."),
)
