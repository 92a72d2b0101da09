"""Shared view plumbing: staff-only pages, and turning domain errors into pages."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from throughcare.agencies.models import staff_of
from throughcare.core import idempotency
from throughcare.core.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from throughcare.core.forms import FORM_KEY

#: What the same form sent again is told (GovForm.once): the first was saved, and nothing twice. (In Welsh too:
#: the person's own pages use these.)
ALREADY_SAVED = _("This was saved when you first sent it. Nothing was saved twice.")
#: Two at once: the first is still being saved.
STILL_SAVING = _("This is already being saved. Wait a moment, then check before sending it again.")
#: The page's one-time key came back with something else in the form (Back, a change, Send).
SENT_BEFORE = _("This form was sent before, with different answers. Open the page again to make another.")


def back_to(request, next_url: str | None, fallback: str) -> HttpResponseRedirect:
    """Redirect to `next_url` if it is a path on this site (`/…`), else to `fallback`.

    Never `redirect(next_url)`: given "abc" it looks for a view named abc and fails with a server error,
    and a full address could send the person to another site."""
    if not (next_url and next_url.startswith("/")  # ("//host/…" is another site: Django's check refuses it)
            and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure())):
        next_url = fallback
    return HttpResponseRedirect(next_url)


def staff_page(view):
    """Signed-in staff only; NotFound becomes the ordinary 404 page, Forbidden a 403 page, and a
    ValidationFailed that the view did not turn into a form's errors (a filter in the address such as
    `?status=` with a value the page does not know) a 400 page naming the field, never a server error."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if staff_of(request.user) is None:
            return render(request, "403.html", {"message": "Your account is not linked to an agency"}, status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except Forbidden as exc:
            return render(request, "403.html", {"message": exc.message}, status=403)
        except ValidationFailed as exc:
            return render(request, "400.html", {"message": exc.message, "fields": sorted(exc.fields.items())},
                          status=400)

    return wrapper


def admin_page(view):
    """Administrators only: they set up the partnership and see no case content."""
    from throughcare.agencies.roles import Role

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        staff = staff_of(request.user)
        if staff is not None and staff.role != Role.ADMINISTRATOR:
            return render(request, "403.html", {"message": "Only administrators can change agencies and staff"},
                          status=403)
        return view(request, *args, **kwargs)

    return staff_page(wrapper)


def home(request):
    from throughcare.agencies.roles import RECORDING_ROLES, Role

    staff = staff_of(request.user)
    if staff is not None and staff.role == Role.ADMINISTRATOR:
        return redirect("agencies:list")
    if staff is not None and staff.role == Role.CALDICOTT_GUARDIAN:
        return redirect("consent:review-queue")
    if staff is not None and staff.role == Role.AUDITOR:
        return redirect("audit:list")
    if staff is not None and staff.role in RECORDING_ROLES:
        return redirect("today:page")
    if staff is not None and staff.role == Role.COMMISSIONER:
        return redirect("reporting:commissioner")
    return redirect("people:search")


def form_page(request, form, *, run, success, redirect_to, template: str = "form_page.html", **context):
    """The one shape of a form page: valid input runs the action, and its field errors land on the form.

    `run(cleaned_data)` calls the action; `success` and `redirect_to` are a message and a URL (or URL
    name), or functions of what `run` returned. Invalid input is answered 422 with the error summary.
    """
    if request.method == "POST" and form.is_valid():
        try:
            done = run_form_once(request, form, make=lambda: run(form.cleaned_data), target=lambda result: resolve_url(
                redirect_to(result) if callable(redirect_to) else redirect_to))
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except PreconditionFailed:
            form.add_error(None, "Someone else changed this while you had the page open. Go back to see it as it "
                                 "is now, then try again.")
        else:
            if done.replayed:
                messages.success(request, ALREADY_SAVED)
            else:
                messages.success(request, success(done.made) if callable(success) else success)
            return redirect(done.resource_id)
    return render_form(request, form, template, **context)


def run_form_once(request, form, *, make, target) -> idempotency.Once:
    """Run `make()` (the form's action) once for the form's one-time key (GovForm.once; none: it just runs).

    The same form sent again, with the same key and answers, does not run it: Once.replayed, and
    Once.resource_id is `target(made)` of the first, the address it led to. A second copy sent while the first is
    still being saved, or the key sent back with other answers, is a ValidationFailed naming no field (the page
    shows it above the form). Call after form.is_valid(); the key is taken out of form.cleaned_data."""
    key = form.cleaned_data.pop(FORM_KEY, "") or None
    answers = idempotency.request_hash(form.cleaned_data, scope="form", path=request.path)
    try:
        return idempotency.run_once(user=request.user, key=key, request_hash=answers, make=make, result_id=target)
    except Conflict:
        raise ValidationFailed({"__all__": STILL_SAVING}) from None
    except ValidationFailed as failure:
        if idempotency.HEADER in failure.fields:
            raise ValidationFailed({"__all__": SENT_BEFORE}) from None
        raise


def render_form(request, form, template: str = "form_page.html", **context):
    """A form page as it stands: 422 when it carries errors, so clients and tests can tell."""
    return render(request, template, {"form": form, **context}, status=422 if form.errors else 200)
