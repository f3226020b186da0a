"""The stock reports API: on hand by warehouse, inventory turnover, purchase and sales analysis."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import acting_user

from .. import reports, reports_exports
from .serializers_reports import ScAnalysisOutput, ScOnHandOutput, ScTurnoverOutput

READ = {"GET": "supply_chain:read"}
PERIOD = [
    OpenApiParameter("date_from", str, description="YYYY-MM-DD; the first of January by default"),
    OpenApiParameter("date_to", str, description="YYYY-MM-DD; today by default"),
]
GROUP = OpenApiParameter("group_by", str, enum=list(reports.GROUPS))


class ScOnHandReportApi(APIView):
    required_scopes = READ

    @extend_schema(
        parameters=[OpenApiParameter("warehouse", int), OpenApiParameter("q", str), OpenApiParameter("category", int)],
        responses={200: ScOnHandOutput},
        description="Stock value per warehouse (each product's value shared by quantity). For the rows, "
        "see /stock/levels/.",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        totals = reports.stock_totals(
            actor=acting_user(request),
            warehouse_id=reports_exports.number(params.get("warehouse")),
            q=params.get("q", ""),
            category_id=reports_exports.number(params.get("category")),
        )
        body: dict[str, Any] = {"warehouses": totals, "total_value": sum((t.value for t in totals), reports.ZERO)}
        return Response(ScOnHandOutput(body).data)


class ScTurnoverReportApi(APIView):
    required_scopes = READ

    @extend_schema(parameters=PERIOD, responses={200: ScTurnoverOutput})
    def get(self, request: Request) -> Response:
        start, end = reports_exports.period(request.query_params)
        report = reports.inventory_turnover(actor=acting_user(request), date_from=start, date_to=end)
        return Response(ScTurnoverOutput(report).data)


class ScPurchaseAnalysisApi(APIView):
    required_scopes = READ

    @extend_schema(parameters=[*PERIOD, GROUP], responses={200: ScAnalysisOutput})
    def get(self, request: Request) -> Response:
        start, end = reports_exports.period(request.query_params)
        analysis = reports.purchase_analysis(
            actor=acting_user(request),
            date_from=start,
            date_to=end,
            group_by=request.query_params.get("group_by") or "month",
        )
        return Response(ScAnalysisOutput(analysis).data)


class ScSalesAnalysisApi(APIView):
    required_scopes = READ

    @extend_schema(parameters=[*PERIOD, GROUP], responses={200: ScAnalysisOutput})
    def get(self, request: Request) -> Response:
        start, end = reports_exports.period(request.query_params)
        analysis = reports.sales_analysis(
            actor=acting_user(request),
            date_from=start,
            date_to=end,
            group_by=request.query_params.get("group_by") or "month",
        )
        return Response(ScAnalysisOutput(analysis).data)
