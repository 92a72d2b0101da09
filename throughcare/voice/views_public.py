"""Voice pages for the public (no sign-in): the consultations open for responses, the response form (CSRF-checked
and rate-limited per client address), and published summaries of responses as a page and a PDF."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify

from throughcare.core import ratelimit
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.voice import actions, workflow
from throughcare.voice.forms import PublicResponseForm
from throughcare.voice.models import Consultation, Status
from throughcare.voice.permissions import get_public_consultation

WINDOW_SECONDS = 60 * 60
PDF_SECONDS = 24 * 60 * 60
TOO_MANY = "You have sent this form too many times in the last hour. Wait an hour, then try again."


def public_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


@public_page
def index(request):
    listed = Consultation.objects.filter(status__in=[Status.OPEN, Status.PUBLISHED]).order_by("-created_at")
    return render(request, "voice/public_index.html", {
        "open": [c for c in listed if c.status == Status.OPEN],
        "published": [c for c in listed if c.status == Status.PUBLISHED and c.summary]})


def _client_key(request) -> str:
    return ratelimit.key("voice-response", request.META.get("REMOTE_ADDR", ""))


@public_page
def respond(request, cid):
    consultation = get_public_consultation(cid, open_only=True)
    form = PublicResponseForm(request.POST if request.method == "POST" else None, questions=consultation.questions.all())
    status = 200
    if request.method == "POST":
        key = _client_key(request)
        if ratelimit.count(key) >= settings.VOICE_RESPONSES_PER_HOUR:
            return render(request, "voice/too_many.html", {"consultation": consultation, "message": TOO_MANY},
                          status=429)
        ratelimit.hit(key, WINDOW_SECONDS)
        if form.is_valid():
            data = form.cleaned_data
            try:
                respondent = actions.submit_response(
                    actor=request.user, consultation_id=cid, answers=form.answers(),
                    respondent_type=data["respondent_type"], organisation=data.get("organisation", ""),
                    name=data.get("name", ""), publish=data["publish"])
            except ValidationFailed as failure:
                form.add_action_errors(failure)
            else:
                return redirect(reverse("voice:thank-you", kwargs={"cid": cid}) + f"?ref={respondent.ref}")
        status = 422
    return render(request, "voice/respond.html", {"consultation": consultation, "form": form}, status=status)


@public_page
def thank_you(request, cid):
    consultation = get_public_consultation(cid)
    ref = request.GET.get("ref", "")
    return render(request, "voice/thank_you.html", {"consultation": consultation,
                                                    "ref": ref if ref.startswith("web-") and len(ref) < 20 else ""})


@public_page
def summary(request, cid):
    consultation = get_public_consultation(cid, published=True)
    return render(request, "voice/summary.html", {"consultation": consultation,
                                                  "summary": workflow.summary_context(consultation.summary)})


@public_page
def summary_pdf(request, cid):
    consultation = get_public_consultation(cid, published=True)
    # Rendering a PDF is slow: the published summary's PDF is kept in the shared cache until it is published again.
    key = f"voice:summary-pdf:{consultation.pk}:{consultation.published_at.timestamp()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = workflow.render_summary_pdf(consultation.summary)
        cache.set(key, pdf, PDF_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(consultation.title)[:60] or "consultation"
    response["Content-Disposition"] = f'attachment; filename="summary-of-responses-{name}.pdf"'
    return response
