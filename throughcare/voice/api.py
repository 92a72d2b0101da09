"""The Voice API, for consultation analysts (docs/api.md, "Voice"): consultations, their questions, the responses
with each passage's source offsets, the analysis run, analysis.json and decisions. Staff who are not analysts get
403 on the list and "not found" for any one consultation, as on the pages."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.audit.recorder import record_access
from throughcare.core.errors import NotFound
from throughcare.voice import actions, publish_actions, reads, worker
from throughcare.voice.permissions import consultations_for, get_consultation

router = Router(tags=["voice"])


class ConsultationIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: str
    description: str = ""


class QuestionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    qid: str = Field(description="The question's number as printed, e.g. A1 or 3")
    text: str
    type: str = Field(description="open, yes-no, yes-no-dont-know, select-all or select-one")
    options: list[str] = Field([], description="For select-all and select-one (yes/no ones are fixed)")
    section: str = ""
    guidance: str = ""
    explain: bool = Field(False, description="A closed question that also asks for an explanation")


class QuestionOut(Schema):
    id: int
    qid: str
    position: int
    text: str
    section: str
    type: str
    options: list[str]
    guidance: str
    explain: bool


class ConsultationOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    status: str
    paper: str
    responses: int
    published_at: dt.datetime | None


class ConsultationDetail(ConsultationOut):
    questions: list[QuestionOut]


class PassageOut(Schema):
    id: int
    question: str | None = Field(description="The question's number, or null: outside the questions")
    how: str
    start: int = Field(description="Offset in the response's text where the passage starts")
    end: int
    text: str
    closed: dict | None
    remapped: bool
    margin: float | None = Field(None, description="Matched by meaning: how far its question led the next best "
                                                   "choice; null for labels, forms and CSV columns")
    to_check: bool = Field(False, description="Little to choose between two answers and not yet checked by an "
                                              "analyst: one to check first")


class ResponseOut(Schema):
    id: int
    ref: str
    source: str
    file_name: str
    name: str
    respondent_type: str
    organisation: str
    publish: str
    received_at: dt.datetime
    text: str
    passages: list[PassageOut]


class RunOut(Schema):
    id: int
    status: str = Field(description="queued, running, done or failed")
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    counts: dict = Field(description="what a finished run found: responses, campaigns, themes proposed, answers coded ...")
    message: str = Field(description="why a failed run failed")


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    theme: int | None = Field(None, description="An approved theme's id, or null")
    you_said: str
    we_did: str
    status: str = Field(description="agreed, agreed in part, under consideration or not taken forward")
    rationale: str = ""
    next_steps: str = ""


class DecisionOut(Schema):
    id: int
    theme: int | None
    you_said: str
    we_did: str
    status: str
    rationale: str
    next_steps: str


def _out(consultation) -> dict:
    return {"id": consultation.pk, "title": consultation.title, "description": consultation.description,
            "status": consultation.status, "paper": consultation.paper_name,
            "responses": consultation.respondents.count(), "published_at": consultation.published_at}


def _question(q) -> dict:
    return {"id": q.pk, "qid": q.qid, "position": q.position, "text": q.text, "section": q.section, "type": q.type,
            "options": q.options, "guidance": q.guidance, "explain": q.explain}


@router.get("/consultations", response=list[ConsultationOut], summary="Your agency's consultations (analysts)")
def list_consultations(request):
    return [_out(c) for c in consultations_for(request.user)]


@router.post("/consultations", response={201: ConsultationOut}, summary="Create a consultation (analysts)")
def make_consultation(request, payload: ConsultationIn):
    consultation = actions.create_consultation(actor=request.user, title=payload.title,
                                               description=payload.description)
    return Status(201, _out(consultation))


@router.get("/consultations/{consultation_id}", response=ConsultationDetail,
            summary="A consultation and its questions")
def read_consultation(request, consultation_id: str):
    consultation = get_consultation(request.user, consultation_id)
    return _out(consultation) | {"questions": [_question(q) for q in consultation.questions.all()]}


@router.post("/consultations/{consultation_id}/questions", response={201: QuestionOut},
             summary="Add a question; errors name the field")
def make_question(request, consultation_id: str, payload: QuestionIn):
    question = actions.add_question(actor=request.user, consultation_id=consultation_id,
                                    data=actions.QuestionInput(**payload.dict()))
    return Status(201, _question(question))


@router.get("/consultations/{consultation_id}/responses", response=list[ResponseOut],
            summary="The responses, each with its passages and their offsets in its text")
def list_responses(request, consultation_id: str):
    consultation = get_consultation(request.user, consultation_id)
    respondents = consultation.respondents.prefetch_related("passages__question")
    record_access(actor=request.user, action="voice_response.list", resource="consultation",
                  resource_id=str(consultation.pk), reason=f"{len(respondents)} responses")
    return [{"id": r.pk, "ref": r.ref, "source": r.source, "file_name": r.file_name, "name": r.name,
             "respondent_type": r.respondent_type, "organisation": r.organisation, "publish": r.publish,
             "received_at": r.received_at, "text": r.text,
             "passages": [{"id": p.pk, "question": p.question.qid if p.question else None, "how": p.how,
                           "start": p.start, "end": p.end, "text": r.text[p.start:p.end], "closed": p.closed,
                           "remapped": p.remapped, "margin": p.margin, "to_check": p.to_check}
                          for p in r.passages.all()]} for r in respondents]


def _run_out(run) -> dict:
    return {"id": run.pk, "status": run.status, "requested_at": run.requested_at, "started_at": run.started_at,
            "finished_at": run.finished_at, "counts": run.counts, "message": run.message}


@router.post("/consultations/{consultation_id}/analysis", response={202: RunOut},
             summary="Queue a run of the analysis (mapping, campaigns, themes, coding, quotes) for the Voice worker; "
                     "the analyst's decisions are kept. A run already queued or running is returned instead")
def run_analysis(request, consultation_id: str):
    return Status(202, _run_out(worker.request_analysis(actor=request.user, consultation_id=consultation_id)))


@router.get("/consultations/{consultation_id}/analysis/run", response=RunOut,
            summary="The latest analysis run: poll it until it is done or failed")
def latest_run(request, consultation_id: str):
    run = get_consultation(request.user, consultation_id).runs.first()
    if run is None:
        raise NotFound("This consultation has not been analysed yet")
    return _run_out(run)


@router.get("/consultations/{consultation_id}/analysis",
            summary="analysis.json (schema_version 1, docs/voice.md) as the consultation stands, unpublished work "
                    "included")
def read_analysis(request, consultation_id: str):
    consultation = get_consultation(request.user, consultation_id)
    record_access(actor=request.user, action="voice_analysis.read", resource="consultation",
                  resource_id=str(consultation.pk))
    return reads.build_analysis(consultation, publication=False)


@router.post("/consultations/{consultation_id}/decisions", response={201: DecisionOut},
             summary="Record a “you said, we did” decision; errors name the field")
def make_decision(request, consultation_id: str, payload: DecisionIn):
    decision = publish_actions.add_decision(actor=request.user, consultation_id=consultation_id,
                                            theme_id=payload.theme, you_said=payload.you_said,
                                            we_did=payload.we_did, status=payload.status,
                                            rationale=payload.rationale, next_steps=payload.next_steps)
    return Status(201, {"id": decision.pk, "theme": decision.theme_id, "you_said": decision.you_said,
                        "we_did": decision.we_did, "status": decision.status, "rationale": decision.rationale,
                        "next_steps": decision.next_steps})
