from __future__ import annotations

from django.shortcuts import render

from throughcare.audit.recorder import record_access
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.views import staff_page
from throughcare.myrecord.actions import open_corrections_for
from throughcare.today.caseload import SHOW_AT_MOST, my_day


@staff_page
def today(request):
    day = my_day(request.user)
    # Corrections the people on the worker's caseload asked for in their own record (throughcare/myrecord).
    corrections = list(open_corrections_for(request.user)[:SHOW_AT_MOST])
    subjects = list(dict.fromkeys(day.people_shown() + [str(c.person_id) for c in corrections]))
    record_access(actor=request.user, action="today.read", categories=[IDENTITY_CATEGORY],
                  subjects=subjects, reason=f"{len(day.caseload)} on caseload")
    return render(request, "today/today.html", {"day": day, "corrections": corrections})
