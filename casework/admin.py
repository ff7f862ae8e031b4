"""Set-up screens for superusers: organisations, villages, teams and user accounts.

Records about children are deliberately absent: they are reached only through the
need-to-know door, never through the admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from .models import Organisation, Team, User, Village
from .services import organisation_sync_administrators, team_sync_groups, user_end_sessions


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "time_zone", "language", "is_synthetic"]
    list_filter = ["kind", "is_synthetic"]
    search_fields = ["name"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin[Village]):
    list_display = ["name", "name_km", "commune", "district", "province"]
    list_filter = ["province"]
    search_fields = ["name", "name_km", "commune", "district"]


class TeamAdminForm(forms.ModelForm[Team]):
    class Meta:
        model = Team
        fields = ["name", "organisation", "villages", "members", "supervisors"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organisation = cleaned.get("organisation")
        for field in ("members", "supervisors"):
            for user in cleaned.get(field) or []:
                if user.organisation_id != getattr(organisation, "pk", None):
                    self.add_error(
                        field,
                        ValidationError(
                            _("%(user)s works for another organisation."),
                            params={"user": user},
                        ),
                    )
                elif user.role == User.Role.PARTNER:
                    self.add_error(
                        field,
                        ValidationError(
                            _("%(user)s is a partner and cannot join a team."),
                            params={"user": user},
                        ),
                    )
        return cleaned


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    form = TeamAdminForm
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]
    filter_horizontal = ["villages", "members", "supervisors"]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Supervisors' case grants follow team membership.
        team_sync_groups(team=form.instance)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active"]
    list_select_related = ["organisation"]
    list_filter = ["organisation", "role", "is_active", "is_superuser"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Upstream"), {"fields": ("organisation", "role", "language", "phone")}),
    )

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        previous = (
            User.objects.filter(pk=obj.pk).values_list("organisation_id", flat=True).first()
            if obj.pk is not None
            else None
        )
        was_active = (
            User.objects.filter(pk=obj.pk, is_active=True).exists() if obj.pk is not None else False
        )
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            # A deactivated account is signed out everywhere and loses its API tokens now.
            user_end_sessions(actor=request.user, user=obj, reason="deactivated")
        # Administrators' case grants follow the role (and the organisation).
        affected = {pk for pk in (previous, obj.organisation_id) if pk is not None}
        for organisation in Organisation.objects.filter(pk__in=affected):
            organisation_sync_administrators(organisation=organisation)
        for team in obj.supervised_teams.all():
            team_sync_groups(team=team)

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> HttpResponse:
        """Django's password form; a new password ends the user's other sessions and tokens."""
        user = self.get_object(request, unquote(id))
        before = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            after = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
            if after != before:
                user_end_sessions(
                    actor=request.user,
                    user=user,
                    reason="password changed",
                    keep_request=request if user.pk == request.user.pk else None,
                )
        return response

    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        (_("Upstream"), {"fields": ("organisation", "role", "first_name", "last_name")}),
    )
