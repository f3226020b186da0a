"""Supply chain API: purchasing (included by apps/supply_chain/api/urls.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
