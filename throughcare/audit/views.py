from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import AUDIT_ROLES
from throughcare.audit.models import AuditEntry
from throughcare.audit.recorder import record_access
from throughcare.core.errors import Forbidden, NotFound
from throughcare.core.ids import parse_uuid
from throughcare.core.views import staff_page
from throughcare.matching.merges import record_ids
from throughcare.people.access import get_person

ACTION_WORDS = {
    "person.read": "looked at the record", "timeline.read": "read the journey", "person.search": "found them in a search",
    "note.add": "added a note", "person.register": "registered them", "episode.start": "started an episode",
    "episode.end": "ended an episode", "consent.record": "recorded a consent", "consent.withdraw": "withdrew a consent",
    "consent.list": "looked at who can see what", "break_glass": "used emergency access",
    "episode.list": "looked at episodes", "access_log.read": "looked at who has seen the record",
}


@staff_page
def person_access_log(request, person_id):
    """Who has looked at this record: for the workers of agencies working with the person."""
    person, grant = get_person(request.user, person_id, action="access_log.read", categories=[])
    if not grant.relationship:
        raise NotFound("Person not found")
    # Entries written under a record since merged into this one are this person's too (matching.merges).
    entries = AuditEntry.objects.filter(person_id__in=record_ids(person.pk), outcome="allowed").order_by("-seq")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/person_log.html", {"person": person, "page": page, "words": ACTION_WORDS})


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
        entries = entries.filter(person_id__in=record_ids(person))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    record_access(actor=request.user, action="audit.read", person_id=person, resource="audit", purpose="audit",
                  lawful_basis="role:" + staff.role)
    return render(request, "audit/list.html", {"page": page, "person": person})
