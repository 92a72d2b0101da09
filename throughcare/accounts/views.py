from django import forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.accounts import totp, two_factor
from throughcare.agencies.models import staff_of
from throughcare.core import ratelimit
from throughcare.core.errors import ValidationFailed
from throughcare.core.forms import GovForm
from throughcare.core.views import back_to

STAFF_BACKEND = "throughcare.accounts.backends.StaffBackend"


#: Failed password attempts allowed per username, and per client address, in a window; then sign-in waits.
FAILURES_PER_USERNAME = 10
FAILURES_PER_CLIENT = 50
FAILURE_WINDOW_SECONDS = 15 * 60
TOO_MANY = "Too many attempts to sign in. Wait 15 minutes, then try again."


class SignInForm(GovForm, AuthenticationForm):
    username = forms.CharField(label="Username", widget=forms.TextInput(attrs={"autocomplete": "username",
                                                                           "spellcheck": "false"}))
    password = forms.CharField(label="Password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "This account is inactive",
    }

    def _keys(self) -> list[str]:
        username = (self.data.get("username") or "").strip().lower()
        client = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return [ratelimit.key("staff-sign-in-user", username), ratelimit.key("staff-sign-in-client", client)]

    def clean(self):
        """Refuse before checking the password once a username (or a client) has failed too often: a correct
        password does not get through either, so guessing gains nothing. Only failures are counted."""
        user_key, client_key = self._keys()
        if ratelimit.count(user_key) >= FAILURES_PER_USERNAME or ratelimit.count(client_key) >= FAILURES_PER_CLIENT:
            raise forms.ValidationError(TOO_MANY, code="too_many")
        try:
            return super().clean()
        except forms.ValidationError:
            ratelimit.hit(user_key, FAILURE_WINDOW_SECONDS)
            ratelimit.hit(client_key, FAILURE_WINDOW_SECONDS)
            raise


class SignInView(auth_views.LoginView):
    """The password step. A user who needs a second factor is not signed in yet: the code step does that."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.needs_code(user):
            self.request.session.cycle_key()
            two_factor.begin(self.request.session, user, self.get_redirect_url())
            device = two_factor.device_of(user)
            confirmed = device is not None and device.confirmed_at is not None
            return redirect("accounts:two-factor" if confirmed else "accounts:two-factor-setup")
        return super().form_valid(form)


class SignOutView(auth_views.LogoutView):
    pass


class CodeForm(GovForm):
    code = forms.CharField(label="Code from your authenticator app", max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false",
                                                         "class": "govuk-input--width-5"}))


def _finish(request, user):
    next_url = two_factor.pending_next(request.session)
    request.session.pop(two_factor.PENDING_KEY, None)
    login(request, user, backend=STAFF_BACKEND)
    return back_to(request, next_url, reverse("home"))


def _check(request, form, user):
    """Run the code through the action; a wrong code lands on the form, and too many end the attempt."""
    try:
        two_factor.check_code(actor=user, code=form.cleaned_data["code"])
    except ValidationFailed as failure:
        if two_factor.pending_user(request.session) is not None and two_factor.count_wrong(request.session):
            return redirect(reverse("accounts:sign-in") + "?expired=1")
        form.add_action_errors(failure)
        return None
    return True


def two_factor_page(request):
    """The code step of signing in."""
    user = two_factor.pending_user(request.session)
    if user is None:
        return redirect(reverse("accounts:sign-in") + "?expired=1")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = _check(request, form, user)
        if outcome is True:
            return _finish(request, user)
        if outcome is not None:
            return outcome
    return render(request, "accounts/two_factor.html", {"form": form}, status=422 if form.errors else 200)


def two_factor_setup(request):
    """Set up an authenticator app: during sign-in (a role that needs one) or later, signed in, by choice."""
    pending = two_factor.pending_user(request.session)
    user = pending or (request.user if staff_of(request.user) is not None else None)
    if user is None:
        return redirect(reverse("accounts:sign-in") + "?expired=1")
    device = two_factor.start_enrolment(user)
    if device.confirmed_at is not None and pending is None:
        return render(request, "accounts/two_factor_setup.html", {"done": True})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = _check(request, form, user)
        if outcome is True:
            if pending is not None:
                return _finish(request, user)
            return render(request, "accounts/two_factor_setup.html", {"done": True})
        if outcome is not None:
            return outcome
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "secret": totp.grouped(device.secret), "signing_in": pending is not None,
        "uri": totp.provisioning_uri(device.secret, account=user.get_username()),
    }, status=422 if form.errors else 200)
