"""Shared view plumbing: staff-only pages, and turning domain errors into pages."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from throughcare.agencies.models import staff_of
from throughcare.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed


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
            result = run(form.cleaned_data)
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        except PreconditionFailed:
            form.add_error(None, "Someone else changed this while you had the page open. Go back to see it as it "
                                 "is now, then try again.")
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    return render_form(request, form, template, **context)


def render_form(request, form, template: str = "form_page.html", **context):
    """A form page as it stands: 422 when it carries errors, so clients and tests can tell."""
    return render(request, template, {"form": form, **context}, status=422 if form.errors else 200)
