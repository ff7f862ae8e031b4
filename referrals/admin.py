"""Set-up screens for superusers: the kinds of help, and a read-only look at the directory.

Intake, consents and referrals are records about children and are deliberately absent: they
are reached only through the need-to-know door. The directory itself is kept by each
organisation's administrators and supervisors through `referrals.services` (validated and
audited), so here it can be looked at but not edited.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import HelpKind, IntakeWorker, Service


@admin.register(HelpKind)
class HelpKindAdmin(admin.ModelAdmin[HelpKind]):
    list_display = ["name", "name_km", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "name_km", "code"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Services, consents and referrals point at kinds: retire one with "in use" instead.
        return False


M = TypeVar("M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin[Service]):
    list_display = ["name", "provider", "directory_of", "is_active"]
    list_filter = ["directory_of", "is_active", "kinds"]
    search_fields = ["name", "provider"]


@admin.register(IntakeWorker)
class IntakeWorkerAdmin(ReadOnlyAdmin[IntakeWorker]):
    list_display = ["user", "organisation", "added_by", "added_at"]
    list_filter = ["organisation"]
