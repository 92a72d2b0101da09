from __future__ import annotations

from django.shortcuts import render

from throughcare.core.views import staff_page
from throughcare.myrecord.actions import open_corrections_for
from throughcare.today.caseload import SHOW_AT_MOST, audit_day, my_day


@staff_page
def today(request):
    day = my_day(request.user)
    # Corrections the people on the worker's caseload asked for in their own record (throughcare/myrecord).
    corrections = list(open_corrections_for(request.user)[:SHOW_AT_MOST])
    audit_day(request.user, day, corrections)
    return render(request, "today/today.html", {"day": day, "corrections": corrections})
