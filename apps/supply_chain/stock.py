"""Stock operations: transfers between locations (调拨) and stocktakes (盘点).

Both change stock only through ``ledger.moves_record``. A transfer is two unvalued moves per
line (out at the source, in at the destination): what the firm holds and its value do not
change. A stocktake freezes what the books expect when counting starts, takes the counts, and
posts the differences as valued adjustment moves with one finance entry against the stocktake
account (待处理财产损溢).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed

from . import ledger, numbering, permissions, postings
from .models import (
    Category,
    Location,
    Lot,
    Product,
    ProductValuation,
    StockLevel,
    StockMove,
    Stocktake,
    StocktakeLine,
    Transfer,
    TransferLine,
    Warehouse,
)

ZERO = Decimal("0")
MAX_LINES = 500
QUANTITY_PLACES = 4


# --- shared checks -------------------------------------------------------------------------


def _quantity(value: Any, *, allow_zero: bool) -> tuple[Decimal | None, str]:
    """A quantity typed or sent by someone: the Decimal, or an error message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, _("Enter a quantity.")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None, _("Enter a number.")
    if not number.is_finite():
        return None, _("Enter a number.")
    if number < 0 or (number == 0 and not allow_zero):
        return None, _("Enter a quantity above zero.") if not allow_zero else _("A count cannot be negative.")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        return None, _("Use at most 4 decimal places.")
    if number >= Decimal("1e14"):
        return None, _("The quantity is too large.")
    return number, ""


def _location(value: Location | int | None, field: str, errors: dict[str, list[str]]) -> Location | None:
    location_id = value.pk if isinstance(value, Location) else value
    found = (
        Location.objects.select_related("warehouse").filter(pk=location_id).first()
        if isinstance(location_id, int)
        else None
    )
    if found is None:
        errors[field] = [_("Choose a location.")]
    elif not found.is_active or not found.warehouse.is_active:
        errors[field] = [_("This location or its warehouse is no longer in use.")]
        return None
    return found


def _lot(product: Product, number: str, field: str, errors: dict[str, list[str]], *, create: bool) -> Lot | None:
    """The lot ``number`` of ``product``: required for tracked products, refused for others."""
    number = (number or "").strip()
    if product.tracking == Product.Tracking.NONE:
        if number:
            errors[field] = [_("This product is not tracked by lot or serial number.")]
        return None
    if not number:
        errors[field] = [_("Enter the lot or serial number.")]
        return None
    if len(number) > 60:
        errors[field] = [_("At most 60 characters.")]
        return None
    lot = Lot.objects.filter(product=product, number=number).first()
    if lot is None:
        if create:
            return Lot.objects.create(product=product, number=number)
        errors[field] = [_("There is no such lot of this product.")]
    return lot


# --- transfers ---------------------------------------------------------------------------


def transfer_list(*, actor: Any, q: str = "", warehouse_id: int | None = None) -> QuerySet[Transfer]:
    permissions.require(actor, permissions.VIEW)
    transfers = Transfer.objects.select_related("from_location__warehouse", "to_location__warehouse").annotate(
        line_count=Count("lines")
    )
    if q:
        transfers = transfers.filter(
            Q(number__icontains=q) | Q(note__icontains=q) | Q(lines__product__sku__icontains=q)
        ).distinct()
    if warehouse_id:
        transfers = transfers.filter(
            Q(from_location__warehouse_id=warehouse_id) | Q(to_location__warehouse_id=warehouse_id)
        )
    return transfers.order_by("-moved_on", "-id")


def transfer_get(*, actor: Any, transfer_id: int) -> Transfer:
    permissions.require(actor, permissions.VIEW)
    transfer = (
        Transfer.objects.select_related("from_location__warehouse", "to_location__warehouse", "created_by")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        raise NotFound(_("There is no such transfer."))
    return transfer


def transfer_lines(transfer: Transfer) -> QuerySet[TransferLine]:
    return transfer.lines.select_related("product", "lot").order_by("id")


@transaction.atomic
def transfer_create(
    *,
    actor: Any,
    from_location: Location | int,
    to_location: Location | int,
    day: date,
    lines: Sequence[tuple[int, Any, str]],
    note: str = "",
) -> Transfer:
    """Move stock between two locations: a move out and a move in per line, not valued (the
    firm holds as much as before). Refused, with nothing written, when stock is short."""
    permissions.require(actor, permissions.STOCK)
    errors: dict[str, list[str]] = {}
    source = _location(from_location, "from_location", errors)
    destination = _location(to_location, "to_location", errors)
    if source is not None and destination is not None and source.pk == destination.pk:
        errors["to_location"] = [_("Choose a location other than the one the stock leaves.")]
    if not isinstance(day, date):
        errors["day"] = [_("Enter the date.")]
    if len(note or "") > 300:
        errors["note"] = [_("At most 300 characters.")]
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    elif len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %(n)d lines.") % {"n": MAX_LINES}]
    products = Product.objects.in_bulk([line[0] for line in lines if isinstance(line[0], int)])
    parsed: list[tuple[Product, Decimal, Lot | None]] = []
    for number, (product_id, quantity, lot_number) in enumerate(lines[:MAX_LINES], start=1):
        product = products.get(product_id) if isinstance(product_id, int) else None
        if product is None:
            errors[f"lines.{number}.product"] = [_("Choose a product from the catalogue.")]
        amount, message = _quantity(quantity, allow_zero=False)
        if message:
            errors[f"lines.{number}.quantity"] = [message]
        lot = _lot(product, lot_number, f"lines.{number}.lot", errors, create=False) if product else None
        if product is not None and amount is not None:
            parsed.append((product, amount, lot))
    if errors or source is None or destination is None:
        raise ValidationFailed(_("The transfer could not be saved."), fields=errors)
    transfer = Transfer.objects.create(
        number=numbering.next_number("transfer", day),
        from_location=source,
        to_location=destination,
        moved_on=day,
        note=(note or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    moves: list[ledger.MoveInput] = []
    for product, amount, lot in parsed:
        for location, signed, kind in (
            (source, -amount, StockMove.Kind.TRANSFER_OUT),
            (destination, amount, StockMove.Kind.TRANSFER_IN),
        ):
            moves.append(
                ledger.MoveInput(
                    product.pk,
                    location.pk,
                    signed,
                    kind,
                    day,
                    lot_id=lot.pk if lot else None,
                    document="transfer",
                    document_id=transfer.pk,
                    reference=transfer.number,
                    valued=False,
                )
            )
    recorded = ledger.moves_record(actor=actor, moves=moves)
    TransferLine.objects.bulk_create(
        [
            TransferLine(
                transfer=transfer,
                product=product,
                lot=lot,
                quantity=amount,
                out_move=recorded.moves[2 * index],
                in_move=recorded.moves[2 * index + 1],
            )
            for index, (product, amount, lot) in enumerate(parsed)
        ]
    )
    audit_record(
        action="supply_chain.transfer_created",
        actor=actor,
        obj=transfer,
        number=transfer.number,
        lines=len(parsed),
    )
    return transfer


# --- stocktakes --------------------------------------------------------------------------


def stocktake_list(
    *, actor: Any, q: str = "", status: str = "", warehouse_id: int | None = None
) -> QuerySet[Stocktake]:
    permissions.require(actor, permissions.VIEW)
    stocktakes = Stocktake.objects.select_related("warehouse").annotate(
        line_count=Count("lines"), counted_count=Count("lines", filter=Q(lines__counted__isnull=False))
    )
    if q:
        stocktakes = stocktakes.filter(Q(number__icontains=q) | Q(note__icontains=q) | Q(warehouse__name__icontains=q))
    if status in Stocktake.Status.values:
        stocktakes = stocktakes.filter(status=status)
    if warehouse_id:
        stocktakes = stocktakes.filter(warehouse_id=warehouse_id)
    return stocktakes.order_by("-counted_on", "-id")


def stocktake_get(*, actor: Any, stocktake_id: int) -> Stocktake:
    permissions.require(actor, permissions.VIEW)
    stocktake = Stocktake.objects.select_related("warehouse", "created_by").filter(pk=stocktake_id).first()
    if stocktake is None:
        raise NotFound(_("There is no such stocktake."))
    return stocktake


def stocktake_lines(stocktake: Stocktake) -> QuerySet[StocktakeLine]:
    return stocktake.lines.select_related("product", "location", "lot", "move").order_by(
        "product__sku", "location__code", "lot__number", "id"
    )


def _warehouse(value: Warehouse | int) -> Warehouse:
    warehouse_id = value.pk if isinstance(value, Warehouse) else value
    warehouse = Warehouse.objects.filter(pk=warehouse_id).first() if isinstance(warehouse_id, int) else None
    if warehouse is None:
        raise ValidationFailed(_("Choose a warehouse."), fields={"warehouse": [_("Choose a warehouse.")]})
    if not warehouse.is_active:
        message = _("This warehouse is no longer in use.")
        raise ValidationFailed(message, fields={"warehouse": [message]})
    return warehouse


@transaction.atomic
def stocktake_start(
    *,
    actor: Any,
    warehouse: Warehouse | int,
    day: date,
    category_id: int | None = None,
    product_ids: Sequence[int] | None = None,
    note: str = "",
) -> Stocktake:
    """Start counting a warehouse: one line per stock level there (what the books expect now,
    per location and lot), or only the products asked for (with a zero line where a product
    has nothing). Levels at zero are left out of a whole-warehouse count; add a line for what is
    found there."""
    permissions.require(actor, permissions.STOCK)
    place = _warehouse(warehouse)
    if len(note or "") > 300:
        raise ValidationFailed(_("The note is too long."), fields={"note": [_("At most 300 characters.")]})
    levels = StockLevel.objects.filter(warehouse=place)
    wanted: list[int] = []
    if product_ids:
        wanted = sorted({int(pk) for pk in product_ids})
        known = set(Product.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if len(known) != len(wanted):
            message = _("Choose products from the catalogue.")
            raise ValidationFailed(message, fields={"products": [message]})
        levels = levels.filter(product_id__in=wanted)
    else:
        levels = levels.exclude(quantity=0)
    if category_id:
        levels = levels.filter(product__category_id=category_id)
    stocktake = Stocktake.objects.create(
        number=numbering.next_number("stocktake", day),
        warehouse=place,
        counted_on=day,
        note=(note or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    lines = [
        StocktakeLine(
            stocktake=stocktake,
            product_id=level.product_id,
            location_id=level.location_id,
            lot_id=level.lot_id,
            expected=level.quantity,
        )
        for level in levels.order_by("product_id", "location_id", "lot_id")
    ]
    covered = {line.product_id for line in lines}
    missing = [pk for pk in wanted if pk not in covered]
    if missing:
        default = place.locations.filter(is_default=True).first() or place.locations.order_by("id").first()
        if default is None:
            message = _("The warehouse has no location to count.")
            raise ValidationFailed(message, fields={"warehouse": [message]})
        lines += [StocktakeLine(stocktake=stocktake, product_id=pk, location=default, expected=ZERO) for pk in missing]
    if not lines:
        message = _("There is nothing in stock to count here; choose products to count.")
        raise ValidationFailed(message, fields={"products": [message]})
    StocktakeLine.objects.bulk_create(lines)
    audit_record(action="supply_chain.stocktake_started", actor=actor, obj=stocktake, lines=len(lines))
    return stocktake


def _open_stocktake(stocktake: Stocktake | int) -> Stocktake:
    """The stocktake, locked, still counting."""
    stocktake_id = stocktake.pk if isinstance(stocktake, Stocktake) else stocktake
    locked = Stocktake.objects.select_for_update().filter(pk=stocktake_id).first()
    if locked is None:
        raise NotFound(_("There is no such stocktake."))
    if locked.status != Stocktake.Status.COUNTING:
        raise Conflict(
            _("Stocktake %(number)s is %(status)s; it cannot change any more.")
            % {"number": locked.number, "status": locked.get_status_display().lower()},
            code="stocktake_closed",
        )
    return locked


@transaction.atomic
def stocktake_count(*, actor: Any, stocktake: Stocktake | int, counts: Mapping[int, Any]) -> Stocktake:
    """Enter counted quantities (line id → counted, at or above zero; blank clears a count)."""
    permissions.require(actor, permissions.STOCK)
    locked = _open_stocktake(stocktake)
    lines = {line.pk: line for line in locked.lines.filter(pk__in=[k for k in counts if isinstance(k, int)])}
    errors: dict[str, list[str]] = {}
    changed: list[StocktakeLine] = []
    for line_id, value in counts.items():
        line = lines.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            errors[f"counts.{line_id}"] = [_("This line is not on the stocktake.")]
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            counted = None
        else:
            counted, message = _quantity(value, allow_zero=True)
            if message:
                errors[f"counts.{line_id}"] = [message]
                continue
        if line.counted != counted:
            line.counted = counted
            changed.append(line)
    if errors:
        raise ValidationFailed(_("Some counts are not valid."), fields=errors)
    if changed:
        StocktakeLine.objects.bulk_update(changed, ["counted"])
    return locked


@transaction.atomic
def stocktake_add_line(
    *,
    actor: Any,
    stocktake: Stocktake | int,
    product_id: int,
    location_id: int | None = None,
    lot_number: str = "",
    counted: Any = None,
) -> StocktakeLine:
    """Add what was found but not expected (a product, a lot, another location): its expected
    quantity is what the books hold there now, nothing for something unexpected."""
    permissions.require(actor, permissions.STOCK)
    locked = _open_stocktake(stocktake)
    errors: dict[str, list[str]] = {}
    product = Product.objects.filter(pk=product_id).first() if isinstance(product_id, int) else None
    if product is None:
        errors["product"] = [_("Choose a product from the catalogue.")]
    locations = Location.objects.filter(warehouse_id=locked.warehouse_id)
    location = locations.filter(pk=location_id).first() if location_id else locations.filter(is_default=True).first()
    if location is None:
        errors["location"] = [_("Choose a location of this warehouse.")]
    amount: Decimal | None = None
    if counted is not None and counted != "":
        amount, message = _quantity(counted, allow_zero=True)
        if message:
            errors["counted"] = [message]
    lot = _lot(product, lot_number, "lot", errors, create=not errors) if product is not None else None
    if errors or product is None or location is None:
        raise ValidationFailed(_("The line could not be added."), fields=errors)
    if locked.lines.filter(product=product, location=location, lot=lot).exists():
        message = _("This product is already on the stocktake at this location.")
        raise ValidationFailed(message, fields={"product": [message]})
    level = StockLevel.objects.filter(product=product, location=location, lot=lot).first()
    return StocktakeLine.objects.create(
        stocktake=locked,
        product=product,
        location=location,
        lot=lot,
        expected=level.quantity if level else ZERO,
        counted=amount,
    )


def _average_cost(product: Product, valuation: ProductValuation | None) -> Decimal:
    """What a unit found in a count is worth: the current average, else the last cost, else the
    purchase price."""
    if valuation is not None:
        if valuation.quantity > 0:
            return (valuation.value / valuation.quantity).quantize(ledger.COST_PLACES)
        if valuation.last_cost > 0:
            return valuation.last_cost
    return product.purchase_price


@transaction.atomic
def stocktake_post(*, actor: Any, stocktake: Stocktake | int) -> Stocktake:
    """Post the differences of the counted lines as adjustment moves and one finance entry.

    The difference of a line is its count against what the books hold at that location *now*,
    not what they held when counting began: moves recorded meanwhile (a delivery during the
    count) are already in the books, and adjusting against the frozen figure would count them
    twice. Each line's ``expected`` is set to that current quantity, so counted minus expected
    is what was posted. Lines left uncounted are not adjusted. Adjustments are dated on the
    count date. Posting a posted stocktake again changes nothing.
    """
    permissions.require(actor, permissions.STOCK)
    stocktake_id = stocktake.pk if isinstance(stocktake, Stocktake) else stocktake
    current = Stocktake.objects.select_for_update().filter(pk=stocktake_id).first()
    if current is not None and current.status == Stocktake.Status.POSTED:
        return current  # a retried post: already done, nothing more to write
    locked = _open_stocktake(stocktake_id)
    lines = list(locked.lines.filter(counted__isnull=False).select_related("product").order_by("id"))
    if not lines:
        message = _("Enter at least one count before posting.")
        raise ValidationFailed(message, fields={"counts": [message]})
    product_ids = sorted({line.product_id for line in lines})
    # Lock in the ledger's order (valuations, then levels) so a delivery at the same time waits
    # instead of deadlocking, and the quantities read here stay true until the moves are written.
    ProductValuation.objects.bulk_create([ProductValuation(product_id=pk) for pk in product_ids], ignore_conflicts=True)
    valuations = {
        row.product_id: row
        for row in ProductValuation.objects.select_for_update()
        .filter(product_id__in=product_ids)
        .order_by("product_id")
    }
    condition = Q()
    for line in lines:
        condition |= Q(product_id=line.product_id, location_id=line.location_id, lot_id=line.lot_id)
    levels = {
        (level.product_id, level.location_id, level.lot_id): level.quantity
        for level in StockLevel.objects.select_for_update()
        .filter(condition)
        .order_by("product_id", "location_id", "lot_id")
    }
    moves: list[ledger.MoveInput] = []
    adjusted: list[StocktakeLine] = []
    for line in lines:
        line.expected = levels.get((line.product_id, line.location_id, line.lot_id), ZERO)
        difference = (line.counted or ZERO) - line.expected
        if difference == 0:
            continue
        cost = _average_cost(line.product, valuations.get(line.product_id)) if difference > 0 else None
        moves.append(
            ledger.MoveInput(
                line.product_id,
                line.location_id,
                difference,
                StockMove.Kind.ADJUSTMENT,
                locked.counted_on,
                unit_cost=cost,
                lot_id=line.lot_id,
                document="stocktake",
                document_id=locked.pk,
                reference=locked.number,
            )
        )
        adjusted.append(line)
    recorded = ledger.moves_record(actor=actor, moves=moves)
    for line, move in zip(adjusted, recorded.moves, strict=True):
        line.move = move
    StocktakeLine.objects.bulk_update(lines, ["expected", "move"])
    change = sum((move.value for move in recorded.moves), ZERO)
    book = postings.accounts()
    locked.voucher_id = postings.entry_post(
        document="stocktake",
        document_id=locked.pk,
        day=locked.counted_on,
        debit=book.inventory,
        credit=book.adjustment,
        amount=change,
        summary=_("Stocktake %(number)s differences") % {"number": locked.number},
    )
    postings.revaluations_post(recorded.revaluations, day=locked.counted_on)
    locked.value_change = change
    locked.status = Stocktake.Status.POSTED
    locked.save(update_fields=["voucher_id", "value_change", "status"])
    audit_record(
        action="supply_chain.stocktake_posted",
        actor=actor,
        obj=locked,
        number=locked.number,
        adjustments=len(adjusted),
        value_change=str(change),
    )
    return locked


@transaction.atomic
def stocktake_cancel(*, actor: Any, stocktake: Stocktake | int) -> Stocktake:
    """Drop a count that is still going on; nothing was posted, nothing is."""
    permissions.require(actor, permissions.STOCK)
    locked = _open_stocktake(stocktake)
    locked.status = Stocktake.Status.CANCELLED
    locked.save(update_fields=["status"])
    audit_record(action="supply_chain.stocktake_cancelled", actor=actor, obj=locked, number=locked.number)
    return locked


# --- choices for forms ---------------------------------------------------------------------


@dataclass(frozen=True)
class LocationChoice:
    id: int
    label: str
    warehouse_id: int


def location_choices(*, actor: Any) -> list[LocationChoice]:
    """Active locations of active warehouses, for transfer forms (a firm has a few hundred)."""
    permissions.require(actor, permissions.VIEW)
    rows = (
        Location.objects.filter(is_active=True, warehouse__is_active=True)
        .select_related("warehouse")
        .order_by("warehouse__code", "code")[:1000]
    )
    return [
        LocationChoice(row.pk, f"{row.warehouse.code} {row.warehouse.name} / {row.code}", row.warehouse_id)
        for row in rows
    ]


def warehouse_choices(*, actor: Any, active_only: bool = True) -> list[Warehouse]:
    permissions.require(actor, permissions.VIEW)
    warehouses = Warehouse.objects.order_by("code")
    if active_only:
        warehouses = warehouses.filter(is_active=True)
    return list(warehouses[:500])


def products_by_sku(skus: Sequence[str]) -> dict[str, int]:
    """Product ids by SKU (case as typed first, then ignoring case), for forms that take SKUs."""
    wanted = {sku.strip() for sku in skus if sku and sku.strip()}
    if not wanted:
        return {}
    found = dict(Product.objects.filter(sku__in=wanted).values_list("sku", "pk"))
    missing = wanted - set(found)
    if missing:
        condition = Q()
        for sku in missing:
            condition |= Q(sku__iexact=sku)
        for sku, pk in Product.objects.filter(condition).values_list("sku", "pk"):
            found.setdefault(next((m for m in missing if m.lower() == sku.lower()), sku), pk)
    return found


def category_choices(*, actor: Any) -> list[Category]:
    permissions.require(actor, permissions.VIEW)
    return list(Category.objects.order_by("name")[:500])


@dataclass(frozen=True)
class StocktakeSummary:
    lines: int
    counted: int
    differences: int  # counted lines whose count differs from what was expected when counting began


def stocktake_summary(stocktake: Stocktake) -> StocktakeSummary:
    figures = stocktake.lines.aggregate(
        all_lines=Count("id"),
        counted_lines=Count("id", filter=Q(counted__isnull=False)),
        different_lines=Count("id", filter=Q(counted__isnull=False) & ~Q(counted=F("expected"))),
    )
    return StocktakeSummary(figures["all_lines"], figures["counted_lines"], figures["different_lines"])


@dataclass(frozen=True)
class PreviewLine:
    line: StocktakeLine
    on_hand: Decimal
    difference: Decimal


def stocktake_preview(stocktake: Stocktake, *, limit: int = 500) -> list[PreviewLine]:
    """What posting would adjust now: each counted line against what the books hold now (the
    differences that are not zero, at most ``limit``)."""
    lines = list(stocktake_lines(stocktake).filter(counted__isnull=False)[:5000])
    levels = {
        (level.product_id, level.location_id, level.lot_id): level.quantity
        for level in StockLevel.objects.filter(
            warehouse_id=stocktake.warehouse_id, product_id__in={line.product_id for line in lines}
        )
    }
    preview = []
    for line in lines:
        now = levels.get((line.product_id, line.location_id, line.lot_id), ZERO)
        if line.counted is not None and line.counted != now:
            preview.append(PreviewLine(line, now, line.counted - now))
    return preview[:limit]
