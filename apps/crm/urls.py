from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "crm"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/claim/", views.lead_action, {"action": "claim"}, name="lead_claim"),
    path("leads/<int:lead_id>/release/", views.lead_action, {"action": "release"}, name="lead_release"),
    path("leads/<int:lead_id>/convert/", views.lead_convert, name="lead_convert"),
    path("pool/", views.pool, name="pool"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_new, name="account_new"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("pipeline/", views.kanban, name="kanban"),
    path("opportunities/new/", views.opportunity_new, name="opportunity_new"),
    path("opportunities/<int:opportunity_id>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:opportunity_id>/move/", views.opportunity_move, name="opportunity_move"),
    path(
        "opportunities/<int:opportunity_id>/won/",
        views.opportunity_close,
        {"outcome_kind": "won"},
        name="opportunity_won",
    ),
    path(
        "opportunities/<int:opportunity_id>/lost/",
        views.opportunity_close,
        {"outcome_kind": "lost"},
        name="opportunity_lost",
    ),
    path("activities/<str:about>/<int:about_id>/", views.activity_add, name="activity_add"),
    path("activities/<int:activity_id>/done/", views.activity_complete, name="activity_complete"),
    path("documents/<str:about>/<int:about_id>/", views.attachment_upload, name="attachment_upload"),
    path("documents/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("documents/<int:attachment_id>/remove/", views.attachment_remove, name="attachment_remove"),
    path("filters/", views.saved_filter_save, name="saved_filter_save"),
    path("configuration/", views.crm_configuration, name="configuration"),
    path("filters/<int:filter_id>/remove/", views.saved_filter_remove, name="saved_filter_remove"),
    # Quotes and imports have page modules of their own.
    path("", include("apps.crm.urls_quotes")),
    path("", include("apps.crm.urls_imports")),
]
