"""Voice writes, part 2: the analysis run, themes (propose, rename, approve, merge, split, add) and coding
(the analyst's sample, the classifier for the rest, the review queue). One transaction and audit entry each.

What survives a new run of the analysis (the analyst's decisions): passages the analyst moved or whose closed
answer they corrected (that document is not mapped again), approved or edited themes (new themes are proposed
only for responses they do not already cover), the analyst's codes (the classifier codes only the others, and
learns from them), and the redaction decisions on quotes that are chosen again.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from throughcare.audit.recorder import record_action
from throughcare.core.errors import NotFound, ThroughcareError, ValidationFailed
from throughcare.voice import workflow
from throughcare.voice.actions import _save_passages
from throughcare.voice.models import (
    AnalysisRun,
    Assignment,
    Campaign,
    CodedBy,
    Passage,
    Quote,
    Redaction,
    Respondent,
    Source,
    Stance,
    Theme,
)
from throughcare.voice.permissions import get_consultation

log = logging.getLogger("throughcare.voice")


def units(question) -> dict[str, workflow.Unit]:
    passages = Passage.objects.filter(question=question).select_related("respondent").order_by(
        "respondent__ref", "position")
    return workflow.units_for(question, passages)


def _question(consultation, question_id):
    question = consultation.questions.filter(pk=question_id if str(question_id).isdigit() else None).first()
    if question is None or not question.has_free_text:
        raise NotFound("Question not found")
    return question


def _theme(consultation, theme_id) -> Theme:
    theme = Theme.objects.select_related("question").filter(
        pk=theme_id if str(theme_id).isdigit() else None, consultation=consultation).first()
    if theme is None:
        raise NotFound("Theme not found")
    return theme


def _campaign_copies(consultation) -> set[str]:
    """Respondents whose text is a campaign's standard text sent again: the standard is analysed once."""
    copies = set()
    for campaign in consultation.campaigns.filter(kind="campaign").select_related("standard"):
        standard = campaign.standard.ref if campaign.standard else None
        copies.update(r.ref for r in campaign.members.all() if r.ref != standard)
    return copies


# --- the pieces of a run ------------------------------------------------------------------------------------


def _answer_texts(consultation) -> dict[str, str]:
    """Each respondent's answers (not the questions their document or form echoes), for campaign detection."""
    texts: dict[str, list[str]] = {}
    for passage in Passage.objects.filter(respondent__consultation=consultation).select_related(
            "respondent").order_by("respondent__ref", "position"):
        texts.setdefault(passage.respondent.ref, []).append(passage.text)
    return {ref: "\n\n".join(parts) for ref, parts in texts.items()}


def _remap_documents(consultation, questions) -> int:
    touched = set(Passage.objects.filter(respondent__consultation=consultation).filter(
        Q(remapped=True) | Q(closed_corrected=True)).values_list("respondent_id", flat=True))
    by_qid = {q.qid: q for q in questions}
    count = 0
    for respondent in consultation.respondents.filter(source=Source.DOCUMENT).exclude(pk__in=touched):
        respondent.passages.all().delete()
        _save_passages(respondent, workflow.map_document(respondent.text, questions), by_qid)
        count += 1
    return count


def _find_campaigns(consultation) -> int:
    consultation.respondents.update(campaign=None)
    consultation.campaigns.all().delete()
    groups = workflow.find_campaigns(_answer_texts(consultation))
    by_ref = {r.ref: r for r in consultation.respondents.all()}
    for position, group in enumerate(groups, start=1):
        campaign = Campaign.objects.create(consultation=consultation, position=position, kind=group.kind,
                                           size=len(group.members), standard=by_ref.get(group.standard_id),
                                           mean_similarity=round(group.similarity, 3), variations=group.variations)
        Respondent.objects.filter(consultation=consultation, ref__in=group.members).update(campaign=campaign)
    return len(groups)


def _next_key(rows) -> tuple[int, int]:
    numbers = [int(t.key[1:]) for t in rows if t.key[1:].isdigit()]
    return max(numbers, default=0) + 1, max((t.position for t in rows), default=0) + 1


def _propose(question, found: dict[str, workflow.Unit], copies: set[str]) -> int:
    """Proposed themes for the responses that no approved or edited theme covers (the others are kept)."""
    question.themes.filter(approved=False, edited=False).delete()
    kept = list(question.themes.all())
    covered = {ref for theme in kept for ref in theme.members}
    texts = {ref: unit.text for ref, unit in found.items() if ref not in covered and ref not in copies}
    proposed = workflow.propose_themes(texts) if texts else []
    number, position = _next_key(kept)
    Theme.objects.bulk_create([Theme(
        consultation_id=question.consultation_id, question=question, key=f"T{number + n}", position=position + n,
        label=t.label[:200], description=t.description, keywords=t.keywords, members=t.members,
        representatives=t.representatives) for n, t in enumerate(proposed)])
    return len(proposed)


def _classify(question, found: dict[str, workflow.Unit]) -> tuple[int, int]:
    """The classifier codes every answer the analyst has not, with the approved themes. (coded, for review)"""
    approved = list(question.themes.filter(approved=True))
    existing = {a.respondent_id: a for a in question.assignments.prefetch_related("themes")}
    if not approved:
        return 0, 0
    by_respondent = {unit.respondent_id: unit for unit in found.values()}
    analyst = {rid for rid, a in existing.items() if a.coded_by == CodedBy.ANALYST}
    examples = [(by_respondent[rid].text, [t.key for t in existing[rid].themes.all() if t.approved])
                for rid in sorted(analyst, key=lambda r: by_respondent[r].ref if r in by_respondent else "")
                if rid in by_respondent]
    texts = {ref: unit.text for ref, unit in found.items() if unit.respondent_id not in analyst}
    coded = workflow.code(approved, examples, texts) if texts else []
    by_key = {t.key: t for t in approved}
    now = timezone.now()
    for result in coded:
        unit = found[result.response_id]
        assignment = existing.get(unit.respondent_id) or Assignment(question=question, respondent_id=unit.respondent_id)
        assignment.stance = result.stance if result.stance in Stance.values else Stance.NEUTRAL
        assignment.confidence = result.confidence
        assignment.coded_by = CodedBy.CLASSIFIER
        assignment.needs_review = bool(result.review)
        assignment.coded_by_user = None
        assignment.coded_at = now
        assignment.save()
        assignment.themes.set([by_key[k] for k in result.theme_ids if k in by_key])
    stale = [rid for rid, a in existing.items() if a.coded_by == CodedBy.CLASSIFIER and rid not in by_respondent]
    question.assignments.filter(respondent_id__in=stale).delete()
    return len(coded), sum(1 for c in coded if c.review)


def _refresh_quotes(theme: Theme, found: dict[str, workflow.Unit]) -> int:
    """Up to two verbatim quotes for an approved theme, from respondents who allowed publication; personal data
    found in each is listed as redactions (decisions kept when the same quote is chosen again)."""
    if not theme.approved:
        theme.quotes.all().delete()
        return 0
    assigned = {a.respondent.ref: (1.0 if a.coded_by == CodedBy.ANALYST else a.confidence or 0.0)
                for a in theme.assignments.select_related("respondent")}
    coded = set(Assignment.objects.filter(question_id=theme.question_id).values_list("respondent__ref", flat=True))
    pool = {ref: assigned.get(ref, 0.0) for ref in workflow.theme_respondents(assigned, theme.members, coded)}
    reps = {ref: n for n, ref in enumerate(theme.representatives)}
    order = sorted((ref for ref in pool if ref in found and found[ref].publish != "no"),
                   key=lambda ref: (reps.get(ref, len(reps)), -pool[ref], ref))
    chosen = []
    for ref in order:
        span = workflow.quote_span(found[ref])
        if span:
            chosen.append((found[ref], span))
        if len(chosen) == workflow.QUOTES_PER_THEME:
            break
    existing = {(q.respondent_id, q.start, q.end): q for q in theme.quotes.all()}
    keep = {(unit.respondent_id, *span) for unit, span in chosen}
    theme.quotes.exclude(pk__in=[q.pk for key, q in existing.items() if key in keep]).delete()
    for position, (unit, (start, end)) in enumerate(chosen):
        quote = existing.get((unit.respondent_id, start, end))
        if quote is None:
            quote = Quote.objects.create(theme=theme, respondent_id=unit.respondent_id, position=position,
                                         start=start, end=end)
            Redaction.objects.bulk_create([Redaction(quote=quote, entity=r.entity, start=r.start, end=r.end,
                                                     text=r.text[:500], score=round(r.score, 2))
                                           for r in workflow.find_personal_data(unit.source[start:end])])
        elif quote.position != position:
            quote.position = position
            quote.save(update_fields=["position"])
    return len(chosen)


def _quotes_for_question(question, found) -> int:
    return sum(_refresh_quotes(theme, found) for theme in question.themes.filter(approved=True))


# --- the run ------------------------------------------------------------------------------------------------


NOTHING_TO_ANALYSE = "There are no responses to analyse yet"
ANALYSIS_FAILED = ("The analysis failed and nothing was changed. The reason is logged; try again, or ask your "
                   "administrator")


def run_analysis(*, actor, consultation_id, run: AnalysisRun | None = None) -> AnalysisRun:
    """Map documents again, find campaigns, propose themes, code, choose quotes, in one transaction, and
    record the run as done. The pages and the API queue a run for the Voice worker (voice/worker.py), which
    calls this with the queued `run`; the command line and tests call it directly. A failure leaves
    everything as it was and the run failed, with the reason, to show."""
    consultation = get_consultation(actor, consultation_id)
    if run is None:
        run = AnalysisRun(consultation=consultation, started_by=actor, requested_at=timezone.now())
    run.started_at = run.started_at or timezone.now()
    try:
        with transaction.atomic():
            return _run(actor, consultation.pk, run)
    except ThroughcareError:
        raise
    except Exception as exc:  # noqa: BLE001 - the library failed: record it for the analyst, then say so
        log.exception("the Voice analysis of %s failed", consultation.pk)
        with transaction.atomic():
            finish_run(run, "failed", message=f"{type(exc).__name__}: {exc}"[:500])
            record_action(actor=actor, action="voice_analysis.fail", resource="consultation",
                          resource_id=consultation.pk, reason=type(exc).__name__)
        raise ValidationFailed({"analysis": ANALYSIS_FAILED}) from None


def finish_run(run: AnalysisRun, status: str, *, counts: dict | None = None, message: str = "") -> AnalysisRun:
    run.status, run.finished_at, run.counts, run.message = status, timezone.now(), counts or {}, message
    run.save()
    return run


def _run(actor, consultation_id, run: AnalysisRun) -> AnalysisRun:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    if not consultation.respondents.exists():
        raise ValidationFailed({"analysis": NOTHING_TO_ANALYSE})
    questions = list(consultation.questions.all())
    counts = {"responses": consultation.respondents.count(),
              "documents_mapped": _remap_documents(consultation, questions)}
    counts["campaigns"] = _find_campaigns(consultation)
    copies = _campaign_copies(consultation)
    counts.update(themes_proposed=0, coded=0, for_review=0, quotes=0)
    for question in questions:
        if not question.has_free_text:
            continue
        found = units(question)
        counts["themes_proposed"] += _propose(question, found, copies)
        coded, review = _classify(question, found)
        counts["coded"] += coded
        counts["for_review"] += review
        counts["quotes"] += _quotes_for_question(question, found)
    counts["passages"] = Passage.objects.filter(respondent__consultation=consultation).count()
    finish_run(run, "done", counts=counts)
    record_action(actor=actor, action="voice_analysis.run", resource="consultation", resource_id=consultation.pk,
                  reason=", ".join(f"{k} {v}" for k, v in counts.items())[:300])
    return run


@transaction.atomic
def propose_again(*, actor, consultation_id, question_id) -> int:
    """Propose themes again for one question: approved and edited themes stay, the others are replaced."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    question = _question(consultation, question_id)
    found = units(question)
    if not found:
        raise ValidationFailed({"themes": f"No response answers question {question.qid} yet"})
    count = _propose(question, found, _campaign_copies(consultation))
    record_action(actor=actor, action="voice_themes.propose", resource="consultation", resource_id=consultation.pk,
                  reason=f"question {question.qid}: {count} themes proposed")
    return count


# --- editing themes -----------------------------------------------------------------------------------------


def _edit(theme: Theme, engine_theme, **extra) -> None:
    theme.label = engine_theme.label[:200]
    theme.description = engine_theme.description
    theme.keywords = engine_theme.keywords
    theme.members = engine_theme.members
    theme.representatives = engine_theme.representatives
    theme.approved = engine_theme.approved
    theme.edited = True
    for key, value in extra.items():
        setattr(theme, key, value)
    theme.save()


@transaction.atomic
def rename_theme(*, actor, consultation_id, theme_id, label: str, description: str = "") -> Theme:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    theme = _theme(consultation, theme_id)
    errors = {}
    if len((label or "").strip()) > 200:
        errors["label"] = "The theme's name must be 200 characters or fewer"
    if len(description or "") > 2_000:
        errors["description"] = "The description must be 2,000 characters or fewer"
    if errors:
        raise ValidationFailed(errors)
    themes = workflow.theme_set(theme.question.themes.all())
    try:
        edited = themes.rename(theme.key, (label or "").replace("\x00", ""), (description or "").replace("\x00", ""))
    except workflow.ThemeError:
        raise ValidationFailed({"label": "Enter a name for the theme"}) from None
    _edit(theme, edited)
    record_action(actor=actor, action="voice_theme.rename", resource="consultation", resource_id=consultation.pk,
                  reason=f"question {theme.question.qid} theme {theme.key}")
    return theme


@transaction.atomic
def approve_theme(*, actor, consultation_id, theme_id, approved: bool = True) -> Theme:
    """Approve a theme (its quotes are chosen and their personal data listed), or withdraw the approval."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    theme = _theme(consultation, theme_id)
    if approved:
        workflow.theme_set([theme]).approve(theme.key)
        theme.approved = True
        theme.save(update_fields=["approved"])
        _refresh_quotes(theme, units(theme.question))
        record_action(actor=actor, action="voice_theme.approve", resource="consultation",
                      resource_id=consultation.pk, reason=f"question {theme.question.qid} theme {theme.key}")
    else:
        theme.approved = False
        theme.save(update_fields=["approved"])
        theme.quotes.all().delete()
        record_action(actor=actor, action="voice_theme.unapprove", resource="consultation",
                      resource_id=consultation.pk, reason=f"question {theme.question.qid} theme {theme.key}")
    return theme


@transaction.atomic
def merge_themes(*, actor, consultation_id, question_id, theme_ids: list, label: str = "") -> Theme:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    question = _question(consultation, question_id)
    rows = list(question.themes.all())
    chosen = [t for t in rows if str(t.pk) in {str(i) for i in theme_ids or []}]
    if len(chosen) < 2:
        raise ValidationFailed({"themes": "Choose at least two themes to merge"})
    label = (label or "").replace("\x00", "")
    if len(label.strip()) > 200:
        raise ValidationFailed({"label": "The theme's name must be 200 characters or fewer"})
    themes = workflow.theme_set(rows)
    merged = themes.merge([t.key for t in chosen], (label or "").strip() or None)
    keep, others = chosen[0], chosen[1:]
    for assignment in Assignment.objects.filter(themes__in=others).distinct():
        assignment.themes.add(keep)
        assignment.themes.remove(*others)
    consultation.decisions.filter(theme__in=others).update(theme=keep)
    Theme.objects.filter(pk__in=[t.pk for t in others]).delete()
    keep.quotes.all().delete()
    _edit(keep, merged)
    record_action(actor=actor, action="voice_theme.merge", resource="consultation", resource_id=consultation.pk,
                  reason=f"question {question.qid}: {', '.join(t.key for t in chosen)} into {keep.key}")
    return keep


@transaction.atomic
def split_theme(*, actor, consultation_id, theme_id) -> list[Theme]:
    """Split a theme in two by its responses; answers coded with it go back to the review queue."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    theme = _theme(consultation, theme_id)
    question = theme.question
    found = units(question)
    rows = list(question.themes.all())
    for row in rows:
        row.members = [ref for ref in row.members if ref in found]
    themes = workflow.theme_set(rows)
    try:
        parts = themes.split(theme.key, {ref: found[ref].text for ref in theme.members if ref in found})
    except workflow.ThemeError:
        raise ValidationFailed({"theme": f"“{theme.label}” has too few responses to split "
                                         f"({len([r for r in theme.members if r in found])})"}) from None
    theme.quotes.all().delete()
    for assignment in Assignment.objects.filter(themes=theme):
        assignment.themes.remove(theme)
        assignment.needs_review = True
        assignment.save(update_fields=["needs_review"])
    _edit(theme, parts[0])
    created = [theme]
    for part in parts[1:]:
        created.append(Theme.objects.create(
            consultation=consultation, question=question, key=part.id, position=theme.position,
            label=part.label[:200], description=part.description, keywords=part.keywords, members=part.members,
            representatives=part.representatives, edited=True))
    record_action(actor=actor, action="voice_theme.split", resource="consultation", resource_id=consultation.pk,
                  reason=f"question {question.qid}: {theme.key} into {', '.join(t.key for t in created)}")
    return created


@transaction.atomic
def add_theme(*, actor, consultation_id, question_id, label: str, description: str = "") -> Theme:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    question = _question(consultation, question_id)
    label = (label or "").replace("\x00", "").strip()
    description = (description or "").replace("\x00", "")
    errors = {}
    if not label:
        errors["label"] = "Enter a name for the theme"
    elif len(label) > 200:
        errors["label"] = "The theme's name must be 200 characters or fewer"
    if len(description or "") > 2_000:
        errors["description"] = "The description must be 2,000 characters or fewer"
    if errors:
        raise ValidationFailed(errors)
    number, position = _next_key(list(question.themes.all()))
    theme = Theme.objects.create(consultation=consultation, question=question, key=f"T{number}", position=position,
                                 label=label, description=(description or "").strip(), edited=True)
    record_action(actor=actor, action="voice_theme.add", resource="consultation", resource_id=consultation.pk,
                  reason=f"question {question.qid} theme {theme.key}")
    return theme


# --- coding -------------------------------------------------------------------------------------------------


@transaction.atomic
def code_response(*, actor, consultation_id, question_id, respondent_id, theme_ids: list, stance: str) -> Assignment:
    """The analyst codes one answer: the approved themes it raises (none is an answer too) and its stance."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    question = _question(consultation, question_id)
    found = {u.respondent_id: u for u in units(question).values()}
    respondent_id = int(respondent_id) if str(respondent_id).isdigit() else None
    if respondent_id not in found:
        raise NotFound("That response does not answer this question")
    approved = {str(t.pk): t for t in question.themes.filter(approved=True)}
    errors = {}
    wanted = [str(t) for t in (theme_ids or []) if str(t)]
    if any(t not in approved for t in wanted):
        errors["themes"] = "Choose themes from the list of approved themes"
    if stance not in Stance.values:
        errors["stance"] = "Choose whether the response agrees, disagrees, is mixed or neutral"
    if errors:
        raise ValidationFailed(errors)
    assignment = question.assignments.filter(respondent_id=respondent_id).first() or Assignment(
        question=question, respondent_id=respondent_id)
    before = set(assignment.themes.all()) if assignment.pk else set()
    assignment.stance = stance
    assignment.confidence = None
    assignment.coded_by = CodedBy.ANALYST
    assignment.needs_review = False
    assignment.coded_by_user = actor
    assignment.coded_at = timezone.now()
    assignment.save()
    chosen = [approved[t] for t in wanted]
    assignment.themes.set(chosen)
    by_ref = {u.ref: u for u in found.values()}
    for theme in before | set(chosen):
        if theme.approved:
            _refresh_quotes(theme, by_ref)
    record_action(actor=actor, action="voice_assignment.code", resource="consultation", resource_id=consultation.pk,
                  reason=f"question {question.qid} response {found[respondent_id].ref}: "
                         f"{', '.join(t.key for t in chosen) or 'no theme'}, {stance}"[:300])
    return assignment


@transaction.atomic
def classify(*, actor, consultation_id, question_id) -> tuple[int, int]:
    """The classifier codes the answers the analyst has not, with the approved themes and the analyst's codes
    as examples. Returns (coded, sent to the review queue)."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    question = _question(consultation, question_id)
    if not question.themes.filter(approved=True).exists():
        raise ValidationFailed({"themes": "Approve at least one theme before coding the responses"})
    found = units(question)
    coded, review = _classify(question, found)
    _quotes_for_question(question, found)
    record_action(actor=actor, action="voice_assignment.classify", resource="consultation",
                  resource_id=consultation.pk, reason=f"question {question.qid}: {coded} coded, {review} for review")
    return coded, review
