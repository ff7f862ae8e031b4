from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class UpstreamBackend(ModelBackend):
    """Django's backend, loading the user's organisation with the user.

    Every page shows times in the organisation's zone, so fetching both in one query saves a
    query on every request.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
