"""The sales API: orders (list, create, from a won CRM deal, read with availability, change a
draft, confirm / cancel / close), deliveries, customer invoices and returns. Another firm's ids
are 404, like any record one may not see; refusals come back as {code, detail, fields}."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user
from core.errors import ValidationFailed

from .. import sales
from ..models import SalesOrder
from .serializers_sales import (
    ScCustomerInvoiceCreateInput,
    ScCustomerInvoiceOutput,
    ScDeliveryCreateInput,
    ScDeliveryOutput,
    ScSalesFromDealInput,
    ScSalesOrderCreateInput,
    ScSalesOrderOutput,
    ScSalesOrderPatchInput,
    ScSalesOrderSummaryOutput,
    ScSalesReturnCreateInput,
    ScSalesReturnOutput,
)

READ, WRITE = "supply_chain:read", "supply_chain:write"
LINE_ERRORS = (
    "Errors are {code, detail, fields}. Line problems are listed under `lines` as 'Line 2: ...' and, "
    "per field, under keys like `lines.2.quantity` (lines counted from 1 in the order sent)."
)


def _problems(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for problems in value.values() for message in _problems(problems)]
    if isinstance(value, list):
        return [message for item in value for message in _problems(item)]
    return [str(value)]


def _valid(serializer_class: Any, request: Request, *, partial: bool = False) -> dict[str, Any]:
    """The checked input, or a 400 whose line errors name the line (like the services')."""
    serializer = serializer_class(data=request.data, partial=partial)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    fields: dict[str, list[str]] = {}
    for name, problems in serializer.errors.items():
        per_line = None
        if name == "lines" and isinstance(problems, list):
            per_line = list(enumerate(problems, start=1))
        elif name == "lines" and isinstance(problems, dict) and all(isinstance(key, int) for key in problems):
            per_line = [(index + 1, line) for index, line in sorted(problems.items())]
        if per_line is None:
            fields[name] = _problems(problems)
            continue
        for number, line in per_line:
            for field, messages in line.items() if isinstance(line, dict) else [("line", line)]:
                for message in _problems(messages):
                    fields.setdefault(f"lines.{number}.{field}", []).append(message)
                    fields.setdefault("lines", []).append(
                        _("Line %(number)d: %(problem)s") % {"number": number, "problem": f"{field}: {message}"}
                    )
    raise ValidationFailed(_("Some fields are not valid."), fields=fields)


def _order_data(actor: Any, order_id: int) -> dict[str, Any]:
    order = sales.sales_order_get(actor=actor, sales_order_id=order_id)
    return dict(ScSalesOrderOutput(order, context={"availability": sales.availability(order)}).data)


class ScSalesOrderListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search the number and the customer's name"),
            OpenApiParameter("status", str, enum=SalesOrder.Status.values),
        ],
        responses={200: ScSalesOrderSummaryOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        found = sales.sales_order_list(
            actor=acting_user(request),
            q=request.query_params.get("q", ""),
            status=request.query_params.get("status", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(ScSalesOrderSummaryOutput(page, many=True).data)

    @extend_schema(
        request=ScSalesOrderCreateInput,
        responses={201: ScSalesOrderOutput},
        description="A draft sales order, numbered SO-<year>-<n>. " + LINE_ERRORS,
    )
    def post(self, request: Request) -> Response:
        data = _valid(ScSalesOrderCreateInput, request)
        actor = acting_user(request)
        order = sales.sales_order_create(
            actor=actor,
            customer_id=data["customer"],
            warehouse_id=data["warehouse"],
            ordered_on=data["ordered_on"],
            promised_on=data["promised_on"],
            note=data["note"],
            lines=data["lines"],
        )
        return Response(_order_data(actor, order.pk), status=status.HTTP_201_CREATED)


class ScSalesOrderFromDealApi(APIView):
    """A draft order from a won CRM opportunity's quote: 404 when it is not won or not visible,
    409 ``already_ordered`` the second time, 400 naming the quote lines that match no product."""

    required_scopes = {"POST": WRITE}

    @extend_schema(request=ScSalesFromDealInput, responses={201: ScSalesOrderOutput})
    def post(self, request: Request) -> Response:
        data = _valid(ScSalesFromDealInput, request)
        actor = acting_user(request)
        order = sales.sales_order_from_deal(
            actor=actor, opportunity_id=data["opportunity_id"], warehouse_id=data["warehouse"]
        )
        return Response(_order_data(actor, order.pk), status=status.HTTP_201_CREATED)


class ScSalesOrderDetailApi(APIView):
    required_scopes = {"GET": READ, "PATCH": WRITE}

    @extend_schema(responses={200: ScSalesOrderOutput}, description="The order with each line's availability.")
    def get(self, request: Request, sales_order_id: int) -> Response:
        return Response(_order_data(acting_user(request), sales_order_id))

    @extend_schema(
        request=ScSalesOrderPatchInput,
        responses={200: ScSalesOrderOutput},
        description="Change a draft (409 `sales_order_not_draft` otherwise). " + LINE_ERRORS,
    )
    def patch(self, request: Request, sales_order_id: int) -> Response:
        actor = acting_user(request)
        sales.sales_order_get(actor=actor, sales_order_id=sales_order_id)
        data = _valid(ScSalesOrderPatchInput, request, partial=True)
        renamed = {"customer": "customer_id", "warehouse": "warehouse_id"}
        sales.sales_order_update(
            actor=actor, sales_order_id=sales_order_id, **{renamed.get(key, key): value for key, value in data.items()}
        )
        return Response(_order_data(actor, sales_order_id))


class ScSalesOrderActionApi(APIView):
    """confirm: draft → confirmed, reserving what is available to promise; cancel: without
    deliveries, releasing reservations; close: ends the backorder, releasing what is left.
    Another move answers 409 ``sales_order_status``."""

    required_scopes = {"POST": WRITE}
    actions = {
        "confirm": sales.sales_order_confirm,
        "cancel": sales.sales_order_cancel,
        "close": sales.sales_order_close,
    }

    @extend_schema(request=None, responses={200: ScSalesOrderOutput})
    def post(self, request: Request, sales_order_id: int, action: str) -> Response:
        actor = acting_user(request)
        self.actions[action](actor=actor, sales_order_id=sales_order_id)
        return Response(_order_data(actor, sales_order_id))


class ScDeliveryCreateApi(APIView):
    """Deliver part or all of what is left; 409 ``insufficient_stock`` when the stock is gone
    (also when someone else delivered it a moment before)."""

    required_scopes = {"POST": WRITE}

    @extend_schema(request=ScDeliveryCreateInput, responses={201: ScDeliveryOutput}, description=LINE_ERRORS)
    def post(self, request: Request, sales_order_id: int) -> Response:
        actor = acting_user(request)
        sales.sales_order_get(actor=actor, sales_order_id=sales_order_id)
        data = _valid(ScDeliveryCreateInput, request)
        delivery = sales.delivery_create(
            actor=actor,
            sales_order_id=sales_order_id,
            day=data["day"],
            note=data["note"],
            lines=[(line["order_line"], line["quantity"], line["lot"]) for line in data["lines"]],
        )
        return Response(
            ScDeliveryOutput(sales.delivery_get(actor=actor, delivery_id=delivery.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ScDeliveryDetailApi(APIView):
    required_scopes = {"GET": READ}

    @extend_schema(responses={200: ScDeliveryOutput})
    def get(self, request: Request, delivery_id: int) -> Response:
        return Response(ScDeliveryOutput(sales.delivery_get(actor=acting_user(request), delivery_id=delivery_id)).data)


class ScCustomerInvoiceCreateApi(APIView):
    """Invoice what was delivered and not yet invoiced as a draft customer invoice in finance
    (finance's rules apply: the right to prepare invoices, the VAT rates). 409
    ``nothing_to_invoice`` when everything delivered is invoiced."""

    required_scopes = {"POST": WRITE}  # finance's own rights apply when the invoice is drafted there

    @extend_schema(request=ScCustomerInvoiceCreateInput, responses={201: ScCustomerInvoiceOutput})
    def post(self, request: Request, sales_order_id: int) -> Response:
        actor = acting_user(request)
        sales.sales_order_get(actor=actor, sales_order_id=sales_order_id)
        data = _valid(ScCustomerInvoiceCreateInput, request)
        invoice = sales.customer_invoice_create(
            actor=actor, sales_order_id=sales_order_id, day=data["day"], note=data["note"]
        )
        found = sales.customer_invoice_get(actor=actor, customer_invoice_id=invoice.pk)
        return Response(ScCustomerInvoiceOutput(found).data, status=status.HTTP_201_CREATED)


class ScCustomerInvoiceDetailApi(APIView):
    required_scopes = {"GET": READ}

    @extend_schema(responses={200: ScCustomerInvoiceOutput})
    def get(self, request: Request, customer_invoice_id: int) -> Response:
        found = sales.customer_invoice_get(actor=acting_user(request), customer_invoice_id=customer_invoice_id)
        return Response(ScCustomerInvoiceOutput(found).data)


class ScSalesReturnCreateApi(APIView):
    """Goods back from the customer at the delivery's cost (Dr inventory / Cr cost of sales)."""

    required_scopes = {"POST": WRITE}

    @extend_schema(request=ScSalesReturnCreateInput, responses={201: ScSalesReturnOutput}, description=LINE_ERRORS)
    def post(self, request: Request, sales_order_id: int) -> Response:
        actor = acting_user(request)
        sales.sales_order_get(actor=actor, sales_order_id=sales_order_id)
        data = _valid(ScSalesReturnCreateInput, request)
        sales_return = sales.sales_return_create(
            actor=actor,
            sales_order_id=sales_order_id,
            day=data["day"],
            reason=data["reason"],
            lines=[(line["delivery_line"], line["quantity"]) for line in data["lines"]],
        )
        found = sales.sales_return_get(actor=actor, sales_return_id=sales_return.pk)
        return Response(ScSalesReturnOutput(found).data, status=status.HTTP_201_CREATED)


class ScSalesReturnDetailApi(APIView):
    required_scopes = {"GET": READ}

    @extend_schema(responses={200: ScSalesReturnOutput})
    def get(self, request: Request, sales_return_id: int) -> Response:
        found = sales.sales_return_get(actor=acting_user(request), sales_return_id=sales_return_id)
        return Response(ScSalesReturnOutput(found).data)
