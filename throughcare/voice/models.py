"""Voice: consultations, their questions, the responses to them and what an analyst makes of them.

Consultation → Question; Respondent (one response: a web form, a document or a CSV row) → Passage (a
stretch of the response's source text, with its exact offsets, mapped to a question or to none); Campaign
(near-identical responses); Theme per question → Assignment (a respondent's answer to a question coded
with themes, a stance and a confidence) → Quote (a verbatim stretch of a response) → Redaction; Decision
("you said, we did"). Written only by the action modules (actions, theme_actions, publish_actions).
No record of a person in recovery lives here: respondents are members of the public and partners.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Status(models.TextChoices):
    DRAFT = "draft", "Being set up"
    OPEN = "open", "Open for responses"
    CLOSED = "closed", "Closed for responses"
    PUBLISHED = "published", "Summary published"


class QuestionType(models.TextChoices):
    """The library's question types (throughcare/voice/analysis/paper.py)."""

    OPEN = "open", "Open (free text)"
    YES_NO = "yes-no", "Yes or no"
    YES_NO_DK = "yes-no-dont-know", "Yes, no or don't know"
    SELECT_ALL = "select-all", "Select as many as apply"
    SELECT_ONE = "select-one", "Choose one"


CLOSED_TYPES = (QuestionType.YES_NO, QuestionType.YES_NO_DK, QuestionType.SELECT_ALL, QuestionType.SELECT_ONE)
FIXED_OPTIONS = {QuestionType.YES_NO: ["Yes", "No"], QuestionType.YES_NO_DK: ["Yes", "No", "Don't know"]}


class RespondentType(models.TextChoices):
    INDIVIDUAL = "individual", "An individual"
    ORGANISATION = "organisation", "On behalf of an organisation"
    NOT_STATED = "not stated", "Not stated"


class Publish(models.TextChoices):
    NAME = "name", "Publish my response with my name"
    ANONYMOUS = "anonymous", "Publish my response without my name"
    NO = "no", "Do not publish my response"


class Source(models.TextChoices):
    FORM = "form", "Web form"
    DOCUMENT = "document", "Document"
    CSV = "csv", "Spreadsheet (CSV) row"


class Stance(models.TextChoices):
    AGREE = "agree", "Agrees"
    DISAGREE = "disagree", "Disagrees"
    MIXED = "mixed", "Mixed"
    NEUTRAL = "neutral", "Neutral"


class CodedBy(models.TextChoices):
    ANALYST = "analyst", "Analyst"
    CLASSIFIER = "classifier", "Classifier"


class RedactionStatus(models.TextChoices):
    PENDING = "pending", "To check"
    ACCEPTED = "accepted", "Accepted"
    UNDONE = "undone", "Undone"


class DecisionStatus(models.TextChoices):
    AGREED = "agreed", "Agreed"
    IN_PART = "agreed in part", "Agreed in part"
    CONSIDERING = "under consideration", "Under consideration"
    NOT_TAKEN = "not taken forward", "Not taken forward"


class Consultation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="consultations",
                               help_text="The agency that runs it: its consultation analysts work on it")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    paper_name = models.CharField(max_length=255, blank=True)
    paper_text = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    #: The summary as published (analysis.json, schema_version 1, publishable content only): the public page
    #: and PDF show this, not the analyst's work in progress.
    summary = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    qid = models.CharField("question number", max_length=10)
    text = models.TextField()
    section = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=20, choices=QuestionType.choices, default=QuestionType.OPEN)
    options = models.JSONField(default=list, blank=True)
    parts = models.JSONField(default=list, blank=True)
    guidance = models.TextField(blank=True)
    explain = models.BooleanField(default=False, help_text="A closed question that also invites an explanation")

    class Meta:
        ordering = ["consultation", "position"]
        constraints = [models.UniqueConstraint(fields=["consultation", "qid"], name="voice_question_unique_id")]

    def __str__(self) -> str:
        return f"{self.qid}: {self.text}"

    @property
    def is_closed(self) -> bool:
        return self.type in CLOSED_TYPES

    @property
    def has_free_text(self) -> bool:
        """Open questions, and closed ones that invite an explanation: these get themes."""
        return self.type == QuestionType.OPEN or self.explain


class Campaign(models.Model):
    """Near-identical responses: a campaign (3 or more) or duplicates; the standard text is analysed once."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="campaigns")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)  # campaign | duplicate
    size = models.PositiveIntegerField()
    standard = models.ForeignKey("Respondent", on_delete=models.SET_NULL, null=True, related_name="+")
    mean_similarity = models.FloatField()
    variations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["consultation", "position"]


class Respondent(models.Model):
    """One response: its source text (the document, or the form's answers written out) and who sent it."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="respondents")
    ref = models.CharField("reference", max_length=80)
    source = models.CharField(max_length=20, choices=Source.choices)
    file_name = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=200, blank=True)
    respondent_type = models.CharField(max_length=20, choices=RespondentType.choices, default=RespondentType.NOT_STATED)
    organisation = models.CharField(max_length=200, blank=True)
    publish = models.CharField(max_length=20, choices=Publish.choices, default=Publish.NO)
    text = models.TextField()
    received_at = models.DateTimeField()
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")

    class Meta:
        ordering = ["consultation", "received_at", "ref"]
        constraints = [models.UniqueConstraint(fields=["consultation", "ref"], name="voice_respondent_unique_ref")]

    def __str__(self) -> str:
        return self.ref

    @property
    def attribution(self) -> str:
        if self.publish == Publish.NAME:
            return self.organisation or self.name or "A respondent"
        return "A respondent"


class Passage(models.Model):
    """A stretch of a response's source text (`respondent.text[start:end]`) and the question it answers."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField()
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="passages")
    how = models.CharField(max_length=20)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    label = models.CharField(max_length=300, blank=True)
    label_start = models.PositiveIntegerField(null=True, blank=True)
    label_end = models.PositiveIntegerField(null=True, blank=True)
    score = models.FloatField(default=1.0)
    closed = models.JSONField(null=True, blank=True)
    references = models.JSONField(default=list, blank=True)
    resolved_to = models.PositiveIntegerField(null=True, blank=True)
    #: The analyst moved it to another question (kept when the analysis runs again).
    remapped = models.BooleanField(default=False)
    #: The analyst corrected its closed answer (kept when the analysis runs again).
    closed_corrected = models.BooleanField(default=False)
    #: Matched by meaning: how far its question (or "outside") led the next best choice (mapping.choice_margins);
    #: null for labels, forms and CSV columns.
    margin = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["respondent", "position"]

    @property
    def text(self) -> str:
        return self.respondent.text[self.start:self.end]

    @property
    def to_check(self) -> bool:
        """Matched by meaning with little to choose between two answers, and no analyst has looked at it yet."""
        from throughcare.voice.analysis.mapping import to_check

        return not self.remapped and to_check(self.margin)


class Theme(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="themes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="themes")
    key = models.CharField(max_length=10)
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True)
    #: Respondent references grouped into the theme when it was proposed (or split, or merged).
    members = models.JSONField(default=list, blank=True)
    representatives = models.JSONField(default=list, blank=True)
    approved = models.BooleanField(default=False)
    #: Renamed, merged, split or added by the analyst: kept, like approved themes, when the analysis runs again.
    edited = models.BooleanField(default=False)

    class Meta:
        ordering = ["question__position", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="voice_theme_unique_key")]

    def __str__(self) -> str:
        return self.label


class Assignment(models.Model):
    """A respondent's answer to one question, coded with themes, a stance and a confidence."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="assignments")
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="assignments")
    themes = models.ManyToManyField(Theme, blank=True, related_name="assignments")
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.NEUTRAL)
    confidence = models.FloatField(null=True, blank=True)
    coded_by = models.CharField(max_length=20, choices=CodedBy.choices)
    needs_review = models.BooleanField(default=False)
    coded_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    coded_at = models.DateTimeField()

    class Meta:
        ordering = ["question", "respondent__ref"]
        constraints = [models.UniqueConstraint(fields=["question", "respondent"], name="voice_assignment_unique")]


class Quote(models.Model):
    """A verbatim stretch of a publishable response (`respondent.text[start:end]`) quoted under a theme."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="quotes")
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="quotes")
    position = models.PositiveIntegerField(default=0)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["theme", "position"]

    @property
    def source_text(self) -> str:
        return self.respondent.text[self.start:self.end]


class Redaction(models.Model):
    """Personal data found in a quote (offsets in the quote's text), for the analyst to check."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="redactions")
    entity = models.CharField(max_length=40)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    score = models.FloatField()
    status = models.CharField(max_length=20, choices=RedactionStatus.choices, default=RedactionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["quote", "start"]


class Decision(models.Model):
    """"You said, we did": what the partnership decided about a theme, with its status and next steps."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="decisions")
    theme = models.ForeignKey(Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions")
    position = models.PositiveIntegerField(default=0)
    you_said = models.TextField()
    we_did = models.TextField()
    status = models.CharField(max_length=30, choices=DecisionStatus.choices)
    rationale = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultation", "position", "created_at"]


class RunStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class AnalysisRun(models.Model):
    """One run of the analysis (mapping, campaigns, themes, coding, quotes) and what it found.

    An analyst asks for a run (queued); the Voice worker (`throughcare voice work`, voice/worker.py) claims it
    (running) and does it as that analyst (done or failed). `started_by` is the analyst who asked.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="runs")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"], name="voice_run_queue")]


class AnalystGrant(models.Model):
    """The consultation analyst permission given by an administrator to a member of staff whose role does
    not carry it (service managers and commissioners are analysts by role: docs/decisions/0017)."""

    staff = models.OneToOneField("agencies.Staff", on_delete=models.CASCADE, related_name="voice_grant")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField()
