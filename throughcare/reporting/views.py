"""Dashboard pages and their CSV downloads (reporting.dashboards decides who sees what, and audits it)."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from throughcare.agencies.models import staff_of
from throughcare.core.csp import draws_charts
from throughcare.core.errors import ValidationFailed
from throughcare.core.views import staff_page
from throughcare.reporting import dashboards, downloads
from throughcare.reporting.forms import SignalsImportForm, TariffForm
from throughcare.reporting.signals import COLUMNS, SOURCES, import_signals


@staff_page
def index(request):
    staff = staff_of(request.user)
    if staff.role in dashboards.COMMISSIONER_ROLES and staff.role not in dashboards.SERVICE_ROLES:
        return redirect("reporting:commissioner")
    return redirect("reporting:service")


@staff_page
@draws_charts
def service(request):
    report = dashboards.service_report(request.user)
    return render(request, "reporting/service.html", {"report": report,
                                                      "as_of": dashboards.as_of_text(report["as_of"])})


@staff_page
@draws_charts
def commissioner(request):
    form = TariffForm(request.GET or None)
    tariff = form.tariff()
    report = dashboards.commissioner_report(request.user, tariff=tariff)
    # The payments download carries the tariff on the page (when it is valid).
    tariff_query = "" if form.errors else urlencode(
        {k: v for k, v in request.GET.items() if k.startswith("tariff_") and v.strip()})
    return render(request, "reporting/commissioner.html", {
        "report": report, "form": form, "as_of": dashboards.as_of_text(report["as_of"]),
        "tariff_query": tariff_query}, status=422 if form.errors else 200)


def _csv(rows: list[list[str]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    csv.writer(response).writerows(rows)
    return response


def _download(downloads: dict, name: str) -> list[list[str]]:
    if name not in downloads:
        raise Http404("No such table")
    return downloads[name]


@staff_page
def service_csv(request):
    report = dashboards.service_report(request.user)
    name = request.GET.get("table", "")
    rows = _download(downloads.service_downloads(report), name)
    return _csv(rows, f"{name}-{report['agency'].name.lower().replace(' ', '-')}")


@staff_page
def commissioner_csv(request):
    form = TariffForm(request.GET or None)
    report = dashboards.commissioner_report(request.user, tariff=form.tariff())
    name = request.GET.get("table", "")
    return _csv(_download(downloads.commissioner_downloads(report), name), f"{name}-partnership")


def _where(field: str) -> str:
    """ "row 3 month" → "Row 3, month: " (the import's error keys); nothing for the file as a whole."""
    row, _, column = field.removeprefix("row ").partition(" ")
    return f"Row {row}, {column}: " if field.startswith("row ") else ""


@staff_page
def signals_import(request):
    """Partners' aggregate signals (hospital admissions, police seizures ...) uploaded as CSV: all rows or none,
    each problem named by its row and column."""
    dashboards._require_commissioner(request.user)
    posted = request.method == "POST"
    form = SignalsImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            count = import_signals(actor=request.user, text=form.cleaned_data["file"])
        except ValidationFailed as failure:
            form.add_import_problems("file", failure, _where)
        else:
            messages.success(request, f"Imported {count} row{'s' if count != 1 else ''} of partners' figures")
            return redirect(f"{reverse('reporting:commissioner')}#local-intelligence")
    return render(request, "reporting/signals_import.html", {"form": form, "columns": COLUMNS, "sources": SOURCES},
                  status=422 if form.errors else 200)
