"""Dashboard pages and their CSV downloads (reporting.dashboards decides who sees what, and audits it)."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from throughcare.agencies.models import staff_of
from throughcare.core.views import staff_page
from throughcare.reporting import dashboards
from throughcare.reporting.forms import TariffForm


@staff_page
def index(request):
    staff = staff_of(request.user)
    if staff.role in dashboards.COMMISSIONER_ROLES and staff.role not in dashboards.SERVICE_ROLES:
        return redirect("reporting:commissioner")
    return redirect("reporting:service")


@staff_page
def service(request):
    report = dashboards.service_report(request.user)
    return render(request, "reporting/service.html", {"report": report,
                                                      "as_of": dashboards.as_of_text(report["as_of"])})


@staff_page
def commissioner(request):
    form = TariffForm(request.GET or None)
    tariff = form.tariff()
    report = dashboards.commissioner_report(request.user, tariff=tariff)
    return render(request, "reporting/commissioner.html", {
        "report": report, "form": form, "as_of": dashboards.as_of_text(report["as_of"])},
        status=422 if form.errors else 200)


def _csv(table: dict, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    csv.writer(response).writerows(dashboards.csv_rows(table))
    return response


def _table(report: dict, name: str) -> dict:
    table = next((t for t in report["tables"] if t["name"] == name), None)
    if table is None:
        raise Http404("No such table")
    return table


@staff_page
def service_csv(request):
    report = dashboards.service_report(request.user)
    name = request.GET.get("table", "")
    return _csv(_table(report, name), f"{name}-{report['agency'].name.lower().replace(' ', '-')}")


@staff_page
def commissioner_csv(request):
    report = dashboards.commissioner_report(request.user)
    name = request.GET.get("table", "")
    return _csv(_table(report, name), f"{name}-partnership")
