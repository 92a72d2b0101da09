from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import translation

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import AUDIT_ROLES
from throughcare.audit.models import AuditEntry
from throughcare.audit.reads import about, actions_of, people_listed
from throughcare.audit.recorder import record_access
from throughcare.core.errors import Forbidden, NotFound
from throughcare.core.ids import parse_uuid
from throughcare.core.views import staff_page
from throughcare.myrecord.audit_words import action_words
from throughcare.people.access import get_person

ACTION_WORDS = {
    "person.read": "looked at the record", "timeline.read": "read the journey", "person.search": "found them in a search",
    "note.add": "added a note", "note.read": "looked at a note", "person.register": "registered them",
    "episode.start": "started an episode",
    "episode.end": "ended an episode", "consent.record": "recorded a consent", "consent.withdraw": "withdrew a consent",
    "consent.list": "looked at who can see what", "break_glass": "used emergency access",
    "episode.list": "looked at episodes", "access_log.read": "looked at who has seen the record",
    # Searches and lists that showed the person among others (audit.reads.about)
    "today.read": "saw them on their list for the day", "referral.list": "saw them on a list of referrals",
    "release_plan.list": "saw them on a list of releases", "release_plan.gate": "saw them on a list of people to meet at the gate",
    "review.due": "saw that a review of their plan is due", "handover.list": "saw a lead worker handover on a list",
    "access_request.list": "saw an ask to work with them on a list", "person.match": "checked whether they already had a record",
    "national_return.extract": "included them in the national return", "fhir.bulk_export": "included them in a bulk export",
}


@staff_page
def person_access_log(request, person_id):
    """Who has looked at this record: for the workers of agencies working with the person."""
    person, grant = get_person(request.user, person_id, action="access_log.read", categories=[])
    if not grant.relationship:
        raise NotFound("Person not found")
    # Entries written under a record since merged into this one are this person's too (matching.merges), and
    # so are searches and lists that showed them among others (audit.reads).
    entries = AuditEntry.objects.filter(about(person.pk), outcome="allowed").order_by("-seq")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [(entry, _words(entry)) for entry in page.object_list]
    return render(request, "audit/person_log.html", {"person": person, "page": page, "rows": rows})


def _words(entry) -> str:
    """The entry's action in words, then each action folded into it."""
    return "; ".join(dict.fromkeys(staff_words(code) for code in actions_of(entry)))


#: "you" as the subject of a verb, in the person's words ("whether you came", "how you are doing").
_YOU_DO = re.compile(r"\byou (are|agreed|came|can|have|were|go)\b")


def staff_words(action: str) -> str:
    """What `action` means, said to a worker about the person: ACTION_WORDS, or else the words the person's own
    "who has looked at my record" uses (myrecord.audit_words, which has words for every action), in English,
    about "them" ("looked at your plan" → "looked at their plan")."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    with translation.override("en"):
        words = action_words(action)
    words = _YOU_DO.sub(r"they \1", words)
    return re.sub(r"\byou\b", "them", re.sub(r"\byours\b", "theirs", re.sub(r"\byour\b", "their", words)))


@staff_page
def audit_list(request):
    """The audit trail, for Caldicott guardians and auditors."""
    staff = staff_of(request.user)
    person = parse_uuid(request.GET.get("person", "")) if request.GET.get("person") else None
    if staff.role not in AUDIT_ROLES:
        record_access(actor=request.user, action="audit.read", person_id=person, outcome="denied", resource="audit")
        raise Forbidden("Only Caldicott guardians and auditors can read the audit trail")
    entries = AuditEntry.objects.order_by("-seq")
    if person:
        entries = entries.filter(about(person))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    record_access(actor=request.user, action="audit.read", person_id=person, resource="audit", purpose="audit",
                  lawful_basis="role:" + staff.role,
                  subjects=people_listed(page.object_list, with_subjects=False))  # the page shows each record's id
    return render(request, "audit/list.html", {"page": page, "person": person})
