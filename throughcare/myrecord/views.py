"""The person's own pages (under /my/) and the two staff pages of the person-held record.

Person pages are for a signed-in person account only (`person_page`): staff are refused, and a person is
refused by every staff page (core.views.staff_page: no agency) and the API (no token can be made for
them). Every read goes through myrecord.access.my_person (the scoped look-up, audited on the "person"
channel); every write through an action.
"""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from throughcare.appointments.reads import get_appointment, person_appointments, split_upcoming
from throughcare.audit.models import AuditEntry
from throughcare.audit.reads import about
from throughcare.audit.recorder import disclose
from throughcare.careteam.models import CareTeamMember
from throughcare.consent import actions as consent_actions
from throughcare.consent.models import Consent, ConsentKind
from throughcare.consent.summary import sharing_summary
from throughcare.core.categories import Category
from throughcare.core.csp import draws_charts
from throughcare.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from throughcare.core.views import back_to, form_page, staff_page
from throughcare.journey.timeline import timeline_page
from throughcare.myrecord import actions, signin
from throughcare.myrecord.access import account_of, my_person
from throughcare.myrecord.audit_words import AUTOMATIC, entry_words
from throughcare.myrecord.export import audit_withheld, subject_access_copy
from throughcare.myrecord.forms import (
    AnswerForm,
    CodeForm,
    CorrectionForm,
    GoalForm,
    IdentifierForm,
    InviteForm,
    PasswordSignInForm,
    SetPasswordForm,
    ShareForm,
    StopSharingForm,
)
from throughcare.myrecord.models import CorrectionRequest
from throughcare.myrecord.who import agencies_working_with, agency_contacts, describe_recipient, with_whom
from throughcare.myrecord.words import say
from throughcare.notifications.deferred import after_response
from throughcare.plans.actions import add_own_goal
from throughcare.plans.models import Domain
from throughcare.plans.reads import read_plan

STAFF_BACKEND = "throughcare.accounts.backends.StaffBackend"
ADDRESS_KEY = "tc_myrecord_address"
LANGUAGES = {"en-gb", "cy"}


def person_page(view):
    """The signed-in person's pages: their own record, on the "person" audit channel."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("myrecord:sign-in")
        if account_of(request.user) is None:
            return render(request, "myrecord/not_for_you.html", status=403)
        ctx = getattr(request, "throughcare", None)
        if ctx is not None:
            ctx.channel = "person"
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404(_("Page not found")) from None
        except Forbidden as exc:
            return render(request, "myrecord/not_for_you.html", {"message": say(exc.message)}, status=403)

    return wrapper


def not_found(request, exception=None):
    """"Page not found" under /my/, in the person's language (throughcare/urls.py's handler404 sends them here)."""
    return render(request, "myrecord/not_found.html", status=404)


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _sign_in(request, account, how: str):
    request.session.pop(ADDRESS_KEY, None)
    login(request, account.user, backend=STAFF_BACKEND)
    request.session.set_expiry(settings.PERSON_SESSION_MINUTES * 60)
    signin.signed_in(account=account, how=how)
    return redirect("myrecord:home")


def _render(request, template: str, context: dict | None = None, *, form=None, status: int | None = None):
    context = dict(context or {})
    if form is not None:
        context["form"] = form
    return render(request, template, context, status=status or (422 if form is not None and form.errors else 200))


# --- signing in ------------------------------------------------------------------------------------------


def sign_in(request):
    if account_of(request.user) is not None:
        return redirect("myrecord:home")
    form = IdentifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            address = signin.request_code(identifier=form.cleaned_data["identifier"], client=_client(request))
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except signin.TooManyAttempts as exc:
            form.add_error(None, exc.message)
            return _render(request, "myrecord/sign_in.html", form=form, status=429)
        else:
            request.session[ADDRESS_KEY] = address
            base_url = _base_url(request)
            # The code is made and sent once the answer has gone: the same answer, after the same work,
            # whether or not the address has an account (signin.request_code).
            return after_response(redirect("myrecord:sign-in-code"),
                                  lambda: signin.issue_code(address=address, base_url=base_url))
    return _render(request, "myrecord/sign_in.html", form=form)


def sign_in_code(request):
    address = request.session.get(ADDRESS_KEY)
    if not address:
        return redirect("myrecord:sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = signin.check_code(address=address, code=form.cleaned_data["code"], client=_client(request))
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except signin.TooManyAttempts as exc:
            form.add_error(None, exc.message)
            return _render(request, "myrecord/sign_in_code.html", {"address": address}, form=form, status=429)
        else:
            return _sign_in(request, account, "code")
    return _render(request, "myrecord/sign_in_code.html", {"address": address}, form=form)


def sign_in_link(request, token):
    """A link from the message: a button to press (so a link checker opening it does not spend it)."""
    if request.method == "POST":
        try:
            account = signin.check_link(token=token)
        except ValidationFailed as failure:
            return _render(request, "myrecord/sign_in_link.html", {"problem": failure.fields["link"]}, status=410)
        return _sign_in(request, account, "link")
    return _render(request, "myrecord/sign_in_link.html")


def sign_in_password(request):
    form = PasswordSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = signin.check_password(identifier=form.cleaned_data["identifier"],
                                            password=form.cleaned_data["password"], client=_client(request))
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except signin.TooManyAttempts as exc:
            form.add_error(None, exc.message)
            return _render(request, "myrecord/sign_in_password.html", form=form, status=429)
        else:
            return _sign_in(request, account, "password")
    return _render(request, "myrecord/sign_in_password.html", form=form)


@require_POST
def sign_out(request):
    language = translation.get_language()
    logout(request)
    response = redirect("myrecord:sign-in")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


def language(request, code):
    """The language switcher: English or Welsh, remembered in a cookie; back to the page it was used on."""
    if code not in LANGUAGES:
        raise Http404("Page not found")
    response = back_to(request, request.GET.get("next"), reverse("myrecord:home"))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax", max_age=365 * 24 * 60 * 60)
    return response


# --- my record -------------------------------------------------------------------------------------------


@person_page
def home(request):
    person, grant = my_person(request.user, action="myrecord.home")
    lead = CareTeamMember.objects.filter(person=person, is_lead=True, left_at__isnull=True).select_related(
        "worker", "agency").first()
    next_appointment = (person.appointments.filter(status="booked", starts_at__gte=timezone.now())
                        .select_related("agency").order_by("starts_at").first())
    return render(request, "myrecord/home.html", {"person": person, "lead": lead,
                                                  "next_appointment": next_appointment,
                                                  "release_plan": _release_plan(person)})


def _release_plan(person):
    """The person's latest release plan, if the releases app has one for them (its pack is theirs)."""
    try:
        from throughcare.releases.models import ReleasePlan
    except ImportError:  # pragma: no cover - the releases app is part of the project
        return None
    return ReleasePlan.objects.filter(person=person).order_by("-opened_at").first()


@person_page
def story(request):
    person, grant = my_person(request.user, action="myrecord.story")
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    timeline = timeline_page(person, grant, page=page_number)
    disclose(timeline.categories)
    events = [{"event": e, "kind": say(e.get_kind_display()), "category": say(e.get_category_display())}
              for e in timeline.events]
    return render(request, "myrecord/story.html", {"person": person, "timeline": timeline, "events": events})


@person_page
def team(request):
    person, grant = my_person(request.user, action="myrecord.team")
    members = list(CareTeamMember.objects.filter(person=person, left_at__isnull=True)
                   .select_related("worker", "agency").order_by("-is_lead", "agency__name", "id"))
    agencies = agencies_working_with(person)
    contacts = {row.agency.pk: row.contact for row in agencies}
    missing = {m.agency_id for m in members} - set(contacts)
    contacts.update(agency_contacts(missing) if missing else {})
    return render(request, "myrecord/team.html", {
        "person": person, "agencies": agencies,
        "members": [(m, contacts.get(m.agency_id)) for m in members]})


@person_page
def plan(request):
    read = read_plan(request.user, account_of(request.user).person_id, action="myrecord.plan")
    goals = read.view["goals"]
    domains = [(say(label), [g for g in goals if g["domain"] == value]) for value, label in Domain.choices
               if any(g["domain"] == value for g in goals)]
    for goal in goals:
        goal["status_words"] = say(goal["status_label"])
    return render(request, "myrecord/plan.html", {"person": read.person, "plan": read.view, "domains": domains,
                                                  "exists": read.plan is not None,
                                                  "stage": say(read.view.get("stage_label"))})


@person_page
def goal_new(request):
    read = read_plan(request.user, account_of(request.user).person_id, action="myrecord.plan")
    form = GoalForm(request.POST or None, initial={"version": read.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            add_own_goal(actor=request.user, person_id=read.person.pk,
                         expected_version=data.get("version") if data.get("version") is not None else read.version,
                         domain=data["domain"], in_their_words=data["in_their_words"])
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except PreconditionFailed:
            form.add_error(None, _("Your plan was changed while you were writing. Your goal has not been added: "
                                   "check your plan, then add it again."))
        else:
            messages.success(request, _("Your goal has been added to your plan"))
            return redirect("myrecord:plan")
    return _render(request, "myrecord/goal_new.html", {"person": read.person}, form=form)


@person_page
def appointments(request):
    person, _grant, rows = person_appointments(request.user, account_of(request.user).person_id)
    upcoming, past = split_upcoming(rows)
    return render(request, "myrecord/appointments.html", {
        "person": person,
        "upcoming": [(a, say(a.get_mode_display())) for a in upcoming],
        "past": [(a, say(a.get_status_display())) for a in past],
    })


@person_page
def appointment_ics(request, appointment_id):
    from throughcare.appointments.api import calendar_response

    appointment, _grant = get_appointment(request.user, appointment_id, action="myrecord.appointment_calendar")
    return calendar_response(appointment)


@person_page
@draws_charts
def progress(request):
    """"How I'm doing": my outcome reviews over time, from throughcare.outcomes when it is installed."""
    person_id = account_of(request.user).person_id
    try:
        from throughcare.outcomes.reads import progress as outcome_progress
    except ImportError:  # the extension point: without outcome reviews the page says so
        person, _grant = my_person(request.user, action="myrecord.progress")
        return render(request, "myrecord/progress.html", {"person": person, "measures": [], "available": False})
    from throughcare.myrecord.charts import person_chart, translated_measures

    person, _grant, data = outcome_progress(request.user, person_id, action="myrecord.progress")
    measures = translated_measures(data["measures"])
    return render(request, "myrecord/progress.html", {"person": person, "measures": measures,
                                                      "available": True, "spec": person_chart(measures)})


@person_page
def release_pack(request, plan_id):
    """My release pack: the same PDF the prison prints for me, from my own view of my release plan."""
    from throughcare.releases import reads as release_reads
    from throughcare.releases.pack import build, render_pdf

    plan, grant = release_reads.get_plan(request.user, plan_id, action="myrecord.release_pack")
    context = build(plan, grant)
    disclose(sorted(set(context["view"].categories) | {Category.CONTACT_ADMIN}))
    response = HttpResponse(render_pdf("releases/pack.html", context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="release-pack-{plan.release_on:%Y-%m-%d}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- sharing -----------------------------------------------------------------------------------------------


def describe(consent: Consent) -> str:
    """The person's words for a consent to share, in their language ("every housing provider can see ...")."""
    who = describe_recipient(consent)
    what = ", ".join(say(Category(c).label).lower() for c in consent.categories)
    return _("%(who)s can see: %(what)s.") % {"who": who, "what": what}


@person_page
def sharing(request):
    person, grant = my_person(request.user, action="myrecord.sharing")
    summary = sharing_summary(person)
    today = timezone.localdate()
    shares = [(c, describe(c), describe_recipient(c), with_whom(c)) for c, _text in summary.sharing]
    past = [(c, describe(c)) for c in Consent.objects.filter(person=person, kind=ConsentKind.SHARE)
            .select_related("recipient_agency") if not c.is_active(today)]
    return render(request, "myrecord/sharing.html", {"person": person, "shares": shares, "past": past,
                                                     "working_with": agencies_working_with(person),
                                                     "emergency": summary.emergency})


@person_page
def share(request):
    person, grant = my_person(request.user, action="myrecord.share_form")
    form = ShareForm(request.POST or None)
    return form_page(request, form, run=lambda data: consent_actions.record_consent(
        actor=request.user, person_id=person.pk, kind=ConsentKind.SHARE, recipient_agency=data["recipient_agency"],
        purposes=data["purposes"], categories=data["categories"], how_given="digital"),
        success=lambda consent: _("You are now sharing with %(agency)s") % {"agency": consent.recipient_agency.name},
        redirect_to="myrecord:sharing", template="myrecord/share.html", person=person)


@person_page
def stop_sharing(request, consent_id):
    person, grant = my_person(request.user, action="myrecord.stop_sharing_form")
    consent = (Consent.objects.select_related("recipient_agency")
               .filter(pk=_uuid(consent_id), person=person, withdrawn_at__isnull=True).first())
    if consent is None:
        raise NotFound("Consent not found")
    form = StopSharingForm(request.POST or None)
    return form_page(request, form, run=lambda data: consent_actions.withdraw_consent(
        actor=request.user, consent_id=consent.pk, reason=data["reason"]),
        success=_("Sharing stopped. It stopped straight away."), redirect_to="myrecord:sharing",
        template="myrecord/stop_sharing.html", person=person, consent=consent, words=describe(consent),
        with_whom=with_whom(consent))


def _uuid(value):
    from throughcare.core.ids import parse_uuid

    return parse_uuid(value)


@person_page
def looked_at(request):
    """Who has looked at my record, and when: the audit trail's entries about me (audit.reads: my record, records
    merged into it, searches and lists I was on) by anyone but me."""
    person, grant = my_person(request.user, action="myrecord.access_log", categories=[])
    entries = (AuditEntry.objects.filter(about(person.pk), outcome="allowed").exclude(channel="person")
               .exclude(user_id=request.user.pk).exclude(audit_withheld()).order_by("-seq"))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [(e, entry_words(e)) for e in page.object_list]
    return render(request, "myrecord/looked_at.html", {"person": person, "page": page, "rows": rows,
                                                       "automatic": gettext(AUTOMATIC)})


# --- everything held, and corrections ------------------------------------------------------------------------


@person_page
def copy(request):
    person, grant = my_person(request.user, action="myrecord.copy_page", categories=[])
    return render(request, "myrecord/copy.html", {"person": person})


def _copy(request, action: str) -> dict:
    person, grant = my_person(request.user, action=action, categories=sorted(Category.values))
    return subject_access_copy(person)


@person_page
def copy_json(request):
    data = _copy(request, "myrecord.copy_json")
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False, default=str),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-record-{timezone.localdate():%Y-%m-%d}.json"'
    return response


@person_page
def copy_pdf(request):
    from throughcare.myrecord.pdf import copy_pdf as render_pdf

    data = _copy(request, "myrecord.copy_pdf")
    response = HttpResponse(render_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="my-record-{timezone.localdate():%Y-%m-%d}.pdf"'
    return response


@person_page
def correction(request):
    person, grant = my_person(request.user, action="myrecord.correction_form", categories=[])
    form = CorrectionForm(request.POST or None)
    asked = list(CorrectionRequest.objects.filter(person=person).select_related("answered_by"))
    for item in asked:
        item.status_words = say(item.get_status_display())
    return form_page(request, form, run=lambda data: actions.request_correction(
        actor=request.user, what=data["what"], correction=data["correction"]),
        success=_("We have sent your request to your lead worker"), redirect_to="myrecord:correction",
        template="myrecord/correction.html", person=person, asked=asked)


@person_page
def password(request):
    person, grant = my_person(request.user, action="myrecord.password_form", categories=[])
    form = SetPasswordForm(request.POST or None)
    has_password = request.user.has_usable_password()

    def run(data):
        actions.set_password(actor=request.user, password=data["password"], confirm=data["confirm"])
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, request.user)

    return form_page(request, form, run=run, success=_("Your password is set"), redirect_to="myrecord:home",
                     template="myrecord/password.html", person=person, has_password=has_password)


# --- staff pages ------------------------------------------------------------------------------------------


@staff_page
def invite(request, person_id):
    from throughcare.people.access import get_person

    person, grant = get_person(request.user, person_id, action="person_account.form", write=True)
    if not grant.relationship:
        raise Forbidden("Only an agency working with the person can set up their own record")
    account = getattr(person, "account", None)
    if account is not None and account.disabled_at is not None:
        account = None  # turned off: the form turns it back on
    form = InviteForm(request.POST or None)
    return form_page(request, form, run=lambda data: actions.invite_person(
        actor=request.user, person_id=person.pk, channel=data["channel"], address=data["address"],
        base_url=_base_url(request)),
        success=lambda acc: f"{person.display_name} can now sign in to their own record",
        redirect_to=reverse("people:detail", kwargs={"person_id": person.pk}),
        template="myrecord/invite.html", person=person, account=account)


@staff_page
@require_POST
def stop(request, person_id):
    """Turn the person's sign-in off at once (the button on the page above)."""
    try:
        account = actions.stop_sign_in(actor=request.user, person_id=person_id)
    except ValidationFailed as failure:
        return render(request, "403.html", {"message": failure.fields["account"]}, status=422)
    messages.success(request, f"{account.person.display_name} can no longer sign in to their own record")
    return redirect("myrecord:invite", person_id=account.person_id)


@staff_page
def answer(request, correction_id):
    item, person, grant = actions.get_correction(request.user, correction_id)
    form = AnswerForm(request.POST or None)
    return form_page(request, form, run=lambda data: actions.answer_correction(
        actor=request.user, correction_id=item.pk, answer=data["answer"]),
        success="Your answer is on their record", redirect_to="today:page",
        template="myrecord/answer.html", person=person, item=item)

