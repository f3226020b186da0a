"""Park console, onboarding (public host, /park/onboarding/): invitations, bulk CSV, approval queue."""

from django.urls import path  # noqa: F401

app_name = "park_onboarding"

urlpatterns: list = []
