"""Sales (销售): orders → deliveries (partial, the rest stays open as the backorder) → customer
invoices drafted in finance → customer returns.

Confirming an order reserves what the warehouse can promise (available-to-promise: on hand less
what other confirmed orders hold). Reservations are a promise, not the guard: a delivery goes
through ``ledger.moves_record``, which locks the stock levels and refuses to go below zero, so
two deliveries of the last units at once cannot both succeed. Quantities on order, delivery,
invoice and return lines are in the order line's unit; moves and reservations in base units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed
from core.locks import advisory_key

from . import ledger, numbering, permissions, postings
from .catalogue import price_for
from .ledger import ZERO, MoveInput, money
from .models import (
    CustomerInvoice,
    CustomerInvoiceLine,
    Delivery,
    DeliveryLine,
    Location,
    Lot,
    Partner,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    StockLevel,
    StockMove,
    Warehouse,
)
from .order_input import (
    QUANTITY_PLACES,
    VAT_RATES,
    OrderLine,
    base_quantity,
    day_value,
    positive_quantity,
    rate_label,
    text_value,
    to_id,
    warehouse_value,
    write_lines,
)
from .order_input import order_lines as check_order_lines

__all__ = ["VAT_RATES", "base_quantity", "rate_label"]

MAX_NOTE = 300
MAX_REASON = 200
# Orders that hold stock: their lines' reservations count against others.
HOLDING = (SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIAL)
# Purchase orders whose open quantities are on their way.
INCOMING = (PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.PARTIAL)


@dataclass(frozen=True)
class SalesLineInput:
    """One order line as typed: ``unit`` blank means the product's base unit; ``unit_price`` and
    ``vat_rate`` None (or blank) mean the customer's price list price and the product's rate."""

    product: Any
    quantity: Any
    unit: Any = ""
    unit_price: Any = None
    vat_rate: Any = None


@dataclass(frozen=True)
class LineAvailability:
    line: SalesOrderLine
    on_hand: Decimal
    reserved_by_others: Decimal
    available: Decimal
    incoming: Decimal

    @property
    def left(self) -> Decimal:
        """Still to deliver, in the line's unit (the backorder once something went)."""
        return max(ZERO, self.line.quantity - self.line.delivered_quantity)


# --- checking input --------------------------------------------------------------------------


def _price_lines(lines: Any, customer: Partner | None, errors: dict[str, list[str]]) -> list[OrderLine]:
    """Every line checked and priced: a line without a price takes the customer's price list
    (the tier for its quantity), else the product's sale price."""

    def list_price(product: Product, quantity: Decimal) -> Decimal:
        return price_for(partner=customer, product=product, quantity=quantity)

    return check_order_lines(lines, errors, default_price=list_price)


def _customer(value: Any, errors: dict[str, list[str]]) -> Partner | None:
    pk = to_id(value)
    customer = Partner.objects.filter(pk=pk, is_customer=True, is_active=True).first() if pk is not None else None
    if customer is None:
        errors["customer"] = [_("Choose an active customer.")]
    return customer


# --- orders ----------------------------------------------------------------------------------


@transaction.atomic
def sales_order_create(
    *,
    actor: Any,
    customer_id: Any,
    warehouse_id: Any,
    lines: Sequence[SalesLineInput | Mapping[str, Any]],
    ordered_on: Any = None,
    promised_on: Any = None,
    note: Any = "",
    crm_opportunity_id: int | None = None,
) -> SalesOrder:
    """A draft sales order numbered SO-<year>-<n>; prices default to the customer's price list."""
    permissions.require(actor, permissions.SELL)
    errors: dict[str, list[str]] = {}
    customer = _customer(customer_id, errors)
    warehouse = warehouse_value(warehouse_id, errors)
    day = day_value(ordered_on, "ordered_on", errors, required=False) or timezone.localdate()
    promised = day_value(promised_on, "promised_on", errors, required=False)
    if promised is not None and promised < day:
        errors["promised_on"] = [_("The promised date cannot be before the order date.")]
    clean_note = text_value(note, "note", MAX_NOTE, errors)
    priced = _price_lines(lines, customer, errors)
    if errors or customer is None or warehouse is None:
        raise ValidationFailed(_("The sales order could not be saved."), fields=errors)
    order = SalesOrder(
        number=numbering.next_number("sales_order", day),
        customer=customer,
        warehouse=warehouse,
        ordered_on=day,
        promised_on=promised,
        note=clean_note,
        crm_opportunity_id=crm_opportunity_id,
        created_by=actor,
    )
    order.save()
    write_lines(order, SalesOrderLine, priced)
    order.save(update_fields=["untaxed", "tax", "total"])
    audit_record(action="supply_chain.sales_order_created", actor=actor, obj=order, total=str(order.total))
    return order


_KEEP: Any = object()


def _order_for_update(order_id: Any) -> SalesOrder:
    pk = to_id(order_id)
    order = (
        SalesOrder.objects.select_for_update(of=("self",)).select_related("customer", "warehouse").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if order is None:
        raise NotFound(_("No such sales order."))
    return order


@transaction.atomic
def sales_order_update(
    *,
    actor: Any,
    sales_order_id: Any,
    customer_id: Any = _KEEP,
    warehouse_id: Any = _KEEP,
    ordered_on: Any = _KEEP,
    promised_on: Any = _KEEP,
    note: Any = _KEEP,
    lines: Any = _KEEP,
) -> SalesOrder:
    """Change a draft (what is not given stays); lines, when given, replace the draft's lines."""
    permissions.require(actor, permissions.SELL)
    order = _order_for_update(sales_order_id)
    if order.status != SalesOrder.Status.DRAFT:
        raise Conflict(
            _("Sales order %(number)s is %(status)s; only a draft changes.")
            % {"number": order.number, "status": order.get_status_display()},
            code="sales_order_not_draft",
        )
    errors: dict[str, list[str]] = {}
    customer = order.customer if customer_id is _KEEP else _customer(customer_id, errors)
    warehouse = order.warehouse if warehouse_id is _KEEP else warehouse_value(warehouse_id, errors)
    day = order.ordered_on if ordered_on is _KEEP else day_value(ordered_on, "ordered_on", errors, required=True)
    promised = (
        order.promised_on if promised_on is _KEEP else day_value(promised_on, "promised_on", errors, required=False)
    )
    if day is not None and promised is not None and promised < day:
        errors["promised_on"] = [_("The promised date cannot be before the order date.")]
    clean_note = order.note if note is _KEEP else text_value(note, "note", MAX_NOTE, errors)
    priced = None if lines is _KEEP else _price_lines(lines, customer, errors)
    if errors or customer is None or warehouse is None or day is None:
        raise ValidationFailed(_("The sales order could not be saved."), fields=errors)
    before = str(order.total)
    order.customer, order.warehouse, order.ordered_on, order.promised_on, order.note = (
        customer,
        warehouse,
        day,
        promised,
        clean_note,
    )
    if priced is not None:
        order.lines.all().delete()
        write_lines(order, SalesOrderLine, priced)
    order.save()
    audit_record(action="supply_chain.sales_order_updated", actor=actor, obj=order, total=[before, str(order.total)])
    return order


def _lock_stock(pairs: set[tuple[int, int]]) -> None:
    """Reservations of one product in one warehouse are taken one at a time (so two orders
    confirmed at once do not both count the same units as free)."""
    schema = getattr(connection, "schema_name", "public")
    with connection.cursor() as cursor:
        for product_id, warehouse_id in sorted(pairs):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [advisory_key(f"sc.reserve:{schema}:{product_id}:{warehouse_id}")]
            )


def _on_hand(warehouse_id: int, product_ids: set[int]) -> dict[int, Decimal]:
    rows = (
        StockLevel.objects.filter(warehouse_id=warehouse_id, product_id__in=product_ids)
        .values("product_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["product_id"]: row["total"] or ZERO for row in rows}


def _reserved(warehouse_id: int, product_ids: set[int], *, excluding: int | None) -> dict[int, Decimal]:
    lines = SalesOrderLine.objects.filter(
        order__warehouse_id=warehouse_id, order__status__in=HOLDING, product_id__in=product_ids, reserved_quantity__gt=0
    )
    if excluding is not None:
        lines = lines.exclude(order_id=excluding)
    rows = lines.values("product_id").annotate(total=Sum("reserved_quantity"))
    return {row["product_id"]: row["total"] or ZERO for row in rows}


def _incoming(warehouse_id: int, product_ids: set[int]) -> dict[int, Decimal]:
    open_quantity = ExpressionWrapper(
        (F("quantity") - F("received_quantity")) * F("factor"),
        output_field=DecimalField(max_digits=30, decimal_places=10),
    )
    rows = (
        PurchaseOrderLine.objects.filter(
            order__warehouse_id=warehouse_id,
            order__status__in=INCOMING,
            product_id__in=product_ids,
            quantity__gt=F("received_quantity"),
        )
        .values("product_id")
        .annotate(total=Sum(open_quantity))
    )
    return {row["product_id"]: (row["total"] or ZERO).quantize(QUANTITY_PLACES) for row in rows}


def availability(order: SalesOrder) -> list[LineAvailability]:
    """Per line, in base units: on hand in the order's warehouse, what other confirmed orders
    hold of it, what is left to promise, and what open purchase orders bring in."""
    lines = list(order.lines.select_related("product").all())
    product_ids = {line.product_id for line in lines}
    on_hand = _on_hand(order.warehouse_id, product_ids)
    reserved = _reserved(order.warehouse_id, product_ids, excluding=order.pk)
    incoming = _incoming(order.warehouse_id, product_ids)
    return [
        LineAvailability(
            line=line,
            on_hand=on_hand.get(line.product_id, ZERO),
            reserved_by_others=reserved.get(line.product_id, ZERO),
            available=on_hand.get(line.product_id, ZERO) - reserved.get(line.product_id, ZERO),
            incoming=incoming.get(line.product_id, ZERO),
        )
        for line in lines
    ]


@transaction.atomic
def sales_order_confirm(*, actor: Any, sales_order_id: Any) -> SalesOrder:
    """Draft → confirmed: each line reserves what the warehouse can promise of it, up to its quantity."""
    permissions.require(actor, permissions.SELL)
    order = _order_for_update(sales_order_id)
    if order.status == SalesOrder.Status.CONFIRMED:
        return order  # a repeated click changes nothing
    if order.status != SalesOrder.Status.DRAFT:
        raise Conflict(
            _("Only a draft is confirmed; sales order %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
            code="sales_order_status",
        )
    lines = list(order.lines.all())
    if not lines:
        raise ValidationFailed(_("Add at least one line."), fields={"lines": [_("Add at least one line.")]})
    product_ids = {line.product_id for line in lines}
    _lock_stock({(pid, order.warehouse_id) for pid in product_ids})
    on_hand = _on_hand(order.warehouse_id, product_ids)
    reserved = _reserved(order.warehouse_id, product_ids, excluding=order.pk)
    free = {pid: max(ZERO, on_hand.get(pid, ZERO) - reserved.get(pid, ZERO)) for pid in product_ids}
    short = []
    for line in lines:
        need = base_quantity(line.quantity, line.factor)
        line.reserved_quantity = min(need, free[line.product_id])
        free[line.product_id] -= line.reserved_quantity
        if line.reserved_quantity < need:
            short.append(line.line_no)
    SalesOrderLine.objects.bulk_update(lines, ["reserved_quantity"])
    order.status = SalesOrder.Status.CONFIRMED
    order.save(update_fields=["status"])
    audit_record(action="supply_chain.sales_order_confirmed", actor=actor, obj=order, short_lines=short)
    return order


def _release(order: SalesOrder) -> None:
    order.lines.filter(reserved_quantity__gt=0).update(reserved_quantity=ZERO)


@transaction.atomic
def sales_order_cancel(*, actor: Any, sales_order_id: Any) -> SalesOrder:
    """A draft or confirmed order nothing was delivered of is cancelled; its reservations go."""
    permissions.require(actor, permissions.SELL)
    order = _order_for_update(sales_order_id)
    if order.status == SalesOrder.Status.CANCELLED:
        return order
    if order.status not in (SalesOrder.Status.DRAFT, SalesOrder.Status.CONFIRMED) or order.deliveries.exists():
        raise Conflict(
            _("Sales order %(number)s has deliveries; close it instead of cancelling.") % {"number": order.number}
            if order.deliveries.exists()
            else _("Sales order %(number)s is %(status)s and cannot be cancelled.")
            % {"number": order.number, "status": order.get_status_display()},
            code="sales_order_status",
        )
    _release(order)
    before = order.status
    order.status = SalesOrder.Status.CANCELLED
    order.save(update_fields=["status"])
    audit_record(action="supply_chain.sales_order_cancelled", actor=actor, obj=order, status=[before, order.status])
    return order


@transaction.atomic
def sales_order_close(*, actor: Any, sales_order_id: Any) -> SalesOrder:
    """Nothing more will be delivered: what is still reserved is released; the backorder ends."""
    permissions.require(actor, permissions.SELL)
    order = _order_for_update(sales_order_id)
    if order.status == SalesOrder.Status.CLOSED:
        return order
    if order.status not in (SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIAL, SalesOrder.Status.DELIVERED):
        raise Conflict(
            _("Only a confirmed order is closed; sales order %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
            code="sales_order_status",
        )
    _release(order)
    before = order.status
    order.status = SalesOrder.Status.CLOSED
    order.save(update_fields=["status"])
    audit_record(action="supply_chain.sales_order_closed", actor=actor, obj=order, status=[before, order.status])
    return order


# --- from a CRM deal -------------------------------------------------------------------------


def _customer_for_account(account: Any) -> Partner:
    """The customer linked to the CRM account; the first time, a partner of the same name not
    linked yet is linked, else one is made from the account."""
    partner = Partner.objects.select_for_update().filter(crm_account_id=account.id).first()
    if partner is None:
        name = account.name[:200]
        named = Partner.objects.select_for_update().filter(name=name).first()
        if named is not None and named.crm_account_id is None:
            partner = named
            partner.crm_account_id = account.id
        else:
            partner = Partner(
                name=name if named is None else f"{account.name[:180]} (CRM {account.id})",
                tax_id=(account.credit_code or "")[:18],
                address=(account.address or "")[:300],
                crm_account_id=account.id,
            )
    partner.is_customer = True
    partner.is_active = True
    partner.save()
    return partner


def _match_product(text: str) -> Product | None:
    text = text.strip()
    found = Product.objects.filter(sku=text, is_active=True).first()
    if found is not None:
        return found
    named = list(Product.objects.filter(name=text, is_active=True)[:2])
    return named[0] if len(named) == 1 else None


@transaction.atomic
def sales_order_from_deal(*, actor: Any, opportunity_id: Any, warehouse_id: Any) -> SalesOrder:
    """A draft order from a won CRM opportunity's quote (one order per opportunity): quote lines
    are matched to products by SKU or exact name; the account becomes (or is) the customer."""
    from apps.crm import interface as crm

    permissions.require(actor, permissions.SELL)
    pk = to_id(opportunity_id)
    deal = crm.won_deal_get(actor=actor, opportunity_id=pk) if pk is not None else None
    if deal is None:
        raise NotFound(_("No such won opportunity."))
    existing = SalesOrder.objects.filter(crm_opportunity_id=deal.id).first()
    if existing is not None:
        raise Conflict(
            _("Opportunity %(deal)s is already ordered: sales order %(number)s.")
            % {"deal": deal.name, "number": existing.number},
            code="already_ordered",
            fields={"sales_order": [str(existing.pk)]},
        )
    errors: dict[str, list[str]] = {}
    if not deal.lines:
        errors["lines"] = [_("The opportunity has no quote lines; make and accept a quote first.")]
    lines: list[SalesLineInput] = []
    for number, deal_line in enumerate(deal.lines, start=1):
        product = _match_product(deal_line.product)
        if product is None:
            problem = _("no product has the SKU or name %(product)s") % {"product": deal_line.product}
            errors.setdefault(f"lines.{number}.product", []).append(problem)
            errors.setdefault("lines", []).append(
                _("Line %(number)d: %(problem)s") % {"number": number, "problem": problem}
            )
            continue
        lines.append(
            SalesLineInput(product.pk, deal_line.quantity, product.unit, deal_line.unit_price, deal_line.vat_rate)
        )
    warehouse_errors: dict[str, list[str]] = {}
    warehouse_value(warehouse_id, warehouse_errors)
    errors.update(warehouse_errors)
    if errors:
        raise ValidationFailed(
            _("The opportunity's quote lines must match products in the catalogue (by SKU or name)."), fields=errors
        )
    customer = _customer_for_account(deal.account)
    try:
        with transaction.atomic():
            order = sales_order_create(
                actor=actor,
                customer_id=customer.pk,
                warehouse_id=warehouse_id,
                lines=lines,
                note=_("From opportunity %(deal)s") % {"deal": deal.name[:200]},
                crm_opportunity_id=deal.id,
            )
    except IntegrityError as exc:  # someone ordered it a moment ago
        other = SalesOrder.objects.filter(crm_opportunity_id=deal.id).first()
        raise Conflict(
            _("Opportunity %(deal)s is already ordered: sales order %(number)s.")
            % {"deal": deal.name, "number": other.number if other else "?"},
            code="already_ordered",
        ) from exc
    audit_record(action="supply_chain.sales_order_from_deal", actor=actor, obj=order, opportunity=deal.id)
    return order


# --- deliveries ------------------------------------------------------------------------------


def _order_open_for(order_id: Any, statuses: Sequence[str], message: str) -> SalesOrder:
    order = _order_for_update(order_id)
    if order.status not in statuses:
        raise Conflict(
            message % {"number": order.number, "status": order.get_status_display()}, code="sales_order_status"
        )
    return order


def _sources(product: Product, warehouse_id: int, lot: Lot | None, need: Decimal) -> list[tuple[int, Decimal]]:
    """Where in the warehouse to take ``need`` from: the default location first, then the
    locations holding most. Read without a lock: the ledger locks and refuses what is gone."""
    levels = list(
        StockLevel.objects.filter(product=product, warehouse_id=warehouse_id, lot=lot, quantity__gt=0)
        .select_related("location")
        .order_by("-location__is_default", "-quantity", "location_id")
    )
    plan: list[tuple[int, Decimal]] = []
    left = need
    for level in levels:
        if left <= 0:
            break
        take = min(level.quantity, left)
        plan.append((level.location_id, take))
        left -= take
    if left > 0:
        # Not enough here: ask the ledger for the rest where most is; it refuses (or, where the
        # firm allows negative stock, records it).
        if not plan:
            location = (
                Location.objects.filter(warehouse_id=warehouse_id)
                .order_by("-is_default", "id")
                .values_list("pk", flat=True)
                .first()
            )
            if location is None:
                raise Conflict(_("The warehouse has no location."), code="no_location")
            plan.append((location, ZERO))
        plan[0] = (plan[0][0], plan[0][1] + left)
    return plan


@transaction.atomic
def delivery_create(
    *, actor: Any, sales_order_id: Any, day: Any, lines: Sequence[tuple[Any, Any, Any]], note: Any = ""
) -> Delivery:
    """Deliver part or all of what is left of a confirmed order (出库): stock leaves through the
    ledger (never below zero), cost of sales is posted, what is left stays open (the backorder)."""
    permissions.require(actor, permissions.SELL, permissions.STOCK)
    order = _order_open_for(
        sales_order_id,
        HOLDING,
        _("Only a confirmed order is delivered; sales order %(number)s is %(status)s."),
    )
    errors: dict[str, list[str]] = {}
    delivered_on = day_value(day, "day", errors, required=True)
    clean_note = text_value(note, "note", MAX_NOTE, errors)
    order_lines = {line.pk: line for line in order.lines.select_for_update().select_related("product")}
    wanted: list[tuple[SalesOrderLine, Decimal, Lot | None]] = []
    asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if not lines:
        errors["lines"] = [_("Enter a quantity to deliver on at least one line.")]
    for number, item in enumerate(lines, start=1):
        problems: dict[str, str] = {}
        line_id, quantity_value, lot_number = (*tuple(item), "", "", "")[:3]
        pk = to_id(line_id)
        line = order_lines.get(pk) if pk is not None else None
        if line is None:
            problems["order_line"] = _("choose a line of this order")
        quantity = positive_quantity(quantity_value)
        if isinstance(quantity, str):
            problems["quantity"] = quantity
        lot = None
        if line is not None and isinstance(quantity, Decimal):
            asked[line.pk] += quantity
            left = line.quantity - line.delivered_quantity
            if asked[line.pk] > left:
                problems["quantity"] = _("at most %(left)s %(unit)s are left to deliver") % {
                    "left": f"{left.normalize():f}",
                    "unit": line.unit,
                }
            if line.product.tracking != Product.Tracking.NONE:
                number_text = str(lot_number or "").strip()
                lot = Lot.objects.filter(product=line.product, number=number_text).first() if number_text else None
                if not number_text:
                    problems["lot"] = _("enter the lot or serial number of %(product)s") % {"product": line.product.sku}
                elif (
                    lot is None
                    or not StockLevel.objects.filter(lot=lot, warehouse_id=order.warehouse_id, quantity__gt=0).exists()
                ):
                    problems["lot"] = _("lot %(lot)s of %(product)s has no stock in %(warehouse)s") % {
                        "lot": number_text,
                        "product": line.product.sku,
                        "warehouse": order.warehouse.code,
                    }
            elif str(lot_number or "").strip():
                problems["lot"] = _("%(product)s is not tracked by lot") % {"product": line.product.sku}
        if not problems and line is not None and isinstance(quantity, Decimal):
            wanted.append((line, quantity, lot))
        for field, problem in problems.items():
            errors.setdefault(f"lines.{number}.{field}", []).append(problem)
            errors.setdefault("lines", []).append(
                _("Line %(number)d: %(problem)s") % {"number": number, "problem": problem}
            )
    if errors or delivered_on is None:
        raise ValidationFailed(_("The delivery could not be saved."), fields=errors)
    book = postings.accounts()
    delivery = Delivery.objects.create(
        number=numbering.next_number("delivery", delivered_on),
        order=order,
        delivered_on=delivered_on,
        note=clean_note,
        created_by=actor,
    )
    planned: list[tuple[SalesOrderLine, Decimal, Lot | None, MoveInput]] = []
    for line, quantity, lot in wanted:
        need = base_quantity(quantity, line.factor)
        plan = _sources(line.product, order.warehouse_id, lot, need)
        # Taken from more than one location: each delivery line carries its share of the
        # order line's quantity, the last one what is left of it.
        shares = [(base / line.factor).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP) for _loc, base in plan]
        shares[-1] = quantity - sum(shares[:-1], ZERO)
        for (location_id, base), share in zip(plan, shares, strict=True):
            move = MoveInput(
                product_id=line.product_id,
                location_id=location_id,
                quantity=-base,
                kind=StockMove.Kind.DELIVERY,
                moved_on=delivered_on,
                lot_id=lot.pk if lot else None,
                document="delivery",
                document_id=delivery.pk,
                reference=delivery.number,
            )
            planned.append((line, share, lot, move))
    recorded = ledger.moves_record(actor=actor, moves=[move for *_rest, move in planned])
    DeliveryLine.objects.bulk_create(
        DeliveryLine(delivery=delivery, order_line=line, quantity=share, lot=lot, move=stored)
        for (line, share, lot, _move), stored in zip(planned, recorded.moves, strict=True)
    )
    for line, quantity, _lot in wanted:
        line.delivered_quantity += quantity
        line.reserved_quantity = max(ZERO, line.reserved_quantity - base_quantity(quantity, line.factor))
    SalesOrderLine.objects.bulk_update(
        list({line.pk: line for line, *_rest in wanted}.values()), ["delivered_quantity", "reserved_quantity"]
    )
    delivery.cost = -sum((stored.value for stored in recorded.moves), ZERO)
    delivery.voucher_id = postings.entry_post(
        document="delivery",
        document_id=delivery.pk,
        day=delivered_on,
        debit=book.cogs,
        credit=book.inventory,
        amount=delivery.cost,
        summary=_("Delivery %(number)s for %(order)s") % {"number": delivery.number, "order": order.number},
        partner=order.customer.name,
    )
    delivery.save(update_fields=["cost", "voucher_id"])
    postings.revaluations_post(recorded.revaluations, day=delivered_on)
    all_lines = order_lines.values()
    order.status = (
        SalesOrder.Status.DELIVERED
        if all(line.delivered_quantity >= line.quantity for line in all_lines)
        else SalesOrder.Status.PARTIAL
    )
    order.save(update_fields=["status"])
    audit_record(
        action="supply_chain.delivery_created", actor=actor, obj=delivery, order=order.number, cost=str(delivery.cost)
    )
    return delivery


# --- customer invoices -----------------------------------------------------------------------


@transaction.atomic
def customer_invoice_create(*, actor: Any, sales_order_id: Any, day: Any, note: Any = "") -> CustomerInvoice:
    """Invoice what was delivered and not yet invoiced (less what came back), as a draft customer
    invoice in finance; finance's rules apply and any refusal leaves nothing behind."""
    from apps.finance.interface import sales_invoice_draft

    permissions.require(actor, permissions.SELL)
    order = _order_for_update(sales_order_id)
    errors: dict[str, list[str]] = {}
    invoiced_on = day_value(day, "day", errors, required=True)
    clean_note = text_value(note, "note", MAX_NOTE, errors)
    if errors or invoiced_on is None:
        raise ValidationFailed(_("The invoice could not be saved."), fields=errors)
    if order.status in (SalesOrder.Status.DRAFT, SalesOrder.Status.CANCELLED):
        raise Conflict(
            _("Sales order %(number)s is %(status)s; nothing to invoice.")
            % {"number": order.number, "status": order.get_status_display()},
            code="sales_order_status",
        )
    order_lines = list(order.lines.select_for_update().select_related("product"))
    already = {
        row["order_line_id"]: row["total"] or ZERO
        for row in CustomerInvoiceLine.objects.filter(order_line__order=order)
        .values("order_line_id")
        .annotate(total=Sum("untaxed"))
    }
    due: list[tuple[SalesOrderLine, Decimal, Decimal]] = []
    for line, quantity in _due(order_lines):
        if line.invoiced_quantity + quantity == line.quantity:
            untaxed = line.untaxed - already.get(line.pk, ZERO)  # the last part takes what is left, to the fen
        else:
            untaxed = money(quantity * line.unit_price)
        due.append((line, quantity, untaxed))
    if not due:
        raise Conflict(
            _("Everything delivered on sales order %(number)s is invoiced.") % {"number": order.number},
            code="nothing_to_invoice",
        )
    invoice = CustomerInvoice.objects.create(
        number=numbering.next_number("invoice", invoiced_on),
        order=order,
        invoiced_on=invoiced_on,
        note=clean_note,
        created_by=actor,
    )
    CustomerInvoiceLine.objects.bulk_create(
        CustomerInvoiceLine(invoice=invoice, order_line=line, quantity=quantity, untaxed=untaxed)
        for line, quantity, untaxed in due
    )
    for line, quantity, _untaxed in due:
        line.invoiced_quantity += quantity
    SalesOrderLine.objects.bulk_update([line for line, *_rest in due], ["invoiced_quantity"])
    drafted = sales_invoice_draft(
        actor=actor,
        partner_name=order.customer.name,
        partner_tax_id=order.customer.tax_id,
        day=invoiced_on,
        reference=invoice.number,
        lines=[
            (f"{line.product.sku} {line.product.name} ({line.unit})", quantity, untaxed, line.vat_rate)
            for line, quantity, untaxed in due
        ],
    )
    invoice.finance_invoice_id = drafted.pk
    invoice.total = drafted.total
    invoice.save(update_fields=["finance_invoice_id", "total"])
    audit_record(
        action="supply_chain.customer_invoice_created",
        actor=actor,
        obj=invoice,
        order=order.number,
        finance_invoice=drafted.pk,
        total=str(invoice.total),
    )
    return invoice


# --- customer returns ------------------------------------------------------------------------


@transaction.atomic
def sales_return_create(
    *, actor: Any, sales_order_id: Any, day: Any, reason: Any, lines: Sequence[tuple[Any, Any]]
) -> SalesReturn:
    """Goods come back from the customer at what they cost when delivered: Dr inventory / Cr cost
    of sales; never more than was delivered on that delivery line less what came back already."""
    permissions.require(actor, permissions.SELL)
    order = _order_for_update(sales_order_id)
    errors: dict[str, list[str]] = {}
    returned_on = day_value(day, "day", errors, required=True)
    clean_reason = text_value(reason, "reason", MAX_REASON, errors, required=True)
    delivery_lines = {
        line.pk: line
        for line in DeliveryLine.objects.select_for_update(of=("self",))
        .filter(delivery__order=order)
        .select_related("order_line", "move", "delivery")
    }
    wanted: list[tuple[DeliveryLine, Decimal]] = []
    asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if not lines:
        errors["lines"] = [_("Enter a quantity to return on at least one line.")]
    for number, (line_id, quantity_value) in enumerate(lines, start=1):
        problems: dict[str, str] = {}
        pk = to_id(line_id)
        line = delivery_lines.get(pk) if pk is not None else None
        if line is None:
            problems["delivery_line"] = _("choose a delivered line of this order")
        quantity = positive_quantity(quantity_value)
        if isinstance(quantity, str):
            problems["quantity"] = quantity
        if line is not None and isinstance(quantity, Decimal):
            asked[line.pk] += quantity
            left = line.quantity - line.returned_quantity
            if asked[line.pk] > left:
                problems["quantity"] = _("at most %(left)s %(unit)s of this delivery can come back") % {
                    "left": f"{left.normalize():f}",
                    "unit": line.order_line.unit,
                }
            elif returned_on is not None and returned_on < line.delivery.delivered_on:
                errors["day"] = [_("A return cannot be dated before its delivery.")]
        if not problems and line is not None and isinstance(quantity, Decimal):
            wanted.append((line, quantity))
        for field, problem in problems.items():
            errors.setdefault(f"lines.{number}.{field}", []).append(problem)
            errors.setdefault("lines", []).append(
                _("Line %(number)d: %(problem)s") % {"number": number, "problem": problem}
            )
    if errors or returned_on is None:
        raise ValidationFailed(_("The return could not be saved."), fields=errors)
    book = postings.accounts()
    sales_return = SalesReturn.objects.create(
        number=numbering.next_number("sales_return", returned_on),
        order=order,
        returned_on=returned_on,
        reason=clean_reason,
        created_by=actor,
    )
    moves = []
    for line, quantity in wanted:
        delivered = StockMove.objects.get(pk=line.move_id)  # its cost may have changed since (back-dated moves)
        moves.append(
            MoveInput(
                product_id=delivered.product_id,
                location_id=delivered.location_id,
                quantity=base_quantity(quantity, line.order_line.factor),
                kind=StockMove.Kind.SALES_RETURN,
                moved_on=returned_on,
                unit_cost=delivered.unit_cost,
                lot_id=delivered.lot_id,
                origin_id=delivered.pk,
                document="s_return",
                document_id=sales_return.pk,
                reference=sales_return.number,
            )
        )
    recorded = ledger.moves_record(actor=actor, moves=moves)
    SalesReturnLine.objects.bulk_create(
        SalesReturnLine(sales_return=sales_return, delivery_line=line, quantity=quantity, move=stored)
        for (line, quantity), stored in zip(wanted, recorded.moves, strict=True)
    )
    order_lines: dict[int, SalesOrderLine] = {}
    for line, quantity in wanted:
        line.returned_quantity += quantity
        order_line = order_lines.setdefault(line.order_line_id, line.order_line)
        order_line.returned_quantity += quantity
    DeliveryLine.objects.bulk_update([line for line, _q in wanted], ["returned_quantity"])
    SalesOrderLine.objects.bulk_update(list(order_lines.values()), ["returned_quantity"])
    sales_return.value = sum((stored.value for stored in recorded.moves), ZERO)
    sales_return.voucher_id = postings.entry_post(
        document="s_return",
        document_id=sales_return.pk,
        day=returned_on,
        debit=book.inventory,
        credit=book.cogs,
        amount=sales_return.value,
        summary=_("Customer return %(number)s for %(order)s") % {"number": sales_return.number, "order": order.number},
        partner=order.customer.name,
    )
    sales_return.save(update_fields=["value", "voucher_id"])
    postings.revaluations_post(recorded.revaluations, day=returned_on)
    audit_record(
        action="supply_chain.sales_return_created",
        actor=actor,
        obj=sales_return,
        order=order.number,
        value=str(sales_return.value),
    )
    return sales_return


# --- reads -----------------------------------------------------------------------------------


def sales_order_list(*, actor: Any, q: str = "", status: str = "") -> QuerySet[SalesOrder]:
    """Sales orders, newest first; ``q`` searches the number and the customer's name."""
    permissions.require(actor, permissions.VIEW)
    orders = SalesOrder.objects.select_related("customer", "warehouse")
    search = (q or "").strip()[:100]
    if search:
        orders = orders.filter(Q(number__icontains=search) | Q(customer__name__icontains=search))
    if status in SalesOrder.Status.values:
        orders = orders.filter(status=status)
    return orders


def sales_order_get(*, actor: Any, sales_order_id: Any) -> SalesOrder:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(sales_order_id)
    order = (
        SalesOrder.objects.select_related("customer", "warehouse", "created_by")
        .prefetch_related("lines__product")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if order is None:
        raise NotFound(_("No such sales order."))
    return order


def delivery_get(*, actor: Any, delivery_id: Any) -> Delivery:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(delivery_id)
    found = (
        Delivery.objects.select_related("order__customer", "order__warehouse")
        .prefetch_related("lines__order_line__product", "lines__lot", "lines__move__location")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound(_("No such delivery."))
    return found


def customer_invoice_get(*, actor: Any, customer_invoice_id: Any) -> CustomerInvoice:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(customer_invoice_id)
    found = (
        CustomerInvoice.objects.select_related("order__customer")
        .prefetch_related("lines__order_line__product")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound(_("No such customer invoice."))
    return found


def sales_return_get(*, actor: Any, sales_return_id: Any) -> SalesReturn:
    permissions.require(actor, permissions.VIEW)
    pk = to_id(sales_return_id)
    found = (
        SalesReturn.objects.select_related("order__customer")
        .prefetch_related("lines__delivery_line__order_line__product", "lines__delivery_line__delivery", "lines__move")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound(_("No such customer return."))
    return found


def left_to_deliver(order: SalesOrder) -> list[tuple[SalesOrderLine, Decimal]]:
    """Each line with what is still to deliver (in the line's unit)."""
    return [(line, max(ZERO, line.quantity - line.delivered_quantity)) for line in order.lines.all()]


def _due(lines: Sequence[SalesOrderLine]) -> list[tuple[SalesOrderLine, Decimal]]:
    due = []
    for line in lines:
        quantity = line.delivered_quantity - line.returned_quantity - line.invoiced_quantity
        if quantity > 0:
            due.append((line, quantity))
    return due


def invoiceable(order: SalesOrder) -> list[tuple[SalesOrderLine, Decimal]]:
    """Each line with what was delivered and not yet invoiced (less what came back)."""
    if order.status in (SalesOrder.Status.DRAFT, SalesOrder.Status.CANCELLED):
        return []
    return _due(list(order.lines.all()))


def returnable(order: SalesOrder) -> list[tuple[DeliveryLine, Decimal]]:
    """Each delivery line of the order with what may still come back."""
    lines = DeliveryLine.objects.filter(delivery__order=order).select_related("delivery", "order_line__product", "lot")
    return [
        (line, line.quantity - line.returned_quantity)
        for line in lines.order_by("delivery__delivered_on", "delivery_id", "id")
        if line.quantity > line.returned_quantity
    ]


MAX_CHOICES = 1000  # firms are small; a select longer than this is no help anyway


def customer_choices() -> list[Partner]:
    return list(Partner.objects.filter(is_customer=True, is_active=True).order_by("name")[:MAX_CHOICES])


def warehouse_choices() -> list[Warehouse]:
    return list(Warehouse.objects.filter(is_active=True).order_by("code")[:MAX_CHOICES])


def product_choices() -> list[Product]:
    return list(Product.objects.filter(is_active=True).prefetch_related("conversions").order_by("sku")[:MAX_CHOICES])


def won_deal_choices(*, actor: Any) -> list[tuple[int, str, str, str]]:
    """Won CRM deals the person sees: (id, deal, account, number of the order made from it or "")."""
    from apps.crm import interface as crm

    deals = crm.won_deals(actor=actor, limit=200)
    ordered = dict(
        SalesOrder.objects.filter(crm_opportunity_id__in=[deal_id for deal_id, _n, _a in deals]).values_list(
            "crm_opportunity_id", "number"
        )
    )
    return [(deal_id, name, account, ordered.get(deal_id, "")) for deal_id, name, account in deals]
