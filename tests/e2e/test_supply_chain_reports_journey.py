"""The supply chain overview and reports pages with data, in Chromium: stock value by warehouse
and purchases against sales drawn as charts, with no Content-Security-Policy violation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.supply_chain import stock
from apps.supply_chain.ledger import MoveInput, moves_record
from apps.supply_chain.models import (
    Location,
    Partner,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Warehouse,
)
from tenants.models import Firm
from tenants.services import SignupInput, firm_provision, signup_create

from .conftest import SCREENSHOTS

OWNER_EMAIL = "stock.lead@sc.example"
OWNER_PASSWORD = "Stock-Owner-2026"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"supply_chain_{name}.png"), full_page=True)


def _stock(firm: Firm) -> None:
    with schema_context(firm.schema_name):
        owner = User.objects.get(email=OWNER_EMAIL)
        year = timezone.localdate().year
        places = []
        for code, name in (("WH-SH", "上海仓"), ("WH-CD", "成都仓"), ("WH-GZ", "广州仓")):
            warehouse = Warehouse.objects.create(code=code, name=name)
            places.append(Location.objects.create(warehouse=warehouse, code="STOCK", is_default=True))
        supplier = Partner.objects.create(name="上海精工零件有限公司", is_supplier=True)
        customer = Partner.objects.create(name="成都锦城贸易有限公司", is_customer=True)
        products = [
            Product.objects.create(sku=f"P-{n:03d}", name=name, reorder_point=Decimal(reorder))
            for n, (name, reorder) in enumerate((("不锈钢螺栓", 500), ("铜垫片", 0), ("电机外壳", 20)), start=1)
        ]
        for month in range(1, 7):
            day = date(year, month, 5)
            moves = [
                MoveInput(p.pk, places[i % 3].pk, Decimal(40 + 10 * month), "receipt", day, unit_cost=Decimal(3 + i))
                for i, p in enumerate(products)
            ]
            moves_record(actor=owner, moves=moves)
            moves_record(
                actor=owner,
                moves=[
                    MoveInput(products[0].pk, places[0].pk, -Decimal(20 + month), "delivery", date(year, month, 20))
                ],
            )
            order = PurchaseOrder.objects.create(
                number=f"PO-{year}-{month:04d}",
                supplier=supplier,
                warehouse=places[0].warehouse,
                status="confirmed",
                ordered_on=day,
            )
            PurchaseOrderLine.objects.create(
                order=order,
                line_no=1,
                product=products[0],
                unit="个",
                quantity=Decimal(100),
                unit_price=Decimal(3),
                vat_rate=Decimal("0.13"),
                untaxed=Decimal(300 + 40 * month),
            )
            sale = SalesOrder.objects.create(
                number=f"SO-{year}-{month:04d}",
                customer=customer,
                warehouse=places[0].warehouse,
                status="confirmed",
                ordered_on=day,
            )
            SalesOrderLine.objects.create(
                order=sale,
                line_no=1,
                product=products[0],
                unit="个",
                quantity=Decimal(20),
                unit_price=Decimal(25),
                vat_rate=Decimal("0.13"),
                untaxed=Decimal(420 + 25 * month),
            )
        stock.transfer_create(
            actor=owner,
            from_location=places[0],
            to_location=places[1],
            day=date(year, 6, 25),
            lines=[(products[0].pk, Decimal(30), "")],
        )


@pytest.mark.e2e
def test_the_overview_and_reports_draw_their_charts(live_server: Any, browser: Any) -> None:
    signup = signup_create(
        SignupInput(
            firm_name="上海供应链示范有限公司",
            slug="sc-reports",
            owner_name="王敏",
            email=OWNER_EMAIL,
            password=OWNER_PASSWORD,
            language="en",
        )
    )
    firm = firm_provision(firm_id=signup.firm.pk)
    try:
        _stock(firm)
        _journey(live_server.url.rsplit(":", 1)[1], browser, firm)
    finally:
        connections.close_all()


def _journey(port: str, browser: Any, firm: Firm) -> None:
    base = f"http://{firm.host}:{port}"
    violations: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", OWNER_EMAIL)
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/supply-chain/")
    page.wait_for_selector("#chart-stock-value canvas")
    assert page.inner_text("#overview-below-reorder") == "1"
    shot(page, "01_overview")

    year = timezone.localdate().year
    page.goto(f"{base}/supply-chain/reports/?date_from={year}-01-01&date_to={year}-12-31")
    page.wait_for_selector("#chart-trade canvas")
    page.wait_for_selector("#turnover-table tbody tr")
    shot(page, "02_reports")

    page.goto(f"{base}/supply-chain/stock/")
    page.wait_for_selector("#on-hand-table")
    shot(page, "03_on_hand")
    assert violations == []
    context.close()
