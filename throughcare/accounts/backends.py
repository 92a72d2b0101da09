from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Loads the user with their staff record, agency and any consultation analyst grant in one query per request.

    The staff sign-in page never signs in a person who holds their own record (throughcare/myrecord):
    they sign in on the person pages, with a code sent to them.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and _is_person(user):
            return None
        return user

    def get_user(self, user_id):
        user = get_user_model().objects.select_related("staff__agency", "staff__voice_grant").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def _is_person(user) -> bool:
    from throughcare.myrecord.models import PersonAccount

    return PersonAccount.objects.filter(user_id=user.pk).exists()
