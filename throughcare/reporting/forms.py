from __future__ import annotations

from django import forms

from throughcare.core.errors import ValidationFailed
from throughcare.core.forms import GovForm, read_upload
from throughcare.reporting import pbr


class TariffForm(GovForm):
    """The payment-by-results tariff: pounds per person achieving each outcome."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for domain, label in pbr.DOMAINS.items():
            self.fields[f"tariff_{domain}"] = forms.CharField(
                label=label, required=False, initial=str(pbr.DEFAULT_TARIFF[domain]),
                widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal"}))

    def tariff(self) -> dict:
        data = self.data if self.is_bound else {}
        tariff, errors = pbr.parse_tariff(data)
        if errors:
            self.add_action_errors(ValidationFailed(errors))
            return {d: pbr.DEFAULT_TARIFF[d] for d in pbr.DOMAINS}
        return tariff


class SignalsImportForm(GovForm):
    """Partners' aggregate signals as a CSV file (reporting.signals.COLUMNS), checked before anything reads it."""

    file = forms.FileField(label="Partners' figures (CSV)",
                           help_text="A .csv file with the columns month,area,source,signal,count",
                           error_messages={"required": "Choose the CSV file to import"})

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        raw = read_upload(upload, ".csv")
        if b"\x00" in raw:
            raise forms.ValidationError(f"{upload.name} is not a text file")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(f"{upload.name} is not saved as UTF-8 text: save it as “CSV UTF-8”") from None
