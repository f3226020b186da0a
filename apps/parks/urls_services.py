"""Park console, service catalogue and requests (public host, /park/services/)."""

from django.urls import path  # noqa: F401

app_name = "park_services"

urlpatterns: list = []
