"""Supply chain API: reports (included by apps/supply_chain/api/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_reports as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("on-hand/", views.ScOnHandReportApi.as_view(), name="report_on_hand"),
    path("turnover/", views.ScTurnoverReportApi.as_view(), name="report_turnover"),
    path("purchases/", views.ScPurchaseAnalysisApi.as_view(), name="report_purchases"),
    path("sales/", views.ScSalesAnalysisApi.as_view(), name="report_sales"),
]
