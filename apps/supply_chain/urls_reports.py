"""Supply chain pages: reports (included by apps/supply_chain/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_reports

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_reports.report_home, name="reports"),
    path("export/", views_reports.report_export, name="report_export"),
]
