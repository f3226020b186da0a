"""Park console, notices (public host, /park/notices/)."""

from django.urls import path  # noqa: F401

app_name = "park_notices"

urlpatterns: list = []
