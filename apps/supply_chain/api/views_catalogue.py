"""The catalogue API: products (and their units), categories, suppliers and customers, warehouses
and locations, price lists and their prices, the supply chain settings, and product imports.

Each view parses its input, calls one service or selector of apps/supply_chain/catalogue.py (or
product_import.py) and serializes the answer; the rules and rights live there."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user

from .. import catalogue, product_import
from .serializers_catalogue import (
    ScCategoryInput,
    ScCategoryOutput,
    ScLocationInput,
    ScLocationOutput,
    ScPartnerFromCrmInput,
    ScPartnerInput,
    ScPartnerOutput,
    ScPriceItemInput,
    ScPriceItemOutput,
    ScPriceListDetailOutput,
    ScPriceListInput,
    ScPriceListOutput,
    ScProductDetailOutput,
    ScProductImportInput,
    ScProductImportOutput,
    ScProductInput,
    ScProductOutput,
    ScProductPatchInput,
    ScSettingsInput,
    ScSettingsOutput,
    ScUnitConversionInput,
    ScUnitConversionOutput,
    ScWarehouseDetailOutput,
    ScWarehouseInput,
    ScWarehouseOutput,
)

READ = "supply_chain:read"
WRITE = "supply_chain:write"
LIST_CREATE = {"GET": READ, "POST": WRITE}
GET_PATCH = {"GET": READ, "PATCH": WRITE}

Q_PARAM = OpenApiParameter("q", str, description="Search")
ACTIVE_PARAM = OpenApiParameter("active", str, enum=["true", "false", "all"], description="Default: true")


def _page(request: Request, view: APIView, queryset: Any, serializer: Any) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _valid(serializer_class: Any, request: Request, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _active(request: Request) -> bool | None:
    return {"false": False, "all": None}.get(request.query_params.get("active", ""), True)


# --- products ------------------------------------------------------------------------------------


class ScProductListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = LIST_CREATE

    @extend_schema(
        parameters=[Q_PARAM, OpenApiParameter("category", int), ACTIVE_PARAM],
        responses={200: ScProductOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        products = catalogue.product_list(
            actor=acting_user(request),
            q=params.get("q", ""),
            category=params.get("category") or None,
            active=_active(request),
        )
        return _page(request, self, products, ScProductOutput)

    @extend_schema(request=ScProductInput, responses={201: ScProductDetailOutput})
    def post(self, request: Request) -> Response:
        product = catalogue.product_create(actor=acting_user(request), **_valid(ScProductInput, request))
        return Response(ScProductDetailOutput(product).data, status=status.HTTP_201_CREATED)


class ScProductDetailApi(APIView):
    """A product with its other units. PATCH changes what it names (``is_active`` false stops
    offering it); the cost method and tracking are fixed once the product has stock moves."""

    required_scopes = GET_PATCH

    @extend_schema(responses={200: ScProductDetailOutput})
    def get(self, request: Request, product_id: int) -> Response:
        product = catalogue.product_get(actor=acting_user(request), product_id=product_id)
        return Response(ScProductDetailOutput(product).data)

    @extend_schema(request=ScProductPatchInput, responses={200: ScProductDetailOutput})
    def patch(self, request: Request, product_id: int) -> Response:
        actor = acting_user(request)
        product = catalogue.product_get(actor=actor, product_id=product_id)
        data = _valid(ScProductPatchInput, request, partial=True)
        active = data.pop("is_active", None)
        if data:
            product = catalogue.product_update(actor=actor, product_id=product.pk, **data)
        if active is not None:
            change = catalogue.product_reactivate if active else catalogue.product_deactivate
            product = change(actor=actor, product_id=product.pk)
        return Response(ScProductDetailOutput(product).data)


class ScProductUnitCreateApi(APIView):
    """Add another unit to a product: one ``unit`` is ``factor`` base units."""

    required_scopes = {"POST": WRITE}

    @extend_schema(request=ScUnitConversionInput, responses={201: ScUnitConversionOutput})
    def post(self, request: Request, product_id: int) -> Response:
        actor = acting_user(request)
        product = catalogue.product_get(actor=actor, product_id=product_id)
        data = _valid(ScUnitConversionInput, request)
        conversion = catalogue.conversion_add(actor=actor, product_id=product.pk, **data)
        return Response(ScUnitConversionOutput(conversion).data, status=status.HTTP_201_CREATED)


# --- categories ----------------------------------------------------------------------------------


class ScCategoryListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = LIST_CREATE

    @extend_schema(parameters=[Q_PARAM], responses={200: ScCategoryOutput(many=True)})
    def get(self, request: Request) -> Response:
        categories = catalogue.category_list(actor=acting_user(request), q=request.query_params.get("q", ""))
        return _page(request, self, categories, ScCategoryOutput)

    @extend_schema(request=ScCategoryInput, responses={201: ScCategoryOutput})
    def post(self, request: Request) -> Response:
        category = catalogue.category_create(actor=acting_user(request), **_valid(ScCategoryInput, request))
        return Response(ScCategoryOutput(category).data, status=status.HTTP_201_CREATED)


class ScCategoryDetailApi(APIView):
    required_scopes = GET_PATCH

    @extend_schema(responses={200: ScCategoryOutput})
    def get(self, request: Request, category_id: int) -> Response:
        category = catalogue.category_get(actor=acting_user(request), category_id=category_id)
        return Response(ScCategoryOutput(category).data)

    @extend_schema(request=ScCategoryInput, responses={200: ScCategoryOutput})
    def patch(self, request: Request, category_id: int) -> Response:
        actor = acting_user(request)
        category = catalogue.category_get(actor=actor, category_id=category_id)
        data = _valid(ScCategoryInput, request, partial=True)
        category = catalogue.category_update(
            actor=actor,
            category_id=category.pk,
            name=data.get("name", category.name),
            parent=data.get("parent", category.parent_id),
        )
        return Response(ScCategoryOutput(category).data)


# --- partners ------------------------------------------------------------------------------------


class ScPartnerListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = LIST_CREATE

    @extend_schema(
        parameters=[Q_PARAM, OpenApiParameter("kind", str, enum=["supplier", "customer"]), ACTIVE_PARAM],
        responses={200: ScPartnerOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        partners = catalogue.partner_list(
            actor=acting_user(request), q=params.get("q", ""), kind=params.get("kind", ""), active=_active(request)
        )
        return _page(request, self, partners, ScPartnerOutput)

    @extend_schema(request=ScPartnerInput, responses={201: ScPartnerOutput})
    def post(self, request: Request) -> Response:
        partner = catalogue.partner_create(actor=acting_user(request), **_valid(ScPartnerInput, request))
        return Response(ScPartnerOutput(partner).data, status=status.HTTP_201_CREATED)


class ScPartnerDetailApi(APIView):
    required_scopes = GET_PATCH

    @extend_schema(responses={200: ScPartnerOutput})
    def get(self, request: Request, partner_id: int) -> Response:
        partner = catalogue.partner_get(actor=acting_user(request), partner_id=partner_id)
        return Response(ScPartnerOutput(partner).data)

    @extend_schema(request=ScPartnerInput, responses={200: ScPartnerOutput})
    def patch(self, request: Request, partner_id: int) -> Response:
        actor = acting_user(request)
        partner = catalogue.partner_get(actor=actor, partner_id=partner_id)
        data = _valid(ScPartnerInput, request, partial=True)
        partner = catalogue.partner_update(actor=actor, partner_id=partner.pk, **data)
        return Response(ScPartnerOutput(partner).data)


class ScPartnerFromCrmApi(APIView):
    """The customer linked to a CRM account, made from the account the first time."""

    required_scopes = {"POST": WRITE}

    @extend_schema(request=ScPartnerFromCrmInput, responses={200: ScPartnerOutput})
    def post(self, request: Request) -> Response:
        data = _valid(ScPartnerFromCrmInput, request)
        partner = catalogue.partner_from_crm_account(actor=acting_user(request), account_id=data["account_id"])
        return Response(ScPartnerOutput(partner).data)


# --- warehouses and locations --------------------------------------------------------------------


class ScWarehouseListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = LIST_CREATE

    @extend_schema(parameters=[Q_PARAM], responses={200: ScWarehouseOutput(many=True)})
    def get(self, request: Request) -> Response:
        warehouses = catalogue.warehouse_list(actor=acting_user(request), q=request.query_params.get("q", ""))
        return _page(request, self, warehouses, ScWarehouseOutput)

    @extend_schema(request=ScWarehouseInput, responses={201: ScWarehouseDetailOutput})
    def post(self, request: Request) -> Response:
        data = _valid(ScWarehouseInput, request)
        data.pop("is_active", None)
        warehouse = catalogue.warehouse_create(actor=acting_user(request), **data)
        return Response(ScWarehouseDetailOutput(warehouse).data, status=status.HTTP_201_CREATED)


class ScWarehouseDetailApi(APIView):
    """A warehouse with its locations."""

    required_scopes = GET_PATCH

    @extend_schema(responses={200: ScWarehouseDetailOutput})
    def get(self, request: Request, warehouse_id: int) -> Response:
        warehouse = catalogue.warehouse_get(actor=acting_user(request), warehouse_id=warehouse_id)
        return Response(ScWarehouseDetailOutput(warehouse).data)

    @extend_schema(request=ScWarehouseInput, responses={200: ScWarehouseDetailOutput})
    def patch(self, request: Request, warehouse_id: int) -> Response:
        actor = acting_user(request)
        warehouse = catalogue.warehouse_get(actor=actor, warehouse_id=warehouse_id)
        data = _valid(ScWarehouseInput, request, partial=True)
        warehouse = catalogue.warehouse_update(actor=actor, warehouse_id=warehouse.pk, **data)
        return Response(ScWarehouseDetailOutput(warehouse).data)


class ScLocationCreateApi(APIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(request=ScLocationInput, responses={201: ScLocationOutput})
    def post(self, request: Request, warehouse_id: int) -> Response:
        actor = acting_user(request)
        warehouse = catalogue.warehouse_get(actor=actor, warehouse_id=warehouse_id)
        data = _valid(ScLocationInput, request)
        data.pop("is_active", None)
        location = catalogue.location_create(actor=actor, warehouse_id=warehouse.pk, **data)
        return Response(ScLocationOutput(location).data, status=status.HTTP_201_CREATED)


class ScLocationDetailApi(APIView):
    required_scopes = GET_PATCH

    @extend_schema(responses={200: ScLocationOutput})
    def get(self, request: Request, location_id: int) -> Response:
        location = catalogue.location_get(actor=acting_user(request), location_id=location_id)
        return Response(ScLocationOutput(location).data)

    @extend_schema(request=ScLocationInput, responses={200: ScLocationOutput})
    def patch(self, request: Request, location_id: int) -> Response:
        actor = acting_user(request)
        location = catalogue.location_get(actor=actor, location_id=location_id)
        data = _valid(ScLocationInput, request, partial=True)
        location = catalogue.location_update(actor=actor, location_id=location.pk, **data)
        return Response(ScLocationOutput(location).data)


# --- price lists -------------------------------------------------------------------------------


class ScPriceListListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = LIST_CREATE

    @extend_schema(
        parameters=[Q_PARAM, OpenApiParameter("kind", str, enum=["sales", "purchase"])],
        responses={200: ScPriceListOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        lists = catalogue.price_list_list(
            actor=acting_user(request), q=params.get("q", ""), kind=params.get("kind", "")
        )
        return _page(request, self, lists, ScPriceListOutput)

    @extend_schema(request=ScPriceListInput, responses={201: ScPriceListOutput})
    def post(self, request: Request) -> Response:
        data = _valid(ScPriceListInput, request)
        data.pop("is_active", None)
        price_list = catalogue.price_list_create(actor=acting_user(request), **data)
        return Response(ScPriceListOutput(price_list).data, status=status.HTTP_201_CREATED)


class ScPriceListDetailApi(APIView):
    """A price list with its prices (the first 500; the items endpoint pages through all)."""

    required_scopes = GET_PATCH

    @extend_schema(responses={200: ScPriceListDetailOutput})
    def get(self, request: Request, price_list_id: int) -> Response:
        actor = acting_user(request)
        price_list = catalogue.price_list_get(actor=actor, price_list_id=price_list_id)
        data = ScPriceListOutput(price_list).data
        items = catalogue.price_list_items(actor=actor, price_list_id=price_list.pk)[:500]
        return Response({**data, "items": ScPriceItemOutput(items, many=True).data})

    @extend_schema(request=ScPriceListInput, responses={200: ScPriceListOutput})
    def patch(self, request: Request, price_list_id: int) -> Response:
        actor = acting_user(request)
        price_list = catalogue.price_list_get(actor=actor, price_list_id=price_list_id)
        data = _valid(ScPriceListInput, request, partial=True)
        price_list = catalogue.price_list_update(actor=actor, price_list_id=price_list.pk, **data)
        return Response(ScPriceListOutput(price_list).data)


class ScPriceItemListCreateApi(APIView):
    """A price list's prices; POST sets the price of a product from a quantity up (replacing the
    price already there for that quantity)."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = LIST_CREATE

    @extend_schema(parameters=[Q_PARAM], responses={200: ScPriceItemOutput(many=True)})
    def get(self, request: Request, price_list_id: int) -> Response:
        items = catalogue.price_list_items(
            actor=acting_user(request), price_list_id=price_list_id, q=request.query_params.get("q", "")
        )
        return _page(request, self, items, ScPriceItemOutput)

    @extend_schema(request=ScPriceItemInput, responses={201: ScPriceItemOutput})
    def post(self, request: Request, price_list_id: int) -> Response:
        actor = acting_user(request)
        price_list = catalogue.price_list_get(actor=actor, price_list_id=price_list_id)
        data = _valid(ScPriceItemInput, request)
        item = catalogue.price_item_set(
            actor=actor,
            price_list_id=price_list.pk,
            product_id=data["product"],
            min_quantity=data["min_quantity"],
            price=data["price"],
        )
        return Response(ScPriceItemOutput(item).data, status=status.HTTP_201_CREATED)


# --- settings ------------------------------------------------------------------------------------


class ScSettingsApi(APIView):
    """The supply chain settings; only owners and administrators change them."""

    required_scopes = GET_PATCH

    @extend_schema(responses={200: ScSettingsOutput})
    def get(self, request: Request) -> Response:
        return Response(ScSettingsOutput(catalogue.settings_get(actor=acting_user(request))).data)

    @extend_schema(request=ScSettingsInput, responses={200: ScSettingsOutput})
    def patch(self, request: Request) -> Response:
        row = catalogue.settings_update(actor=acting_user(request), **_valid(ScSettingsInput, request, partial=True))
        return Response(ScSettingsOutput(row).data)


# --- product imports -----------------------------------------------------------------------------


class ScProductImportCreateApi(APIView):
    """Upload a CSV (UTF-8 or GB18030/GBK) or XLSX file of products, columns named in Chinese or
    English; the import runs as a job (poll the import for its progress)."""

    required_scopes = {"POST": WRITE}
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": ScProductImportInput}, responses={202: ScProductImportOutput})
    def post(self, request: Request) -> Response:
        data = _valid(ScProductImportInput, request)
        upload = data["file"]
        product_import.check_size(upload.size or 0)
        job = product_import.product_import_upload(
            actor=acting_user(request), name=upload.name or "", content=upload.read()
        )
        return Response(ScProductImportOutput(job).data, status=status.HTTP_202_ACCEPTED)


class ScProductImportDetailApi(APIView):
    required_scopes = {"GET": READ}

    @extend_schema(responses={200: ScProductImportOutput})
    def get(self, request: Request, product_import_id: int) -> Response:
        job = product_import.product_import_get(actor=acting_user(request), product_import_id=product_import_id)
        return Response(ScProductImportOutput(job).data)


class ScProductImportErrorsApi(APIView):
    """The rows that failed, as CSV: row number, column, problem and the row as it was."""

    required_scopes = {"GET": READ}

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request: Request, product_import_id: int) -> HttpResponse:
        job = product_import.product_import_get(actor=acting_user(request), product_import_id=product_import_id)
        response = HttpResponse(product_import.error_report(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="product-import-{job.pk}-errors.csv"'
        return response
