"""Service catalogue API, both sides.

Console (public host, /api/v1/park/services/): the park's services and its request queue, with
status changes (submitted → accepted | declined, accepted → done | declined; declining needs a
reason; an illegal change is 409) and messages. Firm host (/api/v1/park/services/): the park's
active services, and the firm's own requests with their history. Another park's or another
firm's request is 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user

from .. import catalogue
from ..models import ParkService, ServiceRequest
from .notices import ConsoleApi, paginated

CATEGORY_HELP = "One of: " + ", ".join(ParkService.Category.values)
STATUS_HELP = "One of: " + ", ".join(ServiceRequest.Status.values)
Q_PARAM = OpenApiParameter("q", str, description="Search")


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField(help_text=CATEGORY_HELP)
    category_label = serializers.CharField(source="get_category_display")
    name = serializers.CharField()
    description = serializers.CharField()

    class Meta:
        ref_name = "ParkServiceOffered"


class ConsoleServiceSerializer(ServiceSerializer):
    is_active = serializers.BooleanField(help_text="Offered to the firms now")
    created_at = serializers.DateTimeField()
    requests_total = serializers.IntegerField()
    requests_open = serializers.IntegerField(help_text="Submitted or accepted")

    class Meta:
        ref_name = "ParkService"


class HistoryEntrySerializer(serializers.Serializer):
    from_park = serializers.BooleanField()
    author = serializers.CharField()
    body = serializers.CharField()
    status = serializers.CharField(help_text="The status set by this entry; empty for a plain message")
    status_label = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ServiceRequestHistoryEntry"


class ServiceRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display")
    service_id = serializers.IntegerField()
    service_name = serializers.CharField(source="service.name")
    firm_id = serializers.IntegerField()
    firm_name = serializers.CharField(source="firm.name")
    park_id = serializers.IntegerField()
    requested_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ParkServiceRequest"


class ServiceRequestDetailSerializer(ServiceRequestSerializer):
    history = serializers.SerializerMethodField()

    class Meta:
        ref_name = "ParkServiceRequestDetail"

    @extend_schema_field(HistoryEntrySerializer(many=True))
    def get_history(self, item: ServiceRequest) -> list[dict[str, Any]]:
        return HistoryEntrySerializer(catalogue.history(item), many=True).data  # type: ignore[return-value]


def _detail(item: ServiceRequest) -> dict[str, Any]:
    return ServiceRequestDetailSerializer(item).data  # type: ignore[return-value]


# --- console -----------------------------------------------------------------------------------


class ParkServiceListApi(ConsoleApi):
    """The park's services (offered or not) with their request counts."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    @extend_schema(
        operation_id="park_service_list",
        parameters=[Q_PARAM, OpenApiParameter("active", str, description="yes: offered now; no: withdrawn")],
        responses={200: ConsoleServiceSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        rows = catalogue.park_service_list_for_park(
            park=request.park,  # type: ignore[attr-defined]
            q=request.query_params.get("q", ""),
            active=request.query_params.get("active", ""),
        )
        return paginated(request, self, rows, ConsoleServiceSerializer)


class ParkServiceCreateApi(ConsoleApi):
    """Offer a new service to the park's firms (names are unique in the park)."""

    class InputSerializer(serializers.Serializer):
        category = serializers.CharField(required=False, default=ParkService.Category.OTHER, help_text=CATEGORY_HELP)
        name = serializers.CharField(allow_blank=True, help_text="At most 200 characters")
        description = serializers.CharField(required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "ParkServiceCreateInput"

    @extend_schema(
        operation_id="park_service_create", request=InputSerializer, responses={201: ConsoleServiceSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        park = request.park  # type: ignore[attr-defined]
        service = catalogue.park_service_create(
            park=park, actor=acting_user(request), request=request._request, **serializer.validated_data
        )
        row = catalogue.park_service_list_for_park(park=park).get(pk=service.pk)
        return Response(ConsoleServiceSerializer(row).data, status=status.HTTP_201_CREATED)


class ParkServiceRequestListApi(ConsoleApi):
    """The park's request queue, most recently changed first."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    @extend_schema(
        operation_id="park_service_request_list",
        parameters=[
            Q_PARAM,
            OpenApiParameter("status", str, description=STATUS_HELP + "; open: submitted or accepted"),
            OpenApiParameter("service", int, description="Only requests for this service"),
        ],
        responses={200: ServiceRequestSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rows = catalogue.service_request_list_for_park(
            park=request.park,  # type: ignore[attr-defined]
            status=params.get("status", ""),
            service_id=params.get("service"),
            q=params.get("q", ""),
        )
        return paginated(request, self, rows, ServiceRequestSerializer)


class ParkServiceRequestDetailApi(ConsoleApi):
    """One request of the queue with its whole history."""

    @extend_schema(operation_id="park_service_request_detail", responses={200: ServiceRequestDetailSerializer})
    def get(self, request: Request, service_request_id: int) -> Response:
        item = catalogue.service_request_get_for_park(
            park=request.park,  # type: ignore[attr-defined]
            service_request_id=service_request_id,
        )
        return Response(_detail(item))


class ParkServiceRequestTransitionApi(ConsoleApi):
    """Move a request on: accepted, done or declined (``message`` required to decline)."""

    class InputSerializer(serializers.Serializer):
        status = serializers.CharField(help_text="accepted, done or declined")
        message = serializers.CharField(required=False, allow_blank=True, default="", help_text="The firm sees it")

        class Meta:
            ref_name = "ParkServiceRequestTransitionInput"

    @extend_schema(
        operation_id="park_service_request_transition",
        request=InputSerializer,
        responses={200: ServiceRequestDetailSerializer},
    )
    def post(self, request: Request, service_request_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        park = request.park  # type: ignore[attr-defined]
        catalogue.service_request_transition(
            park=park,
            actor=acting_user(request),
            service_request_id=service_request_id,
            status=serializer.validated_data["status"],
            message=serializer.validated_data["message"],
            request=request._request,
        )
        return Response(
            _detail(catalogue.service_request_get_for_park(park=park, service_request_id=service_request_id))
        )


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, help_text="At most 5,000 characters")

    class Meta:
        ref_name = "ServiceRequestMessageInput"


class ParkServiceRequestMessageApi(ConsoleApi):
    """Write to the firm about an open request (409 once it is done or declined)."""

    @extend_schema(
        operation_id="park_service_request_message",
        request=MessageInputSerializer,
        responses={201: ServiceRequestDetailSerializer},
    )
    def post(self, request: Request, service_request_id: int) -> Response:
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        park = request.park  # type: ignore[attr-defined]
        catalogue.service_request_reply(
            park=park,
            actor=acting_user(request),
            service_request_id=service_request_id,
            body=serializer.validated_data["body"],
            request=request._request,
        )
        item = catalogue.service_request_get_for_park(park=park, service_request_id=service_request_id)
        return Response(_detail(item), status=status.HTTP_201_CREATED)


# --- firm host ---------------------------------------------------------------------------------

READ = {"GET": "any"}


class FirmServiceListApi(APIView):
    """The active services of the firm's park (404 ``not_in_park`` without one)."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = READ

    @extend_schema(
        operation_id="firm_park_service_list",
        parameters=[Q_PARAM, OpenApiParameter("category", str, description=CATEGORY_HELP)],
        responses={200: ServiceSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        rows = catalogue.service_list_for_firm(
            firm=request.tenant,  # type: ignore[attr-defined]
            category=request.query_params.get("category", ""),
            q=request.query_params.get("q", ""),
        )
        return paginated(request, self, rows, ServiceSerializer)


class FirmServiceRequestListApi(APIView):
    """The firm's own requests, most recently changed first."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = READ

    @extend_schema(
        operation_id="firm_park_service_request_list",
        parameters=[
            Q_PARAM,
            OpenApiParameter("status", str, description=STATUS_HELP + "; open: submitted or accepted"),
        ],
        responses={200: ServiceRequestSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        rows = catalogue.service_request_list_for_firm(
            firm=request.tenant,  # type: ignore[attr-defined]
            status=request.query_params.get("status", ""),
            q=request.query_params.get("q", ""),
        )
        return paginated(request, self, rows, ServiceRequestSerializer)


class FirmServiceRequestCreateApi(APIView):
    """Ask the park for one of its active services; ``details`` is the first message."""

    class InputSerializer(serializers.Serializer):
        service = serializers.IntegerField(help_text="A service of the firm's park, offered now")
        subject = serializers.CharField(allow_blank=True, help_text="At most 200 characters")
        details = serializers.CharField(allow_blank=True, help_text="At most 5,000 characters")

        class Meta:
            ref_name = "FirmServiceRequestCreateInput"

    @extend_schema(
        operation_id="firm_park_service_request_create",
        request=InputSerializer,
        responses={201: ServiceRequestDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        firm = request.tenant  # type: ignore[attr-defined]
        item = catalogue.service_request_create(
            firm=firm,
            actor=acting_user(request),
            service_id=data["service"],
            subject=data["subject"],
            details=data["details"],
        )
        found = catalogue.service_request_get_for_firm(firm=firm, service_request_id=item.pk)
        return Response(_detail(found), status=status.HTTP_201_CREATED)


class FirmServiceRequestDetailApi(APIView):
    """One of the firm's requests with its whole history."""

    required_scopes = READ

    @extend_schema(operation_id="firm_park_service_request_detail", responses={200: ServiceRequestDetailSerializer})
    def get(self, request: Request, service_request_id: int) -> Response:
        item = catalogue.service_request_get_for_firm(
            firm=request.tenant,  # type: ignore[attr-defined]
            service_request_id=service_request_id,
        )
        return Response(_detail(item))


class FirmServiceRequestMessageApi(APIView):
    """Write to the park about one of the firm's open requests (409 once it is closed)."""

    @extend_schema(
        operation_id="firm_park_service_request_message",
        request=MessageInputSerializer,
        responses={201: ServiceRequestDetailSerializer},
    )
    def post(self, request: Request, service_request_id: int) -> Response:
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        firm = request.tenant  # type: ignore[attr-defined]
        catalogue.service_request_message_add(
            firm=firm,
            actor=acting_user(request),
            service_request_id=service_request_id,
            body=serializer.validated_data["body"],
        )
        item = catalogue.service_request_get_for_firm(firm=firm, service_request_id=service_request_id)
        return Response(_detail(item), status=status.HTTP_201_CREATED)
