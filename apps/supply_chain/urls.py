from django.urls import URLPattern, URLResolver, include, path

from . import views_home

app_name = "supply_chain"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_home.home, name="home"),
    path("", include("apps.supply_chain.urls_catalogue")),
    path("purchasing/", include("apps.supply_chain.urls_purchasing")),
    path("sales/", include("apps.supply_chain.urls_sales")),
    path("stock/", include("apps.supply_chain.urls_stock")),
    path("reports/", include("apps.supply_chain.urls_reports")),
]
