"""An owner buys goods, in Chromium: a purchase order with two lines (one in boxes), confirmed
after the confirmation block, part of it received, the supplier's bill entered and matched
three ways, and its draft opened in finance — a screenshot of every step, and no
Content-Security-Policy violation anywhere."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django_tenants.utils import schema_context

from apps.finance.models import Invoice
from apps.supply_chain.models import (
    Location,
    Partner,
    Product,
    PurchaseOrder,
    StockLevel,
    SupplierBill,
    UnitConversion,
    Warehouse,
)
from tenants.models import Firm
from tenants.services import SignupInput, firm_provision, signup_create

from .conftest import SCREENSHOTS

OWNER_EMAIL = "li.na@purchasing.example"
OWNER_PASSWORD = "Purchasing-Owner-2026"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"purchasing_{name}.png"), full_page=True)


@pytest.mark.e2e
def test_an_owner_orders_receives_part_and_enters_the_supplier_bill(live_server: Any, browser: Any) -> None:
    signup = signup_create(
        SignupInput(
            firm_name="苏州采购示范有限公司",
            slug="purchasing-journey",
            owner_name="李娜",
            email=OWNER_EMAIL,
            password=OWNER_PASSWORD,
            language="en",
        )
    )
    firm = firm_provision(firm_id=signup.firm.pk)
    try:
        _journey(live_server.url.rsplit(":", 1)[1], browser, firm)
    finally:
        connections.close_all()


def _catalogue(firm: Firm) -> dict[str, int]:
    with schema_context(firm.schema_name):
        supplier = Partner.objects.create(name="无锡精密轴承有限公司", is_supplier=True)
        warehouse = Warehouse.objects.create(code="SZ01", name="苏州主仓")
        Location.objects.create(warehouse=warehouse, code="STOCK", name="库位", is_default=True)
        bearing = Product.objects.create(
            sku="BRG-6204", name="深沟球轴承 6204", unit="个", purchase_price=Decimal("12.50"), supplier=supplier
        )
        UnitConversion.objects.create(product=bearing, unit="箱", factor=Decimal(50))
        grease = Product.objects.create(sku="GRS-01", name="润滑脂 1kg", unit="桶", purchase_price=Decimal("68"))
        return {"supplier": supplier.pk, "warehouse": warehouse.pk, "bearing": bearing.pk, "grease": grease.pk}


def _journey(port: str, browser: Any, firm: Firm) -> None:
    ids = _catalogue(firm)
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

    # 1. A new order: 2 boxes of bearings at the default price, 3 pails of grease at 65.
    page.goto(f"{base}/supply-chain/purchasing/")
    page.wait_for_selector("#po-table")
    shot(page, "01_list_empty")
    page.click("#po-new")
    page.select_option("#po-supplier", str(ids["supplier"]))
    page.select_option("#po-warehouse", str(ids["warehouse"]))
    page.fill("#po-ordered-on", "2026-11-02")
    page.select_option("#line-0-product", str(ids["bearing"]))
    page.fill("#line-0-quantity", "2")
    page.fill("#line-0-unit", "箱")
    page.fill("#line-0-unit_price", "625")
    page.select_option("#line-1-product", str(ids["grease"]))
    page.fill("#line-1-quantity", "3")
    page.fill("#line-1-unit_price", "65")
    shot(page, "02_new_order")
    page.click("#po-save")
    page.wait_for_url(re.compile(r"/supply-chain/purchasing/orders/\d+/$"))
    # 2 x 625 = 1,250.00 + 3 x 65 = 195.00 -> 1,445.00; VAT 13% 187.85 -> 1,632.85
    assert page.locator("#po-total").inner_text() == "1,632.85"
    shot(page, "03_draft")

    # 2. Confirm after the confirmation block.
    page.click("#po-confirm-open")
    page.wait_for_selector("#po-confirm")
    shot(page, "04_confirm_block")
    page.click("#po-confirm")
    page.wait_for_selector("#po-receive")
    assert "Confirmed" in page.locator("#po-status").inner_text()

    # 3. Receive 1 box of bearings and all the grease.
    page.click("#po-receive")
    page.wait_for_selector("#receipt-form")
    with schema_context(firm.schema_name):
        order = PurchaseOrder.objects.get()
        bearing_line, _grease_line = list(order.lines.order_by("line_no"))
    assert page.input_value(f"#line-{bearing_line.pk}-quantity") == "2"
    page.fill(f"#line-{bearing_line.pk}-quantity", "1")
    page.fill("#receipt-day", "2026-11-05")
    shot(page, "05_receipt_form")
    page.click("#receipt-save")
    page.wait_for_url(re.compile(r"/supply-chain/purchasing/receipts/\d+/$"))
    assert page.locator("#receipt-value").inner_text() == "820.00"  # 625.00 + 195.00
    shot(page, "06_receipt")
    with schema_context(firm.schema_name):
        assert PurchaseOrder.objects.get().status == "partial"
        assert StockLevel.objects.get(product_id=ids["bearing"]).quantity == Decimal(50)

    # 4. The supplier bills what came, at the order prices: matched, drafted in finance.
    page.goto(f"{base}/supply-chain/purchasing/orders/{order.pk}/")
    page.click("#po-bill")
    page.wait_for_selector("#bill-form")
    assert page.input_value(f"#line-{bearing_line.pk}-quantity") == "1"
    page.fill("#bill-day", "2026-11-06")
    page.fill("#bill-reference", "32000123 / 00456789")
    shot(page, "07_bill_form")
    page.click("#bill-save")
    page.wait_for_url(re.compile(r"/supply-chain/purchasing/bills/\d+/$"))
    assert "Matched" in page.locator("#bill-match").inner_text()
    assert page.locator("#bill-total").inner_text() == "926.60"  # 820.00 + 13% VAT 106.60
    shot(page, "08_bill")
    with schema_context(firm.schema_name):
        bill = SupplierBill.objects.get()
        assert bill.finance_invoice_id is not None
        invoice = Invoice.objects.get(pk=bill.finance_invoice_id)
        assert (invoice.status, invoice.total, invoice.reference) == ("draft", Decimal("926.60"), bill.number)
    page.click("#bill-finance")
    page.wait_for_url(re.compile(rf"/finance/.*{invoice.pk}"))
    shot(page, "09_finance_draft")

    # 5. The order now shows what was ordered, received and billed.
    page.goto(f"{base}/supply-chain/purchasing/orders/{order.pk}/")
    page.wait_for_selector("#po-bills")
    shot(page, "10_order_after")
    context.close()
    assert violations == []
