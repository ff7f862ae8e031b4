from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef

from .models import Team, User


class UpstreamBackend(ModelBackend):
    """Django's backend, loading the user's organisation with the user.

    Every page shows times in the organisation's zone, so fetching both in one query saves a
    query on every request. On PostgreSQL the ids of the user's groups come in the same query
    (`door_group_ids`), so the door can scope with constants (casework.access._granted), and
    so do the ids of the teams they are a member or a supervisor of (`door_member_team_ids`,
    `door_supervised_team_ids`, read by casework.selectors.team_ids_of and
    supervised_team_ids): a list scoped to a team then reads that team's cases by its index,
    instead of walking the organisation's newest cases.
    """

    def get_user(self, user_id: Any) -> User | None:
        users = User.objects.select_related("organisation")
        if connection.vendor == "postgresql":
            users = users.annotate(
                door_group_ids=ArraySubquery(
                    User.groups.through.objects.filter(user_id=OuterRef("pk")).values("group_id")
                ),
                door_member_team_ids=ArraySubquery(
                    Team.members.through.objects.filter(user_id=OuterRef("pk")).values("team_id")
                ),
                door_supervised_team_ids=ArraySubquery(
                    Team.supervisors.through.objects.filter(user_id=OuterRef("pk")).values(
                        "team_id"
                    )
                ),
            )
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
