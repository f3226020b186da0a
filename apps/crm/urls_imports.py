from django.urls import URLPattern, URLResolver, path

from . import views_imports

urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", views_imports.import_new, name="import_new"),
    path("import/<int:import_id>/", views_imports.import_detail, name="import_detail"),
    path("import/<int:import_id>/mapping/", views_imports.import_mapping, name="import_mapping"),
    path("import/<int:import_id>/progress/", views_imports.import_progress, name="import_progress"),
    path("import/<int:import_id>/errors/", views_imports.import_errors, name="import_errors"),
    path("export/<str:kind>/", views_imports.export, name="export"),
]
