"""Supply chain API: stock (included by apps/supply_chain/api/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_stock as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("levels/", views.ScStockLevelListApi.as_view(), name="stock_levels"),
    path("moves/", views.ScStockMoveListApi.as_view(), name="stock_moves"),
    path("transfers/", views.ScTransferListCreateApi.as_view(), name="stock_transfers"),
    path("transfers/<int:transfer_id>/", views.ScTransferDetailApi.as_view(), name="stock_transfer"),
    path("stocktakes/", views.ScStocktakeListCreateApi.as_view(), name="stock_stocktakes"),
    path("stocktakes/<int:stocktake_id>/", views.ScStocktakeDetailApi.as_view(), name="stock_stocktake"),
    path("stocktakes/<int:stocktake_id>/counts/", views.ScStocktakeCountApi.as_view(), name="stock_stocktake_counts"),
    path(
        "stocktakes/<int:stocktake_id>/lines/", views.ScStocktakeLineCreateApi.as_view(), name="stock_stocktake_lines"
    ),
    path("stocktakes/<int:stocktake_id>/post/", views.ScStocktakePostApi.as_view(), name="stock_stocktake_post"),
    path("stocktakes/<int:stocktake_id>/cancel/", views.ScStocktakeCancelApi.as_view(), name="stock_stocktake_cancel"),
]
