"""The stock API: levels and moves (read), transfers (create, list, get) and stocktakes (start,
list, get, count, add a line, post, cancel). Rights are checked by the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user

from .. import reports, reports_exports, stock
from ..models import StockMove, Stocktake
from .serializers_stock import (
    ScStockLevelOutput,
    ScStockMoveOutput,
    ScStocktakeAddLineInput,
    ScStocktakeCountsInput,
    ScStocktakeDetailOutput,
    ScStocktakeInput,
    ScStocktakeLineOutput,
    ScStocktakeOutput,
    ScTransferDetailOutput,
    ScTransferInput,
    ScTransferOutput,
)

READ = {"GET": "supply_chain:read"}
WRITE = {"POST": "supply_chain:write", "PATCH": "supply_chain:write"}
BOTH = {**READ, **WRITE}

Q_PARAM = OpenApiParameter("q", str, description="Search by SKU, name or number")
WAREHOUSE_PARAM = OpenApiParameter("warehouse", int)


def _page(request: Request, view: APIView, queryset: Any, serializer: Any) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _number(request: Request, name: str) -> int | None:
    return reports_exports.number(request.query_params.get(name))


class ScStockLevelListApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = READ

    @extend_schema(
        parameters=[Q_PARAM, WAREHOUSE_PARAM, OpenApiParameter("category", int)],
        responses={200: ScStockLevelOutput(many=True)},
        description="On hand per product and warehouse, with its share of the product's value.",
    )
    def get(self, request: Request) -> Response:
        rows = reports.stock_on_hand(
            actor=acting_user(request),
            warehouse_id=_number(request, "warehouse"),
            q=request.query_params.get("q", ""),
            category_id=_number(request, "category"),
        )
        return _page(request, self, rows, ScStockLevelOutput)


class ScStockMoveListApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = READ

    @extend_schema(
        parameters=[
            Q_PARAM,
            WAREHOUSE_PARAM,
            OpenApiParameter("product", int),
            OpenApiParameter("kind", str, enum=list(StockMove.Kind.values)),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
        ],
        responses={200: ScStockMoveOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        moves = reports.movement_history(
            actor=acting_user(request),
            product_id=_number(request, "product"),
            warehouse_id=_number(request, "warehouse"),
            kind=params.get("kind") or None,
            date_from=reports_exports.day(params.get("date_from")),
            date_to=reports_exports.day(params.get("date_to")),
            q=params.get("q", ""),
        )
        return _page(request, self, moves, ScStockMoveOutput)


class ScTransferListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = BOTH

    @extend_schema(parameters=[Q_PARAM, WAREHOUSE_PARAM], responses={200: ScTransferOutput(many=True)})
    def get(self, request: Request) -> Response:
        transfers = stock.transfer_list(
            actor=acting_user(request), q=request.query_params.get("q", ""), warehouse_id=_number(request, "warehouse")
        )
        return _page(request, self, transfers, ScTransferOutput)

    @extend_schema(request=ScTransferInput, responses={201: ScTransferDetailOutput})
    def post(self, request: Request) -> Response:
        data = _valid(ScTransferInput, request)
        transfer = stock.transfer_create(
            actor=acting_user(request),
            from_location=data["from_location"],
            to_location=data["to_location"],
            day=data["day"],
            note=data["note"],
            lines=[(line["product"], line["quantity"], line["lot"]) for line in data["lines"]],
        )
        transfer = stock.transfer_get(actor=acting_user(request), transfer_id=transfer.pk)
        return Response(ScTransferDetailOutput(transfer).data, status=status.HTTP_201_CREATED)


class ScTransferDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: ScTransferDetailOutput})
    def get(self, request: Request, transfer_id: int) -> Response:
        transfer = stock.transfer_get(actor=acting_user(request), transfer_id=transfer_id)
        return Response(ScTransferDetailOutput(transfer).data)


class ScStocktakeListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = BOTH

    @extend_schema(
        parameters=[Q_PARAM, WAREHOUSE_PARAM, OpenApiParameter("status", str, enum=list(Stocktake.Status.values))],
        responses={200: ScStocktakeOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        stocktakes = stock.stocktake_list(
            actor=acting_user(request),
            q=request.query_params.get("q", ""),
            status=request.query_params.get("status", ""),
            warehouse_id=_number(request, "warehouse"),
        )
        return _page(request, self, stocktakes, ScStocktakeOutput)

    @extend_schema(request=ScStocktakeInput, responses={201: ScStocktakeDetailOutput})
    def post(self, request: Request) -> Response:
        data = _valid(ScStocktakeInput, request)
        stocktake = stock.stocktake_start(
            actor=acting_user(request),
            warehouse=data["warehouse"],
            day=data["day"],
            category_id=data["category"],
            product_ids=data["products"] or None,
            note=data["note"],
        )
        return Response(ScStocktakeDetailOutput(stocktake).data, status=status.HTTP_201_CREATED)


class ScStocktakeDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: ScStocktakeDetailOutput})
    def get(self, request: Request, stocktake_id: int) -> Response:
        stocktake = stock.stocktake_get(actor=acting_user(request), stocktake_id=stocktake_id)
        return Response(ScStocktakeDetailOutput(stocktake).data)


class ScStocktakeCountApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=ScStocktakeCountsInput, responses={200: ScStocktakeDetailOutput})
    def patch(self, request: Request, stocktake_id: int) -> Response:
        actor = acting_user(request)
        stocktake = stock.stocktake_get(actor=actor, stocktake_id=stocktake_id)
        data = _valid(ScStocktakeCountsInput, request)
        stock.stocktake_count(
            actor=actor, stocktake=stocktake, counts={item["line"]: item["counted"] for item in data["counts"]}
        )
        return Response(ScStocktakeDetailOutput(stock.stocktake_get(actor=actor, stocktake_id=stocktake_id)).data)


class ScStocktakeLineCreateApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=ScStocktakeAddLineInput, responses={201: ScStocktakeLineOutput})
    def post(self, request: Request, stocktake_id: int) -> Response:
        actor = acting_user(request)
        stocktake = stock.stocktake_get(actor=actor, stocktake_id=stocktake_id)
        data = _valid(ScStocktakeAddLineInput, request)
        line = stock.stocktake_add_line(
            actor=actor,
            stocktake=stocktake,
            product_id=data["product"],
            location_id=data["location"],
            lot_number=data["lot"],
            counted=data["counted"],
        )
        return Response(ScStocktakeLineOutput(line).data, status=status.HTTP_201_CREATED)


class ScStocktakePostApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=None, responses={200: ScStocktakeDetailOutput})
    def post(self, request: Request, stocktake_id: int) -> Response:
        actor = acting_user(request)
        stocktake = stock.stocktake_get(actor=actor, stocktake_id=stocktake_id)
        stock.stocktake_post(actor=actor, stocktake=stocktake)
        return Response(ScStocktakeDetailOutput(stock.stocktake_get(actor=actor, stocktake_id=stocktake_id)).data)


class ScStocktakeCancelApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=None, responses={200: ScStocktakeOutput})
    def post(self, request: Request, stocktake_id: int) -> Response:
        actor = acting_user(request)
        stocktake = stock.stocktake_get(actor=actor, stocktake_id=stocktake_id)
        return Response(ScStocktakeOutput(stock.stocktake_cancel(actor=actor, stocktake=stocktake)).data)
