"""A firm's park membership API (firm host, /api/v1/park/)."""

from django.urls import path

from . import onboarding as views

urlpatterns = [
    path("membership/", views.MembershipApi.as_view(), name="park-membership"),
    path("join-request/", views.JoinRequestCreateApi.as_view(), name="park-join-request"),
    path("join-request/withdraw/", views.JoinRequestWithdrawApi.as_view(), name="park-join-request-withdraw"),
    path("leave/", views.LeaveApi.as_view(), name="park-leave"),
]
