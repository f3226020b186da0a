"""The stock ledger and its valuation: every change of stock goes through ``moves_record``.

Moves of one product are costed in (``moved_on``, ``id``) order, one product at a time (its
``ProductValuation`` row is locked). Incoming moves carry their cost; outgoing moves are costed
by the product's method:

- moving weighted average: the balance's value over its quantity; the move that empties the
  stock takes exactly what is left, so no fen stays behind;
- FIFO: the oldest open layers first (``StockMove.remaining``). A return to a supplier takes
  from the layer of the receipt it undoes first.

Stock going below zero (only where the firm allows it) is costed at the last known cost.

A move dated before the product's last move is back-dated: the product's moves from that day
on are costed again (for the average, from the balance just before it; for FIFO, from the
last point the product had no open layers), only rows whose figures change are written, and
the change in cost of what was already delivered or written off is posted once, as one
revaluation voucher. Nothing else is reposted: no storm of reposts as in ERPNext.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import Conflict, ValidationFailed

from .models import Location, Product, ProductValuation, Revaluation, StockLevel, StockMove, SupplyChainSettings

ZERO = Decimal("0")
FEN = Decimal("0.01")
COST_PLACES = Decimal("0.000001")


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def settings_row() -> SupplyChainSettings:
    row, _created = SupplyChainSettings.objects.get_or_create(id=1)
    return row


@dataclass(frozen=True)
class MoveInput:
    """One change of stock as documents describe it: ``quantity`` in base units, positive in,
    negative out. ``unit_cost`` is required for incoming moves and returns to a supplier; other
    outgoing moves leave it None and are costed by the product's method."""

    product_id: int
    location_id: int
    quantity: Decimal
    kind: str
    moved_on: date
    unit_cost: Decimal | None = None
    lot_id: int | None = None
    origin_id: int | None = None
    document: str = ""
    document_id: int | None = None
    reference: str = ""
    valued: bool = True


@dataclass
class RevaluationResult:
    product_id: int
    move_id: int
    moves_revalued: int
    # Change in cost of moves already recorded, by kind (negative: they now cost more).
    value_change: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Recorded:
    moves: list[StockMove]
    revaluations: list[RevaluationResult]


@dataclass
class _Layer:
    move_id: int | None  # None: a deficit (stock below zero), to be covered by the next receipts
    quantity: Decimal
    cost: Decimal


@dataclass
class _State:
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    last_cost: Decimal = ZERO
    layers: deque[_Layer] = field(default_factory=deque)


@dataclass
class _Row:
    """A move as the replay sees it, with the figures stored before the replay."""

    id: int
    kind: str
    quantity: Decimal
    fixed_cost: bool
    unit_cost: Decimal
    value: Decimal
    balance_quantity: Decimal
    balance_value: Decimal
    remaining: Decimal
    origin_id: int | None
    is_new: bool = False
    changed: bool = False


_COLUMNS = "id, kind, quantity, fixed_cost, unit_cost, value, balance_quantity, balance_value, remaining, origin_id"


def _rows(sql: str, params: Sequence[Any]) -> list[_Row]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_COLUMNS} FROM supply_chain_stockmove WHERE {sql}", params)
        return [_Row(*record) for record in cursor.fetchall()]


def _take(
    layers: deque[_Layer], need: Decimal, *, prefer: int | None, touched: dict[int, Decimal]
) -> tuple[Decimal, Decimal]:
    """Take up to ``need`` from the open layers, oldest first (``prefer``'s layer before all);
    return the quantity taken and its cost. What the layers cannot give is left to the caller.
    A deficit (negative layer) at the front means there is nothing left to take."""
    taken = cost = ZERO
    if prefer is not None:
        for layer in layers:
            if layer.move_id == prefer:
                take = min(max(layer.quantity, ZERO), need)
                layer.quantity -= take
                taken, cost = take, take * layer.cost
                touched[prefer] = layer.quantity
                break
    while layers and taken < need:
        layer = layers[0]
        if layer.quantity < 0:
            break
        take = min(layer.quantity, need - taken)
        layer.quantity -= take
        taken += take
        cost += take * layer.cost
        if layer.move_id is not None:
            touched[layer.move_id] = layer.quantity
        if layer.quantity == 0:
            layers.popleft()
    return taken, cost


def _replay(method: str, state: _State, rows: Iterable[_Row]) -> dict[int, Decimal]:
    """Cost ``rows`` in order from ``state``; set each row's figures and ``changed``. Returns
    the new ``remaining`` of FIFO layers that started before the rows (the rows' own are set)."""
    touched: dict[int, Decimal] = {}
    fifo = method == Product.CostMethod.FIFO
    rows = list(rows)
    before = {
        row.id: (row.unit_cost, row.value, row.balance_quantity, row.balance_value, row.remaining) for row in rows
    }
    for row in rows:
        quantity = row.quantity
        if quantity > 0:
            row.value = money(quantity * row.unit_cost)
            if fifo:
                rest = quantity
                while rest > 0 and state.layers and state.layers[0].quantity < 0:
                    deficit = state.layers[0]
                    cover = min(-deficit.quantity, rest)
                    deficit.quantity += cover
                    rest -= cover
                    if deficit.quantity == 0:
                        state.layers.popleft()
                row.remaining = rest
                if rest > 0:
                    state.layers.append(_Layer(row.id, rest, row.unit_cost))
            state.last_cost = row.unit_cost
        else:
            need = -quantity
            if row.fixed_cost:
                row.value = -money(need * row.unit_cost)
                if fifo:
                    taken, _cost = _take(state.layers, need, prefer=row.origin_id, touched=touched)
                    if taken < need:
                        state.layers.append(_Layer(None, taken - need, row.unit_cost))
            elif fifo:
                taken, cost = _take(state.layers, need, prefer=None, touched=touched)
                short = need - taken
                if short > 0:
                    cost += short * state.last_cost
                    state.layers.append(_Layer(None, -short, state.last_cost))
                row.value = -state.value if state.quantity == need else -money(cost)
            else:
                if state.quantity == need:
                    row.value = -state.value
                else:
                    average = state.value / state.quantity if state.quantity > 0 else state.last_cost
                    row.value = -money(need * average)
            if not row.fixed_cost:
                row.unit_cost = max(ZERO, (-row.value / need).quantize(COST_PLACES, rounding=ROUND_HALF_UP))
            row.remaining = ZERO
        state.quantity += quantity
        state.value += row.value
        row.balance_quantity = state.quantity
        row.balance_value = state.value
    for row in rows:
        if row.id in touched:
            row.remaining = touched.pop(row.id)
        row.changed = before[row.id] != (
            row.unit_cost,
            row.value,
            row.balance_quantity,
            row.balance_value,
            row.remaining,
        )
    return touched


def _tail_state(product: Product, valuation: ProductValuation) -> _State:
    state = _State(valuation.quantity, valuation.value, valuation.last_cost)
    if product.cost_method == Product.CostMethod.FIFO:
        for row in _rows("product_id = %s AND remaining > 0 ORDER BY moved_on, id", [product.pk]):
            state.layers.append(_Layer(row.id, row.remaining, row.unit_cost))
        if valuation.quantity < 0:
            state.layers.append(_Layer(None, valuation.quantity, valuation.last_cost))
    return state


def _state_before(product: Product, moved_on: date, move_id: int) -> tuple[_State, list[_Row]]:
    """The state just before (``moved_on``, ``move_id``) and the valued rows from there on."""
    key = "product_id = %s AND valued AND (moved_on, id) < (%s, %s)"
    if product.cost_method == Product.CostMethod.FIFO:
        # Replay from the last point nothing was left (no open layers to rebuild).
        reset = _rows(
            key + " AND balance_quantity <= 0 ORDER BY moved_on DESC, id DESC LIMIT 1",
            [
                product.pk,
                moved_on,
                move_id,
            ],
        )
        state = _State(last_cost=product.purchase_price)
        if reset:
            start = reset[0]
            state = _State(start.balance_quantity, start.balance_value, _last_cost(product, start))
            if start.balance_quantity < 0:
                state.layers.append(_Layer(None, start.balance_quantity, state.last_cost))
            rows = _rows(
                "product_id = %s AND valued AND (moved_on, id) > (SELECT moved_on, id FROM supply_chain_stockmove"
                " WHERE id = %s) ORDER BY moved_on, id",
                [product.pk, start.id],
            )
        else:
            rows = _rows("product_id = %s AND valued ORDER BY moved_on, id", [product.pk])
        return state, rows
    previous = _rows(key + " ORDER BY moved_on DESC, id DESC LIMIT 1", [product.pk, moved_on, move_id])
    state = _State(last_cost=product.purchase_price)
    if previous:
        state = _State(previous[0].balance_quantity, previous[0].balance_value, _last_cost(product, previous[0]))
    rows = _rows(
        "product_id = %s AND valued AND (moved_on, id) >= (%s, %s) ORDER BY moved_on, id",
        [product.pk, moved_on, move_id],
    )
    return state, rows


def _last_cost(product: Product, upto: _Row) -> Decimal:
    """The cost of the last incoming move up to ``upto`` (for stock costed below zero)."""
    if upto.quantity > 0:
        return upto.unit_cost
    found = _rows(
        "product_id = %s AND valued AND quantity > 0 AND (moved_on, id) < (SELECT moved_on, id FROM"
        " supply_chain_stockmove WHERE id = %s) ORDER BY moved_on DESC, id DESC LIMIT 1",
        [product.pk, upto.id],
    )
    return found[0].unit_cost if found else product.purchase_price


def _write(rows: Iterable[_Row], layers: dict[int, Decimal]) -> None:
    """Write the figures of the rows that changed (and the FIFO layers that did), in one
    statement each: arrays of values unnested on the server, not thousands of placeholders."""
    changed = [row for row in rows if row.changed or row.is_new]
    with connection.cursor() as cursor:
        if changed:
            cursor.execute(
                "UPDATE supply_chain_stockmove AS m SET unit_cost = v.c, value = v.v, balance_quantity = v.bq,"
                " balance_value = v.bv, remaining = v.r"
                " FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[],"
                " %s::numeric[]) AS v(id, c, v, bq, bv, r) WHERE m.id = v.id",
                [
                    [row.id for row in changed],
                    [row.unit_cost for row in changed],
                    [row.value for row in changed],
                    [row.balance_quantity for row in changed],
                    [row.balance_value for row in changed],
                    [row.remaining for row in changed],
                ],
            )
        if layers:
            cursor.execute(
                "UPDATE supply_chain_stockmove AS m SET remaining = v.r"
                " FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, r) WHERE m.id = v.id",
                [list(layers), list(layers.values())],
            )


def _available_from(key: tuple[int, int, int | None], day: date) -> Decimal:
    """What a move dated ``day`` may take from a location without the balance there going below
    zero at the end of ``day`` or after any later move there."""
    product_id, location_id, lot_id = key
    where = "product_id = %s AND location_id = %s AND lot_id IS NOT DISTINCT FROM %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COALESCE(SUM(quantity), 0) FROM supply_chain_stockmove WHERE {where} AND moved_on <= %s),"
            " (SELECT MIN(balance) FROM (SELECT moved_on, SUM(quantity) OVER (ORDER BY moved_on, id) AS balance"
            f" FROM supply_chain_stockmove WHERE {where}) AS running WHERE moved_on > %s)",
            [product_id, location_id, lot_id, day, product_id, location_id, lot_id, day],
        )
        end_of_day, lowest_after = cursor.fetchone()
    return min(Decimal(end_of_day), Decimal(lowest_after)) if lowest_after is not None else Decimal(end_of_day)


def _has_later_moves(key: tuple[int, int, int | None], day: date) -> bool:
    lot = Q(lot__isnull=True) if key[2] is None else Q(lot_id=key[2])
    return StockMove.objects.filter(lot, product_id=key[0], location_id=key[1], moved_on__gt=day).exists()


def _lock_levels(moves: Sequence[MoveInput], locations: dict[int, Location]) -> dict[tuple[int, int, int | None], Any]:
    keys = sorted({(m.product_id, m.location_id, m.lot_id) for m in moves}, key=lambda k: (k[0], k[1], k[2] or 0))
    StockLevel.objects.bulk_create(
        [
            StockLevel(product_id=p, location_id=loc, warehouse_id=locations[loc].warehouse_id, lot_id=lot)
            for p, loc, lot in keys
        ],
        ignore_conflicts=True,
    )
    condition = Q()
    for product_id, location_id, lot_id in keys:
        condition |= Q(product_id=product_id, location_id=location_id, lot_id=lot_id)
    levels = StockLevel.objects.select_for_update().filter(condition).order_by("product_id", "location_id", "lot_id")
    return {(level.product_id, level.location_id, level.lot_id): level for level in levels}


def _check_input(moves: Sequence[MoveInput], products: dict[int, Product], locations: dict[int, Location]) -> None:
    for move in moves:
        if move.product_id not in products:
            raise ValidationFailed(_("Choose a product from the catalogue."), fields={"product": [_("Unknown.")]})
        if move.location_id not in locations:
            raise ValidationFailed(_("Choose a location."), fields={"location": [_("Unknown.")]})
        if not move.quantity or not move.quantity.is_finite():
            raise ValidationFailed(_("A stock move needs a quantity."), fields={"quantity": [_("Required.")]})
        needs_cost = move.valued and (move.quantity > 0 or (move.origin_id is not None and move.kind == "p_return"))
        if needs_cost and (move.unit_cost is None or move.unit_cost < 0):
            raise ValidationFailed(_("An incoming move needs its unit cost."), fields={"unit_cost": [_("Required.")]})


@transaction.atomic
def moves_record(*, actor: Any, moves: Sequence[MoveInput]) -> Recorded:
    """Record ``moves`` in the ledger: levels and valuation follow in the same transaction;
    stock below zero is refused unless the firm allows it; back-dated moves re-cost what follows
    them (the caller posts the returned revaluations, see ``postings.revaluations_post``)."""
    if not moves:
        return Recorded([], [])
    product_ids = sorted({m.product_id for m in moves})
    products = Product.objects.in_bulk(product_ids)
    locations = Location.objects.in_bulk({m.location_id for m in moves})
    _check_input(moves, products, locations)
    ProductValuation.objects.bulk_create(
        [ProductValuation(product_id=pid) for pid in product_ids if moves and any(m.valued for m in moves)],
        ignore_conflicts=True,
    )
    valuations = {
        v.product_id: v
        for v in ProductValuation.objects.select_for_update().filter(product_id__in=product_ids).order_by("product_id")
    }
    levels = _lock_levels(moves, locations)
    before = {key: level.quantity for key, level in levels.items()}
    needed: dict[tuple[int, int, int | None], Decimal] = defaultdict(lambda: ZERO)
    for move in moves:
        key = (move.product_id, move.location_id, move.lot_id)
        levels[key].quantity += move.quantity
        if move.quantity < 0:
            needed[key] -= move.quantity
    if not settings_row().allow_negative_stock:
        for key, need in needed.items():
            earliest = min(m.moved_on for m in moves if (m.product_id, m.location_id, m.lot_id) == key)
            available = before[key]
            if _has_later_moves(key, earliest):  # back-dated: no later balance may go below zero
                available = min(available, _available_from(key, earliest))
            if available - need < 0:
                product = products[key[0]]
                raise Conflict(
                    _("Not enough %(product)s at %(location)s: %(available)s %(unit)s on hand, %(needed)s needed.")
                    % {
                        "product": product,
                        "location": locations[key[1]],
                        "available": f"{available.normalize():f}",
                        "needed": f"{need.normalize():f}",
                        "unit": product.unit,
                    },
                    code="insufficient_stock",
                    fields={"quantity": [_("Not enough stock.")]},
                )
    for level in levels.values():
        level.save(update_fields=["quantity"])

    created = StockMove.objects.bulk_create(
        [
            StockMove(
                product_id=m.product_id,
                warehouse_id=locations[m.location_id].warehouse_id,
                location_id=m.location_id,
                lot_id=m.lot_id,
                kind=m.kind,
                moved_on=m.moved_on,
                quantity=m.quantity,
                valued=m.valued,
                fixed_cost=m.quantity > 0 or m.unit_cost is not None,
                unit_cost=m.unit_cost if m.unit_cost is not None else ZERO,
                value=money(m.quantity * m.unit_cost) if m.unit_cost is not None else ZERO,
                origin_id=m.origin_id,
                document=m.document,
                document_id=m.document_id,
                reference=m.reference[:40],
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            for m in moves
        ]
    )
    by_product: dict[int, list[StockMove]] = defaultdict(list)
    for stored in created:
        if stored.valued:
            by_product[stored.product_id].append(stored)
    revaluations = []
    for product_id, new_moves in by_product.items():
        result = _cost(products[product_id], valuations[product_id], new_moves)
        if result is not None:
            revaluations.append(result)
    by_id = {move.pk: move for move in created}
    if by_id:
        for fresh in StockMove.objects.filter(pk__in=list(by_id)).only(
            "unit_cost", "value", "balance_quantity", "balance_value", "remaining"
        ):
            costed = by_id[fresh.pk]
            costed.unit_cost, costed.value = fresh.unit_cost, fresh.value
            costed.balance_quantity, costed.balance_value, costed.remaining = (
                fresh.balance_quantity,
                fresh.balance_value,
                fresh.remaining,
            )
    for result in revaluations:
        change = sum(result.value_change.values(), ZERO)
        Revaluation.objects.create(
            move_id=result.move_id,
            product_id=result.product_id,
            moves_revalued=result.moves_revalued,
            cost_change=-change,
        )
    return Recorded(created, revaluations)


def _cost(product: Product, valuation: ProductValuation, new_moves: list[StockMove]) -> RevaluationResult | None:
    new_moves.sort(key=lambda m: (m.moved_on, m.pk))
    first = new_moves[0]
    backdated = valuation.last_moved_on is not None and first.moved_on < valuation.last_moved_on
    new_ids = {m.pk for m in new_moves}
    if backdated:
        state, rows = _state_before(product, first.moved_on, first.pk)
    else:
        state = _tail_state(product, valuation)
        rows = _rows("id = ANY(%s) ORDER BY moved_on, id", [sorted(new_ids)])
    old_values = {row.id: row.value for row in rows if row.id not in new_ids}
    for row in rows:
        row.is_new = row.id in new_ids
    touched = _replay(product.cost_method, state, rows)
    _write(rows, touched)
    valuation.quantity, valuation.value, valuation.last_cost = state.quantity, state.value, state.last_cost
    latest = max(m.moved_on for m in new_moves)
    if valuation.last_moved_on is None or latest > valuation.last_moved_on:
        valuation.last_moved_on = latest
    valuation.save(update_fields=["quantity", "value", "last_cost", "last_moved_on"])
    if not backdated:
        return None
    result = RevaluationResult(product.pk, first.pk, 0)
    kinds: dict[int, str] = {}
    for row in rows:
        if row.id in old_values and row.changed:
            result.moves_revalued += 1
            if not row.fixed_cost and row.value != old_values[row.id]:
                kinds[row.id] = row.kind
                result.value_change[row.kind] = result.value_change.get(row.kind, ZERO) + (
                    row.value - old_values[row.id]
                )
    return result


def on_hand(product_id: int, *, warehouse_id: int | None = None) -> Decimal:
    """What the ledger says is on hand (the sum of the moves), for checks and tests."""
    moves = StockMove.objects.filter(product_id=product_id)
    if warehouse_id is not None:
        moves = moves.filter(warehouse_id=warehouse_id)
    from django.db.models import Sum

    return moves.aggregate(total=Sum("quantity"))["total"] or ZERO
