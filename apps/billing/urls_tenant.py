"""Billing pages and endpoints on the tenant host (included from config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "billing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.billing_home, name="home"),
    path("checkout/", views.checkout, name="checkout"),
    path("portal/", views.portal, name="portal"),
    path("change/", views.change_plan, name="change_plan"),
    path("cancel/", views.cancel, name="cancel"),
    path("resume/", views.resume, name="resume"),
]
