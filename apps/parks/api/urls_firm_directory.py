"""The directory and collaboration API (firm host, /api/v1/park/directory/)."""

from django.urls import path

from . import directory as views

urlpatterns = [
    path("profiles/", views.DirectorySearchApi.as_view(), name="park-directory-search"),
    path("profiles/<int:profile_id>/", views.DirectoryProfileDetailApi.as_view(), name="park-directory-profile"),
    path("profile/", views.OwnDirectoryProfileApi.as_view(), name="park-directory-own-profile"),
    path("profile/publish/", views.DirectoryProfilePublishApi.as_view(), name="park-directory-publish"),
    path("profile/unpublish/", views.DirectoryProfileUnpublishApi.as_view(), name="park-directory-unpublish"),
    path("requests/", views.CollaborationRequestCreateApi.as_view(), name="park-collaboration-create"),
    path("requests/received/", views.CollaborationReceivedListApi.as_view(), name="park-collaboration-received"),
    path("requests/sent/", views.CollaborationSentListApi.as_view(), name="park-collaboration-sent"),
    path(
        "requests/<int:collab_request_id>/",
        views.CollaborationRequestDetailApi.as_view(),
        name="park-collaboration-detail",
    ),
    path(
        "requests/<int:collab_request_id>/answer/",
        views.CollaborationRequestAnswerApi.as_view(),
        name="park-collaboration-answer",
    ),
    path("blocks/", views.FirmBlockListCreateApi.as_view(), name="park-directory-blocks"),
    path("blocks/<int:firm_block_id>/", views.FirmBlockDeleteApi.as_view(), name="park-directory-unblock"),
]
