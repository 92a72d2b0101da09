"""Voice writes, part 1: consultations, their questions, responses (the public form, imported documents and
spreadsheets), the mapping review and the analyst permission. Each is one transaction with its audit entry.

Themes and coding are in theme_actions.py; quotes, redactions, decisions and publication in publish_actions.py.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import Staff
from throughcare.audit.recorder import record_action
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.voice import workflow
from throughcare.voice.models import (
    CLOSED_TYPES,
    FIXED_OPTIONS,
    AnalystGrant,
    Assignment,
    CodedBy,
    Consultation,
    Passage,
    Publish,
    Question,
    QuestionType,
    Respondent,
    RespondentType,
    Source,
    Status,
)
from throughcare.voice.permissions import (
    NEVER_ANALYSTS,
    get_consultation,
    require_admin,
    require_analyst,
)

MAX_TITLE = 200
MAX_QUESTION = 2_000
MAX_ANSWER = 10_000
MAX_OPTIONS = 30
QID_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,9}$")
#: The status changes an analyst may make (publication is publish_actions.publish_summary).
TRANSITIONS = {Status.DRAFT: {Status.OPEN}, Status.OPEN: {Status.CLOSED}, Status.CLOSED: {Status.OPEN},
               Status.PUBLISHED: {Status.OPEN, Status.CLOSED}}


def _text(errors: dict, name: str, value, *, label: str, required: bool = False, limit: int = 200) -> str:
    value = (value if isinstance(value, str) else "" if value is None else str(value)).strip()
    if "\x00" in value:
        errors[name] = f"{label[0].upper()}{label[1:]} must not contain null characters"
    elif required and not value:
        errors[name] = f"Enter {label}"
    elif len(value) > limit:
        errors[name] = f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer"
    return value


# --- consultations ------------------------------------------------------------------------------------------


@transaction.atomic
def create_consultation(*, actor, title: str, description: str = "") -> Consultation:
    staff = require_analyst(actor)
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, label="the consultation's title", required=True, limit=MAX_TITLE)
    description = _text(errors, "description", description, label="the description", limit=5_000)
    if errors:
        raise ValidationFailed(errors)
    consultation = Consultation.objects.create(agency_id=staff.agency_id, title=title, description=description,
                                               created_by=actor)
    record_action(actor=actor, action="voice_consultation.create", resource="consultation",
                  resource_id=consultation.pk)
    return consultation


@transaction.atomic
def update_consultation(*, actor, consultation_id, title: str, description: str = "") -> Consultation:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    errors: dict[str, str] = {}
    consultation.title = _text(errors, "title", title, label="the consultation's title", required=True,
                               limit=MAX_TITLE)
    consultation.description = _text(errors, "description", description, label="the description", limit=5_000)
    if errors:
        raise ValidationFailed(errors)
    consultation.save(update_fields=["title", "description", "updated_at"])
    record_action(actor=actor, action="voice_consultation.update", resource="consultation",
                  resource_id=consultation.pk)
    return consultation


@transaction.atomic
def set_status(*, actor, consultation_id, status: str) -> Consultation:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    if status not in TRANSITIONS.get(consultation.status, set()):
        raise ValidationFailed({"status": f"This consultation is {consultation.get_status_display().lower()}: "
                                          "it cannot be changed that way"})
    if status == Status.OPEN and not consultation.questions.exists():
        raise ValidationFailed({"status": "Add the consultation's questions before opening it for responses"})
    before = consultation.status
    consultation.status = status
    consultation.save(update_fields=["status", "updated_at"])
    record_action(actor=actor, action="voice_consultation.status", resource="consultation",
                  resource_id=consultation.pk, reason=f"{before} to {status}")
    return consultation


# --- questions ----------------------------------------------------------------------------------------------


@transaction.atomic
def import_paper(*, actor, consultation_id, file_name: str, text: str) -> list[Question]:
    """Replace the consultation's questions with those read from its paper (before any response arrives)."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    if consultation.respondents.exists():
        raise ValidationFailed({"paper": "Responses have been received, so the paper cannot be imported again: "
                                         "correct the questions one by one instead"})
    try:
        parsed = workflow.parse_questions(text)
    except ValueError as exc:
        raise ValidationFailed({"paper": f"{file_name}: {exc}"}) from None
    seen: set[str] = set()
    questions = []
    for position, q in enumerate(parsed, start=1):
        if q.id in seen:  # a paper that numbers two questions alike: keep the first, say so in the count
            continue
        seen.add(q.id)
        questions.append(Question(consultation=consultation, position=position, qid=q.id[:10], text=q.text,
                                  section=q.section[:300], type=q.type, options=q.options, parts=q.parts,
                                  guidance=q.guidance, explain=q.explain))
    consultation.questions.all().delete()
    Question.objects.bulk_create(questions)
    consultation.paper_name = file_name[:255]
    consultation.paper_text = text
    if not consultation.title.strip():
        consultation.title = workflow.respondent_name(text, file_name)[:MAX_TITLE]
    consultation.save(update_fields=["paper_name", "paper_text", "title", "updated_at"])
    record_action(actor=actor, action="voice_paper.import", resource="consultation", resource_id=consultation.pk,
                  reason=f"{len(questions)} questions from {file_name}"[:300])
    return list(consultation.questions.all())


@dataclass
class QuestionInput:
    qid: str
    text: str
    type: str
    options: list[str]
    section: str = ""
    guidance: str = ""
    explain: bool = False


def _clean_question(consultation, data: QuestionInput, *, current: Question | None) -> QuestionInput:
    errors: dict[str, str] = {}
    qid = (data.qid or "").strip().upper()
    if not qid:
        errors["qid"] = "Enter the question number, like A1 or 3"
    elif not QID_RE.match(qid):
        errors["qid"] = "The question number must be up to 10 letters, digits, dots or dashes, like A1 or 3"
    elif consultation.questions.filter(qid=qid).exclude(pk=current.pk if current else None).exists():
        errors["qid"] = f"There is already a question {qid}"
    text = _text(errors, "text", data.text, label="the question", required=True, limit=MAX_QUESTION)
    section = _text(errors, "section", data.section, label="the section", limit=300)
    guidance = _text(errors, "guidance", data.guidance, label="the guidance", limit=MAX_QUESTION)
    kind = data.type if data.type in QuestionType.values else ""
    if not kind:
        errors["type"] = "Choose the type of question from the list"
    options = [o.replace("\x00", "").strip() for o in (data.options or []) if isinstance(o, str) and o.strip()]
    options = list(dict.fromkeys(options))
    if kind in FIXED_OPTIONS:
        options = list(FIXED_OPTIONS[kind])
    elif kind in (QuestionType.SELECT_ALL, QuestionType.SELECT_ONE):
        if len(options) < 2:
            errors["options"] = "Enter at least two options, one on each line"
        elif len(options) > MAX_OPTIONS or any(len(o) > 300 for o in options):
            errors["options"] = f"Enter up to {MAX_OPTIONS} options of up to 300 characters each"
    elif kind == QuestionType.OPEN:
        options = []
    if errors:
        raise ValidationFailed(errors)
    return QuestionInput(qid=qid, text=text, type=kind, options=options, section=section, guidance=guidance,
                         explain=bool(data.explain) and kind in CLOSED_TYPES)


def _question(consultation, question_id) -> Question:
    question = consultation.questions.filter(pk=question_id if str(question_id).isdigit() else None).first()
    if question is None:
        raise NotFound("Question not found")
    return question


def _refresh_closed_answers(question: Question) -> None:
    """Closed answers read from documents and spreadsheets again after the question changed (corrections kept)."""
    passages = Passage.objects.filter(question=question, closed_corrected=False).exclude(
        respondent__source=Source.FORM).select_related("respondent")
    for passage in passages:
        passage.closed = workflow.closed_from_text(passage.text, question) if question.is_closed else None
        passage.save(update_fields=["closed"])


@transaction.atomic
def add_question(*, actor, consultation_id, data: QuestionInput) -> Question:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    clean = _clean_question(consultation, data, current=None)
    last = consultation.questions.order_by("-position").first()
    question = Question.objects.create(consultation=consultation, position=(last.position + 1) if last else 1,
                                       qid=clean.qid, text=clean.text, section=clean.section, type=clean.type,
                                       options=clean.options, guidance=clean.guidance, explain=clean.explain)
    record_action(actor=actor, action="voice_question.add", resource="consultation", resource_id=consultation.pk,
                  reason=f"question {question.qid}")
    return question


@transaction.atomic
def update_question(*, actor, consultation_id, question_id, data: QuestionInput) -> Question:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    question = _question(consultation, question_id)
    clean = _clean_question(consultation, data, current=question)
    changed_closed = (clean.type, clean.options) != (question.type, question.options)
    for name in ("qid", "text", "section", "type", "options", "guidance", "explain"):
        setattr(question, name, getattr(clean, name))
    question.save()
    if changed_closed:
        _refresh_closed_answers(question)
    record_action(actor=actor, action="voice_question.update", resource="consultation",
                  resource_id=consultation.pk, reason=f"question {question.qid}")
    return question


@transaction.atomic
def remove_question(*, actor, consultation_id, question_id) -> int:
    """Remove a question; passages mapped to it become points outside the questions. Returns how many."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    question = _question(consultation, question_id)
    moved = Passage.objects.filter(question=question).update(question=None, closed=None, remapped=True)
    qid = question.qid
    question.delete()
    record_action(actor=actor, action="voice_question.remove", resource="consultation",
                  resource_id=consultation.pk, reason=f"question {qid}; {moved} passages now outside the questions")
    return moved


# --- responses ----------------------------------------------------------------------------------------------


def _new_ref(prefix: str = "web") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def _respondent_fields(errors: dict, *, respondent_type, organisation, name, publish) -> dict:
    if respondent_type not in (RespondentType.INDIVIDUAL, RespondentType.ORGANISATION, RespondentType.NOT_STATED):
        errors["respondent_type"] = ("Choose whether you are responding as an individual or on behalf of an "
                                     "organisation")
    organisation = _text(errors, "organisation", organisation, label="the organisation's name", limit=200)
    if respondent_type == RespondentType.ORGANISATION and not organisation and "organisation" not in errors:
        errors["organisation"] = "Enter the name of the organisation you are responding for"
    name = _text(errors, "name", name, label="your name", limit=200)
    if publish not in Publish.values:
        errors["publish"] = "Choose whether we may publish your response"
    elif publish == Publish.NAME and not (name or organisation) and "name" not in errors:
        errors["name"] = "Enter your name, or choose to publish your response without it"
    return {"respondent_type": respondent_type, "organisation": organisation if respondent_type ==
            RespondentType.ORGANISATION else "", "name": name, "publish": publish}


def submit_response(*, actor, consultation_id, answers: dict[str, object], respondent_type: str,
                    organisation: str = "", name: str = "", publish: str = "") -> Respondent:
    """A response through the public form. `answers`: {question id (qid): text, an option, or a list of options;
    for a closed question that invites an explanation, also "<qid>-explain": text}."""
    from throughcare.voice.permissions import get_public_consultation

    with transaction.atomic():
        consultation = get_public_consultation(consultation_id, open_only=True)
        errors: dict[str, str] = {}
        who = _respondent_fields(errors, respondent_type=respondent_type, organisation=organisation, name=name,
                                 publish=publish)
        written = workflow.Written()
        questions = list(consultation.questions.all())
        for question in questions:
            key = f"q-{question.qid}"
            value = answers.get(question.qid)
            explanation = _text(errors, f"{key}-explain", answers.get(f"{question.qid}-explain"),
                                label=f"your explanation for question {question.qid}", limit=MAX_ANSWER)
            if question.type == QuestionType.OPEN:
                text = _text(errors, key, value, label=f"your answer to question {question.qid}", limit=MAX_ANSWER)
                if text:
                    written.add(question, text, how=Source.FORM)
                continue
            chosen = [value] if isinstance(value, str) else list(value or [])
            chosen = [str(c) for c in chosen if c]
            if any(c not in question.options for c in chosen):
                errors[key] = f"Choose your answer to question {question.qid} from the list"
                continue
            if question.type != QuestionType.SELECT_ALL and len(chosen) > 1:
                errors[key] = f"Choose one answer to question {question.qid}"
                continue
            chosen = [o for o in question.options if o in chosen]
            if not chosen and not explanation:
                continue
            text = "\n".join(chosen) + ("\n\n" if chosen and explanation else "") + explanation
            closed = workflow.closed_from_choice(chosen, (0, len("\n".join(chosen))) if chosen else None)
            written.add(question, text, how=Source.FORM, closed=closed)
        if not written.passages and questions and not any(k.startswith("q-") for k in errors):
            errors[f"q-{questions[0].qid}"] = "Answer at least one question"
        if errors:
            raise ValidationFailed(errors)
        respondent = Respondent.objects.create(consultation=consultation, ref=_new_ref(), source=Source.FORM,
                                               text=written.text, received_at=timezone.now(), **who)
        _save_passages(respondent, written.passages, {q.qid: q for q in questions})
        record_action(actor=actor, action="voice_response.submit", resource="consultation",
                      resource_id=consultation.pk, reason=f"response {respondent.ref}")
    return respondent


def _save_passages(respondent: Respondent, passages: list[dict], by_qid: dict[str, Question]) -> None:
    Passage.objects.bulk_create([Passage(
        respondent=respondent, position=n, question=by_qid.get(p["question"]) if p["question"] else None,
        how=p["how"], start=p["start"], end=p["end"], label=(p.get("label") or "")[:300],
        label_start=p.get("label_start"), label_end=p.get("label_end"), score=p.get("score") or 0.0,
        closed=p.get("closed"), references=p.get("references") or [], resolved_to=p.get("resolved_to"),
        margin=p.get("margin"))
        for n, p in enumerate(passages)])


@dataclass
class Upload:
    """One file for import_responses: its name, and its text (documents) or rows (CSV)."""

    name: str
    text: str = ""
    rows: list | None = None


@transaction.atomic
def import_responses(*, actor, consultation_id, uploads: list[Upload]) -> list[Respondent]:
    """Response documents (each one respondent) and CSV files (one respondent a row): all of them, or none."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    questions = list(consultation.questions.all())
    by_qid = {q.qid: q for q in questions}
    if not questions:
        raise ValidationFailed({"files": "Response files: import the consultation paper (or add its questions) before its responses"})
    taken = set(consultation.respondents.values_list("ref", flat=True))
    created: list[tuple[Respondent, list[dict]]] = []
    now = timezone.now()
    for upload in uploads:
        if upload.rows is None:
            ref = workflow.clean_ref(upload.name.rsplit(".", 1)[0])
            if ref in taken:
                raise ValidationFailed({"files": f"Response files: {upload.name}: a response called {ref} has already been imported"})
            taken.add(ref)
            passages = workflow.map_document(upload.text, questions)
            created.append((Respondent(consultation=consultation, ref=ref, source=Source.DOCUMENT,
                                       file_name=upload.name[:255], name=workflow.respondent_name(upload.text, ref),
                                       text=upload.text, received_at=now), passages))
            continue
        columns = {qid for row in upload.rows for qid in row.answers}
        if upload.rows and not columns & set(by_qid):
            raise ValidationFailed({"files": f"Response files: {upload.name}: no column is headed with a question number "
                                             f"({', '.join(list(by_qid)[:3])}…)"})
        for row in upload.rows:
            ref = workflow.clean_ref(row.respondent_id)
            if ref in taken:
                raise ValidationFailed({"files": f"Response files: {upload.name}: the respondent {ref} appears twice, or has already "
                                                 f"been imported"})
            taken.add(ref)
            written = workflow.Written()
            for qid, value in row.answers.items():
                if qid in by_qid:
                    written.add(by_qid[qid], value, how=Source.CSV,
                                closed=workflow.closed_from_text(value, by_qid[qid]))
            kind = row.respondent_type.strip().lower()
            publish = row.publish.strip().lower()
            created.append((Respondent(
                consultation=consultation, ref=ref, source=Source.CSV, file_name=upload.name[:255],
                name=row.name[:200], respondent_type=kind if kind in RespondentType.values else RespondentType.NOT_STATED,
                organisation=row.name[:200] if kind == RespondentType.ORGANISATION else "",
                publish=publish if publish in Publish.values else Publish.NO, text=written.text, received_at=now),
                written.passages))
    try:
        Respondent.objects.bulk_create([r for r, _p in created])
    except IntegrityError:
        raise ValidationFailed({"files": "Response files: a response with the same reference was imported at the same time: "
                                         "try again"}) from None
    saved = {r.ref: r for r in consultation.respondents.filter(ref__in=[r.ref for r, _p in created])}
    for respondent, passages in created:
        _save_passages(saved[respondent.ref], passages, by_qid)
    record_action(actor=actor, action="voice_response.import", resource="consultation", resource_id=consultation.pk,
                  reason=f"{len(created)} responses from {len(uploads)} files"[:300])
    return [saved[r.ref] for r, _p in created]


def get_respondent(actor, consultation_id, respondent_id, *, for_update: bool = False):
    consultation = get_consultation(actor, consultation_id, for_update=for_update)
    respondent = consultation.respondents.filter(pk=respondent_id if str(respondent_id).isdigit() else None).first()
    if respondent is None:
        raise NotFound("Response not found")
    return consultation, respondent


@transaction.atomic
def update_respondent(*, actor, consultation_id, respondent_id, respondent_type: str, organisation: str = "",
                      name: str = "", publish: str = "") -> Respondent:
    """Who sent a document and whether it may be quoted (an imported document's default is "do not publish")."""
    consultation, respondent = get_respondent(actor, consultation_id, respondent_id, for_update=True)
    errors: dict[str, str] = {}
    who = _respondent_fields(errors, respondent_type=respondent_type, organisation=organisation, name=name,
                             publish=publish)
    if errors:
        raise ValidationFailed(errors)
    for key, value in who.items():
        setattr(respondent, key, value)
    respondent.save(update_fields=list(who))
    if respondent.publish == Publish.NO:
        respondent.quotes.all().delete()
    record_action(actor=actor, action="voice_respondent.update", resource="consultation",
                  resource_id=consultation.pk, reason=f"response {respondent.ref}: publish {respondent.publish}")
    return respondent


@transaction.atomic
def remove_respondent(*, actor, consultation_id, respondent_id) -> str:
    """Remove a response (spam, or one sent twice). Its passages, codes and quotes go with it."""
    consultation, respondent = get_respondent(actor, consultation_id, respondent_id, for_update=True)
    ref = respondent.ref
    respondent.delete()
    record_action(actor=actor, action="voice_response.remove", resource="consultation",
                  resource_id=consultation.pk, reason=f"response {ref}")
    return ref


# --- the mapping review -------------------------------------------------------------------------------------


def _passage(consultation, passage_id) -> Passage:
    passage = Passage.objects.select_related("respondent", "question").filter(
        pk=passage_id if str(passage_id).isdigit() else None, respondent__consultation=consultation).first()
    if passage is None:
        raise NotFound("Passage not found")
    return passage


def _forget_classifier_codes(respondent_id: int, question_ids) -> None:
    """The classifier's codes for answers whose text changed: coded again at the next run (analyst codes kept)."""
    Assignment.objects.filter(respondent_id=respondent_id, question_id__in=[q for q in question_ids if q],
                              coded_by=CodedBy.CLASSIFIER).delete()


@transaction.atomic
def remap_passage(*, actor, consultation_id, passage_id, question_id) -> Passage:
    """Move a passage to another question, or (question_id empty) to the points outside the questions."""
    consultation = get_consultation(actor, consultation_id, for_update=True)
    passage = _passage(consultation, passage_id)
    target = None
    if question_id not in (None, "", "outside"):
        target = consultation.questions.filter(pk=question_id if str(question_id).isdigit() else None).first()
        if target is None:
            raise ValidationFailed({"question": "Choose a question from the list, or “outside the questions”"})
    before = passage.question
    passage.question = target
    passage.remapped = True
    if not passage.closed_corrected:
        passage.closed = workflow.closed_from_text(passage.text, target) if target and target.is_closed else None
    passage.save(update_fields=["question", "remapped", "closed"])
    _forget_classifier_codes(passage.respondent_id, [before.pk if before else None, target.pk if target else None])
    record_action(actor=actor, action="voice_passage.remap", resource="consultation", resource_id=consultation.pk,
                  reason=f"response {passage.respondent.ref} passage {passage.position}: "
                         f"{before.qid if before else 'outside'} to {target.qid if target else 'outside'}")
    return passage


@transaction.atomic
def correct_closed_answer(*, actor, consultation_id, passage_id, chosen: list[str]) -> Passage:
    consultation = get_consultation(actor, consultation_id, for_update=True)
    passage = _passage(consultation, passage_id)
    question = passage.question
    if question is None or not question.is_closed:
        raise ValidationFailed({"chosen": "Only an answer to a closed question has options to correct"})
    chosen = [c for c in (chosen or []) if c]
    if any(c not in question.options for c in chosen):
        raise ValidationFailed({"chosen": "Choose the answers from the question's options"})
    if question.type != QuestionType.SELECT_ALL and len(chosen) > 1:
        raise ValidationFailed({"chosen": "Choose one answer: this question takes only one"})
    passage.closed = workflow.closed_from_choice([o for o in question.options if o in chosen])
    passage.closed_corrected = True
    passage.save(update_fields=["closed", "closed_corrected"])
    record_action(actor=actor, action="voice_passage.correct", resource="consultation", resource_id=consultation.pk,
                  reason=f"response {passage.respondent.ref} question {question.qid}: "
                         f"{'; '.join(chosen) or 'no answer'}"[:300])
    return passage


# --- the analyst permission ---------------------------------------------------------------------------------


@transaction.atomic
def grant_analyst(*, actor, staff_id) -> AnalystGrant:
    require_admin(actor)
    staff = Staff.objects.select_related("user").filter(pk=staff_id if str(staff_id).isdigit() else None).first()
    if staff is None:
        raise ValidationFailed({"staff": "Choose a member of staff from the list"})
    if staff.role in NEVER_ANALYSTS:
        raise ValidationFailed({"staff": "Administrators cannot be consultation analysts"})
    grant, _created = AnalystGrant.objects.get_or_create(staff=staff, defaults={"granted_by": actor,
                                                                                "granted_at": timezone.now()})
    record_action(actor=actor, action="voice_analyst.grant", resource="staff", resource_id=staff.pk,
                  reason=staff.user.username)
    return grant


@transaction.atomic
def revoke_analyst(*, actor, staff_id) -> None:
    require_admin(actor)
    grant = AnalystGrant.objects.select_related("staff__user").filter(
        staff_id=staff_id if str(staff_id).isdigit() else None).first()
    if grant is None:
        raise NotFound("That member of staff has no analyst permission to take away")
    username = grant.staff.user.username
    grant.delete()
    record_action(actor=actor, action="voice_analyst.revoke", resource="staff", resource_id=staff_id,
                  reason=username)
