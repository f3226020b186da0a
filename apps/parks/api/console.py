"""Park console API (public host, /api/v1/park/): the park's firms, one firm, the dashboard
figures and the activity log. Park administrators only (signed-in sessions); they get platform
facts and counts, never a firm's business data. A firm of another park is not found (404)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.tokens import HasScope
from core.api import Pagination
from tenants.models import Firm

from .. import console
from ..access import IsParkAdmin
from ..industries import INDUSTRY_CODES

PARK_PARAM = OpenApiParameter(
    "park", int, description="The park to act for (one you administer); remembered for the next requests"
)
FIRM_FILTERS = [
    PARK_PARAM,
    OpenApiParameter("q", str, description="Search in the firm's name or address (Chinese names too)"),
    OpenApiParameter("status", str, enum=list(Firm.Status.values)),
    OpenApiParameter("plan", str, description=f"A plan code, or '{console.NO_PLAN}' for firms without a plan"),
    OpenApiParameter("industry", str, enum=[*sorted(INDUSTRY_CODES), console.NO_INDUSTRY]),
    OpenApiParameter("sharing", str, enum=[code for code, _label in console.SHARING_CHOICES]),
    OpenApiParameter("sort", str, enum=[code for code, _label in console.SORT_CHOICES]),
]


class _ConsoleApi(APIView):
    # Session only: API tokens carry module scopes of a firm, none of which opens the console
    # (HasScope closes a view that declares no scope to every token).
    permission_classes = [IsAuthenticated, IsParkAdmin, HasScope]
    required_scopes: dict[str, str] = {}


class ParkFirmFilterSerializer(serializers.Serializer):
    """The filters, checked: a value that is not one of the choices is a clear 400."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    status = serializers.ChoiceField(choices=Firm.Status.choices, required=False, allow_blank=True)
    plan = serializers.CharField(required=False, allow_blank=True, max_length=20)
    industry = serializers.ChoiceField(
        choices=[*sorted(INDUSTRY_CODES), console.NO_INDUSTRY], required=False, allow_blank=True
    )
    sharing = serializers.ChoiceField(choices=console.SHARING_CHOICES, required=False, allow_blank=True)
    sort = serializers.ChoiceField(choices=console.SORT_CHOICES, required=False, allow_blank=True)


class ParkFirmSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField(help_text="The firm's address (host name prefix)")
    status = serializers.CharField(help_text="provisioning, active, suspended, closed or failed")
    status_label = serializers.CharField()
    industry = serializers.CharField(help_text="GB/T 4754 section letter; empty when not given")
    industry_label = serializers.CharField()
    plan = serializers.CharField(help_text="The plan's code; empty without a subscription")
    plan_label = serializers.CharField()
    subscription_status = serializers.CharField()
    subscription_status_label = serializers.CharField()
    sponsored = serializers.BooleanField(help_text="The park pays for the firm's subscription")
    seats = serializers.IntegerField(allow_null=True, help_text="Seats paid for")
    sharing = serializers.CharField(
        help_text="shared; not_shared (the firm keeps its activity to itself); pending (not collected yet)"
    )
    users_total = serializers.IntegerField(allow_null=True)
    users_active_30d = serializers.IntegerField(allow_null=True)
    records = serializers.DictField(child=serializers.IntegerField(), allow_null=True, help_text="Records per module")
    modules_in_use = serializers.ListField(child=serializers.CharField())
    last_activity_at = serializers.DateTimeField(allow_null=True)
    collected_at = serializers.DateTimeField(allow_null=True)
    joined_at = serializers.DateTimeField(allow_null=True)


class FirmListApi(_ConsoleApi):
    """The park's firms with the same filters as the console's list."""

    pagination_class = Pagination

    @extend_schema(parameters=FIRM_FILTERS, responses={200: ParkFirmSerializer(many=True)})
    def get(self, request: Request) -> Response:
        params = ParkFirmFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = console.FirmFilters.from_params(params.validated_data)
        firms = console.console_firm_list(park=request.park, filters=filters)  # type: ignore[attr-defined]
        paginator = Pagination()
        page = paginator.paginate_queryset(firms, request, view=self) or []
        rows = [console.firm_row(firm) for firm in page]
        return paginator.get_paginated_response(ParkFirmSerializer(rows, many=True).data)


class FirmDetailApi(_ConsoleApi):
    """One firm of the park: platform facts, and activity figures when the firm shares them."""

    @extend_schema(parameters=[PARK_PARAM], responses={200: ParkFirmSerializer})
    def get(self, request: Request, firm_id: int) -> Response:
        row = console.console_firm_get(park=request.park, firm_id=firm_id)  # type: ignore[attr-defined]
        return Response(ParkFirmSerializer(row).data)


class ParkFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    value = serializers.IntegerField()


class ParkSponsoredMonthSerializer(serializers.Serializer):
    month = serializers.CharField(source="key", help_text="YYYY-MM")
    amount = serializers.DecimalField(source="value", max_digits=14, decimal_places=2)


class ParkSponsoredCostSerializer(serializers.Serializer):
    currency = serializers.CharField()
    firms = serializers.IntegerField()
    monthly = serializers.DecimalField(max_digits=14, decimal_places=2)
    by_month = ParkSponsoredMonthSerializer(many=True)


class ParkDashboardSerializer(serializers.Serializer):
    firms_total = serializers.IntegerField()
    firms_active = serializers.IntegerField()
    firms_sharing = serializers.IntegerField(help_text="Firms whose activity figures the park sees")
    by_status = ParkFigureSerializer(many=True)
    by_industry = ParkFigureSerializer(many=True)
    module_adoption = ParkFigureSerializer(many=True, help_text="Firms using each module, among the sharing firms")
    growth = ParkFigureSerializer(many=True, help_text="Firms joined per month, last 12 months (key: YYYY-MM)")
    sponsored = ParkSponsoredCostSerializer()


class DashboardApi(_ConsoleApi):
    """The park's dashboard figures (aggregates only)."""

    @extend_schema(parameters=[PARK_PARAM], responses={200: ParkDashboardSerializer})
    def get(self, request: Request) -> Response:
        figures = console.console_dashboard(park=request.park)  # type: ignore[attr-defined]
        return Response(ParkDashboardSerializer(figures).data)


class ParkAuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    changes = serializers.DictField(help_text="What was done (the park's id among it)")


class AuditEventListApi(_ConsoleApi):
    """What was done for the park (who, when, what), newest first."""

    pagination_class = Pagination

    @extend_schema(
        parameters=[
            PARK_PARAM,
            OpenApiParameter("action", str, description="Only this action, e.g. parks.firms.exported"),
        ],
        responses={200: ParkAuditEventSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        events: Any = console.console_audit_list(park=request.park, action=request.query_params.get("action", ""))  # type: ignore[attr-defined]
        paginator = Pagination()
        page = paginator.paginate_queryset(events, request, view=self) or []
        return paginator.get_paginated_response(ParkAuditEventSerializer(page, many=True).data)
