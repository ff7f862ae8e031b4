from __future__ import annotations

from django.urls import path

from . import views

C = "cases/<int:case_id>/"
E = f"{C}exports/<str:export_id>/"

urlpatterns = [
    path(f"{C}export/", views.export_new, name="export_new"),
    path(E, views.export_status, name="export_status"),
    path(f"{E}download/", views.export_download, name="export_download"),
]
