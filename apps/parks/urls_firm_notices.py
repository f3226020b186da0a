"""The park's notices seen from a member firm (firm host, /park/notices/)."""

from django.urls import path  # noqa: F401

app_name = "firm_notices"

urlpatterns: list = []
