from django.db.models import Count
from django.shortcuts import render

from throughcare.agencies.actions import create_agency, create_staff
from throughcare.agencies.forms import AgencyForm, StaffForm
from throughcare.agencies.models import Agency, Staff
from throughcare.core.views import admin_page, form_page


@admin_page
def agency_list(request):
    agencies = Agency.objects.annotate(staff_count=Count("staff")).order_by("kind", "name")
    staff = Staff.objects.select_related("user", "agency").order_by("agency__name", "user__username")
    return render(request, "agencies/list.html", {"agencies": agencies, "staff_members": staff})


@admin_page
def agency_new(request):
    return form_page(request, AgencyForm(request.POST or None),
                     run=lambda data: create_agency(actor=request.user, **data),
                     success=lambda agency: f"{agency.name} added", redirect_to="agencies:list",
                     heading="Add an agency", cancel_url="/agencies/")


@admin_page
def staff_new(request):
    return form_page(request, StaffForm(request.POST or None),
                     run=lambda data: create_staff(actor=request.user, **data),
                     success=lambda staff: f"{staff.user.username} added", redirect_to="agencies:list",
                     heading="Add a member of staff", cancel_url="/agencies/")
