from throughcare.agencies.roles import Role


def service(request):
    staff = getattr(getattr(request, "user", None), "staff", None) if request.user.is_authenticated else None
    return {
        "service_name": "Throughcare",
        "staff": staff,
        "is_admin": bool(staff and staff.role == Role.ADMINISTRATOR),
    }
