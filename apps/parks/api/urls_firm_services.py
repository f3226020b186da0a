"""A member firm's API for its park's services (firm host, /api/v1/park/services/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
