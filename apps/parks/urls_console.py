"""Park console (public host, /park/): dashboard, firms, CSV export, activity log."""

from django.urls import path  # noqa: F401

app_name = "park_console"

urlpatterns: list = []
