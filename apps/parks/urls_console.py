"""Park console (public host, /park/): dashboard, firms, CSV export, activity log."""

from django.urls import path

from . import views_console

app_name = "park_console"

urlpatterns = [
    path("", views_console.dashboard, name="dashboard"),
    path("firms/", views_console.firm_list, name="firms"),
    path("firms/export/", views_console.firm_export, name="firm_export"),
    path("firms/<int:firm_id>/", views_console.firm_detail, name="firm_detail"),
    path("audit/", views_console.audit_list, name="audit"),
]
