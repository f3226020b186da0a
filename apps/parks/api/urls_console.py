"""Park console API (public host, /api/v1/park/): firms, dashboard figures, activity log."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
