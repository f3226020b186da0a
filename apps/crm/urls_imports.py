from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", views.placeholder, {"title": "import"}, name="import_new"),  # replaced by the import pages
]
