"""Supply chain pages: catalogue (included by apps/supply_chain/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views_catalogue as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/import/", views.product_import_new, name="product_import_new"),
    path("products/import/<int:product_import_id>/", views.product_import_detail, name="product_import_detail"),
    path("products/import/<int:product_import_id>/errors/", views.product_import_errors, name="product_import_errors"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/active/", views.product_active, name="product_active"),
    path("products/<int:product_id>/units/add/", views.conversion_add, name="conversion_add"),
    path("products/<int:product_id>/units/remove/", views.conversion_remove, name="conversion_remove"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:category_id>/", views.category_edit, name="category_edit"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_new, name="partner_new"),
    path("partners/from-crm/", views.partner_from_crm, name="partner_from_crm"),
    path("partners/<int:partner_id>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:partner_id>/edit/", views.partner_edit, name="partner_edit"),
    path("warehouses/", views.warehouse_list, name="warehouse_list"),
    path("warehouses/new/", views.warehouse_new, name="warehouse_new"),
    path("warehouses/<int:warehouse_id>/", views.warehouse_detail, name="warehouse_detail"),
    path("warehouses/<int:warehouse_id>/edit/", views.warehouse_edit, name="warehouse_edit"),
    path("locations/<int:location_id>/", views.location_edit, name="location_edit"),
    path("price-lists/", views.price_list_list, name="price_list_list"),
    path("price-lists/<int:price_list_id>/", views.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:price_list_id>/edit/", views.price_list_edit, name="price_list_edit"),
    path("settings/", views.settings, name="settings"),
    path("settings/roles/", views.settings_role, name="settings_role"),
]
