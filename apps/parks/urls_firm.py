"""A firm's park membership (firm host, /park/): join, leave, what it shares."""

from django.urls import path  # noqa: F401

app_name = "firm_park"

urlpatterns: list = []
