"""Park console API, onboarding (public host, /api/v1/park/onboarding/)."""

from django.urls import path

from . import onboarding as views

urlpatterns = [
    path("invitations/", views.InvitationListCreateApi.as_view(), name="park-onboarding-invitations"),
    path("invitations/import/", views.InvitationImportApi.as_view(), name="park-onboarding-invitations-import"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.InvitationRevokeApi.as_view(),
        name="park-onboarding-invitation-revoke",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.InvitationResendApi.as_view(),
        name="park-onboarding-invitation-resend",
    ),
    path("join-requests/", views.JoinRequestListApi.as_view(), name="park-onboarding-join-requests"),
    path(
        "join-requests/<int:request_id>/approve/",
        views.JoinRequestApproveApi.as_view(),
        name="park-onboarding-join-request-approve",
    ),
    path(
        "join-requests/<int:request_id>/reject/",
        views.JoinRequestRejectApi.as_view(),
        name="park-onboarding-join-request-reject",
    ),
]
