"""Park console, onboarding (public host, /park/onboarding/): invitations, bulk CSV, approval queue."""

from django.urls import path

from . import views_onboarding as views

app_name = "park_onboarding"

urlpatterns = [
    path("", views.invitations, name="invitations"),
    path("bulk/", views.invitations_bulk, name="bulk"),
    path("bulk/template.csv", views.invitations_template, name="template"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="revoke"),
    path("invitations/<int:invitation_id>/resend/", views.invitation_resend, name="resend"),
    path("requests/", views.join_requests, name="requests"),
    path("requests/<int:request_id>/approve/", views.join_request_approve, name="approve"),
    path("requests/<int:request_id>/reject/", views.join_request_reject, name="reject"),
]
