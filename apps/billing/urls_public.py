"""Billing pages and endpoints on the public host (included from config/urls_public.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "billing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
]
