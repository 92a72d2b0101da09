from __future__ import annotations

from django.shortcuts import render

from throughcare.audit.recorder import record_access
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.views import staff_page
from throughcare.today.caseload import my_day


@staff_page
def today(request):
    day = my_day(request.user)
    record_access(actor=request.user, action="today.read", categories=[IDENTITY_CATEGORY],
                  subjects=day.people_shown(), reason=f"{len(day.caseload)} on caseload")
    return render(request, "today/today.html", {"day": day})
