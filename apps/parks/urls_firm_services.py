"""The park's services seen from a member firm (firm host, /park/services/)."""

from django.urls import path  # noqa: F401

app_name = "firm_services"

urlpatterns: list = []
