"""The subject access copy as a PDF: the same data as the JSON copy, through an HTML template, by WeasyPrint."""

from __future__ import annotations

from django.template.loader import render_to_string


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


def copy_pdf(copy: dict) -> bytes:
    from weasyprint import HTML

    data = copy["subject_access_copy"]
    tables = [{"label": label, "title": table["title"],
               "rows": [[(name, _shown(value)) for name, value in row.items()] for row in table["rows"]]}
              for label, table in data["tables"].items() if table["rows"]]
    empty = [table["title"] for table in data["tables"].values() if not table["rows"]]
    html = render_to_string("myrecord/copy_pdf.html", {"copy": data, "tables": tables, "empty": empty})
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    """The copy's template needs nothing from outside: WeasyPrint may fetch no URL."""
    raise ValueError(f"the subject access copy fetches nothing: {url[:80]}")
