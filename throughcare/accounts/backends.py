from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Loads the user with their staff record and agency in one query on every request."""

    def get_user(self, user_id):
        user = get_user_model().objects.select_related("staff__agency").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
