from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from throughcare.agencies.roles import RECORDING_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    """One link of the service navigation (GOV.UK Frontend's service-navigation component).

    `current`: this link is the page being shown (aria-current="page"); `active`: the page is in
    this link's section (aria-current="true"). Either one marks the item as the current section.
    """

    text: str
    href: str
    current: bool = False
    active: bool = False


#: Each section: its link text, URL name, and the path prefixes of the pages within it.
SECTIONS = {
    "today": (_("Today"), "today:page", ()),
    "find": (_("Find a person"), "people:search", ("/people/", "/episodes/", "/consents/")),
    "referrals": (_("Referrals"), "referrals:list", ("/referrals/",)),
    "directory": (_("Services"), "directory:search", ("/directory/",)),
    "releases": (_("Release plans"), "releases:list", ("/release-plans/", "/release-plan-items/", "/custody/")),
    "gate": (_("Meeting at the gate"), "releases:gate", ()),
    "continuity": (_("Continuity of care"), "releases:continuity", ()),
    "reports": (_("Reports"), "reporting:index", ("/reports/",)),
    "register": (_("Register a person"), "people:register", ()),
    "emergency": (_("Emergency access"), "consent:break-glass", ()),
    "review": (_("Review queue"), "consent:review-queue", ("/caldicott/",)),
    "audit": (_("Audit trail"), "audit:list", ("/audit/",)),
    "agencies": (_("Agencies and staff"), "agencies:list", ("/agencies/",)),
    "voice": (_("Consultations"), "voice:list", ("/consultations/",)),
    "voice_analysts": (_("Consultation analysts"), "voice:analysts", ()),
}


def _sections_for(role) -> list[str]:
    """The sections a role works in, where sign-in lands it first (core.views.home)."""
    if role == Role.ADMINISTRATOR:
        return ["agencies", "directory"]  # they keep the service directory too
    if role == Role.CALDICOTT_GUARDIAN:
        return ["review", "audit"]  # they review access and see no case content
    if role == Role.AUDITOR:
        return ["audit"]
    if role == Role.SERVICE_MANAGER:
        return ["today", "find", "referrals", "directory", "releases", "reports", "continuity", "review",
                "register", "emergency"]
    if role in RECORDING_ROLES:
        return ["today", "find", "referrals", "directory", "releases", "reports", "register", "emergency"]
    if role == Role.PEER_MENTOR:
        return ["find", "referrals", "gate", "directory"]  # contact and administration details of referrals, no reasons
    if role == Role.COMMISSIONER:
        return ["reports", "continuity", "directory", "find"]  # aggregate figures only
    return ["find", "directory"]  # peer mentors (contact details of their people) and commissioners cannot register anyone


def _voice_sections(staff) -> list[str]:
    """Consultations for consultation analysts (a role, or a grant: voice/permissions.py); administrators grant it."""
    from throughcare.voice.permissions import is_analyst

    if staff.role == Role.ADMINISTRATOR:
        return ["voice_analysts"]
    return ["voice"] if is_analyst(staff) else []


def _navigation(path: str, role, extra: list[str] | tuple = ()) -> list[NavItem]:
    items = [(key, *SECTIONS[key]) for key in [*_sections_for(role), *extra]]
    hrefs = {key: reverse(name) for key, _text, name, _prefixes in items}
    # The page's own link, if it has one, is the current section; otherwise the section whose prefix it is under.
    current = next((key for key, href in hrefs.items() if path == href), None)
    active = None
    if current is None:
        active = next((key for key, _text, _name, prefixes in items
                       if any(path.startswith(prefix) for prefix in prefixes)), None)
    return [NavItem(text=str(text), href=hrefs[key], current=key == current, active=key == active)
            for key, text, _name, _prefixes in items]


def service(request):
    # An /api/ request has no request.user (core.middleware: sessions and sign-in are for pages only), yet
    # the API's docs page is a template: it has no staff.
    user = getattr(request, "user", None)
    staff = getattr(user, "staff", None) if user is not None and user.is_authenticated else None
    role = staff.role if staff else None
    return {
        "service_name": "Throughcare",
        "staff": staff,
        "role": role,
        "service_navigation": _navigation(request.path, role, _voice_sections(staff)) if staff else [],
    }
