from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("quotes/", views.placeholder, {"title": "quotes"}, name="quote_list"),  # replaced by the quote pages
]
