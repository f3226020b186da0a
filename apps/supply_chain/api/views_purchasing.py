"""The purchasing API: purchase orders (list, create, read, change a draft, confirm, cancel,
close), receipts, supplier bills with their three-way match, returns to suppliers, and
replenishment. Another firm's ids answer 404."""

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

from .. import purchasing, replenishment
from ..models import PurchaseOrder
from .serializers_purchasing import (
    ScPurchaseOrderCreateInput,
    ScPurchaseOrderOutput,
    ScPurchaseOrderSummaryOutput,
    ScPurchaseOrderUpdateInput,
    ScPurchaseReturnCreateInput,
    ScPurchaseReturnOutput,
    ScReceiptCreateInput,
    ScReceiptOutput,
    ScReplenishmentCreateInput,
    ScReplenishmentGroupOutput,
    ScSupplierBillCreateInput,
    ScSupplierBillOutput,
)

READ, WRITE = "supply_chain:read", "supply_chain:write"
ERRORS = (
    "Errors are {code, detail, fields}. Line problems are listed under `lines` as 'Line 2: ...' and, per field, "
    "under keys like `lines.2.quantity`."
)


def _problems(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for problems in value.values() for message in _problems(problems)]
    if isinstance(value, list):
        return [message for item in value for message in _problems(item)]
    return [str(value)]


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    """The checked input, or a 400 whose line errors name the line (like the services')."""
    serializer = serializer_class(data=request.data)
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
            if not line:
                continue
            for field, messages in line.items() if isinstance(line, dict) else [("line", line)]:
                key = "line" if field == "non_field_errors" else field
                for message in _problems(messages):
                    fields.setdefault("lines", []).append(
                        _("Line %(number)d: %(problem)s") % {"number": number, "problem": f"{key}: {message}"}
                    )
                    fields.setdefault(f"lines.{number}.{key}", []).append(message)
    raise ValidationFailed(_("Some fields are not valid."), fields=fields)


def _order_output(request: Request, purchase_order_id: int) -> dict[str, Any]:
    order = purchasing.purchase_order_get(actor=acting_user(request), purchase_order_id=purchase_order_id)
    return ScPurchaseOrderOutput(order).data  # type: ignore[return-value]


class ScPurchaseOrderListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search the number, the supplier's name and the note"),
            OpenApiParameter("status", str, enum=PurchaseOrder.Status.values),
        ],
        responses={200: ScPurchaseOrderSummaryOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        found = purchasing.purchase_order_list(
            actor=acting_user(request),
            q=request.query_params.get("q", ""),
            status=request.query_params.get("status", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(ScPurchaseOrderSummaryOutput(page, many=True).data)

    @extend_schema(
        request=ScPurchaseOrderCreateInput,
        responses={201: ScPurchaseOrderOutput},
        description="A draft purchase order, numbered PO-<year>-<n> without gaps. " + ERRORS,
    )
    def post(self, request: Request) -> Response:
        data = _valid(ScPurchaseOrderCreateInput, request)
        order = purchasing.purchase_order_create(
            actor=acting_user(request),
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            ordered_on=data["ordered_on"],
            expected_on=data["expected_on"],
            note=data["note"],
            lines=data["lines"],
        )
        return Response(_order_output(request, order.pk), status=status.HTTP_201_CREATED)


class ScPurchaseOrderDetailApi(APIView):
    required_scopes = {"GET": READ, "PATCH": WRITE}

    @extend_schema(responses={200: ScPurchaseOrderOutput})
    def get(self, request: Request, purchase_order_id: int) -> Response:
        return Response(_order_output(request, purchase_order_id))

    @extend_schema(
        request=ScPurchaseOrderUpdateInput,
        responses={200: ScPurchaseOrderOutput},
        description="Change a draft: only what is sent changes; `lines` replace all the lines. 409 "
        "`purchase_order_not_draft` once confirmed. " + ERRORS,
    )
    def patch(self, request: Request, purchase_order_id: int) -> Response:
        data = _valid(ScPurchaseOrderUpdateInput, request)
        purchasing.purchase_order_get(actor=acting_user(request), purchase_order_id=purchase_order_id)
        purchasing.purchase_order_update(actor=acting_user(request), order=purchase_order_id, **data)
        return Response(_order_output(request, purchase_order_id))


class ScPurchaseOrderActionApi(APIView):
    """confirm: draft → confirmed; cancel: draft or confirmed without receipts → cancelled;
    close: confirmed or (partly) received → closed. Others answer 409 ``purchase_order_status``."""

    required_scopes = {"POST": WRITE}
    actions = {
        "confirm": purchasing.purchase_order_confirm,
        "cancel": purchasing.purchase_order_cancel,
        "close": purchasing.purchase_order_close,
    }

    @extend_schema(request=None, responses={200: ScPurchaseOrderOutput})
    def post(self, request: Request, purchase_order_id: int, action: str) -> Response:
        purchasing.purchase_order_get(actor=acting_user(request), purchase_order_id=purchase_order_id)
        self.actions[action](actor=acting_user(request), order=purchase_order_id)
        return Response(_order_output(request, purchase_order_id))


class ScReceiptCreateApi(APIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        request=ScReceiptCreateInput,
        responses={201: ScReceiptOutput},
        description="Goods received against a confirmed order, booked into its warehouse and posted (Dr "
        "inventory / Cr goods received not invoiced). Partial receipts are fine; over-receipt beyond the "
        "firm's allowance is refused. " + ERRORS,
    )
    def post(self, request: Request, purchase_order_id: int) -> Response:
        data = _valid(ScReceiptCreateInput, request)
        actor = acting_user(request)
        purchasing.purchase_order_get(actor=actor, purchase_order_id=purchase_order_id)
        receipt = purchasing.receipt_create(
            actor=actor,
            order=purchase_order_id,
            day=data["received_on"],
            note=data["note"],
            lines=[(line["order_line"], line["quantity"], line["lot"]) for line in data["lines"]],
        )
        found = purchasing.receipt_get(actor=actor, receipt_id=receipt.pk)
        return Response(ScReceiptOutput(found).data, status=status.HTTP_201_CREATED)


class ScReceiptDetailApi(APIView):
    required_scopes = {"GET": READ}

    @extend_schema(responses={200: ScReceiptOutput})
    def get(self, request: Request, receipt_id: int) -> Response:
        return Response(ScReceiptOutput(purchasing.receipt_get(actor=acting_user(request), receipt_id=receipt_id)).data)


class ScSupplierBillCreateApi(APIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        request=ScSupplierBillCreateInput,
        responses={201: ScSupplierBillOutput},
        description="The supplier's bill, matched three ways: `match` is `mismatch` when a line bills more "
        "than was received and not yet billed, or at a price beyond the firm's tolerance (reasons in "
        "`mismatches`). A draft supplier bill is made in finance (`finance_invoice_id`); finance's own "
        "rules apply (the right to prepare invoices). " + ERRORS,
    )
    def post(self, request: Request, purchase_order_id: int) -> Response:
        data = _valid(ScSupplierBillCreateInput, request)
        actor = acting_user(request)
        purchasing.purchase_order_get(actor=actor, purchase_order_id=purchase_order_id)
        bill = purchasing.supplier_bill_create(
            actor=actor,
            order=purchase_order_id,
            day=data["billed_on"],
            supplier_reference=data["supplier_reference"],
            note=data["note"],
            lines=[(line["order_line"], line["quantity"], line["unit_price"]) for line in data["lines"]],
        )
        found = purchasing.supplier_bill_get(actor=actor, bill_id=bill.pk)
        return Response(ScSupplierBillOutput(found).data, status=status.HTTP_201_CREATED)


class ScSupplierBillDetailApi(APIView):
    required_scopes = {"GET": READ}

    @extend_schema(responses={200: ScSupplierBillOutput})
    def get(self, request: Request, bill_id: int) -> Response:
        bill = purchasing.supplier_bill_get(actor=acting_user(request), bill_id=bill_id)
        return Response(ScSupplierBillOutput(bill).data)


class ScPurchaseReturnCreateApi(APIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        request=ScPurchaseReturnCreateInput,
        responses={201: ScPurchaseReturnOutput},
        description="Received goods sent back at their receipt cost; the receipt's posting is reversed. "
        "At most what was received minus what already went back. " + ERRORS,
    )
    def post(self, request: Request, purchase_order_id: int) -> Response:
        data = _valid(ScPurchaseReturnCreateInput, request)
        actor = acting_user(request)
        purchasing.purchase_order_get(actor=actor, purchase_order_id=purchase_order_id)
        created = purchasing.purchase_return_create(
            actor=actor,
            order=purchase_order_id,
            day=data["returned_on"],
            reason=data["reason"],
            note=data["note"],
            lines=[(line["receipt_line"], line["quantity"]) for line in data["lines"]],
        )
        found = purchasing.purchase_return_get(actor=actor, purchase_return_id=created.pk)
        return Response(ScPurchaseReturnOutput(found).data, status=status.HTTP_201_CREATED)


class ScPurchaseReturnDetailApi(APIView):
    required_scopes = {"GET": READ}

    @extend_schema(responses={200: ScPurchaseReturnOutput})
    def get(self, request: Request, purchase_return_id: int) -> Response:
        found = purchasing.purchase_return_get(actor=acting_user(request), purchase_return_id=purchase_return_id)
        return Response(ScPurchaseReturnOutput(found).data)


class ScReplenishmentApi(APIView):
    required_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        responses={200: ScReplenishmentGroupOutput(many=True)},
        description="Products under their reorder point (stock on hand plus open orders), grouped by "
        "default supplier; the group without a supplier has `supplier` null.",
    )
    def get(self, request: Request) -> Response:
        groups = replenishment.suggestions(actor=acting_user(request))
        return Response(ScReplenishmentGroupOutput(groups, many=True).data)

    @extend_schema(
        request=ScReplenishmentCreateInput,
        responses={201: ScPurchaseOrderSummaryOutput(many=True)},
        description="One draft purchase order per chosen supplier, of everything suggested from them.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(ScReplenishmentCreateInput, request)
        orders = replenishment.replenishment_create_orders(
            actor=acting_user(request), supplier_ids=data["supplier_ids"], warehouse=data["warehouse"]
        )
        return Response(ScPurchaseOrderSummaryOutput(orders, many=True).data, status=status.HTTP_201_CREATED)
