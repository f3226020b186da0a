"""Stock reports: on hand always equals the sum of the moves, values are shared by quantity,
turnover matches a worked example, analyses add up, and the pages stay within a few queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.supply_chain import reports, stock
from apps.supply_chain.ledger import on_hand
from apps.supply_chain.models import (
    ProductValuation,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    StockMove,
)
from core.errors import NotAllowed, ValidationFailed

from .conftest import D, default_location, issue, receive

pytestmark = pytest.mark.django_db

OCT1 = date(2026, 10, 1)
NOV = [date(2026, 11, d) for d in range(1, 31)]


def _rows(owner, **filters) -> dict[tuple[int, int], dict]:
    return {(r["product_id"], r["warehouse_id"]): r for r in reports.stock_on_hand(actor=owner, **filters)}


def test_on_hand_equals_the_sum_of_the_moves_per_warehouse_after_a_mixed_sequence(owner, make) -> None:
    # given receipts, deliveries, a transfer, a stocktake and a back-dated receipt in two warehouses
    main, branch = make.warehouse(), make.warehouse()
    first, second = make.product(), make.product(cost_method="fifo")
    receive(owner, first, main, 10, "5", NOV[1])
    receive(owner, second, main, 6, "8", NOV[1])
    issue(owner, first, main, 3, NOV[2])
    stock.transfer_create(
        actor=owner,
        from_location=default_location(main),
        to_location=default_location(branch),
        day=NOV[3],
        lines=[(first.pk, "4", ""), (second.pk, "2", "")],
    )
    receive(owner, first, branch, 5, "6", NOV[0])  # back-dated
    count = stock.stocktake_start(actor=owner, warehouse=branch, day=NOV[4])
    stock.stocktake_count(actor=owner, stocktake=count, counts={line.pk: "1" for line in count.lines.all()})
    stock.stocktake_post(actor=owner, stocktake=count)
    issue(owner, second, main, 1, NOV[5])
    # then every row of the report is what the ledger's moves add up to
    rows = _rows(owner)
    for product in (first, second):
        for warehouse in (main, branch):
            expected = on_hand(product.pk, warehouse_id=warehouse.pk)
            shown = rows.get((product.pk, warehouse.pk), {}).get("on_hand", D(0))
            assert shown == expected, (product.sku, warehouse.code)
    assert rows[(first.pk, main.pk)]["on_hand"] == D(3)
    assert rows[(first.pk, branch.pk)]["on_hand"] == D(1)
    # and the values of a product's rows add up to its valuation, which is the sum of its move values
    for product in (first, second):
        valuation = ProductValuation.objects.get(product=product)
        moved = StockMove.objects.filter(product=product).aggregate(v=Sum("value"))["v"]
        assert valuation.value == moved
        shown = sum((r["value"] for key, r in rows.items() if key[0] == product.pk), D(0))
        assert abs(shown - valuation.value) <= D("0.01")


def test_a_products_value_is_shared_between_warehouses_by_quantity(owner, make) -> None:
    main, branch = make.warehouse(), make.warehouse()
    product = make.product()
    receive(owner, product, main, 6, "10", NOV[0])
    receive(owner, product, branch, 4, "15", NOV[0])  # valuation: 10 units worth 120
    rows = _rows(owner)
    assert (rows[(product.pk, main.pk)]["value"], rows[(product.pk, branch.pk)]["value"]) == (
        D("72.00"),
        D("48.00"),
    )
    totals = {t.warehouse_id: t for t in reports.stock_totals(actor=owner)}
    assert (totals[main.pk].value, totals[branch.pk].value, totals[main.pk].products) == (D("72.00"), D("48.00"), 1)


def test_on_hand_filters_by_warehouse_and_search(owner, make) -> None:
    main, branch = make.warehouse(), make.warehouse()
    bolt, nut = make.product("BOLT-1", name="螺栓"), make.product("NUT-1", name="螺母")
    receive(owner, bolt, main, 1, "1", NOV[0])
    receive(owner, nut, branch, 1, "1", NOV[0])
    assert list(_rows(owner, warehouse_id=main.pk)) == [(bolt.pk, main.pk)]
    assert list(_rows(owner, q="螺母")) == [(nut.pk, branch.pk)]


def test_on_hand_leaves_out_products_with_nothing_left(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 2, "1", NOV[0])
    issue(owner, product, warehouse, 2, NOV[1])
    assert _rows(owner) == {}


def test_turnover_matches_a_worked_example(owner, make) -> None:
    # given (average cost) 10 @ 10 before November; in November: deliver 4 (40), receive 10 @ 13,
    # deliver 8 at the average 11.875 (95), a customer returns 2 at 11.875 (23.75); in December 5 @ 10
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 10, "10", OCT1)
    issue(owner, product, warehouse, 4, NOV[4])
    receive(owner, product, warehouse, 10, "13", NOV[9])
    issue(owner, product, warehouse, 8, NOV[19])
    receive(owner, product, warehouse, 2, "11.875", NOV[24], kind="s_return")
    receive(owner, product, warehouse, 5, "10", date(2026, 12, 3))
    # when the turnover of November is asked for
    report = reports.inventory_turnover(actor=owner, date_from=NOV[0], date_to=NOV[29])
    row = report.rows[0]
    # then cost of goods = 40 + 95 - 23.75; opening 100, closing 118.75, average 109.38
    assert (row.cost_of_goods, row.opening, row.closing, row.average) == (
        D("111.25"),
        D("100.00"),
        D("118.75"),
        D("109.38"),
    )
    assert row.turnover == D("1.02")  # 111.25 / 109.38
    assert row.days_on_hand == D("29.50")  # 109.38 x 30 / 111.25
    assert report.days == 30
    assert report.total is not None
    assert report.total.cost_of_goods == D("111.25")


def test_turnover_of_a_product_never_delivered_has_no_days_on_hand(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 1, "5", OCT1)
    row = reports.inventory_turnover(actor=owner, date_from=NOV[0], date_to=NOV[29]).rows[0]
    assert (row.cost_of_goods, row.turnover, row.days_on_hand) == (D("0.00"), D("0.00"), None)


def test_a_period_ending_before_it_starts_is_refused(owner) -> None:
    with pytest.raises(ValidationFailed) as refused:
        reports.inventory_turnover(actor=owner, date_from=NOV[5], date_to=NOV[1])
    assert "date_to" in refused.value.fields


def _purchase(owner, make, *, supplier, product, warehouse, day, quantity, price, received=0, status="confirmed"):
    order = PurchaseOrder.objects.create(
        number=f"PO-T-{PurchaseOrder.objects.count() + 1}",
        supplier=supplier,
        warehouse=warehouse,
        status=status,
        ordered_on=day,
    )
    line = PurchaseOrderLine.objects.create(
        order=order,
        line_no=1,
        product=product,
        unit=product.unit,
        quantity=D(quantity),
        unit_price=D(price),
        vat_rate=D("0.13"),
        untaxed=D(quantity) * D(price),
    )
    if received:
        move = receive(owner, product, warehouse, received, price, day)
        receipt = Receipt.objects.create(number=f"GR-T-{order.pk}", order=order, received_on=day)
        ReceiptLine.objects.create(receipt=receipt, order_line=line, quantity=D(received), move=move)
    return order


def test_purchase_analysis_adds_ordered_and_received_by_month_supplier_and_product(owner, make) -> None:
    warehouse, product, other = make.warehouse(), make.product(), make.product()
    acme, bolt = make.partner("甲供应商"), make.partner("乙供应商")
    _purchase(
        owner, make, supplier=acme, product=product, warehouse=warehouse, day=NOV[2], quantity=10, price="2", received=4
    )
    _purchase(
        owner, make, supplier=bolt, product=other, warehouse=warehouse, day=date(2026, 12, 1), quantity=1, price="5"
    )
    _purchase(
        owner,
        make,
        supplier=bolt,
        product=other,
        warehouse=warehouse,
        day=NOV[3],
        quantity=9,
        price="9",
        status="draft",
    )
    by_month = reports.purchase_analysis(actor=owner, date_from=NOV[0], date_to=date(2026, 12, 31), group_by="month")
    assert [(r.label, r.ordered, r.moved, r.orders) for r in by_month.rows] == [
        ("2026-11", D("20.00"), D("8.00"), 1),
        ("2026-12", D("5.00"), D("0.00"), 1),
    ]
    assert (by_month.ordered, by_month.moved) == (D("25.00"), D("8.00"))
    by_partner = reports.purchase_analysis(actor=owner, date_from=NOV[0], date_to=NOV[29], group_by="partner")
    assert [(r.label, r.ordered) for r in by_partner.rows] == [("甲供应商", D("20.00"))]
    by_product = reports.purchase_analysis(actor=owner, date_from=NOV[0], date_to=NOV[29], group_by="product")
    assert by_product.rows[0].quantity == D(10)


def test_sales_analysis_of_an_empty_period_is_empty(owner) -> None:
    analysis = reports.sales_analysis(actor=owner, date_from=NOV[0], date_to=NOV[29], group_by="partner")
    assert (analysis.rows, analysis.ordered) == ([], D(0))


def test_an_unknown_grouping_is_refused(owner) -> None:
    with pytest.raises(ValidationFailed):
        reports.sales_analysis(actor=owner, date_from=NOV[0], date_to=NOV[29], group_by="colour")


def test_people_without_a_supply_chain_role_see_no_report(owner, member_factory) -> None:
    outsider = member_factory("outsider@alpha.example")
    for call in (
        lambda: reports.stock_on_hand(actor=outsider),
        lambda: reports.movement_history(actor=outsider),
        lambda: reports.inventory_turnover(actor=outsider, date_from=NOV[0], date_to=NOV[1]),
        lambda: reports.purchase_analysis(actor=outsider, date_from=NOV[0], date_to=NOV[1]),
    ):
        with pytest.raises(NotAllowed):
            call()


def test_a_viewer_sees_reports(owner, member_factory) -> None:
    viewer = member_factory("viewer@alpha.example", "viewer")
    assert list(reports.stock_on_hand(actor=viewer)) == []


# --- pages --------------------------------------------------------------------------------


def test_on_hand_page_stays_within_a_few_queries_however_many_products(
    owner, make, owner_a_client, django_assert_max_num_queries
) -> None:
    main, branch = make.warehouse(), make.warehouse()
    for number in range(40):
        product = make.product()
        receive(owner, product, main if number % 2 else branch, number + 1, "2", NOV[0])
    with django_assert_max_num_queries(15):
        response = owner_a_client.get(reverse("supply_chain:stock"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") >= 40


def test_overview_and_reports_pages_show_their_figures(
    owner, make, owner_a_client, django_assert_max_num_queries
) -> None:
    warehouse, product = make.warehouse(name="华东仓"), make.product(reorder_point=D(50))
    receive(owner, product, warehouse, 10, "3", NOV[0])
    with django_assert_max_num_queries(20):
        home = owner_a_client.get(reverse("supply_chain:home"))
    text = home.content.decode()
    assert 'id="overview-below-reorder">1<' in text
    assert "30.00" in text
    assert "华东仓" in text
    page = owner_a_client.get(reverse("supply_chain:reports") + "?date_from=2026-11-01&date_to=2026-11-30")
    assert page.status_code == 200
    assert "sc-chart-data" in page.content.decode()


def test_on_hand_exports_as_csv_and_xlsx(owner, make, owner_a_client) -> None:
    warehouse, product = make.warehouse(), make.product("=HACK", name="导出")
    receive(owner, product, warehouse, 3, "2", NOV[0])
    response = owner_a_client.get(reverse("supply_chain:stock_export") + "?format=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HACK" in body
    assert "导出" in body
    assert "6.00" in body
    xlsx = owner_a_client.get(reverse("supply_chain:move_export") + "?format=xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxml")
    report = owner_a_client.get(reverse("supply_chain:report_export") + "?report=turnover&format=csv")
    assert report.status_code == 200


def test_movement_history_page_filters_by_kind(owner, make, owner_a_client) -> None:
    warehouse, product = make.warehouse(), make.product("MOVE-1")
    receive(owner, product, warehouse, 3, "2", NOV[0])
    issue(owner, product, warehouse, 1, NOV[1])
    page = owner_a_client.get(reverse("supply_chain:move_list") + "?kind=delivery")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("MOVE-1") == 1


def test_firm_b_cannot_open_firm_a_stock_documents(owner, make, in_firm_a, owner_b_client) -> None:
    # given firm A's transfer and stocktake (made in A's schema: signing in B switched the connection)
    with schema_context(in_firm_a.schema_name):
        warehouse, branch, product = make.warehouse(), make.warehouse(), make.product()
        receive(owner, product, warehouse, 3, "2", NOV[0])
        transfer = stock.transfer_create(
            actor=owner,
            from_location=default_location(warehouse),
            to_location=default_location(branch),
            day=NOV[1],
            lines=[(product.pk, "1", "")],
        )
        count = stock.stocktake_start(actor=owner, warehouse=warehouse, day=NOV[1])
    # when firm B's owner asks for them, then they do not exist there
    for url in (
        reverse("supply_chain:transfer_detail", args=[transfer.pk]),
        reverse("supply_chain:stocktake_detail", args=[count.pk]),
        reverse("supply_chain:stocktake_post", args=[count.pk]),
    ):
        assert owner_b_client.get(url).status_code == 404
    assert owner_b_client.post(reverse("supply_chain:stocktake_post", args=[count.pk])).status_code == 404
    with schema_context(in_firm_a.schema_name):
        count.refresh_from_db()
        assert count.status == "counting"
