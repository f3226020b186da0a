"""Park console API, notices (public host, /api/v1/park/notices/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
