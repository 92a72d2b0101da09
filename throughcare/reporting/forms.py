from __future__ import annotations

from django import forms

from throughcare.core.errors import ValidationFailed
from throughcare.core.forms import GovForm
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
