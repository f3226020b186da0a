"""Billing pages and endpoints on the tenant host (included from config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "billing"

urlpatterns: list[URLPattern | URLResolver] = []
