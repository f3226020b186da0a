from django.urls import URLPattern, URLResolver, path

from . import import_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("imports/", import_views.CrmImportCreateApi.as_view(), name="imports"),
    path("imports/<int:import_id>/", import_views.CrmImportDetailApi.as_view(), name="import"),
    path("imports/<int:import_id>/start/", import_views.CrmImportStartApi.as_view(), name="import_start"),
    path("imports/<int:import_id>/errors/", import_views.CrmImportErrorsApi.as_view(), name="import_errors"),
    path("export/<str:kind>/", import_views.CrmExportApi.as_view(), name="export"),
]
