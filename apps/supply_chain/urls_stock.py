"""Supply chain pages: stock (included by apps/supply_chain/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_stock

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_stock.stock_on_hand, name="stock"),
    path("export/", views_stock.stock_export, name="stock_export"),
    path("moves/", views_stock.move_list, name="move_list"),
    path("moves/export/", views_stock.move_export, name="move_export"),
    path("transfers/", views_stock.transfer_list, name="transfer_list"),
    path("transfers/new/", views_stock.transfer_new, name="transfer_new"),
    path("transfers/<int:transfer_id>/", views_stock.transfer_detail, name="transfer_detail"),
    path("stocktakes/", views_stock.stocktake_list, name="stocktake_list"),
    path("stocktakes/new/", views_stock.stocktake_new, name="stocktake_new"),
    path("stocktakes/<int:stocktake_id>/", views_stock.stocktake_detail, name="stocktake_detail"),
    path("stocktakes/<int:stocktake_id>/lines/", views_stock.stocktake_add_line, name="stocktake_add_line"),
    path("stocktakes/<int:stocktake_id>/post/", views_stock.stocktake_post, name="stocktake_post"),
    path("stocktakes/<int:stocktake_id>/cancel/", views_stock.stocktake_cancel, name="stocktake_cancel"),
]
