"""Access request pages (matching.access): ask from the register page, follow your agency's asks, answer the
asks about people your agency works with, and join a record once the person agreed."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.core.views import form_page, render_form, staff_page
from throughcare.matching import access
from throughcare.matching.forms import AnswerAccessForm, AskAccessForm, JoinForm
from throughcare.matching.models import AccessDecision


@require_POST
@staff_page
def ask(request):
    """From the register page's possible matches: ask the agency that holds the record held elsewhere."""
    from throughcare.matching.views import candidates_page
    from throughcare.people.forms import RegisterPersonForm

    form, ask_form = RegisterPersonForm(request.POST), AskAccessForm(request.POST)
    if form.is_valid() and ask_form.is_valid():
        try:
            _enquiry, new = access.request_access(actor=request.user, details=form.details(),
                                                  reason=ask_form.cleaned_data.get("access_reason") or "")
        except ValidationFailed as failure:
            for name, message in failure.fields.items():
                ask_form.add_error("access_reason" if name == "reason" else None, message)
        except Forbidden as exc:
            ask_form.add_error(None, exc.message)
        else:
            messages.success(request, "Your request has gone to the agency that holds the record. You will see here "
                                      "whether the person agreed." if new else
                                      "You have already asked. The agency that holds the record has not answered yet.")
            return redirect("matching:access-requests")
    return candidates_page(request, form, ask_form=ask_form, status=422) or render_form(
        request, form, "people/register.html", ask_form=ask_form)


@staff_page
def requests_page(request):
    """Asks about people your agency works with (to answer), and your agency's own asks with their outcomes."""
    return render(request, "matching/access_requests.html", {
        "incoming": access.list_incoming(request.user), "enquiries": access.enquiries(request.user),
    })


@staff_page
def answer(request, request_id):
    found, person, _grant = access.get_incoming(request.user, request_id, write=True)
    back = reverse("matching:access-requests")
    form = AnswerAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = access.answer_request(actor=request.user, request_id=found.pk, **form.cleaned_data)
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            agreed = done.decision == AccessDecision.CONSENT
            messages.success(request, f"Answer recorded. {found.requesting_agency.name} will see that the person "
                                      + ("agreed, and can join their record." if agreed else "did not agree."))
            return redirect(reverse("consent:list", kwargs={"person_id": person.pk}) if agreed else back)
    return render_form(request, form, "matching/access_answer.html", found=found, person=person, back=back)


@staff_page
def join(request, request_id):
    access.get_agreed(request.user, request_id)
    back = reverse("matching:access-requests")
    return form_page(request, JoinForm(request.POST or None),
                     run=lambda data: access.join_by_request(actor=request.user, request_id=request_id, **data),
                     success="The person agreed: your agency now works with them",
                     redirect_to=lambda person: reverse("people:detail", kwargs={"person_id": person.pk}),
                     heading="Join the record", cancel_url=back, submit="Join the record",
                     intro="The person agreed that your agency may work with them. Your agency starts an episode "
                           "of care on their record, and sees what other agencies recorded only as the person's "
                           "consent allows.")
