"""A firm's park membership API (firm host, /api/v1/park/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
