"""Voice writes, part 3: checking redactions, "you said, we did" decisions, and publishing the summary of
responses. One transaction and audit entry each."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from throughcare.audit.recorder import record_action
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.voice import reads, workflow
from throughcare.voice.models import Decision, DecisionStatus, Redaction, RedactionStatus, Status, Theme
from throughcare.voice.permissions import get_consultation

MAX_DECISION_TEXT = 2_000
ENTITY_NAMES = {"EMAIL_ADDRESS": "An email address", "UK_NHS": "An NHS number", "UK_NINO": "A National Insurance number",
                "UK_POSTCODE": "A postcode", "PHONE_NUMBER": "A phone number", "STREET_ADDRESS": "An address",
                "PERSON": "A name"}


def _redaction(consultation, redaction_id) -> Redaction:
    redaction = Redaction.objects.select_related("quote__respondent", "quote__theme").filter(
        pk=redaction_id if str(redaction_id).isdigit() else None, quote__theme__consultation=consultation).first()
    if redaction is None:
        raise NotFound("Redaction not found")
    return redaction


@transaction.atomic
def decide_redaction(*, actor, consultation_id, redaction_id, accept: bool) -> Redaction:
    """Accept a redaction, or undo it (a name that is not a person's, say). Structured identifiers (email, phone,
    NHS and National Insurance numbers, postcodes) are never published: those redactions cannot be undone."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    redaction = _redaction(consultation, redaction_id)
    if not accept and redaction.entity in workflow.STRUCTURED:
        raise ValidationFailed({"redaction": f"{ENTITY_NAMES.get(redaction.entity, 'This identifier')} is never "
                                             "published: this redaction cannot be undone"})
    redaction.status = RedactionStatus.ACCEPTED if accept else RedactionStatus.UNDONE
    redaction.decided_by = actor
    redaction.decided_at = timezone.now()
    redaction.save(update_fields=["status", "decided_by", "decided_at"])
    where = f"response {redaction.quote.respondent.ref} {redaction.entity}"
    if accept:
        record_action(actor=actor, action="voice_redaction.accept", resource="consultation",
                      resource_id=consultation.pk, reason=where)
    else:
        record_action(actor=actor, action="voice_redaction.undo", resource="consultation",
                      resource_id=consultation.pk, reason=where)
    return redaction


def _decision_fields(consultation, *, theme_id, you_said, we_did, status, rationale, next_steps) -> dict:
    errors: dict[str, str] = {}
    theme = None
    if theme_id not in (None, ""):
        theme = Theme.objects.filter(pk=theme_id if str(theme_id).isdigit() else None, consultation=consultation,
                                     approved=True).first()
        if theme is None:
            errors["theme"] = "Choose an approved theme from the list, or “not about one theme”"
    values = {}
    for name, value, label, required in (("you_said", you_said, "what respondents said", True),
                                         ("we_did", we_did, "what was decided", True),
                                         ("rationale", rationale, "why", False),
                                         ("next_steps", next_steps, "the next steps", False)):
        value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
        if "\x00" in value:
            errors[name] = f"Remove the null characters from {label}"
        elif required and not value:
            errors[name] = f"Enter {label}"
        elif len(value) > MAX_DECISION_TEXT:
            errors[name] = f"Keep {label} to {MAX_DECISION_TEXT:,} characters or fewer"
        values[name] = value
    if status not in DecisionStatus.values:
        errors["status"] = "Choose the decision's status"
    if errors:
        raise ValidationFailed(errors)
    return values | {"theme": theme, "status": status}


@transaction.atomic
def add_decision(*, actor, consultation_id, theme_id=None, you_said: str, we_did: str, status: str,
                 rationale: str = "", next_steps: str = "") -> Decision:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    fields = _decision_fields(consultation, theme_id=theme_id, you_said=you_said, we_did=we_did, status=status,
                              rationale=rationale, next_steps=next_steps)
    last = consultation.decisions.order_by("-position").first()
    decision = Decision.objects.create(consultation=consultation, position=(last.position + 1) if last else 1,
                                       created_by=actor, **fields)
    record_action(actor=actor, action="voice_decision.add", resource="consultation", resource_id=consultation.pk,
                  reason=f"decision {decision.pk}: {decision.status}")
    return decision


def _decision(consultation, decision_id) -> Decision:
    decision = consultation.decisions.filter(pk=decision_id if str(decision_id).isdigit() else None).first()
    if decision is None:
        raise NotFound("Decision not found")
    return decision


@transaction.atomic
def update_decision(*, actor, consultation_id, decision_id, theme_id=None, you_said: str, we_did: str, status: str,
                    rationale: str = "", next_steps: str = "") -> Decision:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    decision = _decision(consultation, decision_id)
    fields = _decision_fields(consultation, theme_id=theme_id, you_said=you_said, we_did=we_did, status=status,
                              rationale=rationale, next_steps=next_steps)
    for key, value in fields.items():
        setattr(decision, key, value)
    decision.save()
    record_action(actor=actor, action="voice_decision.update", resource="consultation", resource_id=consultation.pk,
                  reason=f"decision {decision.pk}: {decision.status}")
    return decision


@transaction.atomic
def remove_decision(*, actor, consultation_id, decision_id) -> None:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    decision = _decision(consultation, decision_id)
    pk = decision.pk
    decision.delete()
    record_action(actor=actor, action="voice_decision.remove", resource="consultation", resource_id=consultation.pk,
                  reason=f"decision {pk}")


@transaction.atomic
def publish_summary(*, actor, consultation_id):
    """Publish (or publish again) the summary of responses: approved themes, tallies, quotes only from respondents
    who allowed it and with personal data redacted, campaigns disclosed, and the decisions. The public page and
    PDF show this copy until the next publication."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    if consultation.status not in (Status.CLOSED, Status.PUBLISHED):
        raise ValidationFailed({"publish": "Close the consultation to responses before publishing its summary"})
    if not consultation.respondents.exists():
        raise ValidationFailed({"publish": "There are no responses to summarise"})
    analysis = reads.build_analysis(consultation, publication=True)
    left = [f"question {qid}, {theme['label']}" for qid, themes in analysis["themes"].items() for theme in themes
            for quote in theme["quotes"] if workflow.structured_left(quote["text"])]
    if left:
        raise ValidationFailed({"publish": "Personal details are still in quotes under " + "; ".join(left[:3])})
    consultation.summary = analysis
    consultation.status = Status.PUBLISHED
    consultation.published_at = timezone.now()
    consultation.save(update_fields=["summary", "status", "published_at", "updated_at"])
    themes = sum(len(t) for t in analysis["themes"].values())
    quotes = sum(len(t["quotes"]) for ts in analysis["themes"].values() for t in ts)
    record_action(actor=actor, action="voice_summary.publish", resource="consultation", resource_id=consultation.pk,
                  reason=f"{len(analysis['respondents'])} responses, {themes} themes, {quotes} quotes, "
                         f"{len(analysis['decisions'])} decisions")
    return consultation
