"""The collaboration directory and requests (firm host, /park/directory/)."""

from django.urls import path  # noqa: F401

app_name = "firm_directory"

urlpatterns: list = []
