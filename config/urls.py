from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("casework.urls")),
    path("", include("assessments.urls")),
    path("", include("safetyplans.urls")),
    path("", include("reviews.urls")),
    path("", include("referrals.urls")),
    path("", include("reports.urls")),
    path("", include("security.urls")),
    path("setup/", admin.site.urls),
    path("api/v1/", include("casework.api.urls")),
    path("api/v1/", include("assessments.api.urls")),
    path("api/v1/", include("safetyplans.api.urls")),
    path("api/v1/", include("reviews.api.urls")),
    path("api/v1/", include("referrals.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its set-up script as a file, as the Content-Security-Policy asks.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]
