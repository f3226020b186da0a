"""Park console API, onboarding (public host, /api/v1/park/onboarding/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
