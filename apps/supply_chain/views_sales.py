"""Sales pages: orders (new, from a won CRM deal, edit, confirm / cancel / close after a
confirmation), the order page with available-to-promise, deliveries, invoices and returns.

The pages parse what was typed and hand it to apps/supply_chain/sales.py unchanged: the service
checks everything, and its errors come back next to the fields and lines they name.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.pages import reported

from . import order_input, permissions, sales
from .models import SalesOrder
from .pages import paged, sc_page, sc_render

LINE_FIELDS = ("product", "quantity", "unit", "unit_price", "vat_rate")
BLANK_ROWS = 5
MAX_ROWS = order_input.MAX_LINES + BLANK_ROWS
_ROW_KEY = re.compile(r"^line-(\d{1,4})-(?:product|quantity|unit|unit_price|vat_rate)$")
NAV = "sales"


def _errors(outcome: Any) -> dict[str, list[str]]:
    return outcome.error.fields if isinstance(outcome.error, ApplicationError) else {}


def _vat_choices() -> list[tuple[str, str]]:
    return [("", _("Product's rate")), *((str(rate), order_input.rate_label(rate)) for rate in order_input.VAT_RATES)]


def _row_indexes(data: QueryDict) -> list[int]:
    return sorted({int(match.group(1)) for key in data if (match := _ROW_KEY.match(key))})


def _typed_rows(data: QueryDict) -> list[dict[str, str]]:
    rows = []
    for index in _row_indexes(data)[:MAX_ROWS]:
        row = {field: (data.get(f"line-{index}-{field}") or "").strip() for field in LINE_FIELDS}
        if row["product"] or row["quantity"] or row["unit_price"]:
            rows.append(row)
    return rows


def _blank_after(data: QueryDict, rows: list[dict[str, str]]) -> int:
    if "more" in data:
        return max(len(_row_indexes(data)) - len(rows), 0) + BLANK_ROWS
    return max(BLANK_ROWS - len(rows), 1)


def _line_inputs(rows: list[dict[str, str]]) -> list[sales.SalesLineInput]:
    return [
        sales.SalesLineInput(
            product=row["product"],
            quantity=row["quantity"],
            unit=row["unit"],
            unit_price=row["unit_price"] or None,
            vat_rate=row["vat_rate"] or None,
        )
        for row in rows
    ]


def _editor_context(rows: list[dict[str, str]], errors: dict[str, list[str]], *, blank: int) -> dict[str, Any]:
    shown = [*rows, *(dict.fromkeys(LINE_FIELDS, "") for _index in range(blank))]
    return {
        "rows": [
            {
                "index": index,
                "number": index + 1,
                **row,
                "errors": {field: errors.get(f"lines.{index + 1}.{field}", []) for field in LINE_FIELDS},
            }
            for index, row in enumerate(shown[:MAX_ROWS])
        ],
        "line_errors": errors.get("lines", []),
        "vat_choices": _vat_choices(),
        "products": sales.product_choices(),
    }


def _head_values(source: QueryDict) -> dict[str, str]:
    return {
        field: (source.get(field) or "").strip()
        for field in ("customer", "warehouse", "ordered_on", "promised_on", "note")
    }


def _form_context(values: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "nav": NAV,
        "values": values,
        "errors": errors,
        "customers": sales.customer_choices(),
        "warehouses": sales.warehouse_choices(),
    }


@sc_page
def sales_order_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    status = request.GET.get("status") or ""
    found = sales.sales_order_list(actor=request.user, q=q, status=status)
    context = {
        "nav": NAV,
        "q": q,
        "status": status if status in SalesOrder.Status.values else "",
        "statuses": SalesOrder.Status.choices,
        "may_sell": permissions.can(request.user, permissions.SELL),
        **paged(request, found),
    }
    return sc_render(request, "supply_chain/sales/order_list.html", context)


@sc_page
@require_http_methods(["GET", "POST"])
def sales_order_new(request: HttpRequest) -> HttpResponseBase:
    permissions.require(request.user, permissions.SELL)
    source = request.POST if request.method == "POST" else request.GET
    values = _head_values(source)
    values["ordered_on"] = values["ordered_on"] or timezone.localdate().isoformat()
    rows: list[dict[str, str]] = []
    errors: dict[str, list[str]] = {}
    blank, status = BLANK_ROWS, 200
    if request.method == "POST":
        rows = _typed_rows(request.POST)
        blank = _blank_after(request.POST, rows)
        if "more" not in request.POST:
            order = None
            with reported(request) as outcome:
                order = sales.sales_order_create(
                    actor=request.user,
                    customer_id=values["customer"],
                    warehouse_id=values["warehouse"],
                    ordered_on=values["ordered_on"],
                    promised_on=values["promised_on"] or None,
                    note=values["note"],
                    lines=_line_inputs(rows),
                )
            if outcome.ok and order is not None:
                messages.success(request, _("Sales order %(number)s is saved as a draft.") % {"number": order.number})
                return redirect("supply_chain:sales_order_detail", order.pk)
            errors, status = _errors(outcome), 400
    context = {**_form_context(values, errors), **_editor_context(rows, errors, blank=blank)}
    return sc_render(request, "supply_chain/sales/order_form.html", context, status=status)


@sc_page
@require_http_methods(["GET", "POST"])
def sales_order_edit(request: HttpRequest, sales_order_id: int) -> HttpResponseBase:
    permissions.require(request.user, permissions.SELL)
    order = sales.sales_order_get(actor=request.user, sales_order_id=sales_order_id)
    if order.status != SalesOrder.Status.DRAFT:
        messages.error(
            request, _("Sales order %(number)s is confirmed; it no longer changes.") % {"number": order.number}
        )
        return redirect("supply_chain:sales_order_detail", order.pk)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = _head_values(request.POST)
        rows = _typed_rows(request.POST)
        blank = _blank_after(request.POST, rows)
        if "more" not in request.POST:
            with reported(request) as outcome:
                sales.sales_order_update(
                    actor=request.user,
                    sales_order_id=order.pk,
                    customer_id=values["customer"],
                    warehouse_id=values["warehouse"],
                    ordered_on=values["ordered_on"],
                    promised_on=values["promised_on"] or None,
                    note=values["note"],
                    lines=_line_inputs(rows),
                )
            if outcome.ok:
                messages.success(request, _("Sales order %(number)s is saved.") % {"number": order.number})
                return redirect("supply_chain:sales_order_detail", order.pk)
            errors, status = _errors(outcome), 400
    else:
        values = {
            "customer": str(order.customer_id),
            "warehouse": str(order.warehouse_id),
            "ordered_on": order.ordered_on.isoformat(),
            "promised_on": order.promised_on.isoformat() if order.promised_on else "",
            "note": order.note,
        }
        rows = [
            {
                "product": str(line.product_id),
                "quantity": f"{line.quantity.normalize():f}",
                "unit": line.unit,
                "unit_price": f"{line.unit_price.normalize():f}",
                "vat_rate": str(next((r for r in order_input.VAT_RATES if r == line.vat_rate), line.vat_rate)),
            }
            for line in order.lines.all()
        ]
        blank = 1
    context = {**_form_context(values, errors), **_editor_context(rows, errors, blank=blank), "order": order}
    return sc_render(request, "supply_chain/sales/order_form.html", context, status=status)


@sc_page
@require_http_methods(["GET", "POST"])
def sales_order_from_deal(request: HttpRequest) -> HttpResponseBase:
    """Pick a won CRM deal and the warehouse; the deal's quote lines become the order's lines."""
    permissions.require(request.user, permissions.SELL)
    values = {field: (request.POST.get(field) or "").strip() for field in ("opportunity", "warehouse")}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        order = None
        with reported(request) as outcome:
            order = sales.sales_order_from_deal(
                actor=request.user, opportunity_id=values["opportunity"], warehouse_id=values["warehouse"]
            )
        if outcome.ok and order is not None:
            messages.success(request, _("Sales order %(number)s is made from the deal.") % {"number": order.number})
            return redirect("supply_chain:sales_order_detail", order.pk)
        errors, status = _errors(outcome), 400
    context = {
        "nav": NAV,
        "values": values,
        "errors": errors,
        "deals": sales.won_deal_choices(actor=request.user),
        "warehouses": sales.warehouse_choices(),
    }
    return sc_render(request, "supply_chain/sales/from_deal.html", context, status=status)


@sc_page
def sales_order_detail(request: HttpRequest, sales_order_id: int) -> HttpResponse:
    order = sales.sales_order_get(actor=request.user, sales_order_id=sales_order_id)
    may_sell = permissions.can(request.user, permissions.SELL)
    may_deliver = permissions.can(request.user, permissions.SELL, permissions.STOCK)
    holding = order.status in sales.HOLDING
    context = {
        "nav": NAV,
        "order": order,
        "rows": sales.availability(order),
        "deliveries": order.deliveries.all(),
        "invoices": order.invoices.all(),
        "returns": order.returns.all(),
        "may_sell": may_sell,
        "can_edit": may_sell and order.status == SalesOrder.Status.DRAFT,
        "can_confirm": may_sell and order.status == SalesOrder.Status.DRAFT,
        "can_cancel": may_sell
        and order.status in (SalesOrder.Status.DRAFT, SalesOrder.Status.CONFIRMED)
        and not order.deliveries.exists(),
        "can_close": may_sell and order.status in (*sales.HOLDING, SalesOrder.Status.DELIVERED),
        "can_deliver": may_deliver and holding,
        "can_invoice": may_sell and sales.invoiceable(order),
        "can_return": may_sell and order.deliveries.exists(),
    }
    return sc_render(request, "supply_chain/sales/order_detail.html", context)


def _action(request: HttpRequest, sales_order_id: int, action: str) -> HttpResponse:
    """GET asks first (what will happen); POST does it."""
    if request.method == "POST":
        change = {
            "confirm": sales.sales_order_confirm,
            "cancel": sales.sales_order_cancel,
            "close": sales.sales_order_close,
        }[action]
        with reported(request) as outcome:
            order = change(actor=request.user, sales_order_id=sales_order_id)
        if outcome.ok:
            done = {
                "confirm": _("Sales order %(number)s is confirmed; what the warehouse can promise is reserved."),
                "cancel": _("Sales order %(number)s is cancelled."),
                "close": _("Sales order %(number)s is closed; what was still reserved is released."),
            }
            messages.success(request, done[action] % {"number": order.number})
        return redirect("supply_chain:sales_order_detail", sales_order_id)
    order = sales.sales_order_get(actor=request.user, sales_order_id=sales_order_id)
    return sc_render(request, "supply_chain/sales/order_action.html", {"nav": NAV, "order": order, "action": action})


@sc_page
@require_http_methods(["GET", "POST"])
def sales_order_confirm(request: HttpRequest, sales_order_id: int) -> HttpResponse:
    return _action(request, sales_order_id, "confirm")


@sc_page
@require_http_methods(["GET", "POST"])
def sales_order_cancel(request: HttpRequest, sales_order_id: int) -> HttpResponse:
    return _action(request, sales_order_id, "cancel")


@sc_page
@require_http_methods(["GET", "POST"])
def sales_order_close(request: HttpRequest, sales_order_id: int) -> HttpResponse:
    return _action(request, sales_order_id, "close")


@sc_page
@require_http_methods(["GET", "POST"])
def delivery_new(request: HttpRequest, sales_order_id: int) -> HttpResponseBase:
    """Prefilled with what is left of each line; what is not delivered stays on order."""
    permissions.require(request.user, permissions.SELL, permissions.STOCK)
    order = sales.sales_order_get(actor=request.user, sales_order_id=sales_order_id)
    errors: dict[str, list[str]] = {}
    status = 200
    day = (request.POST.get("day") or "").strip() if request.method == "POST" else timezone.localdate().isoformat()
    note = (request.POST.get("note") or "").strip()
    left = sales.left_to_deliver(order)
    typed = {
        line.pk: (
            (request.POST.get(f"quantity-{line.pk}") or "").strip(),
            (request.POST.get(f"lot-{line.pk}") or "").strip(),
        )
        for line, _rest in left
    }
    if request.method == "POST":
        entries = [(pk, quantity, lot) for pk, (quantity, lot) in typed.items() if quantity and quantity != "0"]
        delivery = None
        with reported(request) as outcome:
            delivery = sales.delivery_create(
                actor=request.user, sales_order_id=order.pk, day=day, lines=entries, note=note
            )
        if outcome.ok and delivery is not None:
            messages.success(
                request,
                _("Delivery %(number)s is recorded; its cost is posted to finance.") % {"number": delivery.number},
            )
            return redirect("supply_chain:delivery_detail", delivery.pk)
        errors, status = _errors(outcome), 400
        # Errors name the n-th line sent; show them on the order line they belong to.
        by_line = {pk: number for number, (pk, _q, _l) in enumerate(entries, start=1)}
    else:
        by_line = {}
    rows = []
    for line, rest in left:
        number = by_line.get(line.pk)
        quantity, lot = typed[line.pk]
        rows.append(
            {
                "line": line,
                "left": rest,
                "quantity": quantity if request.method == "POST" else f"{rest.normalize():f}" if rest else "",
                "lot": lot,
                "tracked": line.product.tracking != "none",
                "errors": [
                    message
                    for field in ("quantity", "lot", "order_line")
                    for message in (errors.get(f"lines.{number}.{field}", []) if number else [])
                ],
            }
        )
    context = {
        "nav": NAV,
        "order": order,
        "rows": rows,
        "day": day,
        "note": note,
        "errors": errors,
        "form_errors": [] if by_line else errors.get("lines", []),
    }
    return sc_render(request, "supply_chain/sales/delivery_new.html", context, status=status)


@sc_page
def delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = sales.delivery_get(actor=request.user, delivery_id=delivery_id)
    return sc_render(request, "supply_chain/sales/delivery_detail.html", {"nav": NAV, "delivery": delivery})


@sc_page
@require_http_methods(["GET", "POST"])
def customer_invoice_new(request: HttpRequest, sales_order_id: int) -> HttpResponseBase:
    permissions.require(request.user, permissions.SELL)
    order = sales.sales_order_get(actor=request.user, sales_order_id=sales_order_id)
    day = (request.POST.get("day") or "").strip() if request.method == "POST" else timezone.localdate().isoformat()
    note = (request.POST.get("note") or "").strip()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        invoice = None
        with reported(request) as outcome:
            invoice = sales.customer_invoice_create(actor=request.user, sales_order_id=order.pk, day=day, note=note)
        if outcome.ok and invoice is not None:
            messages.success(
                request,
                _("Invoice %(number)s is drafted in finance; check it and post it there.") % {"number": invoice.number},
            )
            return redirect("supply_chain:customer_invoice_detail", invoice.pk)
        errors, status = _errors(outcome), 400
    context = {
        "nav": NAV,
        "order": order,
        "due": sales.invoiceable(order),
        "day": day,
        "note": note,
        "errors": errors,
    }
    return sc_render(request, "supply_chain/sales/invoice_new.html", context, status=status)


@sc_page
def customer_invoice_detail(request: HttpRequest, customer_invoice_id: int) -> HttpResponse:
    invoice = sales.customer_invoice_get(actor=request.user, customer_invoice_id=customer_invoice_id)
    return sc_render(request, "supply_chain/sales/invoice_detail.html", {"nav": NAV, "invoice": invoice})


@sc_page
@require_http_methods(["GET", "POST"])
def sales_return_new(request: HttpRequest, sales_order_id: int) -> HttpResponseBase:
    permissions.require(request.user, permissions.SELL)
    order = sales.sales_order_get(actor=request.user, sales_order_id=sales_order_id)
    day = (request.POST.get("day") or "").strip() if request.method == "POST" else timezone.localdate().isoformat()
    reason = (request.POST.get("reason") or "").strip()
    returnable = sales.returnable(order)
    typed = {line.pk: (request.POST.get(f"quantity-{line.pk}") or "").strip() for line, _rest in returnable}
    errors: dict[str, list[str]] = {}
    by_line: dict[int, int] = {}
    status = 200
    if request.method == "POST":
        entries = [(pk, quantity) for pk, quantity in typed.items() if quantity and quantity != "0"]
        by_line = {pk: number for number, (pk, _q) in enumerate(entries, start=1)}
        sales_return = None
        with reported(request) as outcome:
            sales_return = sales.sales_return_create(
                actor=request.user, sales_order_id=order.pk, day=day, reason=reason, lines=entries
            )
        if outcome.ok and sales_return is not None:
            messages.success(
                request,
                _("Return %(number)s is recorded at the delivery cost.") % {"number": sales_return.number},
            )
            return redirect("supply_chain:sales_return_detail", sales_return.pk)
        errors, status = _errors(outcome), 400
    rows = [
        {
            "line": line,
            "left": rest,
            "quantity": typed[line.pk],
            "errors": [
                message
                for field in ("quantity", "delivery_line")
                for message in errors.get(f"lines.{by_line.get(line.pk)}.{field}", [])
            ],
        }
        for line, rest in returnable
    ]
    context = {
        "nav": NAV,
        "order": order,
        "rows": rows,
        "day": day,
        "reason": reason,
        "errors": errors,
        "form_errors": [] if by_line else errors.get("lines", []),
    }
    return sc_render(request, "supply_chain/sales/return_new.html", context, status=status)


@sc_page
def sales_return_detail(request: HttpRequest, sales_return_id: int) -> HttpResponse:
    sales_return = sales.sales_return_get(actor=request.user, sales_return_id=sales_return_id)
    return sc_render(request, "supply_chain/sales/return_detail.html", {"nav": NAV, "sales_return": sales_return})
