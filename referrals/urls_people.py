"""Intake, the service directory and the partners' portal: pages that belong to people rather
than to one case."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import help_kind_views, views_directory, views_intake, views_partner

urlpatterns: list[URLPattern] = [
    path("intake/", views_intake.intake_queue, name="intake_queue"),
    path("intake/new/", views_intake.intake_new, name="intake_new"),
    path("intake/workers/", views_intake.intake_workers, name="intake_workers"),
    path(
        "intake/workers/<int:user_id>/remove/",
        views_intake.intake_worker_remove,
        name="intake_worker_remove",
    ),
    path("intake/<int:intake_id>/", views_intake.intake_detail, name="intake_detail"),
    path("intake/<int:intake_id>/screen/", views_intake.intake_screen, name="intake_screen"),
    path("services/", views_directory.service_list, name="service_list"),
    path("services/new/", views_directory.service_new, name="service_new"),
    path("services/<int:service_id>/", views_directory.service_detail, name="service_detail"),
    path("services/<int:service_id>/edit/", views_directory.service_edit, name="service_edit"),
    path("partner/referrals/", views_partner.partner_referral_list, name="partner_referral_list"),
    path(
        "partner/referrals/<int:referral_id>/",
        views_partner.partner_referral_detail,
        name="partner_referral_detail",
    ),
    path("help-kinds/", help_kind_views.help_kind_list, name="help_kind_list"),
    path("help-kinds/new/", help_kind_views.help_kind_new, name="help_kind_new"),
    path("help-kinds/<int:kind_id>/", help_kind_views.help_kind_edit, name="help_kind_edit"),
]
