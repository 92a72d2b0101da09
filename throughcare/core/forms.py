"""Form helpers rendered with GOV.UK Frontend markup (templates/includes/field.html)."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from throughcare.core.errors import ValidationFailed

#: Django's message for a required field left empty, which names no field.
REQUIRED_DEFAULT = forms.Field.default_error_messages["required"]
#: The hidden one-time key of a form that makes something (GovForm.once).
FORM_KEY = "form_key"


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Date of birth" → "date of birth", "NHS number" unchanged."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def offer_label(label: str) -> str:
    """A label as a message quotes it: "Disabilities (optional)" → "Disabilities", "What do you want to do?" →
    "What do you want to do"."""
    return label.split(" (")[0].rstrip("?: ").strip() or label


class GovDateWidget(forms.Widget):
    """GOV.UK date input: three boxes named NAME-day, NAME-month, NAME-year."""

    template_name = "includes/date_widget.html"

    def value_from_datadict(self, data, files, name):
        return tuple((data.get(f"{name}-{part}") or "").strip() for part in ("day", "month", "year"))

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}-{part}" in data for part in ("day", "month", "year"))

    def format_value(self, value):
        if isinstance(value, dt.date):
            return (str(value.day), str(value.month), str(value.year))
        return value or ("", "", "")


class GovDateField(forms.Field):
    widget = GovDateWidget

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun
        super().__init__(**kwargs)

    def to_python(self, value):
        if not value or not any(value):
            return None
        day, month, year = value
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise forms.ValidationError(f"{self.noun.capitalize()} must include a {' and '.join(missing)}")
        try:
            if len(year) != 4:
                raise ValueError
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{self.noun.capitalize()} must be a real date") from None

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(f"Enter the {self.noun}")


class GovForm(forms.Form):
    """A form that can take field errors from an action's ValidationFailed."""

    #: A form that makes something (a note, an appointment, a consent ...) carries a one-time key, so the same
    #: form sent twice (a double click, a retry after a lost answer, Back and send again) makes it once:
    #: core.views.form_page (or run_form_once) runs its action under the key (core.idempotency).
    once = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.once:
            self.fields[FORM_KEY] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
            if not self.is_bound:
                self.initial[FORM_KEY] = uuid.uuid4().hex
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                # A value not among the options: a page opened before they changed (a worker who has left, a
                # theme merged since) or a hand-made request. Labels are nouns ("Kind of agency"), questions
                # ("Did the person attend?") or the start of a sentence ("With"), so the message quotes it.
                offered = _("Choose one of the options for “%(label)s”") % {"label": offer_label(str(field.label))}
                field.error_messages["invalid_choice"] = offered
                field.error_messages["invalid_list"] = offered
            if field.required and field.label and field.error_messages.get("required") == REQUIRED_DEFAULT:
                # Never Django's "This field is required.": the message names the field, as GOV.UK asks.
                verb = "Choose" if isinstance(field, forms.ChoiceField) else "Enter"
                field.error_messages["required"] = f"{verb} {in_sentence(str(field.label))}"

    def add_import_problems(self, field: str, failure: ValidationFailed, where) -> None:
        """An all-or-nothing import's problems on the file `field`: each as `where(key)` + message (`where` turns
        the import's key, a row and column or a JSON path, into words), after the import's summary if several."""
        problems = [where(key) + message for key, message in failure.fields.items()]
        self.add_error(field, [failure.message, *problems] if len(problems) > 1 else problems or [failure.message])

    def add_action_errors(self, failure: ValidationFailed) -> None:
        for name, message in failure.fields.items():
            field = name if name in self.fields else None
            self.add_error(field, message)

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in field order."""
        links = []
        for message in self.non_field_errors():
            links.append(("", message))
        for bound in self:
            for message in bound.errors:
                widget = bound.field.widget
                if isinstance(widget, GovDateWidget):
                    anchor = f"{bound.auto_id}-day"
                elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                    anchor = f"{bound.auto_id}_0"
                else:
                    anchor = bound.auto_id
                links.append((anchor, message))
        return links


def read_upload(upload, suffix: str) -> bytes:
    """An import file's bytes, once its name says `suffix` (".csv", ".json") and it is no larger than
    THROUGHCARE_UPLOAD_MAX_BYTES; otherwise a ValidationError naming the file. Voice, which takes several
    kinds of document and looks at their first bytes, has its own (`voice.forms.check_upload`)."""
    if not upload.name.lower().endswith(suffix):
        raise forms.ValidationError(f"{upload.name} is not a {suffix} file")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise forms.ValidationError(f"{upload.name} is larger than the {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} "
                                    "MB a file may be")
    return upload.read()
