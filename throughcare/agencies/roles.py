"""Agency kinds and staff roles (product.md, "Who uses it")."""

from django.db import models


class AgencyKind(models.TextChoices):
    COMMUNITY_TREATMENT = "community_treatment", "Community treatment"
    PRISON = "prison", "Prison"
    PROBATION = "probation", "Probation"
    POLICE_LIAISON = "police_liaison", "Police liaison"
    HOUSING = "housing", "Housing"
    MENTAL_HEALTH = "mental_health", "Mental health"
    PRIMARY_CARE = "primary_care", "Primary care / GP"
    JOBCENTRE_PLUS = "jobcentre_plus", "Jobcentre Plus"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    VOLUNTARY = "voluntary", "Voluntary / peer support"
    COMMISSIONER = "commissioner", "Commissioner"


class Role(models.TextChoices):
    KEY_WORKER = "key_worker", "Key worker"
    PRISON_TEAM = "prison_team", "Prison team"
    PARTNER_WORKER = "partner_worker", "Partner worker"
    #: Works with people like a key worker, and approves lawful bases recorded by their own agency's staff.
    SERVICE_MANAGER = "service_manager", "Service manager"
    PEER_MENTOR = "peer_mentor", "Peer mentor"
    COMMISSIONER = "commissioner", "Commissioner"
    CALDICOTT_GUARDIAN = "caldicott_guardian", "Caldicott guardian"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


#: Roles whose holders work with individual people (and so may ever see case content).
CASEWORK_ROLES = frozenset({Role.KEY_WORKER, Role.PRISON_TEAM, Role.PARTNER_WORKER, Role.SERVICE_MANAGER,
                            Role.PEER_MENTOR})
#: Roles that may register people and write to their record.
RECORDING_ROLES = frozenset({Role.KEY_WORKER, Role.PRISON_TEAM, Role.PARTNER_WORKER, Role.SERVICE_MANAGER})
#: Roles that decide other lawful bases (safeguarding, court order): any, or those of their own agency's staff.
BASIS_APPROVER_ROLES = frozenset({Role.CALDICOTT_GUARDIAN, Role.SERVICE_MANAGER})
#: Roles that review access: they read the audit trail, never case content.
AUDIT_ROLES = frozenset({Role.CALDICOTT_GUARDIAN, Role.AUDITOR})
