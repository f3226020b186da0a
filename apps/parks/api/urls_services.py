"""Park console API, services (public host, /api/v1/park/services/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
