"""The public host: landing page, sign-up, operators' admin, public API."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from apps.accounts import views as account_views
from apps.accounts import views_two_factor as two_factor_views
from core import views as core_views
from tenants import views as tenant_views
from tenants.api import views as tenant_api

from .urls_common import common_urls

api_patterns = (
    [
        path("signup/", tenant_api.SignupCreateApi.as_view(), name="signup"),
        path("signup/<uuid:signup_id>/", tenant_api.SignupStatusApi.as_view(), name="signup-status"),
    ],
    "api",
)

urlpatterns = [
    path("", tenant_views.landing, name="landing"),
    path("signup/", tenant_views.signup, name="signup"),
    path("signup/<uuid:signup_id>/", tenant_views.signup_progress, name="signup_progress"),
    path("signup/<uuid:signup_id>/status/", tenant_views.signup_progress_partial, name="signup_progress_partial"),
    path("accounts/", include("apps.accounts.urls")),
    path("home/", account_views.platform_home, name="dashboard"),
    # Operators sign in through the same page as everyone (with their second factor), not
    # through the admin's own form.
    path("admin/login/", RedirectView.as_view(url="/accounts/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("billing/", include("apps.billing.urls_public")),
    # The park console (park administrators) and invitation links.
    path("park/onboarding/", include("apps.parks.urls_onboarding")),
    path("park/notices/", include("apps.parks.urls_notices")),
    path("park/services/", include("apps.parks.urls_services")),
    path("park/", include("apps.parks.urls_console")),
    path("join/", include("apps.parks.urls_join")),
    path("settings/two-factor/", two_factor_views.two_factor_settings, name="two_factor"),
    path("api/v1/park/onboarding/", include("apps.parks.api.urls_onboarding")),
    path("api/v1/park/notices/", include("apps.parks.api.urls_notices")),
    path("api/v1/park/services/", include("apps.parks.api.urls_services")),
    path("api/v1/park/", include("apps.parks.api.urls_console")),
    path("api/v1/", include(api_patterns)),
    # Readiness names schemas and costs a fleet-wide query: platform hosts only.
    path("readyz", core_views.readyz, name="readyz"),
    *common_urls("config.urls_public"),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
