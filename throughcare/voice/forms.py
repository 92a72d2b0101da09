"""Voice forms: GOV.UK markup through templates/includes/field.html (files through includes/file_field.html).

Uploads are checked here before anything reads them: the type (by name and by the first bytes: a PDF starts
%PDF-, a Word .docx is a zip, a text file has no NUL bytes) and the size (THROUGHCARE_UPLOAD_MAX_BYTES), with a
message naming the field (and the file, for several).
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings

from throughcare.core.forms import GovForm
from throughcare.voice.models import (
    DecisionStatus,
    Publish,
    QuestionType,
    RespondentType,
    Stance,
)
from throughcare.voice.workflow import PAPER_SUFFIXES, RESPONSE_SUFFIXES, readable

PUBLIC_RESPONDENT_TYPES = [(RespondentType.INDIVIDUAL.value, "As an individual"),
                           (RespondentType.ORGANISATION.value, "On behalf of an organisation")]


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"


def _choices(suffixes) -> str:
    return ", ".join(suffixes[:-1]) + " or " + suffixes[-1]


def check_upload(upload, *, label: str, suffixes) -> str | None:
    """The problem with an uploaded file, as a message that starts with `label`; None if it may be read."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in suffixes:
        return f"{label} must be a {_choices(suffixes)} file"
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        return f"{label} must be smaller than {human_size(limit)}"
    if not upload.size:
        return f"{label} is empty"
    upload.seek(0)
    head = upload.read(65536)
    upload.seek(0)
    if suffix == ".pdf" and not head.startswith(b"%PDF-"):
        return f"{label} is not a PDF file: save it as a PDF again, or choose the .txt or .docx version"
    if suffix == ".docx" and not head.startswith(b"PK\x03\x04"):
        return f"{label} is not a Word (.docx) document: an older .doc file must be saved as .docx first"
    if suffix in (".txt", ".csv") and b"\x00" in head:
        return f"{label} is not a text file"
    return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ConsultationForm(GovForm):
    once = True
    title = forms.CharField(label="Title", max_length=200, error_messages={
        "required": "Enter the consultation's title", "max_length": "The title must be 200 characters or fewer"})
    description = forms.CharField(label="Description (optional)", required=False, widget=forms.Textarea,
                                  help_text="Shown to the public above the response form")


class PaperForm(GovForm):
    paper = forms.FileField(label="Consultation paper", help_text=".txt, .pdf or .docx", error_messages={
        "required": "Choose the consultation paper to upload", "empty": "The consultation paper is empty",
        "invalid": "Choose the consultation paper to upload"})

    def clean_paper(self):
        paper = self.cleaned_data["paper"]
        problem = check_upload(paper, label="The consultation paper", suffixes=PAPER_SUFFIXES)
        if problem:
            raise forms.ValidationError(problem)
        return paper


class ResponseImportForm(GovForm):
    files = MultipleFileField(label="Response files", help_text="Documents (.txt, .pdf, .docx: one response each) "
                              "or a spreadsheet saved as .csv (one row per respondent, one column per question number)",
                              error_messages={"required": "Choose at least one response file to import",
                                              "empty": "A response file is empty"})

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = settings.UPLOAD_MAX_FILES
        if len(files) > limit:
            raise forms.ValidationError(f"Response files: choose up to {limit} files at a time")
        problems = [check_upload(f, label=f"Response files: {Path(f.name).name}", suffixes=RESPONSE_SUFFIXES)
                    for f in files]
        problems = [p for p in problems if p]
        if problems:
            raise forms.ValidationError(problems)
        return files


class QuestionForm(GovForm):
    once = True
    qid = forms.CharField(label="Question number", max_length=10, help_text="For example A1 or 3",
                          error_messages={"required": "Enter the question number, like A1 or 3",
                                          "max_length": "The question number must be 10 characters or fewer"})
    text = forms.CharField(label="Question", widget=forms.Textarea, error_messages={"required": "Enter the question"})
    type = forms.ChoiceField(label="Type of question", choices=QuestionType.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the type of question"})
    options = forms.CharField(label="Options", required=False, widget=forms.Textarea,
                              help_text="One on each line, for “select as many as apply” and “choose one” questions")
    explain = forms.BooleanField(label="A closed question that also asks for an explanation", required=False)
    section = forms.CharField(label="Section (optional)", required=False, max_length=300)
    guidance = forms.CharField(label="Guidance (optional)", required=False, widget=forms.Textarea)

    @staticmethod
    def initial_for(question) -> dict:
        return {"qid": question.qid, "text": question.text, "type": question.type,
                "options": "\n".join(question.options or []), "explain": question.explain,
                "section": question.section, "guidance": question.guidance}

    def action_input(self):
        from throughcare.voice.actions import QuestionInput

        data = self.cleaned_data
        return QuestionInput(qid=data["qid"], text=data["text"], type=data["type"],
                             options=(data.get("options") or "").splitlines(), section=data.get("section") or "",
                             guidance=data.get("guidance") or "", explain=bool(data.get("explain")))


class RespondentForm(GovForm):
    """Who sent a response and whether it may be quoted (the analyst fills this in for a document)."""

    respondent_type = forms.ChoiceField(label="Responding as", choices=RespondentType.choices, widget=forms.RadioSelect,
                                        error_messages={"required": "Choose who the response is from"})
    organisation = forms.CharField(label="Organisation (if responding for one)", required=False, max_length=200)
    name = forms.CharField(label="Name (optional)", required=False, max_length=200)
    publish = forms.ChoiceField(label="Publication", choices=Publish.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose whether the response may be published"})


class PublicResponseForm(GovForm):
    """The public response form: every question (closed ones as options, open ones as text), then about you."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.groups: list[tuple[str, list[str]]] = []
        for question in self.questions:
            name = f"q-{question.qid}"
            label = f"{question.qid}. {readable(question.text)}"  # a paper in capitals is hard to read
            help_text = question.guidance
            if question.type == QuestionType.OPEN:
                field = forms.CharField(label=label, required=False, widget=forms.Textarea, help_text=help_text)
            elif question.type == QuestionType.SELECT_ALL:
                field = forms.MultipleChoiceField(label=label, required=False, widget=forms.CheckboxSelectMultiple,
                                                  choices=[(o, o) for o in question.options],
                                                  help_text=help_text or "Select all that apply")
            else:
                field = forms.ChoiceField(label=label, required=False, widget=forms.RadioSelect,
                                          choices=[(o, o) for o in question.options], help_text=help_text)
            field.error_messages["invalid_choice"] = f"Choose your answer to question {question.qid} from the list"
            self.fields[name] = field
            names = [name]
            if question.explain:
                self.fields[f"{name}-explain"] = forms.CharField(
                    label=f"Please explain your answer to question {question.qid} (optional)", required=False,
                    widget=forms.Textarea)
                names.append(f"{name}-explain")
            if not self.groups or self.groups[-1][0] != question.section:
                self.groups.append((question.section, []))
            self.groups[-1][1].extend(names)
        self.fields["respondent_type"] = forms.ChoiceField(
            label="Are you responding as an individual or on behalf of an organisation?", choices=PUBLIC_RESPONDENT_TYPES,
            widget=forms.RadioSelect, required=False)  # checked by the action, with every other answer
        self.fields["organisation"] = forms.CharField(
            label="Organisation name (if you are responding on behalf of an organisation)", required=False)
        self.fields["name"] = forms.CharField(label="Your name (optional)", required=False,
                                              widget=forms.TextInput(attrs={"autocomplete": "name"}))
        self.fields["publish"] = forms.ChoiceField(
            label="May we publish your response?", choices=Publish.choices, widget=forms.RadioSelect, required=False,
            help_text="We read and count every response. We only quote responses we may publish, and we remove "
                      "personal details such as phone numbers and addresses first.")

    def sections(self):
        """(section heading, bound fields) in the paper's order."""
        return [(section, [self[name] for name in names]) for section, names in self.groups]

    def answers(self) -> dict:
        data = self.cleaned_data
        out = {}
        for question in self.questions:
            out[question.qid] = data.get(f"q-{question.qid}")
            if question.explain:
                out[f"{question.qid}-explain"] = data.get(f"q-{question.qid}-explain")
        return out


class RemapForm(GovForm):
    question = forms.ChoiceField(label="Question this passage answers", error_messages={
        "required": "Choose the question this passage answers"})

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [("outside", "Outside the questions")] + [
            (str(q.pk), f"{q.qid}: {q.text[:80]}") for q in questions]


class ClosedAnswerForm(GovForm):
    """The closed answer: checkboxes for "select as many as apply", otherwise one of the options (or none)."""

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        label = f"Answer to question {question.qid}"
        choices = [(o, o) for o in question.options]
        if question.type == QuestionType.SELECT_ALL:
            self.fields["chosen"] = forms.MultipleChoiceField(label=label, required=False, choices=choices,
                                                              widget=forms.CheckboxSelectMultiple)
        else:
            self.fields["chosen"] = forms.ChoiceField(label=label, required=False, widget=forms.RadioSelect,
                                                      choices=[*choices, ("", "No answer given")])


class ThemeForm(GovForm):
    once = True
    label = forms.CharField(label="Name of the theme", max_length=200, error_messages={
        "required": "Enter a name for the theme", "max_length": "The theme's name must be 200 characters or fewer"})
    description = forms.CharField(label="Description (optional)", required=False, widget=forms.Textarea,
                                  help_text="What responses in this theme say: the classifier reads it too")


class MergeForm(GovForm):
    themes = forms.MultipleChoiceField(label="Themes to merge", widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Choose at least two themes to merge"})
    label = forms.CharField(label="Name of the merged theme (optional)", required=False, max_length=200)

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(str(t.pk), t.label) for t in themes]


class CodeForm(GovForm):
    themes = forms.MultipleChoiceField(label="Themes this response raises", required=False,
                                       widget=forms.CheckboxSelectMultiple, help_text="Leave all unticked if none fits")
    stance = forms.ChoiceField(label="Stance", choices=Stance.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Choose whether the response agrees, disagrees, is mixed "
                                                           "or neutral"})

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(str(t.pk), t.label) for t in themes]


class DecisionForm(GovForm):
    theme = forms.ChoiceField(label="Theme", required=False)
    you_said = forms.CharField(label="You said", widget=forms.Textarea, max_length=2_000, error_messages={
        "required": "Enter what respondents said", "max_length": "“You said” must be 2,000 characters or fewer"})
    we_did = forms.CharField(label="We did", widget=forms.Textarea, max_length=2_000, error_messages={
        "required": "Enter what was decided", "max_length": "“We did” must be 2,000 characters or fewer"})
    status = forms.ChoiceField(label="Status", choices=DecisionStatus.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Choose the decision's status"})
    rationale = forms.CharField(label="Why (optional)", required=False, widget=forms.Textarea, max_length=2_000)
    next_steps = forms.CharField(label="Next steps (optional)", required=False, widget=forms.Textarea,
                                 max_length=2_000)

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "Not about one theme")] + [
            (str(t.pk), f"{t.question.qid}: {t.label}") for t in themes]

    @staticmethod
    def initial_for(decision) -> dict:
        return {"theme": str(decision.theme_id or ""), "you_said": decision.you_said, "we_did": decision.we_did,
                "status": decision.status, "rationale": decision.rationale, "next_steps": decision.next_steps}


class GrantForm(GovForm):
    staff = forms.ChoiceField(label="Member of staff", error_messages={"required": "Choose a member of staff"})

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", "Choose")] + [
            (str(s.pk), f"{s.display_name} ({s.get_role_display()}, {s.agency.name})") for s in staff]


class CompareForm(GovForm):
    other = forms.ChoiceField(label="Consultation to compare with", widget=forms.RadioSelect,
                              error_messages={"required": "Choose a consultation to compare with"})

    def __init__(self, *args, others, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [(str(c.pk), c.title) for c in others]
