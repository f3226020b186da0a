"""Supply chain pages: catalogue (included by apps/supply_chain/urls.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
