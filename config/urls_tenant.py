"""A firm's host: its app shell, modules, settings and API."""

from django.urls import include, path

from apps.accounts import views as account_views
from apps.accounts import views_two_factor as two_factor_views
from apps.accounts.api import views as account_api

from .urls_common import common_urls

api_patterns = (
    [
        path("auth/token/", account_api.TokenCreateApi.as_view(), name="token"),
        path("me/", account_api.MeApi.as_view(), name="me"),
        path("users/", account_api.UserListApi.as_view(), name="users"),
        path("invitations/", account_api.InvitationListCreateApi.as_view(), name="invitations"),
    ],
    "api",
)

urlpatterns = [
    path("", account_views.dashboard, name="dashboard"),
    path("accounts/", include("apps.accounts.urls")),
    path("invitations/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("settings/", account_views.firm_settings, name="settings"),
    path("settings/users/", account_views.users_settings, name="users"),
    path("settings/lifecycle/", account_views.firm_lifecycle, name="settings_lifecycle"),
    path("settings/closure/cancel/", account_views.firm_closure_cancel, name="closure_cancel"),
    path("settings/export/", account_views.firm_export, name="firm_export"),
    path("settings/security-log/", account_views.security_log, name="security_log"),
    path("settings/api-tokens/", account_views.api_tokens, name="api_tokens"),
    path("settings/sessions/", account_views.browser_sessions, name="browser_sessions"),
    path("settings/two-factor/", two_factor_views.two_factor_settings, name="two_factor"),
    path("settings/export/rows/", account_views.firm_export_rows, name="firm_export_rows"),
    path("settings/export/<int:export_id>/download/", account_views.firm_export_download, name="firm_export_download"),
    path("settings/invitations/<int:invitation_id>/revoke/", account_views.invitation_revoke, name="invitation_revoke"),
    path("settings/billing/", include("apps.billing.urls_tenant")),
    path("crm/", include("apps.crm.urls")),
    path("hr/", include("apps.hr.urls")),
    path("finance/", include("apps.finance.urls")),
    path("supply-chain/", include("apps.supply_chain.urls")),
    path("park/notices/", include("apps.parks.urls_firm_notices")),
    path("park/services/", include("apps.parks.urls_firm_services")),
    path("park/directory/", include("apps.parks.urls_firm_directory")),
    path("park/", include("apps.parks.urls_firm")),
    path("api/v1/", include(api_patterns)),
    path("api/v1/finance/", include("apps.finance.api.urls")),
    path("api/v1/hr/", include("apps.hr.api.urls")),
    path("api/v1/crm/", include("apps.crm.api.urls")),
    path("api/v1/supply-chain/", include("apps.supply_chain.api.urls")),
    path("api/v1/park/notices/", include("apps.parks.api.urls_firm_notices")),
    path("api/v1/park/services/", include("apps.parks.api.urls_firm_services")),
    path("api/v1/park/directory/", include("apps.parks.api.urls_firm_directory")),
    path("api/v1/park/", include("apps.parks.api.urls_firm")),
    *common_urls("config.urls_tenant"),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
