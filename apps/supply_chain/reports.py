"""Stock and trade reports: on hand and value by warehouse, movement history, inventory
turnover, purchase and sales analysis.

On hand reads the running totals (``StockLevel``, ``ProductValuation``), never the moves, so it
stays fast with a million moves. Valuation is kept per product for the whole firm (one moving
average or one FIFO queue per product), so a product's value in a warehouse is its share of the
product's value by quantity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round, TruncMonth
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

from . import permissions
from .models import (
    DeliveryLine,
    Partner,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    StockMove,
)

ZERO = Decimal("0")
FEN = Decimal("0.01")
MAX_PERIOD_DAYS = 3 * 366
GROUPS = ("month", "partner", "product")
AMOUNT: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=2)
QUANTITY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=4)


def _money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def period_check(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """A period of at most three years, its end not before its start."""
    if date_from is None or date_to is None:
        message = _("Choose the first and the last day.")
        raise ValidationFailed(message, fields={"date_from": [message]})
    if date_to < date_from:
        message = _("The last day is before the first.")
        raise ValidationFailed(message, fields={"date_to": [message]})
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        message = _("Choose a period of at most three years.")
        raise ValidationFailed(message, fields={"date_from": [message]})
    return date_from, date_to


# --- on hand -----------------------------------------------------------------------------


def _levels(*, warehouse_id: int | None, q: str, category_id: int | None) -> QuerySet[StockLevel]:
    levels = StockLevel.objects.all()
    if warehouse_id:
        levels = levels.filter(warehouse_id=warehouse_id)
    if category_id:
        levels = levels.filter(product__category_id=category_id)
    q = (q or "").strip()
    if q:
        levels = levels.filter(Q(product__sku__icontains=q) | Q(product__name__icontains=q) | Q(product__barcode=q))
    return levels


def stock_on_hand(
    *,
    actor: Any,
    warehouse_id: int | None = None,
    q: str = "",
    category_id: int | None = None,
    per_warehouse: bool = True,
) -> QuerySet[Any]:
    """Rows (dicts) of product, warehouse (when ``per_warehouse``), quantity and value, in SKU
    order; products with nothing on hand left out.

    Valuation is per product, firm-wide: a product's value in a warehouse is its valuation's
    value times the warehouse's share of the product's total quantity (when that total is above
    zero; otherwise no value is shown). One grouped query over ``StockLevel`` joined to
    ``ProductValuation``; the moves are not read.
    """
    permissions.require(actor, permissions.VIEW)
    keys = ["product_id", "product__sku", "product__name", "product__unit"]
    if per_warehouse:
        keys += ["warehouse_id", "warehouse__code", "warehouse__name"]
    keys += ["product__valuation__value", "product__valuation__quantity"]
    total = F("product__valuation__quantity")
    share = ExpressionWrapper(F("product__valuation__value") * F("on_hand") / total, output_field=AMOUNT)
    return (
        _levels(warehouse_id=warehouse_id, q=q, category_id=category_id)
        .values(*keys)
        .annotate(on_hand=Sum("quantity"))
        .exclude(on_hand=0)
        .annotate(
            value=Case(
                When(product__valuation__quantity__gt=0, then=Round(share, 2)),
                default=Value(ZERO),
                output_field=AMOUNT,
            )
        )
        .order_by("product__sku", *(["warehouse__code"] if per_warehouse else []))
    )


@dataclass
class WarehouseTotal:
    warehouse_id: int
    code: str
    name: str
    products: int
    value: Decimal


def stock_totals(
    *, actor: Any, warehouse_id: int | None = None, q: str = "", category_id: int | None = None
) -> list[WarehouseTotal]:
    """Per warehouse: how many products are on hand and their value (the sum of the rows of
    ``stock_on_hand``, each rounded to the fen). One query."""
    permissions.require(actor, permissions.VIEW)
    grouped = (
        _levels(warehouse_id=warehouse_id, q=q, category_id=category_id)
        .values("product_id", "warehouse_id")
        .annotate(on_hand=Sum("quantity"))
        .exclude(on_hand=0)
        .order_by()
    )
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.id, w.code, w.name, COUNT(*), COALESCE(SUM(CASE WHEN v.quantity > 0"
            " THEN ROUND(v.value * s.on_hand / v.quantity, 2) ELSE 0 END), 0)"
            f" FROM ({sql}) AS s JOIN supply_chain_warehouse w ON w.id = s.warehouse_id"
            " LEFT JOIN supply_chain_productvaluation v ON v.product_id = s.product_id"
            " GROUP BY w.id, w.code, w.name ORDER BY w.code",
            params,
        )
        found = cursor.fetchall()
    return [WarehouseTotal(int(w), code, name, int(n), _money(Decimal(v))) for w, code, name, n, v in found]


# --- movement history ----------------------------------------------------------------------


def movement_history(
    *,
    actor: Any,
    product_id: int | None = None,
    warehouse_id: int | None = None,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet[StockMove]:
    """The ledger's moves, newest first, with their product, place and lot (to be paginated)."""
    permissions.require(actor, permissions.VIEW)
    moves = StockMove.objects.select_related("product", "warehouse", "location", "lot")
    if product_id:
        moves = moves.filter(product_id=product_id)
    if warehouse_id:
        moves = moves.filter(warehouse_id=warehouse_id)
    if kind and kind in StockMove.Kind.values:
        moves = moves.filter(kind=kind)
    if date_from:
        moves = moves.filter(moved_on__gte=date_from)
    if date_to:
        moves = moves.filter(moved_on__lte=date_to)
    q = (q or "").strip()
    if q:
        moves = moves.filter(Q(product__sku__icontains=q) | Q(product__name__icontains=q) | Q(reference__icontains=q))
    return moves.order_by("-moved_on", "-id")


# --- inventory turnover --------------------------------------------------------------------


@dataclass
class TurnoverRow:
    product_id: int
    sku: str
    name: str
    cost_of_goods: Decimal
    opening: Decimal
    closing: Decimal
    average: Decimal
    turnover: Decimal | None  # times in the period; None when nothing was held
    days_on_hand: Decimal | None  # None when nothing was delivered


@dataclass
class Turnover:
    date_from: date
    date_to: date
    days: int
    rows: list[TurnoverRow] = field(default_factory=list)
    total: TurnoverRow | None = None


_BALANCE_SQL = (
    "SELECT DISTINCT ON (product_id) product_id, balance_value FROM supply_chain_stockmove"
    " WHERE valued AND moved_on < %s ORDER BY product_id, moved_on DESC, id DESC"
)


def _balances(before: date) -> dict[int, Decimal]:
    """Each product's value at the start of ``before``: the balance after its last valued move."""
    with connection.cursor() as cursor:
        cursor.execute(_BALANCE_SQL, [before])
        return dict(cursor.fetchall())


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(FEN, rounding=ROUND_HALF_UP)


def _turnover_row(
    product_id: int, sku: str, name: str, cogs: Decimal, opening: Decimal, closing: Decimal, days: int
) -> TurnoverRow:
    average = _money((opening + closing) / 2)
    turnover = _ratio(cogs, average)
    days_on_hand = _ratio(average * days, cogs) if cogs > 0 else None
    return TurnoverRow(product_id, sku, name, _money(cogs), opening, closing, average, turnover, days_on_hand)


def inventory_turnover(*, actor: Any, date_from: date | None, date_to: date | None) -> Turnover:
    """Per product: cost of goods delivered in the period (deliveries less customer returns, at
    their ledger cost) over the average inventory value ((opening + closing) / 2), and days on
    hand (the period's days over the turnover). Opening and closing values are the balance after
    the product's last valued move before the period, and before the day after it."""
    permissions.require(actor, permissions.VIEW)
    start, end = period_check(date_from, date_to)
    days = (end - start).days + 1
    cogs = dict(
        StockMove.objects.filter(
            valued=True,
            moved_on__gte=start,
            moved_on__lte=end,
            kind__in=[StockMove.Kind.DELIVERY, StockMove.Kind.SALES_RETURN],
        )
        .values("product_id")
        .annotate(total=Sum("value"))
        .values_list("product_id", "total")
    )
    opening = _balances(start)
    closing = _balances(end + timedelta(days=1))
    ids = {pk for pk in (*cogs, *opening, *closing) if cogs.get(pk) or opening.get(pk) or closing.get(pk)}
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids).only("sku", "name")}
    report = Turnover(start, end, days)
    for pk in sorted(ids, key=lambda k: products[k].sku):
        report.rows.append(
            _turnover_row(
                pk,
                products[pk].sku,
                products[pk].name,
                -(cogs.get(pk) or ZERO),
                opening.get(pk, ZERO),
                closing.get(pk, ZERO),
                days,
            )
        )
    report.rows.sort(key=lambda row: (-row.cost_of_goods, row.sku))
    report.total = _turnover_row(
        0,
        "",
        _("All products"),
        sum((row.cost_of_goods for row in report.rows), ZERO),
        sum((row.opening for row in report.rows), ZERO),
        sum((row.closing for row in report.rows), ZERO),
        days,
    )
    return report


# --- purchase and sales analysis -------------------------------------------------------------


@dataclass
class AnalysisRow:
    key: str
    label: str
    ordered: Decimal = ZERO  # order lines before VAT, by order date
    orders: int = 0
    moved: Decimal = ZERO  # received (purchases) or delivered (sales) at stock cost, by move date
    quantity: Decimal | None = None  # base units ordered (by product only: units differ otherwise)


@dataclass
class Analysis:
    kind: str
    group_by: str
    date_from: date
    date_to: date
    rows: list[AnalysisRow]
    ordered: Decimal
    moved: Decimal


def _group_check(group_by: str) -> str:
    if group_by not in GROUPS:
        message = _("Group by month, partner or product.")
        raise ValidationFailed(message, fields={"group_by": [message]})
    return group_by


def _analysis(
    *,
    kind: str,
    group_by: str,
    start: date,
    end: date,
    order_lines: QuerySet[Any],
    order_prefix: str,
    partner_field: str,
    moves: QuerySet[Any],
    move_prefix: str,
    move_day: str,
    move_sign: int,
) -> Analysis:
    """Order lines by order date and stock moves by their date, grouped the same way."""
    if group_by == "month":
        order_key: Any = TruncMonth(f"{order_prefix}ordered_on")
        move_key: Any = TruncMonth(move_day)
    elif group_by == "partner":
        order_key = F(f"{order_prefix}{partner_field}_id")
        move_key = F(f"{move_prefix}{order_prefix}{partner_field}_id")
    else:
        order_key = F("product_id")
        move_key = F(f"{move_prefix}product_id")
    ordered = (
        order_lines.annotate(key=order_key)
        .values("key")
        .annotate(
            amount=Coalesce(Sum("untaxed"), Value(ZERO), output_field=AMOUNT),
            orders=Count(f"{order_prefix}id", distinct=True),
            quantity=Coalesce(Sum(F("quantity") * F("factor"), output_field=QUANTITY), Value(ZERO)),
        )
    )
    moved = moves.annotate(key=move_key).values("key").annotate(amount=Coalesce(Sum("move__value"), Value(ZERO)))
    rows: dict[Any, AnalysisRow] = {}
    for item in ordered:
        row = rows.setdefault(item["key"], AnalysisRow(str(item["key"]), ""))
        row.ordered, row.orders = _money(item["amount"]), item["orders"]
        if group_by == "product":
            row.quantity = item["quantity"]
    for item in moved:
        row = rows.setdefault(item["key"], AnalysisRow(str(item["key"]), ""))
        row.moved = _money(move_sign * item["amount"])
    _label(rows, group_by)
    ordered_rows = sorted(
        rows.values(), key=lambda r: r.key if group_by == "month" else (-r.ordered, -r.moved, r.label)
    )
    return Analysis(
        kind,
        group_by,
        start,
        end,
        ordered_rows,
        sum((r.ordered for r in ordered_rows), ZERO),
        sum((r.moved for r in ordered_rows), ZERO),
    )


def _label(rows: dict[Any, AnalysisRow], group_by: str) -> None:
    if group_by == "month":
        for key, row in rows.items():
            row.key = key.strftime("%Y-%m") if key is not None else ""
            row.label = row.key
        return
    ids = [key for key in rows if key is not None]
    if group_by == "partner":
        names = dict(Partner.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        names = {
            pk: f"{sku} {name}" for pk, sku, name in Product.objects.filter(pk__in=ids).values_list("pk", "sku", "name")
        }
    for key, row in rows.items():
        row.label = names.get(key, "")


def purchase_analysis(*, actor: Any, date_from: date | None, date_to: date | None, group_by: str = "month") -> Analysis:
    """What was ordered from suppliers (before VAT, confirmed orders, by order date) and what was
    received (at its stock value, by receipt date), by month, supplier or product."""
    permissions.require(actor, permissions.VIEW)
    start, end = period_check(date_from, date_to)
    group = _group_check(group_by)
    live = ~Q(order__status__in=[PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED])
    return _analysis(
        kind="purchases",
        group_by=group,
        start=start,
        end=end,
        order_lines=PurchaseOrderLine.objects.filter(live, order__ordered_on__gte=start, order__ordered_on__lte=end),
        order_prefix="order__",
        partner_field="supplier",
        moves=ReceiptLine.objects.filter(receipt__received_on__gte=start, receipt__received_on__lte=end),
        move_prefix="order_line__",
        move_day="receipt__received_on",
        move_sign=1,
    )


def sales_analysis(*, actor: Any, date_from: date | None, date_to: date | None, group_by: str = "month") -> Analysis:
    """What customers ordered (before VAT, confirmed orders, by order date) and the cost of what
    was delivered (by delivery date), by month, customer or product."""
    permissions.require(actor, permissions.VIEW)
    start, end = period_check(date_from, date_to)
    group = _group_check(group_by)
    live = ~Q(order__status__in=[SalesOrder.Status.DRAFT, SalesOrder.Status.CANCELLED])
    return _analysis(
        kind="sales",
        group_by=group,
        start=start,
        end=end,
        order_lines=SalesOrderLine.objects.filter(live, order__ordered_on__gte=start, order__ordered_on__lte=end),
        order_prefix="order__",
        partner_field="customer",
        moves=DeliveryLine.objects.filter(delivery__delivered_on__gte=start, delivery__delivered_on__lte=end),
        move_prefix="order_line__",
        move_day="delivery__delivered_on",
        move_sign=-1,
    )


# --- the overview ------------------------------------------------------------------------------


def overview(*, actor: Any) -> dict[str, Any]:
    """The figures of the supply chain's front page, in a handful of bounded queries."""
    permissions.require(actor, permissions.VIEW)
    below = (
        Product.objects.filter(is_active=True, reorder_point__gt=0)
        .annotate(on_hand=Coalesce(Sum("levels__quantity"), Value(ZERO), output_field=QUANTITY))
        .filter(on_hand__lt=F("reorder_point"))
    )
    open_purchases = PurchaseOrder.objects.filter(
        status__in=[PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.PARTIAL]
    ).count()
    open_sales = SalesOrder.objects.filter(status__in=[SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIAL]).count()
    return {
        "warehouses": stock_totals(actor=actor),
        "below_reorder": below.count(),
        "open_purchases": open_purchases,
        "open_sales": open_sales,
        "recent_moves": list(movement_history(actor=actor)[:10]),
    }
