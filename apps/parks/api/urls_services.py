"""Park console API, services (public host, /api/v1/park/services/)."""

from django.urls import path

from . import services as api

urlpatterns = [
    path("", api.ParkServiceListApi.as_view(), name="park-service-list"),
    path("create/", api.ParkServiceCreateApi.as_view(), name="park-service-create"),
    path("requests/", api.ParkServiceRequestListApi.as_view(), name="park-service-request-list"),
    path(
        "requests/<int:service_request_id>/",
        api.ParkServiceRequestDetailApi.as_view(),
        name="park-service-request-detail",
    ),
    path(
        "requests/<int:service_request_id>/transition/",
        api.ParkServiceRequestTransitionApi.as_view(),
        name="park-service-request-transition",
    ),
    path(
        "requests/<int:service_request_id>/messages/",
        api.ParkServiceRequestMessageApi.as_view(),
        name="park-service-request-message",
    ),
]
