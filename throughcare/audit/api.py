from __future__ import annotations

import datetime as dt
import uuid

from ninja import Query, Router, Schema
from pydantic import Field

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import AUDIT_ROLES
from throughcare.audit.models import AuditEntry
from throughcare.audit.reads import about, people_listed
from throughcare.audit.recorder import record_access
from throughcare.core.errors import Forbidden
from throughcare.core.paging import Page

router = Router(tags=["audit"])


class AuditOut(Schema):
    seq: int
    at: dt.datetime
    request_id: str
    channel: str
    client_address: str
    username: str
    role: str
    agency_name: str
    person_id: uuid.UUID | None
    subjects: list[str]
    action: str
    resource: str
    resource_id: str
    categories: list[str]
    purpose: str
    lawful_basis: str
    outcome: str
    reason: str
    recipient_agency: str
    chain_hash: str


class AuditPage(Schema):
    items: list[AuditOut]
    total: int
    page: int
    page_size: int


class AuditQuery(Schema):
    person: uuid.UUID | None = None
    page: Page = 1
    page_size: int = Field(50, ge=1, le=500)


@router.get("/audit", response=AuditPage, summary="The audit trail (Caldicott guardians and auditors only)")
def audit_trail(request, filters: Query[AuditQuery]):
    staff = staff_of(request.user)
    if staff is None or staff.role not in AUDIT_ROLES:
        record_access(actor=request.user, action="audit.read", person_id=filters.person, outcome="denied",
                      resource="audit", reason="role may not read the audit trail")
        raise Forbidden("Only Caldicott guardians and auditors can read the audit trail")
    entries = AuditEntry.objects.order_by("-seq")
    if filters.person:
        # Records merged into it are theirs too, and searches and lists that showed them (audit.reads).
        entries = entries.filter(about(filters.person))
    total = entries.count()
    start = (filters.page - 1) * filters.page_size
    items = list(entries[start:start + filters.page_size])
    record_access(actor=request.user, action="audit.read", person_id=filters.person, resource="audit",
                  purpose="audit", lawful_basis="role:" + staff.role, subjects=people_listed(items, with_subjects=True))
    return {"items": items, "total": total, "page": filters.page, "page_size": filters.page_size}
