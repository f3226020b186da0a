"""Replenishment: what is on hand and on open orders counts against the reorder point, the
suggested quantity is worked out by hand, suggestions group by supplier and become draft orders."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.supply_chain.models import PurchaseOrder, UnitConversion
from apps.supply_chain.purchasing import purchase_order_confirm, purchase_order_create, receipt_create
from apps.supply_chain.replenishment import replenishment_create_orders, suggestions
from core.errors import NotAllowed, ValidationFailed
from tenants.models import Firm

from .conftest import D, Make, receive

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)


def test_on_hand_and_open_orders_count_and_the_quantity_is_worked_out(owner, make) -> None:
    # given a reorder point of 100 and a reorder quantity of 30, 40 on hand in two warehouses
    supplier = make.partner("宁波紧固件厂", customer=False)
    first, second = make.warehouse(), make.warehouse()
    bolts = make.product(reorder_point=D(100), reorder_quantity=D(30), supplier=supplier, purchase_price=D(1))
    UnitConversion.objects.create(product=bolts, unit="盒", factor=D(10))
    receive(owner, bolts, first, 25, "1", DAY)
    receive(owner, bolts, second, 15, "1", DAY)
    # and an open order of 3 boxes (30 pieces), 1 of them received already (10 pieces now on hand)
    order = purchase_order_create(
        actor=owner,
        supplier=supplier.pk,
        warehouse=first.pk,
        ordered_on=DAY,
        lines=[{"product": bolts.pk, "quantity": "3", "unit": "盒"}],
    )
    purchase_order_confirm(actor=owner, order=order.pk)
    receipt_create(actor=owner, order=order.pk, day=DAY, lines=[(order.lines.get().pk, "1", "")])
    # and a draft order, which does not count
    purchase_order_create(
        actor=owner, supplier=supplier.pk, warehouse=first.pk, lines=[{"product": bolts.pk, "quantity": "500"}]
    )

    # when the suggestions are made
    groups = suggestions(actor=owner)

    # then projected = 50 on hand + 20 on order = 70, and 100 - 70 = 30 ... at least the reorder quantity 30
    [group] = groups
    [line] = group.lines
    assert group.supplier == supplier
    assert (line.on_hand, line.on_order, line.projected, line.quantity) == (D(50), D(20), D(70), D(30))


def test_the_shortfall_wins_over_a_smaller_reorder_quantity(owner, make) -> None:
    product = make.product(reorder_point=D(80), reorder_quantity=D(10), supplier=make.partner(customer=False))
    receive(owner, product, make.warehouse(), 5, "2", DAY)
    [group] = suggestions(actor=owner)
    assert group.lines[0].quantity == D(75)


def test_products_at_their_reorder_point_inactive_or_without_one_are_left_out(owner, make) -> None:
    supplier = make.partner(customer=False)
    warehouse = make.warehouse()
    enough = make.product(reorder_point=D(10), supplier=supplier)
    receive(owner, enough, warehouse, 10, "1", DAY)
    make.product(reorder_point=D(10), supplier=supplier, is_active=False)
    make.product(supplier=supplier)
    assert suggestions(actor=owner) == []


def test_suggestions_group_by_supplier_with_the_unsupplied_last(owner, make) -> None:
    alpha, beta = make.partner("A 华东供应商", customer=False), make.partner("B 华南供应商", customer=False)
    make.product(reorder_point=D(5), supplier=beta)
    make.product(reorder_point=D(5), supplier=alpha)
    make.product(reorder_point=D(5), supplier=alpha)
    make.product(reorder_point=D(5))
    groups = suggestions(actor=owner)
    assert [(g.supplier.name if g.supplier else None, len(g.lines)) for g in groups] == [
        ("A 华东供应商", 2),
        ("B 华南供应商", 1),
        (None, 1),
    ]


def test_chosen_suppliers_become_one_draft_order_each(owner, make) -> None:
    alpha, beta = make.partner("阿尔法供应商", customer=False), make.partner("贝塔供应商", customer=False)
    warehouse = make.warehouse()
    first = make.product(reorder_point=D(5), reorder_quantity=D(20), supplier=alpha, purchase_price=D("2.5"))
    second = make.product(reorder_point=D(8), supplier=alpha, purchase_price=D("4"))
    make.product(reorder_point=D(5), supplier=beta)

    orders = replenishment_create_orders(actor=owner, supplier_ids=[alpha.pk], warehouse=warehouse.pk)

    [order] = orders
    assert (order.status, order.supplier, order.warehouse) == ("draft", alpha, warehouse)
    assert sorted((line.product_id, line.quantity, line.unit_price) for line in order.lines.all()) == sorted(
        [(first.pk, D(20), D("2.5")), (second.pk, D(8), D(4))]
    )
    assert order.untaxed == D("82.00")
    # a draft is not an open order: both suppliers are still suggested until it is confirmed
    assert {g.supplier.name for g in suggestions(actor=owner) if g.supplier} == {"阿尔法供应商", "贝塔供应商"}


def test_no_supplier_chosen_or_one_without_suggestions_is_refused(owner, make) -> None:
    warehouse = make.warehouse()
    idle = make.partner(customer=False)
    with pytest.raises(ValidationFailed):
        replenishment_create_orders(actor=owner, supplier_ids=[], warehouse=warehouse.pk)
    with pytest.raises(ValidationFailed):
        replenishment_create_orders(actor=owner, supplier_ids=[idle.pk], warehouse=warehouse.pk)
    assert not PurchaseOrder.objects.exists()


def test_only_purchasers_make_orders_from_suggestions(owner, make, member_factory) -> None:
    supplier = make.partner(customer=False)
    make.product(reorder_point=D(5), supplier=supplier)
    keeper = member_factory("keeper@alpha.example", "warehouse")
    assert len(suggestions(actor=keeper)) == 1
    with pytest.raises(NotAllowed):
        replenishment_create_orders(actor=keeper, supplier_ids=[supplier.pk], warehouse=make.warehouse().pk)
    assert not PurchaseOrder.objects.exists()


def test_the_page_lists_suggestions_and_makes_draft_orders(owner_a_client: Client, firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        make = Make()
        supplier = make.partner("页面补货供应商", customer=False)
        warehouse = make.warehouse()
        make.product("RP-1", reorder_point=D(12), supplier=supplier)
    page = owner_a_client.get("/supply-chain/purchasing/replenishment/").content.decode()
    assert "页面补货供应商" in page
    assert "RP-1" in page
    response = owner_a_client.post(
        "/supply-chain/purchasing/replenishment/", {"supplier": [supplier.pk], "warehouse": warehouse.pk}
    )
    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        order = PurchaseOrder.objects.get()
        assert order.lines.get().quantity == D(12)


def test_the_api_lists_suggestions_and_makes_draft_orders(owner_a_client: Client, firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        make = Make()
        supplier = make.partner("接口补货供应商", customer=False)
        warehouse = make.warehouse()
        make.product("RA-1", reorder_point=D(6), reorder_quantity=D(10), supplier=supplier)
        make.product("RA-2", reorder_point=D(6))
    url = "/api/v1/supply-chain/purchasing/replenishment/"
    groups = owner_a_client.get(url).json()
    assert [(g["supplier_name"], [line["sku"] for line in g["lines"]]) for g in groups] == [
        ("接口补货供应商", ["RA-1"]),
        (None, ["RA-2"]),
    ]
    assert groups[0]["lines"][0]["quantity"] == "10.0000"
    created = owner_a_client.post(
        url, {"supplier_ids": [supplier.pk], "warehouse": warehouse.pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()[0]["status"] == "draft"
