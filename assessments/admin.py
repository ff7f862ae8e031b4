from __future__ import annotations

from django.contrib import admin

from .models import NeedDomain


@admin.register(NeedDomain)
class NeedDomainAdmin(admin.ModelAdmin[NeedDomain]):
    list_display = ["name", "name_km", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "name_km", "code"]
