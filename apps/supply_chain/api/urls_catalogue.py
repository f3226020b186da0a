"""Supply chain API: catalogue (included by apps/supply_chain/api/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_catalogue as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("products/", views.ScProductListCreateApi.as_view(), name="products"),
    path("products/<int:product_id>/", views.ScProductDetailApi.as_view(), name="product"),
    path("products/<int:product_id>/units/", views.ScProductUnitCreateApi.as_view(), name="product_units"),
    path("categories/", views.ScCategoryListCreateApi.as_view(), name="categories"),
    path("categories/<int:category_id>/", views.ScCategoryDetailApi.as_view(), name="category"),
    path("partners/", views.ScPartnerListCreateApi.as_view(), name="partners"),
    path("partners/from-crm/", views.ScPartnerFromCrmApi.as_view(), name="partner_from_crm"),
    path("partners/<int:partner_id>/", views.ScPartnerDetailApi.as_view(), name="partner"),
    path("warehouses/", views.ScWarehouseListCreateApi.as_view(), name="warehouses"),
    path("warehouses/<int:warehouse_id>/", views.ScWarehouseDetailApi.as_view(), name="warehouse"),
    path("warehouses/<int:warehouse_id>/locations/", views.ScLocationCreateApi.as_view(), name="locations"),
    path("locations/<int:location_id>/", views.ScLocationDetailApi.as_view(), name="location"),
    path("price-lists/", views.ScPriceListListCreateApi.as_view(), name="price_lists"),
    path("price-lists/<int:price_list_id>/", views.ScPriceListDetailApi.as_view(), name="price_list"),
    path("price-lists/<int:price_list_id>/items/", views.ScPriceItemListCreateApi.as_view(), name="price_items"),
    path("settings/", views.ScSettingsApi.as_view(), name="settings"),
    path("product-imports/", views.ScProductImportCreateApi.as_view(), name="product_imports"),
    path("product-imports/<int:product_import_id>/", views.ScProductImportDetailApi.as_view(), name="product_import"),
    path(
        "product-imports/<int:product_import_id>/errors/",
        views.ScProductImportErrorsApi.as_view(),
        name="product_import_errors",
    ),
]
