"""Supply chain pages: sales (included by apps/supply_chain/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_sales as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.sales_order_list, name="sales_order_list"),
    path("new/", views.sales_order_new, name="sales_order_new"),
    path("from-deal/", views.sales_order_from_deal, name="sales_order_from_deal"),
    path("orders/<int:sales_order_id>/", views.sales_order_detail, name="sales_order_detail"),
    path("orders/<int:sales_order_id>/edit/", views.sales_order_edit, name="sales_order_edit"),
    path("orders/<int:sales_order_id>/confirm/", views.sales_order_confirm, name="sales_order_confirm"),
    path("orders/<int:sales_order_id>/cancel/", views.sales_order_cancel, name="sales_order_cancel"),
    path("orders/<int:sales_order_id>/close/", views.sales_order_close, name="sales_order_close"),
    path("orders/<int:sales_order_id>/deliver/", views.delivery_new, name="delivery_new"),
    path("orders/<int:sales_order_id>/invoice/", views.customer_invoice_new, name="customer_invoice_new"),
    path("orders/<int:sales_order_id>/return/", views.sales_return_new, name="sales_return_new"),
    path("deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery_detail"),
    path("invoices/<int:customer_invoice_id>/", views.customer_invoice_detail, name="customer_invoice_detail"),
    path("returns/<int:sales_return_id>/", views.sales_return_detail, name="sales_return_detail"),
]
