"""Invitation links (public host, /join/): a sign-up bound to the inviting park."""

from django.urls import path  # noqa: F401

app_name = "park_join"

urlpatterns: list = []
