from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "crm"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("leads/", views.lead_list, name="lead_list"),
    path("pool/", views.pool, name="pool"),
    path("accounts/", views.account_list, name="account_list"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("pipeline/", views.kanban, name="kanban"),
    # Quotes and imports have page modules of their own.
    path("", include("apps.crm.urls_quotes")),
    path("", include("apps.crm.urls_imports")),
]
