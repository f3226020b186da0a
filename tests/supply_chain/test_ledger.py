"""The stock ledger: levels equal the sum of the moves, stock below zero is refused, moves
cannot be rewritten, and both cost methods match examples worked out by hand, including a
back-dated receipt."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from apps.supply_chain.ledger import MoveInput, moves_record, settings_row
from apps.supply_chain.models import ProductValuation, Revaluation, StockLevel, StockMove
from core.errors import Conflict

from .conftest import D, default_location, issue, receive

pytestmark = pytest.mark.django_db

DAY1, DAY2, DAY3, DAY4 = (date(2026, 11, d) for d in (1, 2, 3, 4))


def _valuation(product) -> tuple[Decimal, Decimal]:
    row = ProductValuation.objects.get(product=product)
    return row.quantity, row.value


def test_levels_and_valuation_always_equal_the_sum_of_the_moves(owner, make) -> None:
    # given two warehouses and a mix of moves, some of them back-dated
    main, second = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 10, "5", DAY2)
    receive(owner, product, second, 4, "6", DAY3)
    issue(owner, product, main, 3, DAY3)
    receive(owner, product, main, 2, "4", DAY1)  # back-dated
    issue(owner, product, second, 4, DAY4)
    # then every level is the sum of its moves, and the valuation the sum of all values
    for level in StockLevel.objects.filter(product=product):
        moved = StockMove.objects.filter(product=product, location=level.location).aggregate(q=Sum("quantity"))["q"]
        assert level.quantity == moved
    totals = StockMove.objects.filter(product=product).aggregate(q=Sum("quantity"), v=Sum("value"))
    assert _valuation(product) == (totals["q"], totals["v"])
    assert totals["q"] == D(9)


def test_delivery_beyond_stock_is_refused_and_nothing_is_written(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 5, "10", DAY1)
    moves_before = StockMove.objects.count()
    with pytest.raises(Conflict) as refused:
        issue(owner, product, warehouse, 6, DAY2)
    assert refused.value.code == "insufficient_stock"
    assert "5 个 on hand, 6 needed" in refused.value.detail
    assert StockMove.objects.count() == moves_before
    assert StockLevel.objects.get(product=product).quantity == D(5)
    assert _valuation(product) == (D(5), D("50.00"))


def test_negative_stock_is_costed_at_the_last_cost_when_the_firm_allows_it(owner, make) -> None:
    row = settings_row()
    row.allow_negative_stock = True
    row.save()
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 2, "7", DAY1)
    recorded = issue(owner, product, warehouse, 5, DAY2)
    assert recorded.moves[0].value == D("-35.00")
    assert _valuation(product) == (D(-3), D("-21.00"))
    receive(owner, product, warehouse, 5, "9", DAY3)
    assert _valuation(product) == (D(2), D("24.00"))


def test_moves_cannot_be_changed_or_deleted(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    move = receive(owner, product, warehouse, 5, "10", DAY1)
    for statement in (
        "UPDATE supply_chain_stockmove SET quantity = 50 WHERE id = %s",
        "UPDATE supply_chain_stockmove SET value = 1 WHERE id = %s",
        "DELETE FROM supply_chain_stockmove WHERE id = %s",
    ):
        with pytest.raises(Exception, match="cannot be"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [move.pk])
    move.refresh_from_db()
    assert (move.quantity, move.value) == (D(5), D("50.00"))


def test_a_zero_quantity_move_is_refused_by_the_database(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.create(
            product=product,
            warehouse=warehouse,
            location=default_location(warehouse),
            kind="receipt",
            moved_on=DAY1,
            quantity=0,
        )


def test_moving_average_worked_example_with_a_back_dated_receipt(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    # given 10 @ 10 on day 1, 10 @ 12 on day 3 and 5 delivered on day 4 at the average 11
    receive(owner, product, warehouse, 10, "10", DAY1)
    receive(owner, product, warehouse, 10, "12", DAY3)
    delivery = issue(owner, product, warehouse, 5, DAY4).moves[0]
    assert delivery.value == D("-55.00")
    assert _valuation(product) == (D(15), D("165.00"))
    # when 20 @ 8.50 arrive back-dated to day 2
    recorded = issue(owner, product, warehouse, -20, DAY2, kind="receipt", unit_cost=D("8.5"))
    # then: after day 3 there are 40 worth 390 (average 9.75), so the delivery cost 48.75
    delivery.refresh_from_db()
    assert delivery.value == D("-48.75")
    assert delivery.unit_cost == D("9.750000")
    assert _valuation(product) == (D(35), D("341.25"))
    (result,) = recorded.revaluations
    assert result.value_change == {"delivery": D("6.25")}
    revaluation = Revaluation.objects.get(move=recorded.moves[0])
    assert revaluation.cost_change == D("-6.25")
    assert revaluation.moves_revalued == 2  # the day-3 receipt's balance and the delivery


def test_fifo_worked_example_with_a_back_dated_receipt(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product(cost_method="fifo")
    first = receive(owner, product, warehouse, 10, "10", DAY1)
    third = receive(owner, product, warehouse, 10, "12", DAY3)
    delivery = issue(owner, product, warehouse, 15, DAY4).moves[0]
    assert delivery.value == D("-160.00")  # 10 x 10 + 5 x 12
    third.refresh_from_db()
    assert third.remaining == D(5)
    # when 5 @ 8 arrive back-dated to day 2, FIFO takes them before the day-3 layer
    recorded = issue(owner, product, warehouse, -5, DAY2, kind="receipt", unit_cost=D("8"))
    delivery.refresh_from_db()
    assert delivery.value == D("-140.00")  # 10 x 10 + 5 x 8
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.remaining, recorded.moves[0].remaining, third.remaining) == (D(0), D(0), D(10))
    assert _valuation(product) == (D(10), D("120.00"))
    assert recorded.revaluations[0].value_change == {"delivery": D("20.00")}


def test_fifo_return_to_supplier_takes_the_returned_receipts_layer(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product(cost_method="fifo")
    receive(owner, product, warehouse, 10, "10", DAY1)
    second = receive(owner, product, warehouse, 10, "12", DAY2)
    moves_record(
        actor=owner,
        moves=[
            MoveInput(
                product.pk,
                default_location(warehouse).pk,
                D(-4),
                StockMove.Kind.PURCHASE_RETURN,
                DAY3,
                unit_cost=D(12),
                origin_id=second.pk,
            )
        ],
    )
    second.refresh_from_db()
    assert second.remaining == D(6)
    delivery = issue(owner, product, warehouse, 12, DAY4).moves[0]
    assert delivery.value == D("-124.00")  # 10 x 10 + 2 x 12
    assert _valuation(product) == (D(4), D("48.00"))


def test_the_delivery_that_empties_the_stock_takes_every_fen_left(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 3, "10", DAY1)
    receive(owner, product, warehouse, 3, "10.01", DAY1)
    first = issue(owner, product, warehouse, 1, DAY2).moves[0]
    assert first.value == D("-10.01")  # 60.03 / 6, rounded half up
    last = issue(owner, product, warehouse, 5, DAY2).moves[0]
    assert last.value == D("-50.02")
    assert _valuation(product) == (D(0), D("0.00"))


def test_transfers_move_stock_without_changing_its_value(owner, make) -> None:
    main, second = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 10, "3", DAY1)
    moves_record(
        actor=owner,
        moves=[
            MoveInput(product.pk, default_location(main).pk, D(-4), "xfer_out", DAY2, valued=False),
            MoveInput(product.pk, default_location(second).pk, D(4), "xfer_in", DAY2, valued=False),
        ],
    )
    assert StockLevel.objects.get(product=product, warehouse=second).quantity == D(4)
    assert _valuation(product) == (D(10), D("30.00"))


def test_a_back_dated_delivery_before_the_goods_arrived_is_refused(owner, make) -> None:
    # given 10 received on day 3
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 10, "5", DAY3)
    moves_before = StockMove.objects.count()
    # when 10 are delivered dated day 1, before they arrived
    with pytest.raises(Conflict) as refused:
        issue(owner, product, warehouse, 10, DAY1)
    # then it is refused (0 were there that day) and nothing is written
    assert refused.value.code == "insufficient_stock"
    assert "0 个 on hand" in refused.value.detail
    assert StockMove.objects.count() == moves_before
    assert _valuation(product) == (D(10), D("50.00"))


def test_a_back_dated_delivery_may_not_take_what_a_later_delivery_took(owner, make) -> None:
    # given 10 received on day 1 and 8 delivered on day 3
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 10, "5", DAY1)
    issue(owner, product, warehouse, 8, DAY3)
    # when 5 more are delivered dated day 2, the day-3 delivery would have gone below zero
    with pytest.raises(Conflict):
        issue(owner, product, warehouse, 5, DAY2)
    # but the 2 that were really left can go out on day 2
    issue(owner, product, warehouse, 2, DAY2)
    assert _valuation(product) == (D(0), D("0.00"))


def test_stock_below_zero_before_any_receipt_is_costed_at_the_purchase_price(owner, make) -> None:
    row = settings_row()
    row.allow_negative_stock = True
    row.save()
    warehouse, product = make.warehouse(), make.product(purchase_price=D("4"))
    receive(owner, product, warehouse, 10, "5", DAY3)
    # a delivery dated before anything arrived is costed at the product's purchase price, not zero
    delivery = issue(owner, product, warehouse, 3, DAY1).moves[0]
    delivery.refresh_from_db()
    assert delivery.value == D("-12.00")
    assert _valuation(product) == (D(7), D("38.00"))
