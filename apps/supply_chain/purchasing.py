"""Purchasing (采购): purchase orders, receipts against them, supplier bills matched three ways
(order, receipt, bill) and returns to suppliers.

Every write checks all its input before it touches the database and runs in one transaction:
bad input, a refusal by the stock ledger or by finance leaves nothing behind. Quantities on
order, receipt, bill and return lines are in the order line's unit; stock moves are in the
product's base unit (``line.factor`` base units per line unit), costed per base unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.finance import interface as finance
from core.errors import Conflict, NotFound, ValidationFailed

from . import permissions, postings
from .catalogue import default_location
from .ledger import ZERO, MoveInput, moves_record, settings_row
from .models import (
    Lot,
    Partner,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    Receipt,
    ReceiptLine,
    StockLevel,
    StockMove,
    SupplierBill,
    SupplierBillLine,
    Warehouse,
)
from .numbering import next_number
from .order_input import (
    MAX_PRICE,
    VAT_RATES,
    base_quantity,
    day_value,
    decimal_value,
    line_amounts,
    line_error,
    lines_list,
    positive_quantity,
    rate_label,
    text_value,
    to_id,
    warehouse_value,
    write_lines,
)
from .order_input import order_lines as check_order_lines

__all__ = ["VAT_RATES", "rate_label", "to_id"]


def _purchase_price(product: Product, _quantity: Decimal) -> Decimal:
    return product.purchase_price


HUNDRED = Decimal(100)
COST_PLACES = Decimal("0.000001")
# 增值税 rates a purchase line may carry (general and small-scale taxpayers' suppliers).
MAX_NOTE = 300
OPEN_STATUSES = (PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.PARTIAL)
RECEIVABLE_STATUSES = (*OPEN_STATUSES, PurchaseOrder.Status.RECEIVED)
BILLABLE_STATUSES = (*RECEIVABLE_STATUSES, PurchaseOrder.Status.CLOSED)


@dataclass(frozen=True)
class OrderLineInput:
    """One order line as typed; blank unit, price or rate take the product's defaults."""

    product: Any
    quantity: Any
    unit: Any = ""
    unit_price: Any = None
    vat_rate: Any = None


# --- checking input --------------------------------------------------------------------------


def _supplier(value: Any, errors: dict[str, list[str]]) -> Partner | None:
    pk = to_id(value)
    supplier = Partner.objects.filter(pk=pk, is_supplier=True, is_active=True).first() if pk is not None else None
    if supplier is None:
        errors["supplier"] = [_("Choose an active supplier.")]
    return supplier


# --- purchase orders -------------------------------------------------------------------------


@transaction.atomic
def purchase_order_create(
    *,
    actor: Any,
    supplier: Any,
    warehouse: Any,
    lines: Sequence[OrderLineInput | Mapping[str, Any]],
    ordered_on: Any = None,
    expected_on: Any = None,
    note: Any = "",
) -> PurchaseOrder:
    """A draft purchase order (PO-<year>-<n>); totals are the sums of the lines rounded to the fen."""
    permissions.require(actor, permissions.PURCHASE)
    errors: dict[str, list[str]] = {}
    chosen_supplier = _supplier(supplier, errors)
    chosen_warehouse = warehouse_value(warehouse, errors)
    day = day_value(ordered_on if ordered_on not in (None, "") else timezone.localdate(), "ordered_on", errors)
    expected = day_value(expected_on, "expected_on", errors, required=False)
    if day and expected and expected < day:
        errors["expected_on"] = [_("The expected date cannot be before the order date.")]
    clean_note = text_value(note, "note", MAX_NOTE, errors)
    clean = check_order_lines(lines, errors, default_price=_purchase_price)
    if errors or chosen_supplier is None or chosen_warehouse is None or day is None:
        raise ValidationFailed(_("The purchase order could not be saved."), fields=errors)
    order = PurchaseOrder(
        number=next_number("purchase_order", day),
        supplier=chosen_supplier,
        warehouse=chosen_warehouse,
        ordered_on=day,
        expected_on=expected,
        note=clean_note,
        created_by=actor,
    )
    order.save()
    write_lines(order, PurchaseOrderLine, clean)
    order.save(update_fields=["untaxed", "tax", "total"])
    audit_record(
        action="supply_chain.purchase_order_created",
        actor=actor,
        obj=order,
        number=order.number,
        total=str(order.total),
    )
    return order


_KEEP: Any = object()


@transaction.atomic
def purchase_order_update(
    *,
    actor: Any,
    order: Any,
    supplier: Any = _KEEP,
    warehouse: Any = _KEEP,
    ordered_on: Any = _KEEP,
    expected_on: Any = _KEEP,
    note: Any = _KEEP,
    lines: Any = _KEEP,
) -> PurchaseOrder:
    """Change a draft (what is not given stays); lines, when given, replace all the lines."""
    permissions.require(actor, permissions.PURCHASE)
    current = _order_for_update(order)
    if current.status != PurchaseOrder.Status.DRAFT:
        raise Conflict(
            _("Purchase order %(number)s is %(status)s; only a draft can be changed.")
            % {"number": current.number, "status": current.get_status_display()},
            code="purchase_order_not_draft",
        )
    errors: dict[str, list[str]] = {}
    new_supplier = current.supplier if supplier is _KEEP else _supplier(supplier, errors)
    new_warehouse = current.warehouse if warehouse is _KEEP else warehouse_value(warehouse, errors)
    day = current.ordered_on if ordered_on is _KEEP else day_value(ordered_on, "ordered_on", errors)
    expected = (
        current.expected_on if expected_on is _KEEP else day_value(expected_on, "expected_on", errors, required=False)
    )
    if day and expected and expected < day:
        errors["expected_on"] = [_("The expected date cannot be before the order date.")]
    clean_note = current.note if note is _KEEP else text_value(note, "note", MAX_NOTE, errors)
    clean = None if lines is _KEEP else check_order_lines(lines, errors, default_price=_purchase_price)
    if errors or new_supplier is None or new_warehouse is None or day is None:
        raise ValidationFailed(_("The purchase order could not be saved."), fields=errors)
    before = str(current.total)
    current.supplier, current.warehouse, current.ordered_on = new_supplier, new_warehouse, day
    current.expected_on, current.note = expected, clean_note
    if clean is not None:
        current.lines.all().delete()
        write_lines(current, PurchaseOrderLine, clean)
    current.save()
    audit_record(
        action="supply_chain.purchase_order_updated", actor=actor, obj=current, total=[before, str(current.total)]
    )
    return current


def _order_for_update(order: Any) -> PurchaseOrder:
    pk = to_id(order)
    found = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "warehouse")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound(_("No such purchase order."))
    return found


def _status_conflict(order: PurchaseOrder, message: str) -> Conflict:
    return Conflict(
        message % {"number": order.number, "status": order.get_status_display()}, code="purchase_order_status"
    )


@transaction.atomic
def purchase_order_confirm(*, actor: Any, order: Any) -> PurchaseOrder:
    """Draft → confirmed: sent to the supplier, goods may now be received against it."""
    permissions.require(actor, permissions.PURCHASE)
    current = _order_for_update(order)
    if current.status == PurchaseOrder.Status.CONFIRMED:
        return current  # a repeated click changes nothing
    if current.status != PurchaseOrder.Status.DRAFT:
        raise _status_conflict(current, _("Only a draft can be confirmed; purchase order %(number)s is %(status)s."))
    current.status = PurchaseOrder.Status.CONFIRMED
    current.save(update_fields=["status"])
    audit_record(action="supply_chain.purchase_order_confirmed", actor=actor, obj=current, number=current.number)
    return current


@transaction.atomic
def purchase_order_cancel(*, actor: Any, order: Any) -> PurchaseOrder:
    """A draft or confirmed order with nothing received is cancelled; once goods came, close it."""
    permissions.require(actor, permissions.PURCHASE)
    current = _order_for_update(order)
    if current.status == PurchaseOrder.Status.CANCELLED:
        return current
    if current.status not in (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CONFIRMED) or current.receipts.exists():
        raise _status_conflict(
            current,
            _(
                "Purchase order %(number)s is %(status)s and has receipts; it cannot be cancelled. "
                "Close it instead, or return the goods first."
            )
            if current.receipts.exists()
            else _("Purchase order %(number)s is %(status)s; only a draft or confirmed order can be cancelled."),
        )
    before = current.status
    current.status = PurchaseOrder.Status.CANCELLED
    current.save(update_fields=["status"])
    audit_record(
        action="supply_chain.purchase_order_cancelled", actor=actor, obj=current, status=[before, current.status]
    )
    return current


@transaction.atomic
def purchase_order_close(*, actor: Any, order: Any) -> PurchaseOrder:
    """A confirmed or (partly) received order is closed: nothing more is expected of it."""
    permissions.require(actor, permissions.PURCHASE)
    current = _order_for_update(order)
    if current.status == PurchaseOrder.Status.CLOSED:
        return current
    if current.status not in RECEIVABLE_STATUSES:
        raise _status_conflict(
            current, _("Only a confirmed or received order can be closed; purchase order %(number)s is %(status)s.")
        )
    before = current.status
    current.status = PurchaseOrder.Status.CLOSED
    current.save(update_fields=["status"])
    audit_record(action="supply_chain.purchase_order_closed", actor=actor, obj=current, status=[before, current.status])
    return current


# --- receipts --------------------------------------------------------------------------------


def _remaining_status(order: PurchaseOrder) -> str:
    lines = list(order.lines.all())
    if all(line.received_quantity >= line.quantity for line in lines):
        return PurchaseOrder.Status.RECEIVED
    return PurchaseOrder.Status.PARTIAL


def _serial_in_stock(product: Product, number: str) -> bool:
    # The product's row lock makes two receipts of the same serial on different orders wait for
    # each other, so the second one sees the first one's stock.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    return StockLevel.objects.filter(product=product, lot__number=number, quantity__gt=0).exists()


@transaction.atomic
def receipt_create(
    *,
    actor: Any,
    order: Any,
    day: Any,
    lines: Sequence[tuple[Any, Any, Any]],
    note: Any = "",
) -> Receipt:
    """Goods received against a confirmed order (partial receipts allowed, over-receipt only
    within the firm's tolerance), booked into the order's warehouse at the order's price and
    posted at once: Dr inventory / Cr goods received not invoiced."""
    permissions.require(actor, permissions.PURCHASE, permissions.STOCK)
    current = _order_for_update(order)
    if current.status not in RECEIVABLE_STATUSES:
        raise _status_conflict(
            current, _("Goods are received only against a confirmed order; purchase order %(number)s is %(status)s.")
        )
    errors: dict[str, list[str]] = {}
    received_on = day_value(day, "received_on", errors)
    if received_on and received_on < current.ordered_on:
        errors["received_on"] = [_("Goods cannot be received before the order date.")]
    clean_note = text_value(note, "note", MAX_NOTE, errors)
    order_lines = {line.pk: line for line in current.lines.select_related("product")}
    allowance = settings_row().over_receipt_percent
    rows = lines_list(lines, errors)
    clean: list[tuple[PurchaseOrderLine, Decimal, str]] = []
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    serials: set[tuple[int, str]] = set()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, (tuple, list)) or len(row) not in (2, 3):
            line_error(errors, number, "line", _("send the order line, the quantity and the lot number"))
            continue
        line = order_lines.get(to_id(row[0]) or 0)
        lot_number = str(row[2] or "").strip() if len(row) == 3 and row[2] is not None else ""
        if line is None:
            line_error(errors, number, "order_line", _("choose a line of this order"))
            continue
        quantity = positive_quantity(row[1])
        if isinstance(quantity, str):
            line_error(errors, number, "quantity", quantity)
            continue
        totals[line.pk] += quantity
        limit = line.quantity * (HUNDRED + allowance) / HUNDRED
        if line.received_quantity + totals[line.pk] > limit:
            left = max(limit - line.received_quantity, ZERO)
            line_error(
                errors,
                number,
                "quantity",
                _("at most %(left)s %(unit)s more can be received on this line (ordered %(ordered)s)")
                % {
                    "left": f"{left.normalize():f}",
                    "unit": line.unit,
                    "ordered": f"{line.quantity.normalize():f}",
                },
            )
            continue
        tracking = line.product.tracking
        if tracking != Product.Tracking.NONE and not lot_number:
            line_error(errors, number, "lot", _("this product is tracked: enter the lot or serial number"))
            continue
        if len(lot_number) > 60:
            line_error(errors, number, "lot", _("at most 60 characters"))
            continue
        if tracking == Product.Tracking.NONE:
            lot_number = ""
        if tracking == Product.Tracking.SERIAL:
            if base_quantity(quantity, line.factor) != 1:
                line_error(errors, number, "quantity", _("one serial number is one item: receive a quantity of 1"))
                continue
            if (line.product_id, lot_number) in serials or _serial_in_stock(line.product, lot_number):
                line_error(
                    errors, number, "lot", _("serial number %(number)s is already in stock") % {"number": lot_number}
                )
                continue
            serials.add((line.product_id, lot_number))
        clean.append((line, quantity, lot_number))
    if errors or received_on is None:
        raise ValidationFailed(_("The receipt could not be saved."), fields=errors)
    location = default_location(current.warehouse)
    receipt = Receipt.objects.create(
        number=next_number("receipt", received_on),
        order=current,
        received_on=received_on,
        note=clean_note,
        created_by=actor,
    )
    lots: dict[tuple[int, str], Lot] = {}
    for line, _received, lot_number in clean:
        if lot_number and (line.product_id, lot_number) not in lots:
            lots[(line.product_id, lot_number)], _created = Lot.objects.get_or_create(
                product=line.product, number=lot_number
            )
    recorded = moves_record(
        actor=actor,
        moves=[
            MoveInput(
                product_id=line.product_id,
                location_id=location.pk,
                quantity=base_quantity(quantity, line.factor),
                kind=StockMove.Kind.RECEIPT,
                moved_on=received_on,
                unit_cost=(line.unit_price / line.factor).quantize(COST_PLACES, rounding=ROUND_HALF_UP),
                lot_id=lots[(line.product_id, lot_number)].pk if lot_number else None,
                document="receipt",
                document_id=receipt.pk,
                reference=receipt.number,
            )
            for line, quantity, lot_number in clean
        ],
    )
    ReceiptLine.objects.bulk_create(
        ReceiptLine(
            receipt=receipt,
            order_line=line,
            quantity=quantity,
            lot_id=move.lot_id,
            move=move,
        )
        for (line, quantity, _lot), move in zip(clean, recorded.moves, strict=True)
    )
    for line_pk, quantity in totals.items():
        line = order_lines[line_pk]
        line.received_quantity += quantity
        line.save(update_fields=["received_quantity"])
    receipt.value = sum((move.value for move in recorded.moves), ZERO)
    book = postings.accounts()
    receipt.voucher_id = postings.entry_post(
        document="receipt",
        document_id=receipt.pk,
        day=received_on,
        debit=book.inventory,
        credit=book.grni,
        amount=receipt.value,
        summary=_("Goods received %(receipt)s on %(order)s") % {"receipt": receipt.number, "order": current.number},
        partner=current.supplier.name,
    )
    receipt.save(update_fields=["value", "voucher_id"])
    postings.revaluations_post(recorded.revaluations, day=received_on)
    before = current.status
    current.status = _remaining_status(current)
    if current.status != before:
        current.save(update_fields=["status"])
    audit_record(
        action="supply_chain.receipt_created",
        actor=actor,
        obj=receipt,
        number=receipt.number,
        order=current.number,
        value=str(receipt.value),
    )
    return receipt


# --- supplier bills (three-way match) --------------------------------------------------------


def billable_quantity(line: PurchaseOrderLine) -> Decimal:
    """Received, not returned and not yet billed: what a supplier may bill on the line."""
    return max(line.received_quantity - line.returned_quantity - line.billed_quantity, ZERO)


def _mismatches(
    line: PurchaseOrderLine, number: int, quantity: Decimal, price: Decimal, billable: Decimal, tolerance: Decimal
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if quantity > billable:
        found.append(
            {
                "line": number,
                "code": "quantity",
                "detail": _(
                    "%(product)s: billed %(billed)s %(unit)s, but only %(billable)s %(unit)s were received and not "
                    "yet billed."
                )
                % {
                    "product": line.product.name,
                    "billed": f"{quantity.normalize():f}",
                    "billable": f"{billable.normalize():f}",
                    "unit": line.unit,
                },
            }
        )
    if abs(price - line.unit_price) > line.unit_price * tolerance / HUNDRED:
        found.append(
            {
                "line": number,
                "code": "price",
                "detail": _(
                    "%(product)s: billed at %(billed)s, the order says %(ordered)s (tolerance %(tolerance)s%%)."
                )
                % {
                    "product": line.product.name,
                    "billed": f"{price:.4f}".rstrip("0").rstrip("."),
                    "ordered": f"{line.unit_price:.4f}".rstrip("0").rstrip("."),
                    "tolerance": f"{tolerance.normalize():f}",
                },
            }
        )
    return found


@transaction.atomic
def supplier_bill_create(
    *,
    actor: Any,
    order: Any,
    day: Any,
    supplier_reference: Any = "",
    lines: Sequence[tuple[Any, Any, Any]],
    note: Any = "",
) -> SupplierBill:
    """The supplier's bill matched against order and receipts (三单匹配): quantities beyond what
    was received and not yet billed, and prices beyond the firm's tolerance, are flagged; then
    the bill is drafted in finance, debiting goods received not invoiced."""
    permissions.require(actor, permissions.PURCHASE)
    current = _order_for_update(order)
    if current.status not in BILLABLE_STATUSES:
        raise _status_conflict(current, _("Only a confirmed order is billed; purchase order %(number)s is %(status)s."))
    errors: dict[str, list[str]] = {}
    billed_on = day_value(day, "billed_on", errors)
    reference = str(supplier_reference or "").strip()
    if len(reference) > 40:
        errors["supplier_reference"] = [_("At most %(limit)s characters.") % {"limit": 40}]
    clean_note = text_value(note, "note", MAX_NOTE, errors)
    order_lines = {line.pk: line for line in current.lines.select_related("product")}
    tolerance = settings_row().price_tolerance_percent
    rows = lines_list(lines, errors)
    clean: list[tuple[PurchaseOrderLine, Decimal, Decimal]] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, (tuple, list)) or len(row) != 3:
            line_error(errors, number, "line", _("send the order line, the quantity and the unit price"))
            continue
        line = order_lines.get(to_id(row[0]) or 0)
        if line is None:
            line_error(errors, number, "order_line", _("choose a line of this order"))
            continue
        quantity = positive_quantity(row[1])
        if isinstance(quantity, str):
            line_error(errors, number, "quantity", quantity)
        price = decimal_value(row[2], places=4)
        if isinstance(price, Decimal) and not ZERO <= price < MAX_PRICE:
            price = _("the unit price cannot be negative") if price < 0 else _("the unit price is too large")
        if isinstance(price, str):
            line_error(errors, number, "unit_price", price)
        if isinstance(quantity, Decimal) and isinstance(price, Decimal):
            clean.append((line, quantity, price))
    if errors or billed_on is None:
        raise ValidationFailed(_("The supplier bill could not be saved."), fields=errors)
    mismatches: list[dict[str, Any]] = []
    billable = {pk: billable_quantity(line) for pk, line in order_lines.items()}
    amounts = []
    for number, (line, quantity, price) in enumerate(clean, start=1):
        mismatches += _mismatches(line, number, quantity, price, billable[line.pk], tolerance)
        billable[line.pk] = max(billable[line.pk] - quantity, ZERO)
        amounts.append(line_amounts(quantity, price, line.vat_rate))
    bill = SupplierBill.objects.create(
        number=next_number("bill", billed_on),
        order=current,
        supplier_reference=reference,
        billed_on=billed_on,
        match=SupplierBill.Match.MISMATCH if mismatches else SupplierBill.Match.MATCHED,
        mismatches=mismatches,
        untaxed=sum((untaxed for untaxed, _tax in amounts), ZERO),
        tax=sum((tax for _untaxed, tax in amounts), ZERO),
        note=clean_note,
        created_by=actor,
    )
    bill.total = bill.untaxed + bill.tax
    SupplierBillLine.objects.bulk_create(
        SupplierBillLine(bill=bill, order_line=line, quantity=quantity, unit_price=price, untaxed=untaxed, tax=tax)
        for (line, quantity, price), (untaxed, tax) in zip(clean, amounts, strict=True)
    )
    for line, quantity, _price in clean:
        line.billed_quantity += quantity
        line.save(update_fields=["billed_quantity"])
    grni = postings.accounts().grni
    invoice = finance.purchase_invoice_draft(
        actor=actor,
        partner_name=current.supplier.name,
        partner_tax_id=current.supplier.tax_id,
        day=billed_on,
        reference=bill.number,
        lines=[
            (f"{line.product.sku} {line.product.name}", grni, quantity, price, line.vat_rate)
            for line, quantity, price in clean
        ],
    )
    bill.finance_invoice_id = invoice.pk
    bill.save(update_fields=["total", "finance_invoice_id"])
    audit_record(
        action="supply_chain.supplier_bill_created",
        actor=actor,
        obj=bill,
        number=bill.number,
        order=current.number,
        match=bill.match,
        total=str(bill.total),
    )
    return bill


# --- returns to suppliers --------------------------------------------------------------------


@transaction.atomic
def purchase_return_create(
    *,
    actor: Any,
    order: Any,
    day: Any,
    reason: Any,
    lines: Sequence[tuple[Any, Any]],
    note: Any = "",
) -> PurchaseReturn:
    """Received goods sent back at what they cost when received, and the receipt's entry
    reversed: Dr goods received not invoiced / Cr inventory."""
    permissions.require(actor, permissions.PURCHASE)
    current = _order_for_update(order)
    errors: dict[str, list[str]] = {}
    returned_on = day_value(day, "returned_on", errors)
    clean_reason = str(reason or "").strip() if isinstance(reason, str) else ""
    if not clean_reason or len(clean_reason) > 200:
        errors["reason"] = [_("Say why the goods go back (at most 200 characters).")]
    clean_note = text_value(note, "note", MAX_NOTE, errors)
    receipt_lines = {
        line.pk: line
        for line in ReceiptLine.objects.select_for_update(of=("self",))
        .select_related("order_line__product", "move", "receipt")
        .filter(receipt__order=current)
    }
    rows = lines_list(lines, errors)
    clean: list[tuple[ReceiptLine, Decimal]] = []
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, (tuple, list)) or len(row) != 2:
            line_error(errors, number, "line", _("send the receipt line and the quantity"))
            continue
        line = receipt_lines.get(to_id(row[0]) or 0)
        if line is None:
            line_error(errors, number, "receipt_line", _("choose a received line of this order"))
            continue
        quantity = positive_quantity(row[1])
        if isinstance(quantity, str):
            line_error(errors, number, "quantity", quantity)
            continue
        totals[line.pk] += quantity
        left = line.quantity - line.returned_quantity
        if totals[line.pk] > left:
            line_error(
                errors,
                number,
                "quantity",
                _("at most %(left)s %(unit)s of this receipt line can still be returned")
                % {"left": f"{left.normalize():f}", "unit": line.order_line.unit},
            )
            continue
        if returned_on and returned_on < line.receipt.received_on:
            line_error(errors, number, "receipt_line", _("goods cannot go back before they were received"))
            continue
        clean.append((line, quantity))
    if errors or returned_on is None:
        raise ValidationFailed(_("The return could not be saved."), fields=errors)
    purchase_return = PurchaseReturn.objects.create(
        number=next_number("purchase_return", returned_on),
        order=current,
        returned_on=returned_on,
        reason=clean_reason,
        note=clean_note,
        created_by=actor,
    )
    recorded = moves_record(
        actor=actor,
        moves=[
            MoveInput(
                product_id=line.move.product_id,
                location_id=line.move.location_id,
                quantity=-base_quantity(quantity, line.order_line.factor),
                kind=StockMove.Kind.PURCHASE_RETURN,
                moved_on=returned_on,
                unit_cost=line.move.unit_cost,
                lot_id=line.lot_id,
                origin_id=line.move_id,
                document="p_return",
                document_id=purchase_return.pk,
                reference=purchase_return.number,
            )
            for line, quantity in clean
        ],
    )
    PurchaseReturnLine.objects.bulk_create(
        PurchaseReturnLine(purchase_return=purchase_return, receipt_line=line, quantity=quantity, move=move)
        for (line, quantity), move in zip(clean, recorded.moves, strict=True)
    )
    for line_pk, quantity in totals.items():
        line = receipt_lines[line_pk]
        line.returned_quantity += quantity
        line.save(update_fields=["returned_quantity"])
        PurchaseOrderLine.objects.filter(pk=line.order_line_id).update(
            returned_quantity=F("returned_quantity") + quantity
        )
    purchase_return.value = -sum((move.value for move in recorded.moves), ZERO)
    book = postings.accounts()
    purchase_return.voucher_id = postings.entry_post(
        document="p_return",
        document_id=purchase_return.pk,
        day=returned_on,
        debit=book.grni,
        credit=book.inventory,
        amount=purchase_return.value,
        summary=_("Goods returned %(number)s on %(order)s")
        % {"number": purchase_return.number, "order": current.number},
        partner=current.supplier.name,
    )
    purchase_return.save(update_fields=["value", "voucher_id"])
    postings.revaluations_post(recorded.revaluations, day=returned_on)
    audit_record(
        action="supply_chain.purchase_return_created",
        actor=actor,
        obj=purchase_return,
        number=purchase_return.number,
        order=current.number,
        value=str(purchase_return.value),
    )
    return purchase_return


# --- reads -----------------------------------------------------------------------------------


def purchase_order_list(*, actor: Any, q: str = "", status: str = "") -> QuerySet[PurchaseOrder]:
    """Purchase orders, newest first; ``q`` searches the number, the supplier and the note."""
    permissions.require(actor, permissions.VIEW)
    orders = PurchaseOrder.objects.select_related("supplier", "warehouse")
    search = (q or "").strip()[:100]
    if search:
        orders = orders.filter(
            Q(number__icontains=search) | Q(supplier__name__icontains=search) | Q(note__icontains=search)
        )
    if status in PurchaseOrder.Status.values:
        orders = orders.filter(status=status)
    return orders


def purchase_order_get(*, actor: Any, purchase_order_id: Any) -> PurchaseOrder:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(purchase_order_id)
    order = (
        PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by")
        .prefetch_related("lines__product", "receipts", "bills", "returns")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if order is None:
        raise NotFound(_("No such purchase order."))
    return order


def receipt_get(*, actor: Any, receipt_id: Any) -> Receipt:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(receipt_id)
    receipt = (
        Receipt.objects.select_related("order__supplier", "order__warehouse", "created_by")
        .prefetch_related("lines__order_line__product", "lines__lot", "lines__move__location")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if receipt is None:
        raise NotFound(_("No such receipt."))
    return receipt


def supplier_bill_get(*, actor: Any, bill_id: Any) -> SupplierBill:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(bill_id)
    bill = (
        SupplierBill.objects.select_related("order__supplier", "created_by")
        .prefetch_related("lines__order_line__product")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if bill is None:
        raise NotFound(_("No such supplier bill."))
    return bill


def purchase_return_get(*, actor: Any, purchase_return_id: Any) -> PurchaseReturn:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(purchase_return_id)
    found = (
        PurchaseReturn.objects.select_related("order__supplier", "created_by")
        .prefetch_related("lines__receipt_line__order_line__product", "lines__receipt_line__receipt", "lines__move")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound(_("No such return to supplier."))
    return found


def receivable_quantity(line: PurchaseOrderLine) -> Decimal:
    """What is still expected on the line (without the over-receipt allowance)."""
    return max(line.quantity - line.received_quantity, ZERO)


def returnable_lines(order: PurchaseOrder) -> list[ReceiptLine]:
    """The order's receipt lines with something left to return, oldest first."""
    lines = (
        ReceiptLine.objects.select_related("receipt", "order_line__product", "lot")
        .filter(receipt__order=order)
        .order_by("receipt__received_on", "receipt_id", "id")
    )
    return [line for line in lines if line.quantity > line.returned_quantity]


def supplier_choices() -> QuerySet[Partner]:
    return Partner.objects.filter(is_supplier=True, is_active=True).order_by("name")


def warehouse_choices() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).order_by("code")


def product_choices() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("sku")
