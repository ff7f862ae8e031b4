from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from . import case_views, concern_views, sessions, views
from .health import healthz

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        sessions.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/session/", sessions.session_status, name="session_status"),
    path("accounts/session/extend/", sessions.session_extend, name="session_extend"),
    path(
        "accounts/sign-out-everywhere/",
        sessions.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/verify/", views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("accounts/mfa/reset/<int:user_id>/", views.mfa_reset, name="mfa_reset"),
    path("language/", views.language_switch, name="language_switch"),
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/new/", case_views.case_open, name="case_open"),
    path("cases/<int:case_id>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/phase/", case_views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/reallocate/", case_views.case_reallocate, name="case_reallocate"),
    path("cases/<int:case_id>/access-log/", case_views.case_access_log, name="case_access_log"),
    path("cases/<int:case_id>/family/", case_views.family_edit, name="family_edit"),
    path("cases/<int:case_id>/people/new/", case_views.person_add, name="person_add"),
    path(
        "cases/<int:case_id>/people/<int:person_id>/",
        case_views.person_edit,
        name="person_edit",
    ),
    path("cases/<int:case_id>/visits/new/", case_views.visit_new, name="visit_new"),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/",
        case_views.visit_detail,
        name="visit_detail",
    ),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/edit/",
        case_views.visit_edit,
        name="visit_edit",
    ),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/sign/",
        case_views.visit_sign,
        name="visit_sign",
    ),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/addenda/",
        case_views.visit_addendum,
        name="visit_addendum",
    ),
    path("concerns/", concern_views.concern_list, name="concern_list"),
    path("concerns/new/", concern_views.concern_new, name="concern_new"),
    path("concerns/<int:category_id>/", concern_views.concern_edit, name="concern_edit"),
]
