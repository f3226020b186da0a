"""Purchasing pages: orders (list, new, edit, confirm, cancel, close), receipts, supplier bills
with their three-way match, returns to suppliers, and replenishment suggestions.

The pages parse what was typed and hand it to apps/supply_chain/purchasing.py unchanged: the
service checks everything, and its errors come back next to the fields and lines they name.
"""

from __future__ import annotations

import re
from decimal import Decimal
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

from . import order_input, permissions, purchasing, replenishment
from .models import PurchaseOrder
from .pages import paged, sc_page, sc_render

LINE_FIELDS = ("product", "quantity", "unit", "unit_price", "vat_rate")
BLANK_ROWS = 3
MAX_ROWS = order_input.MAX_LINES + BLANK_ROWS
MAX_CHOICES = 1000
_ROW_KEY = re.compile(r"^line-(\d{1,4})-(?:product|quantity|unit|unit_price|vat_rate)$")
NAV = "purchasing"


def _text(value: Decimal) -> str:
    """2.5000 → ``2.5``; 100.0000 → ``100``."""
    return f"{value.normalize():f}"


def _errors(outcome: Any) -> dict[str, list[str]]:
    return outcome.error.fields if isinstance(outcome.error, ApplicationError) else {}


# --- the order form ----------------------------------------------------------------------------


def _row_indexes(data: QueryDict) -> list[int]:
    return sorted({int(match.group(1)) for key in data if (match := _ROW_KEY.match(key))})


def _typed_rows(data: QueryDict) -> list[dict[str, str]]:
    """The rows the form sent, in order, without the ones left empty."""
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


def _editor_rows(rows: list[dict[str, str]], errors: dict[str, list[str]], *, blank: int) -> list[dict[str, Any]]:
    """The typed rows first (so "Line 2" in an error is the second row), then ``blank`` empty ones."""
    empty = dict.fromkeys(LINE_FIELDS, "")
    shown = [*rows, *(dict(empty) for _index in range(blank))]
    return [
        {
            "index": index,
            "number": index + 1,
            **row,
            "errors": {field: errors.get(f"lines.{index + 1}.{field}", []) for field in (*LINE_FIELDS, "line")},
        }
        for index, row in enumerate(shown[:MAX_ROWS])
    ]


def _order_form_context(
    values: dict[str, str], rows: list[dict[str, str]], errors: dict[str, list[str]], *, blank: int
) -> dict[str, Any]:
    return {
        "nav": NAV,
        "values": values,
        "errors": errors,
        "rows": _editor_rows(rows, errors, blank=blank),
        "line_errors": errors.get("lines", []),
        "suppliers": list(purchasing.supplier_choices()[:MAX_CHOICES]),
        "warehouses": list(purchasing.warehouse_choices()[:MAX_CHOICES]),
        "products": list(purchasing.product_choices()[:MAX_CHOICES]),
        "vat_choices": [(str(rate), purchasing.rate_label(rate)) for rate in purchasing.VAT_RATES],
    }


HEADER_FIELDS = ("supplier", "warehouse", "ordered_on", "expected_on", "note")


def _line_inputs(rows: list[dict[str, str]]) -> list[purchasing.OrderLineInput]:
    return [
        purchasing.OrderLineInput(
            product=row["product"],
            quantity=row["quantity"],
            unit=row["unit"],
            unit_price=row["unit_price"] or None,
            vat_rate=row["vat_rate"] or None,
        )
        for row in rows
    ]


@sc_page
def purchase_order_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    status = request.GET.get("status") or ""
    found = purchasing.purchase_order_list(actor=request.user, q=q, status=status)
    context = {
        "nav": NAV,
        "q": q,
        "status": status if status in PurchaseOrder.Status.values else "",
        "statuses": PurchaseOrder.Status.choices,
        **paged(request, found),
    }
    return sc_render(request, "supply_chain/purchasing/order_list.html", context)


@sc_page
@require_http_methods(["GET", "POST"])
def purchase_order_new(request: HttpRequest) -> HttpResponseBase:
    permissions.require(request.user, permissions.PURCHASE)
    source = request.POST if request.method == "POST" else request.GET
    values = {field: (source.get(field) or "").strip() for field in HEADER_FIELDS}
    values["ordered_on"] = values["ordered_on"] or timezone.localdate().isoformat()
    rows: list[dict[str, str]] = []
    errors: dict[str, list[str]] = {}
    blank, status = BLANK_ROWS, 200
    if request.method == "POST":
        rows = _typed_rows(request.POST)
        blank = _blank_after(request.POST, rows)
        if "more" not in request.POST:
            order: PurchaseOrder | None = None
            with reported(request) as outcome:
                order = purchasing.purchase_order_create(
                    actor=request.user,
                    supplier=values["supplier"],
                    warehouse=values["warehouse"],
                    ordered_on=values["ordered_on"],
                    expected_on=values["expected_on"] or None,
                    note=values["note"],
                    lines=_line_inputs(rows),
                )
            if outcome.ok and order is not None:
                messages.success(
                    request, _("Purchase order %(number)s is saved as a draft.") % {"number": order.number}
                )
                return redirect("supply_chain:purchase_order_detail", order.pk)
            errors, status = _errors(outcome), 400
    context = {**_order_form_context(values, rows, errors, blank=blank), "order": None}
    return sc_render(request, "supply_chain/purchasing/order_form.html", context, status=status)


@sc_page
@require_http_methods(["GET", "POST"])
def purchase_order_edit(request: HttpRequest, purchase_order_id: int) -> HttpResponseBase:
    """A draft's header and lines, the lines replaced as a whole."""
    order = purchasing.purchase_order_get(actor=request.user, purchase_order_id=purchase_order_id)
    permissions.require(request.user, permissions.PURCHASE)
    if order.status != PurchaseOrder.Status.DRAFT:
        messages.error(request, _("Only a draft purchase order can be changed."))
        return redirect("supply_chain:purchase_order_detail", order.pk)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {field: (request.POST.get(field) or "").strip() for field in HEADER_FIELDS}
        rows = _typed_rows(request.POST)
        blank = _blank_after(request.POST, rows)
        if "more" not in request.POST:
            with reported(request) as outcome:
                purchasing.purchase_order_update(
                    actor=request.user,
                    order=order.pk,
                    supplier=values["supplier"],
                    warehouse=values["warehouse"],
                    ordered_on=values["ordered_on"],
                    expected_on=values["expected_on"] or None,
                    note=values["note"],
                    lines=_line_inputs(rows),
                )
            if outcome.ok:
                messages.success(request, _("Purchase order %(number)s is saved.") % {"number": order.number})
                return redirect("supply_chain:purchase_order_detail", order.pk)
            errors, status = _errors(outcome), 400
    else:
        values = {
            "supplier": str(order.supplier_id),
            "warehouse": str(order.warehouse_id),
            "ordered_on": order.ordered_on.isoformat(),
            "expected_on": order.expected_on.isoformat() if order.expected_on else "",
            "note": order.note,
        }
        rows = [
            {
                "product": str(line.product_id),
                "quantity": _text(line.quantity),
                "unit": line.unit,
                "unit_price": _text(line.unit_price),
                "vat_rate": str(next((r for r in purchasing.VAT_RATES if r == line.vat_rate), line.vat_rate)),
            }
            for line in order.lines.all()
        ]
        blank = 1
    context = {**_order_form_context(values, rows, errors, blank=blank), "order": order}
    return sc_render(request, "supply_chain/purchasing/order_form.html", context, status=status)


@sc_page
def purchase_order_detail(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    order = purchasing.purchase_order_get(actor=request.user, purchase_order_id=purchase_order_id)
    rights = permissions.supply_rights(request.user)
    buys = permissions.PURCHASE in rights
    status = order.status
    context = {
        "nav": NAV,
        "order": order,
        "lines": list(order.lines.all()),
        "receipts": list(order.receipts.all()),
        "bills": list(order.bills.all()),
        "returns": list(order.returns.all()),
        "can_edit": buys and status == PurchaseOrder.Status.DRAFT,
        "can_confirm": buys and status == PurchaseOrder.Status.DRAFT,
        "can_cancel": buys
        and status in (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CONFIRMED)
        and not order.receipts.all(),
        "can_close": buys and status in purchasing.RECEIVABLE_STATUSES,
        "can_receive": bool(rights & {permissions.PURCHASE, permissions.STOCK})
        and status in purchasing.RECEIVABLE_STATUSES,
        "can_bill": buys and status in purchasing.BILLABLE_STATUSES and bool(order.receipts.all()),
        "can_return": buys and bool(order.receipts.all()),
    }
    return sc_render(request, "supply_chain/purchasing/order_detail.html", context)


_ACTIONS = {
    "confirm": (
        purchasing.purchase_order_confirm,
        (PurchaseOrder.Status.DRAFT,),
    ),
    "cancel": (
        purchasing.purchase_order_cancel,
        (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CONFIRMED),
    ),
    "close": (
        purchasing.purchase_order_close,
        purchasing.RECEIVABLE_STATUSES,
    ),
}


def _order_action(request: HttpRequest, purchase_order_id: int, action: str) -> HttpResponseBase:
    """GET asks for confirmation; POST does it."""
    change, allowed = _ACTIONS[action]
    order = purchasing.purchase_order_get(actor=request.user, purchase_order_id=purchase_order_id)
    permissions.require(request.user, permissions.PURCHASE)
    if request.method == "POST":
        with reported(request) as outcome:
            change(actor=request.user, order=order.pk)
        if outcome.ok:
            done = {
                "confirm": _("Purchase order %(number)s is confirmed; goods can now be received against it."),
                "cancel": _("Purchase order %(number)s is cancelled."),
                "close": _("Purchase order %(number)s is closed; nothing more is expected on it."),
            }
            messages.success(request, done[action] % {"number": order.number})
        return redirect("supply_chain:purchase_order_detail", order.pk)
    if order.status not in allowed:
        messages.error(
            request,
            _("Purchase order %(number)s is %(status)s; this cannot be done now.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return redirect("supply_chain:purchase_order_detail", order.pk)
    return sc_render(
        request, "supply_chain/purchasing/order_action.html", {"nav": NAV, "order": order, "action": action}
    )


@sc_page
@require_http_methods(["GET", "POST"])
def purchase_order_confirm(request: HttpRequest, purchase_order_id: int) -> HttpResponseBase:
    return _order_action(request, purchase_order_id, "confirm")


@sc_page
@require_http_methods(["GET", "POST"])
def purchase_order_cancel(request: HttpRequest, purchase_order_id: int) -> HttpResponseBase:
    return _order_action(request, purchase_order_id, "cancel")


@sc_page
@require_http_methods(["GET", "POST"])
def purchase_order_close(request: HttpRequest, purchase_order_id: int) -> HttpResponseBase:
    return _order_action(request, purchase_order_id, "close")


# --- receipts, bills, returns ----------------------------------------------------------------


def _per_line_errors(errors: dict[str, list[str]], keys: list[int], fields: tuple[str, ...]) -> dict[int, list[str]]:
    """Service errors name the n-th line sent; the page shows them on the row they came from."""
    shown: dict[int, list[str]] = {}
    for number, key in enumerate(keys, start=1):
        for field in (*fields, "line", "order_line", "receipt_line"):
            shown.setdefault(key, []).extend(errors.get(f"lines.{number}.{field}", []))
    return shown


def _other_errors(errors: dict[str, list[str]]) -> list[str]:
    return [] if any(key.startswith("lines.") for key in errors) else errors.get("lines", [])


@sc_page
@require_http_methods(["GET", "POST"])
def receipt_new(request: HttpRequest, purchase_order_id: int) -> HttpResponseBase:
    """Goods received: each line prefilled with what is still expected."""
    order = purchasing.purchase_order_get(actor=request.user, purchase_order_id=purchase_order_id)
    permissions.require(request.user, permissions.PURCHASE, permissions.STOCK)
    lines = list(order.lines.all())
    values = {"received_on": timezone.localdate().isoformat(), "note": ""}
    typed = {line.pk: {"quantity": _text(purchasing.receivable_quantity(line)), "lot": ""} for line in lines}
    errors: dict[str, list[str]] = {}
    line_errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {field: (request.POST.get(field) or "").strip() for field in values}
        typed = {
            line.pk: {
                "quantity": (request.POST.get(f"line-{line.pk}-quantity") or "").strip(),
                "lot": (request.POST.get(f"line-{line.pk}-lot") or "").strip(),
            }
            for line in lines
        }
        sent = [pk for pk, row in typed.items() if row["quantity"] not in ("", "0")]
        if not sent:
            errors = {"lines": [_("Enter the quantity received on at least one line.")]}
        else:
            receipt = None
            with reported(request) as outcome:
                receipt = purchasing.receipt_create(
                    actor=request.user,
                    order=order.pk,
                    day=values["received_on"],
                    note=values["note"],
                    lines=[(pk, typed[pk]["quantity"], typed[pk]["lot"]) for pk in sent],
                )
            if outcome.ok and receipt is not None:
                messages.success(request, _("Receipt %(number)s is booked and posted.") % {"number": receipt.number})
                return redirect("supply_chain:receipt_detail", receipt.pk)
            errors = _errors(outcome)
            line_errors = _per_line_errors(errors, sent, ("quantity", "lot"))
        status = 400
    rows = [
        {
            "line": line,
            "left": purchasing.receivable_quantity(line),
            **typed[line.pk],
            "errors": line_errors.get(line.pk, []),
        }
        for line in lines
    ]
    context = {"nav": NAV, "order": order, "values": values, "rows": rows, "errors": errors}
    context["form_errors"] = _other_errors(errors)
    return sc_render(request, "supply_chain/purchasing/receipt_form.html", context, status=status)


@sc_page
def receipt_detail(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = purchasing.receipt_get(actor=request.user, receipt_id=receipt_id)
    return sc_render(
        request,
        "supply_chain/purchasing/receipt_detail.html",
        {"nav": NAV, "receipt": receipt, "lines": list(receipt.lines.all())},
    )


@sc_page
@require_http_methods(["GET", "POST"])
def bill_new(request: HttpRequest, purchase_order_id: int) -> HttpResponseBase:
    """The supplier's bill: each line prefilled with what was received and not yet billed, at
    the order price; the match is checked when it is saved."""
    order = purchasing.purchase_order_get(actor=request.user, purchase_order_id=purchase_order_id)
    permissions.require(request.user, permissions.PURCHASE)
    lines = list(order.lines.all())
    values = {"billed_on": timezone.localdate().isoformat(), "supplier_reference": "", "note": ""}
    typed = {
        line.pk: {"quantity": _text(purchasing.billable_quantity(line)), "unit_price": _text(line.unit_price)}
        for line in lines
    }
    errors: dict[str, list[str]] = {}
    line_errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {field: (request.POST.get(field) or "").strip() for field in values}
        typed = {
            line.pk: {
                "quantity": (request.POST.get(f"line-{line.pk}-quantity") or "").strip(),
                "unit_price": (request.POST.get(f"line-{line.pk}-unit_price") or "").strip(),
            }
            for line in lines
        }
        sent = [pk for pk, row in typed.items() if row["quantity"] not in ("", "0")]
        if not sent:
            errors = {"lines": [_("Enter the quantity billed on at least one line.")]}
        else:
            bill = None
            with reported(request) as outcome:
                bill = purchasing.supplier_bill_create(
                    actor=request.user,
                    order=order.pk,
                    day=values["billed_on"],
                    supplier_reference=values["supplier_reference"],
                    note=values["note"],
                    lines=[(pk, typed[pk]["quantity"], typed[pk]["unit_price"]) for pk in sent],
                )
            if outcome.ok and bill is not None:
                if bill.match == "matched":
                    messages.success(
                        request, _("Bill %(number)s matches the order and the receipts.") % {"number": bill.number}
                    )
                else:
                    messages.warning(
                        request,
                        _("Bill %(number)s does not match; check the reasons before paying.") % {"number": bill.number},
                    )
                return redirect("supply_chain:bill_detail", bill.pk)
            errors = _errors(outcome)
            line_errors = _per_line_errors(errors, sent, ("quantity", "unit_price"))
        status = 400
    rows = [
        {
            "line": line,
            "billable": purchasing.billable_quantity(line),
            **typed[line.pk],
            "errors": line_errors.get(line.pk, []),
        }
        for line in lines
    ]
    context = {"nav": NAV, "order": order, "values": values, "rows": rows, "errors": errors}
    context["form_errors"] = _other_errors(errors)
    return sc_render(request, "supply_chain/purchasing/bill_form.html", context, status=status)


@sc_page
def bill_detail(request: HttpRequest, bill_id: int) -> HttpResponse:
    bill = purchasing.supplier_bill_get(actor=request.user, bill_id=bill_id)
    return sc_render(
        request,
        "supply_chain/purchasing/bill_detail.html",
        {"nav": NAV, "bill": bill, "lines": list(bill.lines.all())},
    )


@sc_page
@require_http_methods(["GET", "POST"])
def purchase_return_new(request: HttpRequest, purchase_order_id: int) -> HttpResponseBase:
    order = purchasing.purchase_order_get(actor=request.user, purchase_order_id=purchase_order_id)
    permissions.require(request.user, permissions.PURCHASE)
    lines = purchasing.returnable_lines(order)
    values = {"returned_on": timezone.localdate().isoformat(), "reason": "", "note": ""}
    typed = {line.pk: "" for line in lines}
    errors: dict[str, list[str]] = {}
    line_errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {field: (request.POST.get(field) or "").strip() for field in values}
        typed = {line.pk: (request.POST.get(f"line-{line.pk}-quantity") or "").strip() for line in lines}
        sent = [pk for pk, quantity in typed.items() if quantity not in ("", "0")]
        if not sent:
            errors = {"lines": [_("Enter the quantity going back on at least one line.")]}
        else:
            purchase_return = None
            with reported(request) as outcome:
                purchase_return = purchasing.purchase_return_create(
                    actor=request.user,
                    order=order.pk,
                    day=values["returned_on"],
                    reason=values["reason"],
                    note=values["note"],
                    lines=[(pk, typed[pk]) for pk in sent],
                )
            if outcome.ok and purchase_return is not None:
                messages.success(
                    request, _("Return %(number)s is booked and posted.") % {"number": purchase_return.number}
                )
                return redirect("supply_chain:purchase_return_detail", purchase_return.pk)
            errors = _errors(outcome)
            line_errors = _per_line_errors(errors, sent, ("quantity",))
        status = 400
    rows = [
        {
            "line": line,
            "left": line.quantity - line.returned_quantity,
            "quantity": typed[line.pk],
            "errors": line_errors.get(line.pk, []),
        }
        for line in lines
    ]
    context = {"nav": NAV, "order": order, "values": values, "rows": rows, "errors": errors}
    context["form_errors"] = _other_errors(errors)
    return sc_render(request, "supply_chain/purchasing/return_form.html", context, status=status)


@sc_page
def purchase_return_detail(request: HttpRequest, purchase_return_id: int) -> HttpResponse:
    found = purchasing.purchase_return_get(actor=request.user, purchase_return_id=purchase_return_id)
    return sc_render(
        request,
        "supply_chain/purchasing/return_detail.html",
        {"nav": NAV, "purchase_return": found, "lines": list(found.lines.all())},
    )


# --- replenishment ---------------------------------------------------------------------------


@sc_page
@require_http_methods(["GET", "POST"])
def replenishment_page(request: HttpRequest) -> HttpResponseBase:
    """Suggestions grouped by supplier; the ticked suppliers become draft purchase orders."""
    errors: dict[str, list[str]] = {}
    status = 200
    chosen: list[str] = []
    warehouse = ""
    if request.method == "POST":
        chosen = request.POST.getlist("supplier")
        warehouse = (request.POST.get("warehouse") or "").strip()
        orders: list[PurchaseOrder] = []
        with reported(request) as outcome:
            orders = replenishment.replenishment_create_orders(
                actor=request.user, supplier_ids=chosen, warehouse=warehouse
            )
        if outcome.ok:
            messages.success(
                request,
                _("Draft purchase orders made: %(numbers)s. Check them and confirm.")
                % {"numbers": ", ".join(order.number for order in orders)},
            )
            return redirect("supply_chain:purchase_order_list")
        errors, status = _errors(outcome), 400
    context = {
        "nav": NAV,
        "groups": replenishment.suggestions(actor=request.user),
        "warehouses": list(purchasing.warehouse_choices()[:MAX_CHOICES]),
        "chosen": chosen,
        "warehouse": warehouse,
        "errors": errors,
        "can_order": permissions.can(request.user, permissions.PURCHASE),
    }
    return sc_render(request, "supply_chain/purchasing/replenishment.html", context, status=status)
