"""Park console API (public host, /api/v1/park/): firms, dashboard figures, activity log."""

from django.urls import path

from . import console

urlpatterns = [
    path("firms/", console.FirmListApi.as_view(), name="park-firms"),
    path("firms/<int:firm_id>/", console.FirmDetailApi.as_view(), name="park-firm"),
    path("dashboard/", console.DashboardApi.as_view(), name="park-dashboard"),
    path("audit/", console.AuditEventListApi.as_view(), name="park-audit"),
]
