from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "crm_api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", views.AccountListCreateApi.as_view(), name="accounts"),
    path("accounts/<int:account_id>/", views.AccountDetailApi.as_view(), name="account"),
    path("contacts/", views.ContactListCreateApi.as_view(), name="contacts"),
    path("contacts/<int:contact_id>/", views.ContactDetailApi.as_view(), name="contact"),
    path("leads/", views.LeadListCreateApi.as_view(), name="leads"),
    path("leads/<int:lead_id>/", views.LeadDetailApi.as_view(), name="lead"),
    path("leads/<int:lead_id>/claim/", views.LeadActionApi.as_view(), {"action": "claim"}, name="lead_claim"),
    path("leads/<int:lead_id>/release/", views.LeadActionApi.as_view(), {"action": "release"}, name="lead_release"),
    path("leads/<int:lead_id>/convert/", views.LeadConvertApi.as_view(), name="lead_convert"),
    path("stages/", views.StageListApi.as_view(), name="stages"),
    path("stages/<int:stage_id>/", views.StageDetailApi.as_view(), name="stage"),
    path("pool-rules/", views.PoolRulesApi.as_view(), name="pool_rules"),
    path("sales-team/", views.SalesTeamApi.as_view(), name="sales_team"),
    path("opportunities/", views.OpportunityListCreateApi.as_view(), name="opportunities"),
    path("opportunities/<int:opportunity_id>/", views.OpportunityDetailApi.as_view(), name="opportunity"),
    path("opportunities/<int:opportunity_id>/move/", views.OpportunityMoveApi.as_view(), name="opportunity_move"),
    path("opportunities/<int:opportunity_id>/win/", views.OpportunityWinApi.as_view(), name="opportunity_win"),
    path("opportunities/<int:opportunity_id>/lose/", views.OpportunityLoseApi.as_view(), name="opportunity_lose"),
    path("accounts/<int:about_id>/tags/", views.TagsApi.as_view(), {"about": "account"}, name="account_tags"),
    path("contacts/<int:about_id>/tags/", views.TagsApi.as_view(), {"about": "contact"}, name="contact_tags"),
    path("leads/<int:about_id>/tags/", views.TagsApi.as_view(), {"about": "lead"}, name="lead_tags"),
    path("activities/", views.ActivityListCreateApi.as_view(), name="activities"),
    *(
        path(f"{plural}/<int:about_id>/attachments/", views.AttachmentListCreateApi.as_view(), {"about": about})
        for about, plural in (
            ("account", "accounts"),
            ("contact", "contacts"),
            ("lead", "leads"),
            ("opportunity", "opportunities"),
        )
    ),
    path("attachments/<int:attachment_id>/", views.AttachmentDetailApi.as_view(), name="attachment"),
    path("saved-filters/", views.SavedFilterListCreateApi.as_view(), name="saved_filters"),
    path("saved-filters/<int:filter_id>/", views.SavedFilterDetailApi.as_view(), name="saved_filter"),
    path("activities/<int:activity_id>/complete/", views.ActivityCompleteApi.as_view(), name="activity_complete"),
]

# Quotes and imports/exports have URL modules of their own.
urlpatterns += [
    path("", include("apps.crm.api.quote_urls")),
    path("", include("apps.crm.api.import_urls")),
]
