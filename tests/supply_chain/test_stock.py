"""Stock operations: transfers move stock and keep its value; stocktakes post their differences
as adjustments, balanced in finance and once only; counts are checked; roles are enforced."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from apps.finance.models import Voucher
from apps.supply_chain import stock
from apps.supply_chain.models import (
    Lot,
    ProductValuation,
    StockLevel,
    StockMove,
    Stocktake,
    StocktakeLine,
    Transfer,
)
from core.errors import Conflict, NotAllowed, ValidationFailed

from .conftest import D, default_location, issue, receive

pytestmark = pytest.mark.django_db

DAY1, DAY2, DAY3 = (date(2026, 11, d) for d in (1, 2, 3))


def _level(product, warehouse) -> D:
    total = StockLevel.objects.filter(product=product, warehouse=warehouse).aggregate(q=Sum("quantity"))["q"]
    return total or D(0)


def _voucher_totals(voucher_id: int) -> tuple[D, D]:
    lines = Voucher.objects.get(pk=voucher_id).lines.aggregate(d=Sum("debit"), c=Sum("credit"))
    return lines["d"], lines["c"]


# --- transfers ----------------------------------------------------------------------------


def test_transfer_moves_stock_between_warehouses_and_keeps_its_value(owner, make) -> None:
    # given 10 units worth 50 in the main warehouse
    main, branch = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 10, "5", DAY1)
    # when 4 are transferred to the branch
    transfer = stock.transfer_create(
        actor=owner,
        from_location=default_location(main),
        to_location=default_location(branch).pk,
        day=DAY2,
        lines=[(product.pk, "4", "")],
    )
    # then each warehouse holds its share, the firm's value is unchanged, and the moves are unvalued
    assert transfer.number.startswith("TR-2026-")
    assert (_level(product, main), _level(product, branch)) == (D(6), D(4))
    valuation = ProductValuation.objects.get(product=product)
    assert (valuation.quantity, valuation.value) == (D(10), D("50.00"))
    line = transfer.lines.get()
    assert (line.out_move.kind, line.out_move.quantity, line.out_move.valued) == ("xfer_out", D(-4), False)
    assert (line.in_move.kind, line.in_move.quantity, line.in_move.valued) == ("xfer_in", D(4), False)
    assert (line.in_move.document, line.in_move.document_id) == ("transfer", transfer.pk)


def test_transfer_beyond_stock_is_refused_and_nothing_is_written(owner, make) -> None:
    main, branch = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 3, "5", DAY1)
    moves, transfers = StockMove.objects.count(), Transfer.objects.count()
    with pytest.raises(Conflict) as refused:
        stock.transfer_create(
            actor=owner,
            from_location=default_location(main),
            to_location=default_location(branch),
            day=DAY2,
            lines=[(product.pk, "5", "")],
        )
    assert refused.value.code == "insufficient_stock"
    assert (StockMove.objects.count(), Transfer.objects.count()) == (moves, transfers)
    assert _level(product, main) == D(3)
    assert _level(product, branch) == D(0)


def test_transfer_to_the_same_location_or_with_bad_lines_is_refused_per_field(owner, make) -> None:
    main = make.warehouse()
    product = make.product()
    receive(owner, product, main, 3, "5", DAY1)
    here = default_location(main)
    with pytest.raises(ValidationFailed) as refused:
        stock.transfer_create(
            actor=owner,
            from_location=here,
            to_location=here,
            day=DAY2,
            lines=[(product.pk, "-1", ""), (999999, "1", ""), (product.pk, "1", "L1")],
        )
    fields = refused.value.fields
    assert set(fields) == {"to_location", "lines.1.quantity", "lines.2.product", "lines.3.lot"}
    assert Transfer.objects.count() == 0


def test_transfer_from_an_inactive_location_is_refused(owner, make) -> None:
    main, branch = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 3, "5", DAY1)
    branch.is_active = False
    branch.save()
    with pytest.raises(ValidationFailed) as refused:
        stock.transfer_create(
            actor=owner,
            from_location=default_location(main),
            to_location=default_location(branch),
            day=DAY2,
            lines=[(product.pk, "1", "")],
        )
    assert "to_location" in refused.value.fields
    assert StockMove.objects.filter(kind="xfer_out").count() == 0


def test_transfer_of_a_lot_moves_that_lot(owner, make) -> None:
    main, branch = make.warehouse(), make.warehouse()
    product = make.product(tracking="lot")
    lot = Lot.objects.create(product=product, number="B-01")
    receive(owner, product, main, 5, "2", DAY1, lot_id=lot.pk)
    stock.transfer_create(
        actor=owner,
        from_location=default_location(main),
        to_location=default_location(branch),
        day=DAY2,
        lines=[(product.pk, "2", "B-01")],
    )
    assert StockLevel.objects.get(product=product, warehouse=branch, lot=lot).quantity == D(2)


def test_a_viewer_cannot_transfer_and_nothing_changes(owner, make, member_factory) -> None:
    main, branch = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 3, "5", DAY1)
    viewer = member_factory("viewer@alpha.example", "viewer")
    with pytest.raises(NotAllowed):
        stock.transfer_create(
            actor=viewer,
            from_location=default_location(main),
            to_location=default_location(branch),
            day=DAY2,
            lines=[(product.pk, "1", "")],
        )
    assert Transfer.objects.count() == 0
    assert _level(product, main) == D(3)


def test_a_warehouse_keeper_may_transfer(make, owner, member_factory) -> None:
    main, branch = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 3, "5", DAY1)
    keeper = member_factory("keeper@alpha.example", "warehouse")
    stock.transfer_create(
        actor=keeper,
        from_location=default_location(main),
        to_location=default_location(branch),
        day=DAY2,
        lines=[(product.pk, "1", "")],
    )
    assert _level(product, branch) == D(1)


# --- stocktakes ----------------------------------------------------------------------------


def _counted(owner, make):
    warehouse = make.warehouse()
    gain, loss, same = make.product(), make.product(), make.product()
    receive(owner, gain, warehouse, 10, "4", DAY1)  # average 4
    receive(owner, loss, warehouse, 10, "3", DAY1)
    receive(owner, same, warehouse, 2, "1", DAY1)
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse, day=DAY2)
    lines = {line.product_id: line for line in stocktake.lines.all()}
    stock.stocktake_count(
        actor=owner,
        stocktake=stocktake,
        counts={lines[gain.pk].pk: "12", lines[loss.pk].pk: D("7.5"), lines[same.pk].pk: "2"},
    )
    return warehouse, gain, loss, same, stocktake


def test_stocktake_start_freezes_expected_quantities_per_level(owner, make) -> None:
    warehouse = make.warehouse()
    shelf = make.location(warehouse, "A-01")
    product = make.product()
    receive(owner, product, warehouse, 4, "1", DAY1)
    from apps.supply_chain.ledger import MoveInput, moves_record

    moves_record(actor=owner, moves=[MoveInput(product.pk, shelf.pk, D(3), "receipt", DAY1, unit_cost=D(1))])
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse.pk, day=DAY2)
    assert stocktake.status == "counting"
    assert sorted((line.location.code, line.expected) for line in stocktake.lines.all()) == [
        ("A-01", D(3)),
        ("STOCK", D(4)),
    ]


def test_stocktake_of_chosen_products_adds_zero_lines_for_products_not_there(owner, make) -> None:
    warehouse = make.warehouse()
    held, absent = make.product(), make.product()
    receive(owner, held, warehouse, 4, "1", DAY1)
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse, day=DAY2, product_ids=[held.pk, absent.pk])
    assert sorted((line.product_id, line.expected) for line in stocktake.lines.all()) == [
        (held.pk, D(4)),
        (absent.pk, D(0)),
    ]


def test_stocktake_gain_and_loss_are_posted_as_adjustments_and_balanced(owner, make) -> None:
    # given counts: 2 more of a product at average 4, 2.5 fewer of one at 3, one as expected
    warehouse, gain, loss, same, stocktake = _counted(owner, make)
    # when the stocktake is posted
    posted = stock.stocktake_post(actor=owner, stocktake=stocktake)
    # then stock equals the counts, two adjustment moves exist, and finance got the net change
    assert posted.status == "posted"
    assert (_level(gain, warehouse), _level(loss, warehouse), _level(same, warehouse)) == (D(12), D("7.5"), D(2))
    moves = StockMove.objects.filter(document="stocktake", document_id=stocktake.pk)
    assert sorted((m.product_id, m.quantity, m.value) for m in moves) == sorted(
        [(gain.pk, D(2), D("8.00")), (loss.pk, D("-2.5"), D("-7.50"))]
    )
    assert posted.value_change == D("0.50")
    assert posted.voucher_id is not None
    assert _voucher_totals(posted.voucher_id) == (D("0.50"), D("0.50"))
    line = StocktakeLine.objects.get(stocktake=stocktake, product=same)
    assert line.move_id is None


def test_stocktake_loss_credits_inventory(owner, make) -> None:
    from apps.supply_chain.postings import accounts

    warehouse = make.warehouse()
    product = make.product()
    receive(owner, product, warehouse, 10, "3", DAY1)
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse, day=DAY2)
    stock.stocktake_count(actor=owner, stocktake=stocktake, counts={stocktake.lines.get().pk: "6"})
    posted = stock.stocktake_post(actor=owner, stocktake=stocktake.pk)
    assert posted.value_change == D("-12.00")
    assert posted.voucher_id is not None
    lines = Voucher.objects.get(pk=posted.voucher_id).lines.select_related("account")
    book = accounts()
    assert {(line.account.code, line.debit, line.credit) for line in lines} == {
        (book.adjustment, D("12.00"), D(0)),
        (book.inventory, D(0), D("12.00")),
    }


def test_posting_a_stocktake_twice_posts_once(owner, make) -> None:
    _warehouse, _gain, _loss, _same, stocktake = _counted(owner, make)
    first = stock.stocktake_post(actor=owner, stocktake=stocktake)
    moves, vouchers = StockMove.objects.count(), Voucher.objects.count()
    again = stock.stocktake_post(actor=owner, stocktake=stocktake)
    assert (again.voucher_id, again.value_change) == (first.voucher_id, first.value_change)
    assert (StockMove.objects.count(), Voucher.objects.count()) == (moves, vouchers)


def test_stocktake_posts_against_what_is_on_hand_now(owner, make) -> None:
    # given a count of 10 expected, 8 counted, and 3 delivered while counting went on
    warehouse = make.warehouse()
    product = make.product()
    receive(owner, product, warehouse, 10, "2", DAY1)
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse, day=DAY2)
    line = stocktake.lines.get()
    issue(owner, product, warehouse, 3, DAY2)
    stock.stocktake_count(actor=owner, stocktake=stocktake, counts={line.pk: "8"})
    # when posted, the books (7) are raised to the count (8), not lowered by 2
    stock.stocktake_post(actor=owner, stocktake=stocktake)
    assert _level(product, warehouse) == D(8)
    line.refresh_from_db()
    assert line.move is not None
    assert (line.expected, line.counted, line.move.quantity) == (D(7), D(8), D(1))


def test_a_found_product_is_valued_at_its_last_cost_or_purchase_price(owner, make) -> None:
    warehouse = make.warehouse()
    product = make.product(purchase_price=D("6.5"))
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse, day=DAY2, product_ids=[product.pk])
    stock.stocktake_count(actor=owner, stocktake=stocktake, counts={stocktake.lines.get().pk: "2"})
    posted = stock.stocktake_post(actor=owner, stocktake=stocktake)
    assert posted.value_change == D("13.00")


def test_counts_are_checked_per_line_and_nothing_is_saved(owner, make) -> None:
    _warehouse, _gain, _loss, _same, stocktake = _counted(owner, make)
    lines = list(stocktake.lines.order_by("id"))
    other = stock.stocktake_start(actor=owner, warehouse=make.warehouse(), day=DAY2, product_ids=[_gain.pk])
    foreign = other.lines.get().pk
    before = sorted(StocktakeLine.objects.filter(stocktake=stocktake).values_list("pk", "counted"))
    with pytest.raises(ValidationFailed) as refused:
        stock.stocktake_count(
            actor=owner,
            stocktake=stocktake,
            counts={lines[0].pk: "-1", lines[1].pk: "abc", lines[2].pk: "1.23456", foreign: "1"},
        )
    assert set(refused.value.fields) == {f"counts.{lines[i].pk}" for i in range(3)} | {f"counts.{foreign}"}
    assert sorted(StocktakeLine.objects.filter(stocktake=stocktake).values_list("pk", "counted")) == before


def test_a_blank_count_clears_it_and_uncounted_lines_are_not_adjusted(owner, make) -> None:
    warehouse, gain, _loss, _same, stocktake = _counted(owner, make)
    line = stocktake.lines.get(product=gain)
    stock.stocktake_count(actor=owner, stocktake=stocktake, counts={line.pk: ""})
    stock.stocktake_post(actor=owner, stocktake=stocktake)
    assert _level(gain, warehouse) == D(10)


def test_posting_without_any_count_is_refused(owner, make) -> None:
    warehouse = make.warehouse()
    product = make.product()
    receive(owner, product, warehouse, 1, "1", DAY1)
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse, day=DAY2)
    with pytest.raises(ValidationFailed):
        stock.stocktake_post(actor=owner, stocktake=stocktake)
    stocktake.refresh_from_db()
    assert stocktake.status == "counting"


def test_an_unexpected_lot_can_be_added_and_is_posted_as_a_gain(owner, make) -> None:
    warehouse = make.warehouse()
    product = make.product(tracking="lot", purchase_price=D(3))
    stocktake = stock.stocktake_start(actor=owner, warehouse=warehouse, day=DAY2, product_ids=[product.pk])
    line = stock.stocktake_add_line(
        actor=owner, stocktake=stocktake, product_id=product.pk, lot_number="FOUND-1", counted="4"
    )
    assert line.lot is not None
    assert (line.expected, line.lot.number) == (D(0), "FOUND-1")
    with pytest.raises(ValidationFailed):
        stock.stocktake_add_line(actor=owner, stocktake=stocktake, product_id=product.pk, lot_number="FOUND-1")
    stock.stocktake_post(actor=owner, stocktake=stocktake)
    assert StockLevel.objects.get(product=product, lot=line.lot).quantity == D(4)


def test_a_cancelled_stocktake_cannot_be_counted_or_posted(owner, make) -> None:
    _warehouse, _gain, _loss, _same, stocktake = _counted(owner, make)
    stock.stocktake_cancel(actor=owner, stocktake=stocktake)
    moves = StockMove.objects.count()
    for attempt in (
        lambda: stock.stocktake_post(actor=owner, stocktake=stocktake),
        lambda: stock.stocktake_count(actor=owner, stocktake=stocktake, counts={}),
        lambda: stock.stocktake_cancel(actor=owner, stocktake=stocktake),
    ):
        with pytest.raises(Conflict):
            attempt()
    assert StockMove.objects.count() == moves
    assert Stocktake.objects.get(pk=stocktake.pk).status == "cancelled"


@pytest.mark.parametrize("role", ["viewer", "sales", "purchaser"])
def test_only_warehouse_keepers_post_stocktakes_and_nothing_changes(owner, make, member_factory, role) -> None:
    warehouse, gain, _loss, _same, stocktake = _counted(owner, make)
    person = member_factory(f"{role}@alpha.example", role)
    with pytest.raises(NotAllowed):
        stock.stocktake_post(actor=person, stocktake=stocktake)
    with pytest.raises(NotAllowed):
        stock.stocktake_start(actor=person, warehouse=warehouse, day=DAY2)
    assert Stocktake.objects.get(pk=stocktake.pk).status == "counting"
    assert Stocktake.objects.count() == 1
    assert _level(gain, warehouse) == D(10)
