"""Supply chain API: sales (included by apps/supply_chain/api/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_sales as views

ORDER = "orders/<int:sales_order_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("orders/", views.ScSalesOrderListCreateApi.as_view(), name="sales_orders"),
    path("orders/from-deal/", views.ScSalesOrderFromDealApi.as_view(), name="sales_order_from_deal"),
    path(ORDER, views.ScSalesOrderDetailApi.as_view(), name="sales_order"),
    path(ORDER + "confirm/", views.ScSalesOrderActionApi.as_view(), {"action": "confirm"}, name="sales_order_confirm"),
    path(ORDER + "cancel/", views.ScSalesOrderActionApi.as_view(), {"action": "cancel"}, name="sales_order_cancel"),
    path(ORDER + "close/", views.ScSalesOrderActionApi.as_view(), {"action": "close"}, name="sales_order_close"),
    path(ORDER + "deliveries/", views.ScDeliveryCreateApi.as_view(), name="sales_deliveries"),
    path(ORDER + "invoices/", views.ScCustomerInvoiceCreateApi.as_view(), name="sales_invoices"),
    path(ORDER + "returns/", views.ScSalesReturnCreateApi.as_view(), name="sales_returns"),
    path("deliveries/<int:delivery_id>/", views.ScDeliveryDetailApi.as_view(), name="sales_delivery"),
    path("invoices/<int:customer_invoice_id>/", views.ScCustomerInvoiceDetailApi.as_view(), name="sales_invoice"),
    path("returns/<int:sales_return_id>/", views.ScSalesReturnDetailApi.as_view(), name="sales_return"),
]
