"""Routes every host serves: health, readiness, language, API schema and docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views


def common_urls(urlconf: str) -> list:  # type: ignore[type-arg]
    return [
        path("healthz", core_views.healthz, name="healthz"),
        path("language/", core_views.language_switch, name="language_switch"),
        path(
            "api/schema/",
            SpectacularAPIView.as_view(urlconf=urlconf),
            name="api-schema",
        ),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    ]
