"""Billing pages and endpoints on the public host (included from config/urls_public.py)."""

from django.urls import URLPattern, URLResolver

app_name = "billing"

urlpatterns: list[URLPattern | URLResolver] = []
