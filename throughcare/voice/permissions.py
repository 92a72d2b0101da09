"""Who may work on consultations: consultation analysts (docs/decisions/0017-consultation-analysts.md).

Service managers and commissioners are analysts by role; an administrator may give the permission to any other
member of staff except an administrator (`AnalystGrant`). An analyst works on the consultations of their own
agency. Anyone else — and an analyst of another agency — gets "not found" for a consultation, exactly as if it
did not exist; the consultation list and the "create" page answer 403 to staff who are not analysts.
Respondents are the public and never sign in: the public pages need no permission.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from throughcare.agencies.models import Staff, staff_of
from throughcare.agencies.roles import Role
from throughcare.core.errors import Forbidden, NotFound
from throughcare.core.ids import parse_uuid

#: Roles that hold the consultation analyst permission without a grant.
ANALYST_ROLES = frozenset({Role.SERVICE_MANAGER, Role.COMMISSIONER})
#: Roles that can never be consultation analysts: administrators configure and see no content.
NEVER_ANALYSTS = frozenset({Role.ADMINISTRATOR})
NOT_ANALYST = "Only consultation analysts can work on consultations. An administrator can give you the permission."
CONSULTATION_NOT_FOUND = "Consultation not found"


def is_analyst(staff: Staff | None) -> bool:
    """Whether this member of staff is a consultation analyst (one query at most, remembered on the object)."""
    if staff is None or staff.role in NEVER_ANALYSTS:
        return False
    if staff.role in ANALYST_ROLES:
        return True
    # The sign-in backend loads the grant with the staff record (select_related), so this asks nothing more.
    try:
        return staff.voice_grant is not None
    except ObjectDoesNotExist:
        return False


def require_analyst(actor) -> Staff:
    staff = staff_of(actor)
    if not is_analyst(staff):
        raise Forbidden(NOT_ANALYST)
    return staff


def require_admin(actor) -> Staff:
    staff = staff_of(actor)
    if staff is None or staff.role != Role.ADMINISTRATOR:
        raise Forbidden("Only an administrator can give or take away the consultation analyst permission")
    return staff


def consultations_for(actor):
    """The consultations this analyst works on (their agency's), newest first."""
    from throughcare.voice.models import Consultation

    staff = require_analyst(actor)
    return Consultation.objects.filter(agency_id=staff.agency_id)


def get_consultation(actor, consultation_id, *, for_update: bool = False):
    """The consultation if the caller is an analyst of its agency; otherwise NotFound, as for a missing one."""
    from throughcare.voice.models import Consultation

    staff = staff_of(actor)
    pk = parse_uuid(consultation_id)
    if pk is None or not is_analyst(staff):
        raise NotFound(CONSULTATION_NOT_FOUND)
    queryset = Consultation.objects.select_for_update() if for_update else Consultation.objects
    consultation = queryset.filter(pk=pk, agency_id=staff.agency_id).first()
    if consultation is None:
        raise NotFound(CONSULTATION_NOT_FOUND)
    return consultation


def get_public_consultation(consultation_id, *, published: bool = False, open_only: bool = False):
    """A consultation the public may see: open for responses, or with a published summary."""
    from throughcare.voice.models import Consultation, Status

    pk = parse_uuid(consultation_id)
    consultation = Consultation.objects.filter(pk=pk).first() if pk else None
    if consultation is None:
        raise NotFound(CONSULTATION_NOT_FOUND)
    if open_only and consultation.status != Status.OPEN:
        raise NotFound(CONSULTATION_NOT_FOUND)
    if published and (consultation.status != Status.PUBLISHED or not consultation.summary):
        raise NotFound(CONSULTATION_NOT_FOUND)
    if not open_only and not published and consultation.status == Status.DRAFT:
        raise NotFound(CONSULTATION_NOT_FOUND)
    return consultation
