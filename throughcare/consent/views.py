from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import BASIS_APPROVER_ROLES, Role
from throughcare.consent import actions
from throughcare.consent.forms import (
    BreakGlassForm,
    ConsentForm,
    DecisionForm,
    LawfulBasisForm,
    ReviewForm,
    WithdrawForm,
)
from throughcare.consent.models import BreakGlass, Consent
from throughcare.consent.summary import sharing_summary
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import Forbidden, NotFound, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.core.views import ALREADY_SAVED, form_page, render_form, run_form_once, staff_page
from throughcare.people.access import get_person
from throughcare.people.models import Identifier
from throughcare.people.validators import guess_identifier


@staff_page
def consent_page(request, person_id):
    from throughcare.matching.access import for_person

    person, grant = get_person(request.user, person_id, action="consent.list", categories=[IDENTITY_CATEGORY])
    return render(request, "consent/consents.html", {
        "person": person, "grant": grant, "summary": sharing_summary(person),
        # Other agencies asking to work with the person (matching.access): answered by recording their consent.
        "access_requests": for_person(request.user, person) if grant.can_write and grant.relationship else [],
    })


@staff_page
def consent_new(request, person_id):
    person, grant = get_person(request.user, person_id, action="consent.form", categories=[], write=True)
    back = reverse("consent:list", kwargs={"person_id": person.pk})
    return form_page(request, ConsentForm(request.POST or None),
                     run=lambda data: actions.record_consent(actor=request.user, person_id=person.pk, **data),
                     success="Consent recorded", redirect_to=back, heading="Record consent",
                     caption=person.display_name, cancel_url=back, submit="Record consent",
                     intro="Record what the person agreed to, in their words where you can. They can withdraw it at "
                           "any time, and it stops at once.")


@staff_page
def consent_withdraw(request, consent_id):
    consent = Consent.objects.filter(pk=parse_uuid(consent_id)).select_related("recipient_agency").first()
    if consent is None:
        raise NotFound("Consent not found")
    person, grant = get_person(request.user, consent.person_id, action="consent.form", categories=[], write=True,
                               not_found="Consent not found")
    back = reverse("consent:list", kwargs={"person_id": person.pk})
    return form_page(request, WithdrawForm(request.POST or None),
                     run=lambda data: actions.withdraw_consent(actor=request.user, consent_id=consent.pk, **data),
                     success="Consent withdrawn. It no longer opens the record.", redirect_to=back,
                     heading="Withdraw consent", caption=person.display_name, intro=actions.describe_consent(consent),
                     danger=True, submit="Withdraw consent", warning="Withdrawal takes effect straight away.",
                     cancel_url=back)


@staff_page
def basis_new(request, person_id):
    person, grant = get_person(request.user, person_id, action="basis.form", categories=[], write=True)
    back = reverse("consent:list", kwargs={"person_id": person.pk})
    return form_page(request, LawfulBasisForm(request.POST or None),
                     run=lambda data: actions.request_basis(actor=request.user, person_id=person.pk, **data),
                     success="Recorded. It takes effect when a Caldicott guardian, or a service manager at your "
                             "agency, approves it.", redirect_to=back,
                     heading="Record a safeguarding or court-order basis", caption=person.display_name,
                     cancel_url=back, submit="Record",
                     intro="Use this when information must be shared without consent. Before anything is shared, "
                           "a Caldicott guardian or a service manager at your agency must approve it. You cannot "
                           "approve a basis you recorded yourself.")


@staff_page
def break_glass_page(request):
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = guess_identifier((form.cleaned_data["identifier"] or "").replace(" ", ""))
        person_id = None
        if found:
            person_id = Identifier.objects.filter(scheme=found[0], value=found[1]).values_list("person_id", flat=True).first()
        if not found:
            form.add_error("identifier", "Enter an NHS number, prison number, probation reference or PNC ID")
        else:
            try:
                done = run_form_once(request, form, make=lambda: actions.break_glass(
                    actor=request.user, person_id=person_id or "-", reason=form.cleaned_data["reason"],
                    hours=form.cleaned_data["hours"] or 0), target=lambda glass: reverse(
                    "people:detail", kwargs={"person_id": glass.person_id}))
            except NotFound:
                form.add_error("identifier", "No record has that identifier")
            except ValidationFailed as failure:
                form.add_action_errors(failure)
            except Forbidden as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, ALREADY_SAVED if done.replayed else
                                 "Emergency access granted. The Caldicott guardian has been told.")
                return redirect(done.resource_id)
    return render_form(request, form, heading="Emergency access", submit="Get emergency access", danger=True,
                      warning="Only in an emergency, when the person is at risk and cannot consent. Every use is "
                              "reported to the Caldicott guardian and reviewed.")


def _guardian(request):
    staff = staff_of(request.user)
    if staff is None or staff.role != Role.CALDICOTT_GUARDIAN:
        raise Forbidden("Only a Caldicott guardian can review access")
    return staff


def _approver(request):
    staff = staff_of(request.user)
    if staff is None or staff.role not in BASIS_APPROVER_ROLES:
        raise Forbidden("Only a Caldicott guardian or a service manager can decide a lawful basis")
    return staff


@staff_page
def review_queue(request):
    """Caldicott guardians: emergency access and every lawful basis. Service managers: their agency's bases."""
    staff = _approver(request)
    guardian = staff.role == Role.CALDICOTT_GUARDIAN
    return render(request, "consent/review_queue.html", {
        "guardian": guardian,
        "alerts": actions.alerts_for(request.user) if guardian else None,
        "glasses": BreakGlass.objects.filter(reviewed_at__isnull=True).select_related("user", "agency")
        if guardian else [],
        "bases": actions.bases_to_decide(request.user).select_related("recipient_agency", "requested_by"),
        # Service managers: other agencies asking to work with people their agency works with (matching.access).
        "access_requests": [] if guardian else _access_requests(request.user),
    })


def _access_requests(user) -> list:
    from throughcare.audit.recorder import record_access
    from throughcare.matching.access import holding, incoming

    requests = holding(user, incoming(user)[:50])
    if requests:
        record_access(actor=user, action="access_request.list", resource="access_request",
                      categories=[IDENTITY_CATEGORY], subjects=list(dict.fromkeys(str(r.person_id) for r in requests)),
                      reason=f"{len(requests)} waiting for an answer (review queue)")
    return requests


@staff_page
def review_break_glass(request, glass_id):
    _guardian(request)
    glass = BreakGlass.objects.filter(pk=parse_uuid(glass_id)).select_related("user", "agency").first()
    if glass is None:
        raise NotFound("Not found")
    return form_page(request, ReviewForm(request.POST or None),
                     run=lambda data: actions.review_break_glass(actor=request.user, break_glass_id=glass.pk, **data),
                     success="Review recorded", redirect_to="consent:review-queue", heading="Review emergency access",
                     intro=f"{glass.user.get_full_name() or glass.user.username} ({glass.agency.name}) said: "
                           f"“{glass.reason}”", cancel_url=reverse("consent:review-queue"), submit="Record review")


@staff_page
def decide_basis(request, basis_id):
    _approver(request)
    basis = actions.bases_to_decide(request.user).filter(pk=parse_uuid(basis_id)) \
        .select_related("recipient_agency").first()
    if basis is None:
        raise NotFound("Not found")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        if not decision:
            form.add_error("decision", "Choose approve or decline")
        else:
            try:
                actions.decide_basis(actor=request.user, basis_id=basis.pk, approve=decision == "approve",
                                     note=form.cleaned_data["note"])
            except ValidationFailed as failure:
                form.add_action_errors(failure)
            except Forbidden as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Decision recorded")
                return redirect("consent:review-queue")
    return render_form(request, form, heading=f"{basis.get_basis_display()} for {basis.recipient_agency.name}",
                      intro=f"Reason given: “{basis.reason}”", cancel_url=reverse("consent:review-queue"),
                      submit="Record decision")
