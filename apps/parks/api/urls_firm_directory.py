"""The directory and collaboration API (firm host, /api/v1/park/directory/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
