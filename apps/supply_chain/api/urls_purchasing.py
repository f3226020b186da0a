"""Supply chain API: purchasing (included by apps/supply_chain/api/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_purchasing as views

ORDER = "orders/<int:purchase_order_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("orders/", views.ScPurchaseOrderListCreateApi.as_view(), name="purchase_orders"),
    path(ORDER, views.ScPurchaseOrderDetailApi.as_view(), name="purchase_order"),
    path(
        f"{ORDER}confirm/",
        views.ScPurchaseOrderActionApi.as_view(),
        {"action": "confirm"},
        name="purchase_order_confirm",
    ),
    path(
        f"{ORDER}cancel/", views.ScPurchaseOrderActionApi.as_view(), {"action": "cancel"}, name="purchase_order_cancel"
    ),
    path(f"{ORDER}close/", views.ScPurchaseOrderActionApi.as_view(), {"action": "close"}, name="purchase_order_close"),
    path(f"{ORDER}receipts/", views.ScReceiptCreateApi.as_view(), name="purchase_order_receipts"),
    path(f"{ORDER}bills/", views.ScSupplierBillCreateApi.as_view(), name="purchase_order_bills"),
    path(f"{ORDER}returns/", views.ScPurchaseReturnCreateApi.as_view(), name="purchase_order_returns"),
    path("receipts/<int:receipt_id>/", views.ScReceiptDetailApi.as_view(), name="receipt"),
    path("bills/<int:bill_id>/", views.ScSupplierBillDetailApi.as_view(), name="supplier_bill"),
    path("returns/<int:purchase_return_id>/", views.ScPurchaseReturnDetailApi.as_view(), name="purchase_return"),
    path("replenishment/", views.ScReplenishmentApi.as_view(), name="replenishment"),
]
