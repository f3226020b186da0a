from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []  # filled by the quote work
