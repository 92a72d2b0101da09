"""Directory pages: the public directory (no sign-in, no case data, no staff-only details), the staff
directory with each entry's waiting time and flags, keeping entries, and a person's eligibility."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import Role
from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.core.views import admin_page, form_page, staff_page
from throughcare.directory import actions, clock
from throughcare.directory.eligibility import age_range, evaluate, profile_for
from throughcare.directory.forms import (
    FilterForm,
    LocationForm,
    OrganisationForm,
    ServiceForm,
    StaffFilterForm,
    ToldForm,
    editable_organisations,
)
from throughcare.directory.hours import is_open
from throughcare.directory.models import Organisation
from throughcare.directory.search import clean_filters, co_occurring_exclusions, get_service, search_services
from throughcare.directory.vocab import (
    Exclusion,
    GenderGroup,
    LifeDomain,
    ReferralRoute,
    ServiceType,
    Substance,
    Tier,
)
from throughcare.directory.waiting import waiting_times


def _labels(choices, codes) -> list[str]:
    return [choices(c).label for c in codes if c in choices.values]


class Entry:
    """A service as a page shows it: its labels, waiting time and whether it is open now."""

    def __init__(self, service, wait, now):
        self.service = service
        self.wait = wait
        self.open_now = is_open(service.hours.all(), now, service.time_zone)
        self.kind = ServiceType(service.service_type).label
        self.tier = Tier(service.tier).label if service.tier else ""
        self.needs = _labels(LifeDomain, service.life_domains)
        self.routes = _labels(ReferralRoute, service.referral_routes)
        self.self_referral = ReferralRoute.SELF in service.referral_routes
        self.genders = _labels(GenderGroup, service.genders)
        self.substances = _labels(Substance, service.substances)
        self.exclusions = _labels(Exclusion, [c for c in service.exclusions if c != Exclusion.OTHER])
        self.co_occurring = _labels(Exclusion, co_occurring_exclusions(service))
        self.ages = (age_range(service.minimum_age, service.maximum_age)
                     if service.minimum_age is not None or service.maximum_age is not None else "")


def _entries(services, now=None) -> list[Entry]:
    now = now or clock.now()
    waits = waiting_times(services, now)
    return [Entry(s, waits[s.pk], now) for s in services]


def _search(request, form_class, *, public: bool):
    form = form_class(request.GET)
    services, error_fields, now = [], {}, clock.now()
    if form.is_valid():
        try:
            services = search_services(clean_filters(**form.filters()), public=public, now=now)
        except ValidationFailed as failure:
            error_fields = failure.fields
            for name, message in failure.fields.items():
                form.add_error(name if name in form.fields else None, message)
    return form, _entries(services, now), error_fields


# --- public ------------------------------------------------------------------------------------------------


def public_search(request):
    form, entries, _errors = _search(request, FilterForm, public=True)
    return render(request, "directory/public_search.html", {"form": form, "entries": entries,
                                                            "searched": bool(request.GET)},
                  status=422 if form.errors else 200)


def public_service(request, service_id):
    from django.http import Http404

    from throughcare.core.errors import NotFound

    try:
        service = get_service(service_id, public=True)
    except NotFound:
        raise Http404("Service not found") from None
    (entry,) = _entries([service])
    return render(request, "directory/public_service.html", {"entry": entry, "service": service,
                                                             "contacts": [c for c in service.contacts.all()
                                                                          if not c.staff_only]})


# --- staff -------------------------------------------------------------------------------------------------


def _can_add(user) -> bool:
    staff = staff_of(user)
    return staff is not None and (staff.role == Role.ADMINISTRATOR or bool(editable_organisations(user)))


@staff_page
def search(request):
    form, entries, _errors = _search(request, StaffFilterForm, public=False)
    staff = staff_of(request.user)
    return render(request, "directory/search.html", {
        "form": form, "entries": entries, "can_add": _can_add(request.user),
        "is_admin": staff.role == Role.ADMINISTRATOR,
    }, status=422 if form.errors else 200)


def referral_url(person_id, service) -> str:
    """The referral form for the person, with the agency and service filled in from the directory entry."""
    query = urlencode({"to_agency": str(service.organisation.agency_id), "service": service.name,
                       "directory_service": str(service.pk)})
    return reverse("referrals:new", kwargs={"person_id": person_id}) + "?" + query


def _can_refer(grant, staff, service) -> bool:
    agency_id = service.organisation.agency_id
    return bool(grant.can_write and agency_id and agency_id != staff.agency_id)


@staff_page
def service_detail(request, service_id):
    service = get_service(service_id)
    (entry,) = _entries([service])
    context = {"entry": entry, "service": service, "can_edit": actions.may_edit(request.user, service.organisation)}
    person_id = request.GET.get("person")
    if person_id:
        person, grant, profile = profile_for(request.user, person_id)
        context.update(person=person, verdict=evaluate(service, profile),
                       refer_url=referral_url(person.pk, service)
                       if _can_refer(grant, staff_of(request.user), service) else "")
    return render(request, "directory/service.html", context)


@staff_page
def person_services(request, person_id):
    """The services this person is eligible for, from their record within consent, and why others are not shown."""
    told_form = ToldForm(request.GET)
    person, grant, profile = profile_for(request.user, person_id, told=told_form.told())
    staff = staff_of(request.user)
    form = StaffFilterForm(request.GET)
    eligible, not_shown, now = [], [], clock.now()
    if form.is_valid():
        filters = form.filters()
        filters.pop("co_occurring", None)
        try:
            services = search_services(clean_filters(**filters), now=now)
        except ValidationFailed as failure:
            services = []
            for name, message in failure.fields.items():
                form.add_error(name if name in form.fields else None, message)
        entries = {e.service.pk: e for e in _entries(services, now)}
        for service in services:
            verdict = evaluate(service, profile)
            row = {"entry": entries[service.pk], "verdict": verdict,
                   "refer_url": referral_url(person.pk, service) if _can_refer(grant, staff, service) else ""}
            (eligible if verdict.eligible else not_shown).append(row)
    return render(request, "directory/person.html", {
        "person": person, "form": form, "told_form": told_form, "facts": profile.says, "eligible": eligible,
        "not_shown": not_shown,
    }, status=422 if form.errors else 200)


def _service_form(request, *, service=None):
    organisations = editable_organisations(request.user)
    if service is None and not organisations:
        from throughcare.core.errors import Forbidden

        raise Forbidden("Only an administrator, or staff of an agency in the directory, can add services")
    initial = ServiceForm.initial_for(service) if service else {
        "organisation": str(organisations[0].pk) if len(organisations) == 1 else ""}
    return ServiceForm(request.POST or None, organisations=organisations, initial=initial)


@staff_page
def service_new(request):
    form = _service_form(request)
    return form_page(request, form, run=lambda _data: actions.create_service(actor=request.user,
                                                                             **form.action_fields()),
                     success=lambda s: f"{s.name} added to the directory",
                     redirect_to=lambda s: reverse("directory:service", kwargs={"service_id": s.pk}),
                     heading="Add a service to the directory", submit="Add service", cancel_url=reverse("directory:search"))


@staff_page
def service_edit(request, service_id):
    service = get_service(service_id)
    if not actions.may_edit(request.user, service.organisation):
        from throughcare.core.errors import Forbidden

        raise Forbidden("Only an administrator, or staff of the agency that runs it, can change this directory entry")
    form = _service_form(request, service=service)
    back = reverse("directory:service", kwargs={"service_id": service.pk})
    return form_page(request, form,
                     run=lambda data: actions.update_service(actor=request.user, service_id=service.pk,
                                                             expected_version=data.get("version"),
                                                             **form.action_fields()),
                     success=lambda s: f"{s.name} updated", redirect_to=back, heading=f"Change {service.name}",
                     submit="Save changes", cancel_url=back)


@admin_page
def organisation_new(request):
    return form_page(request, OrganisationForm(request.POST or None),
                     run=lambda data: actions.create_organisation(actor=request.user, **data),
                     success=lambda o: f"{o.name} added to the directory", redirect_to="directory:search",
                     heading="Add an organisation to the directory", submit="Add organisation",
                     cancel_url=reverse("directory:search"))


def _editable_organisation(request, organisation_id) -> Organisation:
    from django.http import Http404

    from throughcare.core.ids import parse_uuid

    organisation = Organisation.objects.filter(pk=parse_uuid(organisation_id)).first()
    if organisation is None:
        raise Http404("Organisation not found")
    if not actions.may_edit(request.user, organisation):
        raise Forbidden("Only an administrator, or staff of the agency that runs it, can change this directory entry")
    return organisation


@staff_page
def organisation_edit(request, organisation_id):
    organisation = _editable_organisation(request, organisation_id)
    initial = {"name": organisation.name, "description": organisation.description, "email": organisation.email,
               "website": organisation.website, "agency": str(organisation.agency_id or ""),
               "version": organisation.version}
    form = OrganisationForm(request.POST or None, initial=initial, with_version=True)
    return form_page(request, form,
                     run=lambda data: actions.update_organisation(
                         actor=request.user, organisation_id=organisation.pk,
                         expected_version=data.pop("version", None), **data),
                     success=lambda o: f"{o.name} updated", redirect_to="directory:search",
                     heading=f"Change {organisation.name}", submit="Save changes",
                     cancel_url=reverse("directory:search"))


@staff_page
def location_new(request, organisation_id):
    organisation = _editable_organisation(request, organisation_id)
    return form_page(request, LocationForm(request.POST or None),
                     run=lambda data: actions.save_location(actor=request.user, organisation_id=organisation.pk,
                                                            **data),
                     success=lambda loc: f"{loc.name} added", redirect_to="directory:search",
                     heading="Add a place", caption=organisation.name, submit="Add place",
                     cancel_url=reverse("directory:search"))


@staff_page
def location_edit(request, organisation_id, location_id):
    from django.http import Http404

    from throughcare.core.ids import parse_uuid

    organisation = _editable_organisation(request, organisation_id)
    location = organisation.locations.filter(pk=parse_uuid(location_id)).first()
    if location is None:
        raise Http404("Place not found")
    initial = {name: getattr(location, name) for name in ("name", "address_1", "city", "postcode", "accessibility",
                                                          "description")}
    form = LocationForm(request.POST or None, initial={**initial, "version": location.version}, with_version=True)
    return form_page(request, form,
                     run=lambda data: actions.save_location(
                         actor=request.user, organisation_id=organisation.pk, location_id=location.pk,
                         expected_version=data.pop("version", None), **data),
                     success=lambda loc: f"{loc.name} updated", redirect_to="directory:search",
                     heading=f"Change {location.name}", caption=organisation.name, submit="Save changes",
                     cancel_url=reverse("directory:search"))


# --- exchange with other directories: Open Referral UK and FHIR ---------------------------------------------


@staff_page
def exchange(request):
    """Download the directory as Open Referral UK or FHIR; administrators import an ORUK file: all or nothing,
    each problem named by its JSON path."""
    from throughcare.directory.forms import OrukImportForm
    from throughcare.directory.oruk import import_directory, load

    staff = staff_of(request.user)
    is_admin = staff.role == Role.ADMINISTRATOR
    posted = request.method == "POST"
    if posted and not is_admin:
        raise Forbidden("Only an administrator can import the directory")
    form = OrukImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            done = import_directory(actor=request.user, data=load(form.cleaned_data["file"]))
        except ValidationFailed as failure:
            form.add_import_problems("file", failure, lambda where: "" if where == "$" else f"{where}: ")
        else:
            warned = f". Check: {'; '.join(done['warnings'][:5])}" if done["warnings"] else ""
            messages.success(request, f"Imported {done['organisations']} organisations, {done['locations']} places "
                                      f"and {done['services']} services{warned}")
            return redirect("directory:exchange")
    return render(request, "directory/exchange.html", {"form": form, "is_admin": is_admin},
                  status=422 if form.errors else 200)


@staff_page
def export_oruk(request):
    from throughcare.directory.oruk import export_directory, validate

    data = export_directory()
    validate(data)
    return _attachment(data, "directory-oruk.json")


@staff_page
def export_fhir(request):
    from throughcare.directory.fhir import export_bundle

    return _attachment(export_bundle(), "directory-fhir-healthcareservice.json", "application/fhir+json")


def _attachment(data, filename: str, content_type: str = "application/json"):
    import json

    from django.http import HttpResponse

    response = HttpResponse(json.dumps(data, indent=1, default=str), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
