from django.urls import URLPattern, URLResolver, include, path

app_name = "supply_chain_api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("apps.supply_chain.api.urls_catalogue")),
    path("purchasing/", include("apps.supply_chain.api.urls_purchasing")),
    path("sales/", include("apps.supply_chain.api.urls_sales")),
    path("stock/", include("apps.supply_chain.api.urls_stock")),
    path("reports/", include("apps.supply_chain.api.urls_reports")),
]
