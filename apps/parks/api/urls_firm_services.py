"""A member firm's API for its park's services (firm host, /api/v1/park/services/)."""

from django.urls import path

from . import services as api

urlpatterns = [
    path("", api.FirmServiceListApi.as_view(), name="firm-park-service-list"),
    path("requests/", api.FirmServiceRequestListApi.as_view(), name="firm-park-service-request-list"),
    path("requests/create/", api.FirmServiceRequestCreateApi.as_view(), name="firm-park-service-request-create"),
    path(
        "requests/<int:service_request_id>/",
        api.FirmServiceRequestDetailApi.as_view(),
        name="firm-park-service-request-detail",
    ),
    path(
        "requests/<int:service_request_id>/messages/",
        api.FirmServiceRequestMessageApi.as_view(),
        name="firm-park-service-request-message",
    ),
]
