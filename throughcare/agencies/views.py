from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render

from throughcare.agencies.actions import create_agency, create_staff
from throughcare.agencies.forms import AgencyForm, StaffForm
from throughcare.agencies.models import Agency, Staff
from throughcare.core.errors import ValidationFailed
from throughcare.core.views import admin_page


@admin_page
def agency_list(request):
    agencies = Agency.objects.annotate(staff_count=Count("staff")).order_by("kind", "name")
    staff = Staff.objects.select_related("user", "agency").order_by("agency__name", "user__username")
    return render(request, "agencies/list.html", {"agencies": agencies, "staff_members": staff})


@admin_page
def agency_new(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = create_agency(actor=request.user, **form.cleaned_data)
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, f"{agency.name} added")
            return redirect("agencies:list")
    return render(request, "agencies/form.html", {"form": form, "heading": "Add an agency"},
                  status=422 if form.errors else 200)


@admin_page
def staff_new(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = create_staff(actor=request.user, **form.cleaned_data)
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, f"{staff.user.username} added")
            return redirect("agencies:list")
    return render(request, "agencies/form.html", {"form": form, "heading": "Add a member of staff"},
                  status=422 if form.errors else 200)
