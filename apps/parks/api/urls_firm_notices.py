"""A member firm's API for its park's notices (firm host, /api/v1/park/notices/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
