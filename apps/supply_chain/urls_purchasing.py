"""Supply chain pages: purchasing (included by apps/supply_chain/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_purchasing as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.purchase_order_list, name="purchase_order_list"),
    path("new/", views.purchase_order_new, name="purchase_order_new"),
    path("orders/<int:purchase_order_id>/", views.purchase_order_detail, name="purchase_order_detail"),
    path("orders/<int:purchase_order_id>/edit/", views.purchase_order_edit, name="purchase_order_edit"),
    path("orders/<int:purchase_order_id>/confirm/", views.purchase_order_confirm, name="purchase_order_confirm"),
    path("orders/<int:purchase_order_id>/cancel/", views.purchase_order_cancel, name="purchase_order_cancel"),
    path("orders/<int:purchase_order_id>/close/", views.purchase_order_close, name="purchase_order_close"),
    path("orders/<int:purchase_order_id>/receive/", views.receipt_new, name="receipt_new"),
    path("orders/<int:purchase_order_id>/bill/", views.bill_new, name="bill_new"),
    path("orders/<int:purchase_order_id>/return/", views.purchase_return_new, name="purchase_return_new"),
    path("receipts/<int:receipt_id>/", views.receipt_detail, name="receipt_detail"),
    path("bills/<int:bill_id>/", views.bill_detail, name="bill_detail"),
    path("returns/<int:purchase_return_id>/", views.purchase_return_detail, name="purchase_return_detail"),
    path("replenishment/", views.replenishment_page, name="replenishment"),
]
