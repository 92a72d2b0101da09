"""The payment-by-results calculator: a tariff per outcome domain times the people achieving it.

Domains (docs/reporting.md, "Payment by results"): drug use, alcohol, offending, housing, employment, health
and wellbeing (from the first and latest TOP, the outcome_domains SQL) and sustained recovery (planned exit
without re-presentation within six months). The tariff is the commissioner's to set, on the page; the
defaults are placeholders, not any real contract's prices.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

DOMAINS = {
    "drug_use": "Drug use: stopped using opiates or crack",
    "alcohol": "Alcohol: drinking days halved",
    "offending": "Offending: stopped shoplifting or selling drugs",
    "housing": "Housing: housing problems resolved",
    "employment": "Employment: into paid work or education",
    "health_wellbeing": "Health and wellbeing: quality of life up 4 points or more",
    "sustained_recovery": "Sustained recovery: planned exit, no re-presentation in six months",
}
DEFAULT_TARIFF = {"drug_use": 500, "alcohol": 400, "offending": 400, "housing": 300, "employment": 500,
                  "health_wellbeing": 200, "sustained_recovery": 1000}
MAX_TARIFF = 100_000


def parse_tariff(values: dict) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The tariff from a form (tariff_<domain> fields): pounds per person, 0 to 100,000. Returns (tariff, errors)."""
    tariff, errors = {}, {}
    for domain, label in DOMAINS.items():
        raw = (values.get(f"tariff_{domain}") or "").strip().replace(",", "").lstrip("£")
        if raw == "":
            tariff[domain] = Decimal(DEFAULT_TARIFF[domain])
            continue
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            errors[f"tariff_{domain}"] = f"Enter an amount in pounds for {label.split(':')[0].lower()}, like 500"
            continue
        if not amount.is_finite() or not 0 <= amount <= MAX_TARIFF:
            errors[f"tariff_{domain}"] = f"Enter an amount from £0 to £{MAX_TARIFF:,}"
        else:
            tariff[domain] = amount.quantize(Decimal("0.01"))
    return tariff, errors


def payments(counts: dict[str, dict[str, int | None]], tariff: dict[str, Decimal]) -> dict[str, Decimal | None]:
    """Payment per row (provider or the partnership) from its counts per domain. A count withheld by
    suppression (None) withholds the payment, which would otherwise give it away."""
    out = {}
    for row, by_domain in counts.items():
        if any(by_domain.get(d) is None for d in DOMAINS):
            out[row] = None
        else:
            out[row] = sum((tariff[d] * by_domain[d] for d in DOMAINS), Decimal(0))
    return out
