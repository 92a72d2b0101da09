"""Voice reads: the database as analysis.json (schema_version 1, docs/voice.md), for the API, the preview and the
published summary, and the few figures the analyst's pages show. A fixed number of queries whatever the size."""

from __future__ import annotations

from collections import Counter

from throughcare.voice import workflow
from throughcare.voice.models import (
    Assignment,
    CodedBy,
    Decision,
    Publish,
    Quote,
    Redaction,
    Respondent,
    Theme,
)


def build_analysis(consultation, *, publication: bool) -> dict:
    """analysis.json from the database. `publication`: only approved themes, only quotes from respondents who
    allowed publication with every redaction not undone applied, no names of those who asked for none, no
    redacted text and no campaign variations (their words are the respondents')."""
    questions = list(consultation.questions.all())
    respondents = list(Respondent.objects.filter(consultation=consultation).select_related(
        "campaign__standard").prefetch_related("passages__question").order_by("received_at", "ref"))
    refs = {r.ref for r in respondents}
    people = []
    for r in respondents:
        answers = [{"question": p.question.qid if p.question else None, "how": p.how, "start": p.start, "end": p.end,
                    "text": r.text[p.start:p.end], "label": p.label, "label_start": p.label_start,
                    "label_end": p.label_end, "score": p.score, "closed": p.closed, "references": p.references,
                    "resolved_to": p.resolved_to, "remapped": p.remapped, "margin": p.margin}
                   for p in r.passages.all()]
        named = not publication or r.publish == Publish.NAME
        campaign = r.campaign
        people.append({"id": r.ref, "source": r.file_name or r.get_source_display(),
                       "name": (r.organisation or r.name) if named else "", "type": r.respondent_type,
                       "publish": r.publish, "answers": answers,
                       "campaign": campaign.standard.ref if campaign and campaign.kind == "campaign"
                       and campaign.standard else None})
    themes: dict[str, list[dict]] = {}
    redactions: list[dict] = []
    rows = Theme.objects.filter(consultation=consultation).select_related("question").prefetch_related(
        "assignments__respondent")
    quotes: dict[int, list[Quote]] = {}
    for quote in Quote.objects.filter(theme__consultation=consultation).select_related("respondent").prefetch_related(
            "redactions"):
        quotes.setdefault(quote.theme_id, []).append(quote)
    coded: dict[int, set[str]] = {}
    for question_id, ref in Assignment.objects.filter(question__consultation=consultation).values_list(
            "question_id", "respondent__ref"):
        coded.setdefault(question_id, set()).add(ref)
    for theme in rows:
        if publication and not theme.approved:
            continue
        assigned = {a.respondent.ref for a in theme.assignments.all()}
        raised = workflow.theme_respondents(assigned, theme.members, coded.get(theme.question_id, set()),
                                            approved=theme.approved) & refs
        stances = Counter(a.stance for a in theme.assignments.all())
        out_quotes = []
        for quote in sorted(quotes.get(theme.pk, []), key=lambda q: q.position):
            if quote.respondent.publish == Publish.NO:
                continue
            found = list(quote.redactions.all())
            point = f"{quote.respondent.ref}|{theme.question.qid}|{quote.start}|{quote.end}"
            out_quotes.append({"point": point, "respondent": quote.respondent.ref,
                               "attribution": quote.respondent.attribution,
                               "text": workflow.apply_redactions(quote.source_text, found),
                               "redactions": sum(1 for f in found if f.status != "undone"),
                               "start": quote.start, "end": quote.end})
            redactions += [{"respondent": quote.respondent.ref, "point": point, "entity": f.entity, "start": f.start,
                            "end": f.end, "text": "" if publication else f.text, "score": f.score,
                            "status": f.status} for f in found]
        themes.setdefault(theme.question.qid, []).append({
            "id": theme.key, "label": theme.label, "description": theme.description, "keywords": theme.keywords,
            "members": theme.members, "representatives": theme.representatives, "approved": theme.approved,
            "respondents": sorted(raised), "stances": dict(sorted(stances.items())),
            "quotes": out_quotes})
    campaigns = [{"kind": c.kind, "size": c.size, "members": sorted(m.ref for m in c.members.all()),
                  "standard_response": c.standard.ref if c.standard else None, "mean_similarity": c.mean_similarity,
                  "variations": {k: "" for k in c.variations} if publication else c.variations}
                 for c in consultation.campaigns.select_related("standard").prefetch_related("members")]
    decisions = [{"you_said": d.you_said, "we_did": d.we_did, "status": d.get_status_display(),
                  "rationale": d.rationale, "next_steps": d.next_steps,
                  "theme": d.theme.label if d.theme else "", "question": d.theme.question.qid if d.theme else None}
                 for d in Decision.objects.filter(consultation=consultation).select_related("theme__question")]
    result = {
        "schema_version": workflow.SCHEMA_VERSION,
        "title": consultation.title,
        "paper": consultation.paper_name,
        "questions": [workflow.engine_question(q).as_dict() for q in questions],
        "respondents": people,
        "themes": themes,
        "campaigns": campaigns,
        "redactions": redactions,
        "decisions": decisions,
        "thresholds": workflow.quantifiers(),
    }
    result["tallies"] = workflow.tallies(result)
    return result


def overview(consultation) -> dict:
    """The figures on a consultation's page."""
    respondents = consultation.respondents.all()
    return {
        "questions": consultation.questions.count(),
        "responses": respondents.count(),
        "by_source": dict(sorted(Counter(respondents.values_list("source", flat=True)).items())),
        "themes": consultation.themes.count(),
        "approved": consultation.themes.filter(approved=True).count(),
        "for_review": Assignment.objects.filter(question__consultation=consultation, needs_review=True).count(),
        "analyst_coded": Assignment.objects.filter(question__consultation=consultation,
                                                   coded_by=CodedBy.ANALYST).count(),
        "decisions": consultation.decisions.count(),
        "redactions_to_check": Redaction.objects.filter(quote__theme__consultation=consultation,
                                                        status="pending").count(),
        "last_run": consultation.runs.first(),
    }
