"""Sales: reservations and available-to-promise, partial deliveries leaving a backorder, no
overselling (also with two deliveries at once), cost of sales posted once and balanced,
invoices drafted in finance, returns at the delivery's cost, orders from won CRM deals, roles."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.models import Invoice, Voucher
from apps.supply_chain import postings, sales
from apps.supply_chain.models import (
    Delivery,
    Lot,
    PriceList,
    PriceListItem,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    StockLevel,
    StockMove,
    UnitConversion,
)
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed

from .conftest import D, Make, receive

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)
LATER = date(2026, 11, 5)


def _order(actor: Any, make: Make, customer: Any, warehouse: Any, *lines: tuple[Any, Any], **extra: Any) -> SalesOrder:
    return sales.sales_order_create(
        actor=actor,
        customer_id=customer.pk,
        warehouse_id=warehouse.pk,
        ordered_on=DAY,
        lines=[{"product": product.pk, "quantity": str(quantity), **extra} for product, quantity in lines],
    )


def _setup(owner: Any, make: Make, on_hand: Any = 10, cost: Any = "5") -> tuple[Any, Any, Any]:
    warehouse, product = make.warehouse(), make.product(sale_price=D("20"))
    customer = make.partner(supplier=False)
    if on_hand:
        receive(owner, product, warehouse, on_hand, cost, DAY)
    return warehouse, product, customer


def _deliver(actor: Any, order: SalesOrder, *quantities: Any, day: date = DAY) -> Delivery:
    lines = list(order.lines.order_by("line_no"))
    return sales.delivery_create(
        actor=actor,
        sales_order_id=order.pk,
        day=day,
        lines=[(line.pk, str(quantity), "") for line, quantity in zip(lines, quantities, strict=False) if quantity],
    )


def _voucher_lines(voucher_id: int | None) -> list[tuple[str, Decimal, Decimal]]:
    voucher = Voucher.objects.get(pk=int(voucher_id or 0))
    return sorted((line.account.code, line.debit, line.credit) for line in voucher.lines.select_related("account"))


# --- orders and prices -----------------------------------------------------------------------


def test_an_order_is_priced_from_the_customers_price_list_tier_else_the_sale_price(owner, make) -> None:
    # given a price list with tiers from 1 and from 10, and a product without a list price
    warehouse, product, customer = _setup(owner, make, on_hand=0)
    other = make.product(sale_price=D("7.5"), vat_rate=D("0.09"))
    price_list = PriceList.objects.create(name="批发价")
    PriceListItem.objects.create(price_list=price_list, product=product, min_quantity=1, price=D("18"))
    PriceListItem.objects.create(price_list=price_list, product=product, min_quantity=10, price=D("16"))
    customer.price_list = price_list
    customer.save()
    # when 12 of the first and 3 of the other are ordered without prices
    order = _order(owner, make, customer, warehouse, (product, 12), (other, 3))
    # then the 10+ tier and the sale price apply, with each product's VAT rate
    first, second = order.lines.order_by("line_no")
    assert (first.unit_price, first.vat_rate, first.untaxed, first.tax) == (D("16"), D("0.13"), D("192"), D("24.96"))
    assert (second.unit_price, second.vat_rate, second.untaxed, second.tax) == (
        D("7.5"),
        D("0.09"),
        D("22.5"),
        D("2.03"),
    )
    assert (order.untaxed, order.tax, order.total) == (D("214.50"), D("26.99"), D("241.49"))
    assert order.number.startswith("SO-2026-")
    assert order.status == "draft"


def test_a_line_in_another_unit_carries_its_factor_and_price_per_that_unit(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make, on_hand=0)
    UnitConversion.objects.create(product=product, unit="箱", factor=D("12"))
    order = _order(owner, make, customer, warehouse, (product, 2), unit="箱")
    line = order.lines.get()
    assert (line.unit, line.factor, line.unit_price, line.untaxed) == ("箱", D("12"), D("240"), D("480"))


def test_bad_lines_are_reported_per_line_and_nothing_is_saved(owner, make) -> None:
    warehouse, product, _customer = _setup(owner, make, on_hand=0)
    supplier_only = make.partner(customer=False)
    with pytest.raises(ValidationFailed) as refused:
        sales.sales_order_create(
            actor=owner,
            customer_id=supplier_only.pk,
            warehouse_id=warehouse.pk,
            lines=[
                {"product": product.pk, "quantity": "1"},
                {"product": product.pk, "quantity": "-2", "unit": "吨"},
                {"product": 999999, "quantity": "1", "vat_rate": "0.2"},
            ],
        )
    fields = refused.value.fields
    assert "customer" in fields
    assert {"lines.2.quantity", "lines.2.unit", "lines.3.product", "lines.3.vat_rate"} <= set(fields)
    assert "lines.1.product" not in fields
    assert not SalesOrder.objects.exists()


def test_only_a_draft_changes(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 2))
    sales.sales_order_update(actor=owner, sales_order_id=order.pk, lines=[{"product": product.pk, "quantity": "3"}])
    order.refresh_from_db()
    assert order.total == D("67.80")
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    with pytest.raises(Conflict):
        sales.sales_order_update(actor=owner, sales_order_id=order.pk, note="x")
    assert SalesOrder.objects.get(pk=order.pk).note == ""


# --- reservations and available-to-promise ---------------------------------------------------


def test_confirming_reserves_what_is_available_to_promise_after_other_orders(owner, make) -> None:
    # given 10 on hand, and a first order of 7 confirmed
    warehouse, product, customer = _setup(owner, make)
    first = _order(owner, make, customer, warehouse, (product, 7))
    sales.sales_order_confirm(actor=owner, sales_order_id=first.pk)
    assert first.lines.get().reserved_quantity == D(7)
    # when a second order of 5 is confirmed
    second = _order(owner, make, customer, warehouse, (product, 5))
    (before,) = sales.availability(second)
    assert (before.on_hand, before.reserved_by_others, before.available) == (D(10), D(7), D(3))
    sales.sales_order_confirm(actor=owner, sales_order_id=second.pk)
    # then it reserves only the 3 left to promise
    assert second.lines.get().reserved_quantity == D(3)
    (first_view,) = sales.availability(first)
    assert (first_view.reserved_by_others, first_view.available) == (D(3), D(7))


def test_availability_shows_what_open_purchase_orders_bring_in_in_base_units(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make)
    supplier = make.partner(customer=False)
    purchase = PurchaseOrder.objects.create(
        number="PO-2026-9001", supplier=supplier, warehouse=warehouse, status="partial", ordered_on=DAY
    )
    PurchaseOrderLine.objects.create(
        order=purchase,
        line_no=1,
        product=product,
        unit="箱",
        factor=D(12),
        quantity=D(5),
        unit_price=D(1),
        vat_rate=D("0.13"),
        received_quantity=D(2),
    )
    order = _order(owner, make, customer, warehouse, (product, 1))
    assert sales.availability(order)[0].incoming == D(36)


def test_cancelling_releases_the_reservation_and_a_delivered_order_cannot_be_cancelled(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 4))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    sales.sales_order_cancel(actor=owner, sales_order_id=order.pk)
    assert order.lines.get().reserved_quantity == D(0)
    other = _order(owner, make, customer, warehouse, (product, 4))
    sales.sales_order_confirm(actor=owner, sales_order_id=other.pk)
    _deliver(owner, other, 1)
    with pytest.raises(Conflict):
        sales.sales_order_cancel(actor=owner, sales_order_id=other.pk)
    assert SalesOrder.objects.get(pk=other.pk).status == "partial"


def test_closing_a_backorder_releases_what_is_left(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 6))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    _deliver(owner, order, 2)
    sales.sales_order_close(actor=owner, sales_order_id=order.pk)
    line = order.lines.get()
    assert (line.reserved_quantity, SalesOrder.objects.get(pk=order.pk).status) == (D(0), "closed")
    with pytest.raises(Conflict):
        _deliver(owner, order, 1)


# --- deliveries ------------------------------------------------------------------------------


def test_a_partial_delivery_leaves_a_backorder_and_the_rest_completes_it(owner, make) -> None:
    # given an order of 8, confirmed (8 reserved)
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 8))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    # when 3 are delivered
    first = _deliver(owner, order, 3)
    # then 5 are still to deliver and still reserved, stock is down to 7
    line = order.lines.get()
    assert (line.delivered_quantity, line.reserved_quantity) == (D(3), D(5))
    assert SalesOrder.objects.get(pk=order.pk).status == "partial"
    assert sales.left_to_deliver(SalesOrder.objects.get(pk=order.pk))[0][1] == D(5)
    assert StockLevel.objects.get(product=product).quantity == D(7)
    assert first.number.startswith("DN-2026-")
    # when the other 5 go
    _deliver(owner, order, 5, day=LATER)
    line.refresh_from_db()
    assert (line.delivered_quantity, line.reserved_quantity) == (D(8), D(0))
    assert SalesOrder.objects.get(pk=order.pk).status == "delivered"


def test_delivering_more_than_ordered_is_refused_and_nothing_is_written(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 4))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    _deliver(owner, order, 3)
    moves, vouchers = StockMove.objects.count(), Voucher.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _deliver(owner, order, 2)
    assert "lines.1.quantity" in refused.value.fields
    assert (StockMove.objects.count(), Voucher.objects.count(), Delivery.objects.count()) == (moves, vouchers, 1)
    assert order.lines.get().delivered_quantity == D(3)


def test_delivering_more_than_on_hand_is_refused_by_the_ledger_and_nothing_is_written(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make, on_hand=2)
    order = _order(owner, make, customer, warehouse, (product, 5))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    assert order.lines.get().reserved_quantity == D(2)
    with pytest.raises(Conflict) as refused:
        _deliver(owner, order, 3)
    assert refused.value.code == "insufficient_stock"
    assert not Delivery.objects.exists()
    assert StockLevel.objects.get(product=product).quantity == D(2)
    assert order.lines.get().delivered_quantity == D(0)


def test_a_delivery_in_another_unit_moves_base_units(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make, on_hand=30)
    UnitConversion.objects.create(product=product, unit="箱", factor=D("12"))
    order = _order(owner, make, customer, warehouse, (product, 2), unit="箱")
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    assert order.lines.get().reserved_quantity == D(24)
    _deliver(owner, order, 1)
    assert StockLevel.objects.get(product=product).quantity == D(18)
    assert order.lines.get().reserved_quantity == D(12)


def test_a_lot_tracked_product_is_delivered_from_a_lot_with_stock(owner, make) -> None:
    warehouse, customer = make.warehouse(), make.partner(supplier=False)
    product = make.product(tracking="lot", sale_price=D(9))
    lot = Lot.objects.create(product=product, number="L-01")
    receive(owner, product, warehouse, 5, "3", DAY, lot_id=lot.pk)
    Lot.objects.create(product=product, number="L-EMPTY")
    order = _order(owner, make, customer, warehouse, (product, 2))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    line = order.lines.get()
    for number in ("", "L-EMPTY"):
        with pytest.raises(ValidationFailed) as refused:
            sales.delivery_create(actor=owner, sales_order_id=order.pk, day=DAY, lines=[(line.pk, "2", number)])
        assert "lines.1.lot" in refused.value.fields
    delivery = sales.delivery_create(actor=owner, sales_order_id=order.pk, day=DAY, lines=[(line.pk, "2", "L-01")])
    assert delivery.lines.get().lot == lot
    assert StockLevel.objects.get(product=product, lot=lot).quantity == D(3)


def test_the_delivery_posts_its_cost_balanced_dr_cost_of_sales_cr_inventory(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make, cost="5.5")
    order = _order(owner, make, customer, warehouse, (product, 4))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    delivery = _deliver(owner, order, 4)
    book = postings.accounts()
    assert delivery.cost == D("22.00")
    assert _voucher_lines(delivery.voucher_id) == sorted(
        [(book.cogs, D("22.00"), D("0")), (book.inventory, D("0"), D("22.00"))]
    )
    voucher = Voucher.objects.get(pk=int(delivery.voucher_id or 0))
    assert voucher.idempotency_key == f"supply_chain.delivery:{delivery.pk}"


def test_posting_a_delivery_again_gives_the_same_voucher(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 2))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    delivery = _deliver(owner, order, 2)
    book = postings.accounts()
    count = Voucher.objects.count()
    again = postings.entry_post(
        document="delivery",
        document_id=delivery.pk,
        day=DAY,
        debit=book.cogs,
        credit=book.inventory,
        amount=delivery.cost,
        summary="retry",
    )
    assert again == delivery.voucher_id
    assert Voucher.objects.count() == count


# --- invoices and returns --------------------------------------------------------------------


def test_the_invoice_takes_what_was_delivered_and_is_drafted_in_finance_with_the_right_totals(owner, make) -> None:
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 5), unit_price="19.99")
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    _deliver(owner, order, 3)
    invoice = sales.customer_invoice_create(actor=owner, sales_order_id=order.pk, day=DAY)
    drafted = Invoice.objects.get(pk=int(invoice.finance_invoice_id or 0))
    assert (drafted.direction, drafted.status, drafted.reference) == ("sales", "draft", invoice.number)
    assert (drafted.untaxed, drafted.tax, drafted.total) == (D("59.97"), D("7.80"), D("67.77"))
    assert invoice.total == D("67.77")
    assert drafted.partner_name == customer.name
    assert order.lines.get().invoiced_quantity == D(3)
    with pytest.raises(Conflict) as nothing:
        sales.customer_invoice_create(actor=owner, sales_order_id=order.pk, day=DAY)
    assert nothing.value.code == "nothing_to_invoice"
    # the rest, once delivered, takes what is left of the line to the fen
    _deliver(owner, order, 2)
    second = sales.customer_invoice_create(actor=owner, sales_order_id=order.pk, day=DAY)
    assert second.lines.get().untaxed + invoice.lines.get().untaxed == order.lines.get().untaxed


def test_an_invoice_finance_refuses_leaves_nothing_behind(owner, make, member_factory) -> None:
    # given a sales person without a finance role
    seller = member_factory("seller@alpha.example", "sales")
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 2))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    _deliver(owner, order, 2)
    # when they invoice, finance refuses them
    with pytest.raises(NotAllowed):
        sales.customer_invoice_create(actor=seller, sales_order_id=order.pk, day=DAY)
    # then no invoice exists on either side and nothing counts as invoiced
    assert not order.invoices.exists()
    assert not Invoice.objects.filter(partner_name=customer.name).exists()
    assert order.lines.get().invoiced_quantity == D(0)


def test_a_return_comes_back_at_the_delivery_cost_and_posts_the_reverse(owner, make) -> None:
    # given 10 @ 5, 4 delivered (cost 20), then 10 more @ 8 (the average rises)
    warehouse, product, customer = _setup(owner, make)
    order = _order(owner, make, customer, warehouse, (product, 4))
    sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
    delivery = _deliver(owner, order, 4)
    receive(owner, product, warehouse, 10, "8", DAY)
    delivery_line = delivery.lines.get()
    # when 3 come back
    returned = sales.sales_return_create(
        actor=owner, sales_order_id=order.pk, day=LATER, reason="破损", lines=[(delivery_line.pk, "3")]
    )
    # then at the delivery's unit cost 5, not the new average
    assert returned.value == D("15.00")
    move = returned.lines.get().move
    assert (move.kind, move.quantity, move.unit_cost, move.origin_id) == ("s_return", D(3), D(5), delivery_line.move_id)
    book = postings.accounts()
    assert _voucher_lines(returned.voucher_id) == sorted(
        [(book.inventory, D("15.00"), D("0")), (book.cogs, D("0"), D("15.00"))]
    )
    assert order.lines.get().returned_quantity == D(3)
    # and no more than was delivered can come back
    with pytest.raises(ValidationFailed) as refused:
        sales.sales_return_create(
            actor=owner, sales_order_id=order.pk, day=LATER, reason="x", lines=[(delivery_line.pk, "2")]
        )
    assert "lines.1.quantity" in refused.value.fields
    assert order.returns.count() == 1


# --- from a CRM deal -------------------------------------------------------------------------


def _won_deal(owner: Any, *products: tuple[str, str, str]) -> Any:
    from apps.crm import quotes
    from apps.crm import services as crm

    account = crm.account_create(actor=owner, name="成都锦城精密制造有限公司", credit_code="91510100MA61R0XA33")
    deal = crm.opportunity_create(actor=owner, name="数控设备采购", account_id=account.pk, amount="1000")
    quotes.quote_create(
        actor=owner,
        account_id=account.pk,
        opportunity_id=deal.pk,
        lines=[{"product": name, "quantity": quantity, "unit_price": price} for name, quantity, price in products],
    )
    crm.opportunity_win(actor=owner, opportunity_id=deal.pk)
    return deal, account


def test_a_won_deal_becomes_a_draft_order_for_its_account_once(owner, make) -> None:
    warehouse = make.warehouse()
    lathe = make.product("CK6150", name="数控车床")
    chuck = make.product("CH-200", name="三爪卡盘")
    deal, account = _won_deal(owner, ("CK6150", "2", "118000"), ("三爪卡盘", "3", "800"))
    order = sales.sales_order_from_deal(actor=owner, opportunity_id=deal.pk, warehouse_id=warehouse.pk)
    assert order.crm_opportunity_id == deal.pk
    assert order.status == "draft"
    assert order.customer.crm_account_id == account.pk
    assert order.customer.is_customer
    assert order.customer.tax_id == "91510100MA61R0XA33"
    assert [(line.product_id, line.quantity, line.unit_price) for line in order.lines.order_by("line_no")] == [
        (lathe.pk, D(2), D(118000)),
        (chuck.pk, D(3), D(800)),
    ]
    with pytest.raises(Conflict) as again:
        sales.sales_order_from_deal(actor=owner, opportunity_id=deal.pk, warehouse_id=warehouse.pk)
    assert again.value.code == "already_ordered"
    assert order.number in again.value.detail
    assert SalesOrder.objects.count() == 1


def test_a_deal_whose_lines_match_no_product_is_refused_with_the_lines_named(owner, make) -> None:
    warehouse = make.warehouse()
    make.product("CK6150", name="数控车床")
    deal, _account = _won_deal(owner, ("CK6150", "1", "100"), ("安装调试服务", "1", "500"))
    with pytest.raises(ValidationFailed) as refused:
        sales.sales_order_from_deal(actor=owner, opportunity_id=deal.pk, warehouse_id=warehouse.pk)
    assert "lines.2.product" in refused.value.fields
    assert "lines.1.product" not in refused.value.fields
    assert "安装调试服务" in refused.value.fields["lines.2.product"][0]
    assert not SalesOrder.objects.exists()


def test_an_unknown_or_open_deal_is_not_found(owner, make) -> None:
    from apps.crm import services as crm

    warehouse = make.warehouse()
    account = crm.account_create(actor=owner, name="客户甲")
    open_deal = crm.opportunity_create(actor=owner, name="未成交", account_id=account.pk, amount="1")
    for opportunity_id in (open_deal.pk, 999999):
        with pytest.raises(NotFound):
            sales.sales_order_from_deal(actor=owner, opportunity_id=opportunity_id, warehouse_id=warehouse.pk)


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "purchaser", "warehouse", None])
def test_only_sales_staff_create_and_confirm_orders(owner, make, member_factory, role) -> None:
    user = member_factory(f"{role or 'none'}@alpha.example", role)
    warehouse, product, customer = _setup(owner, make)
    with pytest.raises(NotAllowed):
        _order(user, make, customer, warehouse, (product, 1))
    assert not SalesOrder.objects.exists()
    order = _order(owner, make, customer, warehouse, (product, 1))
    with pytest.raises(NotAllowed):
        sales.sales_order_confirm(actor=user, sales_order_id=order.pk)
    assert SalesOrder.objects.get(pk=order.pk).status == "draft"


def test_warehouse_keepers_and_sales_deliver_but_viewers_do_not(owner, make, member_factory) -> None:
    keeper = member_factory("keeper@alpha.example", "warehouse")
    seller = member_factory("seller@alpha.example", "sales")
    viewer = member_factory("viewer@alpha.example", "viewer")
    warehouse, product, customer = _setup(owner, make)
    order = _order(seller, make, customer, warehouse, (product, 3))
    sales.sales_order_confirm(actor=seller, sales_order_id=order.pk)
    with pytest.raises(NotAllowed):
        _deliver(viewer, order, 1)
    assert not Delivery.objects.exists()
    first = _deliver(keeper, order, 1)
    _deliver(seller, order, 1)
    assert order.lines.get().delivered_quantity == D(2)
    with pytest.raises(NotAllowed):
        sales.sales_return_create(
            actor=keeper,
            sales_order_id=order.pk,
            day=DAY,
            reason="x",
            lines=[(first.lines.get().pk, "1")],
        )
    assert order.lines.get().returned_quantity == D(0)


# --- two deliveries at once ------------------------------------------------------------------


@pytest.fixture
def firm_a_schema(transactional_db: None, firm_schemas: dict[str, str]) -> Iterator[str]:
    schema = firm_schemas["a"]
    yield schema
    tables = [m._meta.db_table for m in apps.get_app_config("supply_chain").get_models()]
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def test_two_deliveries_of_the_same_stock_at_once_never_oversell(firm_a_schema: str) -> None:
    # given 5 on hand and two confirmed orders of 5 each, committed, as two people see them.
    # The stock costs nothing, so no voucher is posted (this test's commits cannot be rolled back).
    with schema_context(firm_a_schema):
        owner = User.objects.get(role=User.Role.OWNER)
        make = Make()
        warehouse, product = make.warehouse(), make.product(sale_price=D(1))
        customer = make.partner("抢货客户", supplier=False)
        receive(owner, product, warehouse, 5, "0", DAY)
        orders = [_order(owner, make, customer, warehouse, (product, 5)) for _n in range(2)]
        for order in orders:
            sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
        lines = [order.lines.get().pk for order in orders]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def deliver(order: SalesOrder, line_id: int) -> None:
        try:
            with schema_context(firm_a_schema):
                barrier.wait(timeout=10)
                delivery = sales.delivery_create(
                    actor=owner, sales_order_id=order.pk, day=DAY, lines=[(line_id, "5", "")]
                )
                results.append(delivery.pk)
        except Exception as exc:  # the loser is told the stock is gone
            results.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(order, line)) for order, line in zip(orders, lines, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then exactly one delivery went through and stock is zero, not negative
    assert len([r for r in results if isinstance(r, int)]) == 1
    assert [r for r in results if not isinstance(r, int)] == ["insufficient_stock"]
    with schema_context(firm_a_schema):
        assert Delivery.objects.count() == 1
        assert StockLevel.objects.get(product=product).quantity == D(0)
        assert StockMove.objects.filter(product=product, kind="delivery").count() == 1
