"""Purchasing: orders priced to the fen, partial receipts and the over-receipt rule, tracked
products, the three-way match, the finance bill it drafts, balanced and idempotent postings,
returns at the receipt's cost, a back-dated receipt's revaluation, roles and the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.finance.models import Invoice, ModuleRole, Voucher
from apps.supply_chain import postings
from apps.supply_chain.ledger import settings_row
from apps.supply_chain.models import (
    Lot,
    Partner,
    ProductValuation,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    Receipt,
    Revaluation,
    StockLevel,
    StockMove,
    SupplierBill,
    UnitConversion,
)
from apps.supply_chain.purchasing import (
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_create,
    purchase_order_update,
    purchase_return_create,
    receipt_create,
    supplier_bill_create,
)
from core.errors import Conflict, NotAllowed, ValidationFailed
from tenants.models import Firm
from tests.conftest import PASSWORD

from .conftest import D, issue, receive

pytestmark = pytest.mark.django_db

DAY1, DAY2, DAY3, DAY4 = (date(2026, 11, d) for d in (1, 2, 3, 4))
SUPPLIER = "华东五金供应有限公司"


def _order(actor: Any, make: Any, lines: list[dict[str, Any]] | None = None, **fields: Any) -> PurchaseOrder:
    supplier = fields.pop("supplier", None) or (
        Partner.objects.filter(name=SUPPLIER).first() or make.partner(SUPPLIER, customer=False)
    )
    warehouse = fields.pop("warehouse", None) or make.warehouse()
    if lines is None:
        lines = [{"product": make.product(purchase_price=D("10")).pk, "quantity": "10"}]
    return purchase_order_create(
        actor=actor, supplier=supplier.pk, warehouse=warehouse.pk, lines=lines, ordered_on=DAY1, **fields
    )


def _confirmed(actor: Any, make: Any, **kwargs: Any) -> PurchaseOrder:
    order = _order(actor, make, **kwargs)
    return purchase_order_confirm(actor=actor, order=order.pk)


def _line(order: PurchaseOrder, number: int = 1) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.get(order=order, line_no=number)


def _balances(voucher_id: int) -> list[tuple[str, Decimal, Decimal]]:
    voucher = Voucher.objects.get(pk=voucher_id)
    return sorted(voucher.lines.values_list("account__code", "debit", "credit"))


# --- orders ----------------------------------------------------------------------------------


def test_an_order_takes_the_products_defaults_and_rounds_each_line_half_up(owner, make) -> None:
    # given a product bought at 3.3333 a piece (13% VAT) and by the box of 12
    product = make.product(purchase_price=D("3.3333"), vat_rate=D("0.13"))
    UnitConversion.objects.create(product=product, unit="箱", factor=D("12"))
    # when an order has one line in pieces with defaults and one in boxes at a typed price and 9%
    order = _order(
        owner,
        make,
        [
            {"product": product.pk, "quantity": "3"},
            {"product": product.pk, "quantity": "2", "unit": "箱", "unit_price": "40.005", "vat_rate": "0.09"},
        ],
    )
    # then 3 x 3.3333 = 9.9999 -> 10.00, VAT 1.30; 2 x 40.005 = 80.01, VAT 7.2009 -> 7.20
    first, second = _line(order, 1), _line(order, 2)
    assert (first.unit, first.factor, first.unit_price, first.untaxed, first.tax) == (
        "个",
        D(1),
        D("3.3333"),
        D("10.00"),
        D("1.30"),
    )
    assert (second.unit, second.factor, second.untaxed, second.tax) == ("箱", D(12), D("80.01"), D("7.20"))
    assert (order.untaxed, order.tax, order.total) == (D("90.01"), D("8.50"), D("98.51"))
    assert order.status == "draft"
    assert order.number.startswith("PO-2026-")
    assert AuditEvent.objects.filter(action="supply_chain.purchase_order_created", object_id=str(order.pk)).exists()


def test_bad_order_lines_are_refused_per_line_and_nothing_is_saved(owner, make) -> None:
    product = make.product()
    orders_before = PurchaseOrder.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _order(
            owner,
            make,
            [
                {"product": product.pk, "quantity": "1"},
                {"product": product.pk, "quantity": "0", "unit": "吨"},
                {"product": 999999, "quantity": "1", "vat_rate": "0.2"},
            ],
        )
    fields = refused.value.fields
    assert set(fields) >= {"lines.2.quantity", "lines.2.unit", "lines.3.product", "lines.3.vat_rate"}
    assert "lines.1.quantity" not in fields
    assert PurchaseOrder.objects.count() == orders_before


def test_only_a_draft_changes_and_its_lines_are_replaced(owner, make) -> None:
    order = _order(owner, make)
    other = make.product(purchase_price=D("2.5"))
    updated = purchase_order_update(
        actor=owner, order=order.pk, lines=[{"product": other.pk, "quantity": "4"}], note="急"
    )
    assert [(line.product_id, line.untaxed) for line in updated.lines.all()] == [(other.pk, D("10.00"))]
    assert (updated.note, updated.total) == ("急", D("11.30"))
    purchase_order_confirm(actor=owner, order=order.pk)
    with pytest.raises(Conflict):
        purchase_order_update(actor=owner, order=order.pk, note="late")
    assert PurchaseOrder.objects.get(pk=order.pk).note == "急"


def test_an_order_with_receipts_is_closed_not_cancelled(owner, make) -> None:
    order = _confirmed(owner, make)
    receipt_create(actor=owner, order=order, day=DAY2, lines=[(_line(order).pk, "4", "")])
    with pytest.raises(Conflict):
        purchase_order_cancel(actor=owner, order=order.pk)
    assert PurchaseOrder.objects.get(pk=order.pk).status == "partial"
    assert purchase_order_close(actor=owner, order=order.pk).status == "closed"
    with pytest.raises(Conflict):
        receipt_create(actor=owner, order=order, day=DAY3, lines=[(_line(order).pk, "1", "")])


def test_a_draft_or_confirmed_order_without_receipts_can_be_cancelled(owner, make) -> None:
    order = _confirmed(owner, make)
    assert purchase_order_cancel(actor=owner, order=order.pk).status == "cancelled"


# --- receipts --------------------------------------------------------------------------------


def test_partial_receipts_move_stock_at_the_order_price_per_base_unit(owner, make) -> None:
    # given an order of 5 boxes of 12 at 60.00 a box
    product = make.product(purchase_price=D("5"))
    UnitConversion.objects.create(product=product, unit="箱", factor=D("12"))
    order = _confirmed(owner, make, lines=[{"product": product.pk, "quantity": "5", "unit": "箱", "unit_price": "60"}])
    line = _line(order)

    # when 2 boxes come, then 3 more
    first = receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "2", "")])
    assert PurchaseOrder.objects.get(pk=order.pk).status == "partial"
    second = receipt_create(actor=owner, order=order.pk, day=DAY3, lines=[(line.pk, "3", "")])

    # then 60 pieces at 5.00 are on hand, the order is received, each receipt has its value
    move = StockMove.objects.get(document="receipt", document_id=first.pk)
    assert (move.quantity, move.unit_cost, move.value, move.kind) == (D(24), D(5), D("120.00"), "receipt")
    assert (first.value, second.value) == (D("120.00"), D("180.00"))
    assert StockLevel.objects.get(product=product).quantity == D(60)
    assert ProductValuation.objects.get(product=product).value == D("300.00")
    assert PurchaseOrder.objects.get(pk=order.pk).status == "received"
    assert _line(order).received_quantity == D(5)


def test_over_receipt_beyond_the_allowance_is_refused_and_nothing_is_written(owner, make) -> None:
    # given an order of 10 and a firm that accepts 10% more
    row = settings_row()
    row.over_receipt_percent = D("10")
    row.save()
    order = _confirmed(owner, make)
    line = _line(order)
    counts = (Receipt.objects.count(), StockMove.objects.count(), Voucher.objects.count())

    # when 12 are received
    with pytest.raises(ValidationFailed) as refused:
        receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "12", "")])

    # then it is refused on the line and nothing changed; 11 is still accepted
    assert "at most 11" in refused.value.fields["lines.1.quantity"][0]
    assert (Receipt.objects.count(), StockMove.objects.count(), Voucher.objects.count()) == counts
    assert _line(order).received_quantity == D(0)
    receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "11", "")])
    assert _line(order).received_quantity == D(11)


def test_a_lot_tracked_product_needs_its_lot_number(owner, make) -> None:
    product = make.product(tracking="lot", purchase_price=D("8"))
    order = _confirmed(owner, make, lines=[{"product": product.pk, "quantity": "10"}])
    line = _line(order)
    with pytest.raises(ValidationFailed) as refused:
        receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "10", "")])
    assert "lines.1.lot" in refused.value.fields
    assert not StockMove.objects.filter(product=product).exists()

    receipt = receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "10", "B2026-11")])
    lot = Lot.objects.get(product=product, number="B2026-11")
    assert receipt.lines.get().lot == lot
    assert StockLevel.objects.get(product=product, lot=lot).quantity == D(10)


def test_serial_numbers_are_one_item_each_and_unique(owner, make) -> None:
    product = make.product(tracking="serial", purchase_price=D("3000"))
    order = _confirmed(owner, make, lines=[{"product": product.pk, "quantity": "3"}])
    line = _line(order)
    with pytest.raises(ValidationFailed) as refused:
        receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "2", "SN-1")])
    assert "lines.1.quantity" in refused.value.fields
    with pytest.raises(ValidationFailed) as duplicate:
        receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "1", "SN-1"), (line.pk, "1", "SN-1")])
    assert "lines.2.lot" in duplicate.value.fields
    receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "1", "SN-1"), (line.pk, "1", "SN-2")])
    with pytest.raises(ValidationFailed):
        receipt_create(actor=owner, order=order.pk, day=DAY3, lines=[(line.pk, "1", "SN-2")])
    assert StockLevel.objects.filter(product=product).count() == 2


def test_a_receipt_posts_a_balanced_entry_once_even_when_posted_again(owner, make) -> None:
    # given a receipt of 10 at 10.00
    order = _confirmed(owner, make)
    receipt = receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(_line(order).pk, "10", "")])
    book = postings.accounts()

    # then its voucher debits inventory and credits goods received not invoiced by 100.00
    assert receipt.voucher_id is not None
    assert _balances(receipt.voucher_id) == sorted(
        [(book.inventory, D("100.00"), D("0")), (book.grni, D("0"), D("100.00"))]
    )

    # when the same document is posted again (a retried job), the same voucher comes back
    vouchers = Voucher.objects.count()
    again = postings.entry_post(
        document="receipt",
        document_id=receipt.pk,
        day=DAY2,
        debit=book.inventory,
        credit=book.grni,
        amount=receipt.value,
        summary="retry",
    )
    assert again == receipt.voucher_id
    assert Voucher.objects.count() == vouchers


def test_a_back_dated_receipt_revalues_what_was_delivered_and_posts_it(owner, make) -> None:
    # given 10 at 10.00 received on day 1 and 5 delivered on day 3 (cost 50.00)
    warehouse = make.warehouse()
    product = make.product(purchase_price=D("20"))
    receive(owner, product, warehouse, 10, "10", DAY1)
    delivery = issue(owner, product, warehouse, 5, DAY3).moves[0]
    order = _confirmed(owner, make, warehouse=warehouse, lines=[{"product": product.pk, "quantity": "10"}])

    # when 10 at 20.00 are received back-dated to day 2
    receipt = receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(_line(order).pk, "10", "")])

    # then the delivery now costs 5 x 15.00 = 75.00 and the 25.00 change is posted once
    assert StockMove.objects.get(pk=delivery.pk).value == D("-75.00")
    revaluation = Revaluation.objects.get(move__document="receipt", move__document_id=receipt.pk)
    assert revaluation.cost_change == D("25.00")
    book = postings.accounts()
    assert revaluation.voucher_id is not None
    assert _balances(revaluation.voucher_id) == sorted(
        [(book.cogs, D("25.00"), D("0")), (book.inventory, D("0"), D("25.00"))]
    )


# --- supplier bills --------------------------------------------------------------------------


def test_a_bill_matching_order_and_receipt_drafts_the_finance_bill_on_goods_received_not_invoiced(owner, make) -> None:
    # given 6 of 10 received at 10.00 (13% VAT)
    order = _confirmed(owner, make)
    line = _line(order)
    receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "6", "")])

    # when the supplier bills the 6 at the order price
    bill = supplier_bill_create(
        actor=owner, order=order.pk, day=DAY3, supplier_reference="FP 0012345", lines=[(line.pk, "6", "10")]
    )

    # then it is matched, and finance has a draft supplier bill debiting GRNI, with our number
    assert (bill.match, bill.mismatches) == ("matched", [])
    assert (bill.untaxed, bill.tax, bill.total) == (D("60.00"), D("7.80"), D("67.80"))
    assert _line(order).billed_quantity == D(6)
    assert bill.finance_invoice_id is not None
    invoice = Invoice.objects.get(pk=bill.finance_invoice_id)
    assert (invoice.direction, invoice.status, invoice.reference) == ("purchase", "draft", bill.number)
    assert (invoice.untaxed, invoice.tax, invoice.total) == (D("60.00"), D("7.80"), D("67.80"))
    assert invoice.partner_name == "华东五金供应有限公司"
    assert [(row.account.code, row.quantity, row.unit_price) for row in invoice.lines.all()] == [
        (postings.accounts().grni, D(6), D(10))
    ]


def test_a_bill_beyond_what_was_received_is_flagged_as_a_quantity_mismatch(owner, make) -> None:
    order = _confirmed(owner, make)
    line = _line(order)
    receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "6", "")])
    bill = supplier_bill_create(actor=owner, order=order.pk, day=DAY3, lines=[(line.pk, "8", "10")])
    assert bill.match == "mismatch"
    assert [(m["line"], m["code"]) for m in bill.mismatches] == [(1, "quantity")]
    assert "only 6" in bill.mismatches[0]["detail"]
    assert bill.finance_invoice_id is not None


def test_a_bill_price_beyond_the_tolerance_is_flagged_and_within_it_is_not(owner, make) -> None:
    # given a 2% price tolerance and 10 received at 10.00
    row = settings_row()
    row.price_tolerance_percent = D("2")
    row.save()
    order = _confirmed(owner, make)
    line = _line(order)
    receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "10", "")])

    # when 5 are billed at 10.20 (2%) and 5 at 10.21
    within = supplier_bill_create(actor=owner, order=order.pk, day=DAY3, lines=[(line.pk, "5", "10.20")])
    beyond = supplier_bill_create(actor=owner, order=order.pk, day=DAY3, lines=[(line.pk, "5", "10.21")])

    # then only the second is a price mismatch
    assert within.match == "matched"
    assert beyond.match == "mismatch"
    assert [m["code"] for m in beyond.mismatches] == ["price"]
    assert "10.21" in beyond.mismatches[0]["detail"]


def test_finance_refusing_the_bill_rolls_everything_back(owner, make, member_factory) -> None:
    # given a purchaser without a finance role
    purchaser = member_factory("buyer@alpha.example", "purchaser")
    order = _confirmed(owner, make)
    line = _line(order)
    receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(line.pk, "10", "")])
    invoices = Invoice.objects.count()

    # when they enter the supplier's bill, finance says no and nothing is kept
    with pytest.raises(NotAllowed):
        supplier_bill_create(actor=purchaser, order=order.pk, day=DAY3, lines=[(line.pk, "10", "10")])
    assert not SupplierBill.objects.filter(order=order).exists()
    assert _line(order).billed_quantity == D(0)
    assert Invoice.objects.count() == invoices

    # and with the accountant's role in finance it goes through
    ModuleRole.objects.create(user=purchaser, role="accountant")
    purchaser = User.objects.get(pk=purchaser.pk)
    assert supplier_bill_create(actor=purchaser, order=order.pk, day=DAY3, lines=[(line.pk, "10", "10")]).pk


# --- returns ---------------------------------------------------------------------------------


def test_a_return_goes_back_at_the_receipt_cost_and_reverses_its_entry(owner, make) -> None:
    # given 10 received at 10.00 and 10 more from another order at 16.00 (average 13.00)
    warehouse = make.warehouse()
    product = make.product(purchase_price=D("10"))
    order = _confirmed(owner, make, warehouse=warehouse, lines=[{"product": product.pk, "quantity": "10"}])
    receipt = receipt_create(actor=owner, order=order.pk, day=DAY1, lines=[(_line(order).pk, "10", "")])
    receive(owner, product, warehouse, 10, "16", DAY2)
    receipt_line = receipt.lines.get()

    # when 4 of the first receipt go back
    returned = purchase_return_create(
        actor=owner, order=order.pk, day=DAY3, reason="破损", lines=[(receipt_line.pk, "4")]
    )

    # then they leave at 10.00 (not the average) and the receipt's entry is reversed for 40.00
    move = StockMove.objects.get(document="p_return", document_id=returned.pk)
    assert (move.kind, move.quantity, move.unit_cost, move.value, move.origin_id) == (
        "p_return",
        D(-4),
        D(10),
        D("-40.00"),
        receipt_line.move_id,
    )
    assert returned.value == D("40.00")
    book = postings.accounts()
    assert returned.voucher_id is not None
    assert _balances(returned.voucher_id) == sorted(
        [(book.grni, D("40.00"), D("0")), (book.inventory, D("0"), D("40.00"))]
    )
    assert _line(order).returned_quantity == D(4)
    assert ProductValuation.objects.get(product=product).value == D("220.00")


def test_more_than_received_minus_returned_cannot_go_back(owner, make) -> None:
    order = _confirmed(owner, make)
    receipt = receipt_create(actor=owner, order=order.pk, day=DAY2, lines=[(_line(order).pk, "5", "")])
    receipt_line = receipt.lines.get()
    purchase_return_create(actor=owner, order=order.pk, day=DAY3, reason="错发", lines=[(receipt_line.pk, "3")])
    moves = StockMove.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        purchase_return_create(actor=owner, order=order.pk, day=DAY3, reason="错发", lines=[(receipt_line.pk, "3")])
    assert "at most 2" in refused.value.fields["lines.1.quantity"][0]
    assert StockMove.objects.count() == moves
    assert PurchaseReturn.objects.filter(order=order).count() == 1


# --- roles -----------------------------------------------------------------------------------


def test_a_warehouse_keeper_receives_but_does_not_order_or_bill(owner, make, member_factory) -> None:
    keeper = member_factory("keeper@alpha.example", "warehouse")
    order = _confirmed(owner, make)
    line = _line(order)
    orders = PurchaseOrder.objects.count()
    with pytest.raises(NotAllowed):
        _order(keeper, make)
    assert PurchaseOrder.objects.count() == orders
    with pytest.raises(NotAllowed):
        purchase_order_close(actor=keeper, order=order.pk)
    assert PurchaseOrder.objects.get(pk=order.pk).status == "confirmed"
    receipt_create(actor=keeper, order=order.pk, day=DAY2, lines=[(line.pk, "10", "")])
    with pytest.raises(NotAllowed):
        supplier_bill_create(actor=keeper, order=order.pk, day=DAY3, lines=[(line.pk, "10", "10")])
    assert not SupplierBill.objects.filter(order=order).exists()


@pytest.mark.parametrize("role", ["viewer", "sales", None])
def test_viewers_sales_and_people_without_a_role_cannot_receive(owner, make, member_factory, role) -> None:
    person = member_factory(f"{role or 'none'}@alpha.example", role)
    order = _confirmed(owner, make)
    moves = StockMove.objects.count()
    with pytest.raises(NotAllowed):
        receipt_create(actor=person, order=order.pk, day=DAY2, lines=[(_line(order).pk, "1", "")])
    assert StockMove.objects.count() == moves


# --- pages -----------------------------------------------------------------------------------


def _client_for(firm: Firm, email: str, role: str | None) -> Client:
    from apps.supply_chain.models import SupplyRole

    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], language="en")
        if role:
            SupplyRole.objects.create(user=user, role=role)
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def _page_data(firm: Firm) -> dict[str, Any]:
    from .conftest import Make

    with schema_context(firm.schema_name):
        make = Make()
        owner = User.objects.get(role=User.Role.OWNER)
        supplier = make.partner("页面供应商", customer=False)
        warehouse = make.warehouse()
        product = make.product("PAGE-1", purchase_price=D("12.5"))
        return {"owner": owner, "supplier": supplier, "warehouse": warehouse, "product": product}


def test_the_pages_create_confirm_receive_bill_and_return(owner_a_client: Client, firm_a: Firm) -> None:
    data = _page_data(firm_a)
    # a new order from the form, with an empty second row left out
    response = owner_a_client.post(
        "/supply-chain/purchasing/new/",
        {
            "supplier": data["supplier"].pk,
            "warehouse": data["warehouse"].pk,
            "ordered_on": "2026-11-01",
            "line-0-product": data["product"].pk,
            "line-0-quantity": "8",
            "line-0-unit": "",
            "line-0-unit_price": "",
            "line-0-vat_rate": "",
            "line-1-product": "",
            "line-1-quantity": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(firm_a.schema_name):
        order = PurchaseOrder.objects.get(supplier=data["supplier"])
        line = _line(order)
    assert response["Location"] == f"/supply-chain/purchasing/orders/{order.pk}/"
    detail = owner_a_client.get(response["Location"]).content.decode()
    assert order.number in detail
    assert "113.00" in detail
    assert owner_a_client.post(f"/supply-chain/purchasing/orders/{order.pk}/confirm/").status_code == 302
    # the receipt form offers what is left; 5 of 8 come
    page = owner_a_client.get(f"/supply-chain/purchasing/orders/{order.pk}/receive/").content.decode()
    assert 'value="8"' in page
    response = owner_a_client.post(
        f"/supply-chain/purchasing/orders/{order.pk}/receive/",
        {"received_on": "2026-11-02", f"line-{line.pk}-quantity": "5", f"line-{line.pk}-lot": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/supply-chain/purchasing/receipts/" in response["Location"]
    assert owner_a_client.get(response["Location"]).status_code == 200
    # the bill form offers the 5 received at the order price; billed at 13.00 it is a mismatch
    page = owner_a_client.get(f"/supply-chain/purchasing/orders/{order.pk}/bill/").content.decode()
    assert 'value="5"' in page
    assert 'value="12.5"' in page
    response = owner_a_client.post(
        f"/supply-chain/purchasing/orders/{order.pk}/bill/",
        {"billed_on": "2026-11-03", "supplier_reference": "FP-9", f"line-{line.pk}-quantity": "5",
         f"line-{line.pk}-unit_price": "13"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    bill_page = owner_a_client.get(response["Location"]).content.decode()
    assert "Mismatch" in bill_page
    assert "the order says 12.5" in bill_page
    # a return of 1
    with schema_context(firm_a.schema_name):
        receipt_line = Receipt.objects.get(order=order).lines.get()
    response = owner_a_client.post(
        f"/supply-chain/purchasing/orders/{order.pk}/return/",
        {"returned_on": "2026-11-04", "reason": "破损", f"line-{receipt_line.pk}-quantity": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert owner_a_client.get(response["Location"]).status_code == 200
    detail = owner_a_client.get(f"/supply-chain/purchasing/orders/{order.pk}/").content.decode()
    assert "Mismatch" in detail
    with schema_context(firm_a.schema_name):
        assert _line(order).returned_quantity == D(1)


def test_the_order_form_shows_line_errors_next_to_the_row(owner_a_client: Client, firm_a: Firm) -> None:
    data = _page_data(firm_a)
    response = owner_a_client.post(
        "/supply-chain/purchasing/new/",
        {
            "supplier": data["supplier"].pk,
            "warehouse": data["warehouse"].pk,
            "line-0-product": data["product"].pk,
            "line-0-quantity": "-1",
        },
    )
    assert response.status_code == 400
    assert "the quantity must be more than zero" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert not PurchaseOrder.objects.exists()


def test_a_viewer_sees_orders_but_gets_no_form(firm_a: Firm, owner_a_client: Client) -> None:
    viewer = _client_for(firm_a, "viewer@alpha.example", "viewer")
    assert viewer.get("/supply-chain/purchasing/").status_code == 200
    assert viewer.get("/supply-chain/purchasing/new/").status_code == 403
    assert viewer.get("/supply-chain/purchasing/replenishment/").status_code == 200
    nobody = _client_for(firm_a, "nobody@alpha.example", None)
    assert nobody.get("/supply-chain/purchasing/").status_code == 403


def test_firm_b_gets_404_for_firm_a_purchasing_pages(owner_b_client: Client, firm_a: Firm) -> None:
    from tests.isolation.sc_purchasing_data import data

    ids = data(firm_a)
    pages = [
        f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/",
        f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/edit/",
        f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/receive/",
        f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/bill/",
        f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/return/",
        f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/cancel/",
        f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/close/",
        f"/supply-chain/purchasing/receipts/{ids['receipt_id']}/",
        f"/supply-chain/purchasing/bills/{ids['bill_id']}/",
        f"/supply-chain/purchasing/returns/{ids['purchase_return_id']}/",
    ]
    for url in pages:
        assert owner_b_client.get(url).status_code == 404, url
    for action in ("confirm", "cancel", "close"):
        assert (
            owner_b_client.post(f"/supply-chain/purchasing/orders/{ids['purchase_order_id']}/{action}/").status_code
            == 404
        )
    listing = owner_b_client.get("/supply-chain/purchasing/?status=all&q=ALPHA").content.decode()
    assert "ALPHA-SECRET" not in listing
    with schema_context(firm_a.schema_name):
        assert PurchaseOrder.objects.get(pk=ids["purchase_order_id"]).status != "cancelled"
