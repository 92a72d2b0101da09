"""Every table on a dashboard as CSV rows: the figures exactly as the page shows them (withheld cells as [c],
rates as shown), so a download never holds more than the page."""

from __future__ import annotations

from throughcare.reporting.suppression import HIDDEN_TEXT


def table_rows(table: dict) -> list[list[str]]:
    """A published (or service) table: a heading row, then each row and the partnership total if any."""
    header = [table.get("row_heading", "Provider"), *[h for _c, h in table["columns"]],
              *[h for _n, h in table.get("rate_headings", [])]]
    body = []
    for row in [*table["rows"], *([table["total"]] if table.get("total") else [])]:
        body.append([row["label"], *[row[f"{c}_text"] for c, _h in table["columns"]],
                     *[row.get(n) or "" for n, _h in table.get("rate_headings", [])]])
    return [header, *body]


def casemix_rows(casemix: dict) -> list[list[str]]:
    header = ["Provider", "Exits", "Sustained recovery", "Expected", "Observed rate", "Expected rate", "Adjusted rate",
              "Adjusted rate 95% interval"]
    body = [[r["label"], r["exits_text"], r["sustained_text"], *(r[k] or "" for k in (
        "expected", "observed_rate", "expected_rate", "adjusted_rate", "interval"))] for r in casemix["rows"]]
    total = casemix["total"]
    body.append([total["label"], total["exits_text"], total["sustained_text"], "", casemix["overall"] or "", "", "",
                 ""])
    return [header, *body]


def trend_rows(trends: list[dict]) -> list[list[str]]:
    header = ["Provider", "People assessed at intake", "Mean factors, first year", "Mean factors, second year",
              "Change a year (95% interval)", "Intake complexity falling"]
    return [header, *[[t["provider"], t["people_text"], t["first"] or "", t["second"] or "", t["slope"] or "",
                       "yes" if t["falling"] else "no"] for t in trends]]


def payment_rows(pbr: dict) -> list[list[str]]:
    header = ["Provider", *[label for _d, label in pbr["domains"]], "Payment"]
    tariff = ["Tariff (pounds per person)", *[f"{pbr['tariff'][d]}" for d, _label in pbr["domains"]], ""]
    body = [[row["label"], *[row[f"{d}_text"] for d, _label in pbr["domains"]], row["payment"] or HIDDEN_TEXT]
            for row in [*pbr["rows"], pbr["total"]]]
    return [header, tariff, *body]


def month_rows(table: dict) -> list[list[str]]:
    return [["", *table["months"]], *[[row["label"], *row["cells"]] for row in [*table["rows"], table["total"]]]]


def service_downloads(report: dict) -> dict[str, list[list[str]]]:
    return {t["name"]: table_rows(t) for t in report["tables"]}


def commissioner_downloads(report: dict) -> dict[str, list[list[str]]]:
    out = {t["name"]: table_rows(t) for t in report["tables"]}
    out["casemix"] = casemix_rows(report["casemix"])
    out["intake_trends"] = trend_rows(report["trends"])
    out["payments"] = payment_rows(report["pbr"])
    out["local_substances"] = month_rows(report["local"]["substances"])
    out["local_signals"] = month_rows(report["local"]["signals"])
    return out
