"""An owner sells from stock in Chromium: a sales order, confirmed (stock reserved), delivered
in two parts (the first leaves a backorder), then invoiced as a draft in finance — a screenshot
of every step, and no Content-Security-Policy violation anywhere."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.models import Invoice
from apps.supply_chain.models import Delivery, SalesOrder, StockLevel
from tenants.models import Firm
from tenants.services import SignupInput, firm_provision, signup_create
from tests.supply_chain.conftest import Make, receive

from .conftest import SCREENSHOTS

OWNER_EMAIL = "li.na@sales.example"
OWNER_PASSWORD = "Sales-Owner-2026"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"sales_{name}.png"), full_page=True)


@pytest.mark.e2e
def test_owner_orders_confirms_delivers_in_two_parts_and_invoices(live_server: Any, browser: Any) -> None:
    signup = signup_create(
        SignupInput(
            firm_name="成都轴承贸易有限公司",
            slug="sales-journey",
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


def _journey(port: str, browser: Any, firm: Firm) -> None:
    # Stock is received first, through the ledger, as the purchasing flow would.
    with schema_context(firm.schema_name):
        owner = User.objects.get(email=OWNER_EMAIL)
        make = Make()
        warehouse = make.warehouse("CD01", "成都主仓")
        product = make.product("BRG-6204", name="深沟球轴承 6204", sale_price=Decimal("18"))
        customer = make.partner("成都锦城精密制造有限公司", supplier=False)
        receive(owner, product, warehouse, 100, "6.5", timezone.localdate())

    base = f"http://{firm.host}:{port}"
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    violations: list[str] = []
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

    # 1. A new sales order of 60 at the product's sale price.
    page.goto(f"{base}/supply-chain/")
    page.click("nav.sc-tabs >> text=Sales")
    page.wait_for_url(f"{base}/supply-chain/sales/")
    page.click("#sales-order-new")
    page.select_option("#so-customer", str(customer.pk))
    page.select_option("#so-warehouse", str(warehouse.pk))
    page.select_option("#line-0-product", str(product.pk))
    page.fill("#line-0-quantity", "60")
    shot(page, "01_new_order")
    page.click("#sales-order-save")
    page.wait_for_url(re.compile(r"/supply-chain/sales/orders/\d+/$"))
    assert page.locator("#sales-order-status").inner_text() == "Draft"
    assert page.locator("#sales-total").inner_text() == "1,220.40"
    shot(page, "02_draft")

    # 2. Confirm (asked first): 60 reserved of the 100 on hand.
    page.click("#sales-confirm summary")
    page.click("#sales-confirm-yes")
    page.wait_for_selector("#sales-order-status:has-text('Confirmed')")
    shot(page, "03_confirmed_with_availability")
    with schema_context(firm.schema_name):
        order = SalesOrder.objects.get()
        assert order.lines.get().reserved_quantity == Decimal(60)

    # 3. Deliver 25: the other 35 stay on order.
    page.click("#sales-deliver")
    page.wait_for_url(re.compile(r"/deliver/$"))
    assert page.locator("input[name^='quantity-']").input_value() == "60"
    page.locator("input[name^='quantity-']").fill("25")
    shot(page, "04_first_delivery")
    page.click("#delivery-save")
    page.wait_for_url(re.compile(r"/supply-chain/sales/deliveries/\d+/$"))
    assert page.locator("#delivery-cost").inner_text() == "162.50"
    shot(page, "05_first_delivery_done")
    page.click(f"text={order.number}")
    page.wait_for_selector("#sales-backorder")
    assert page.locator("#sales-order-status").inner_text() == "Partly delivered"
    shot(page, "06_backorder")

    # 4. Deliver the rest, prefilled.
    page.click("#sales-deliver")
    page.wait_for_url(re.compile(r"/deliver/$"))
    assert page.locator("input[name^='quantity-']").input_value() == "35"
    page.click("#delivery-save")
    page.wait_for_url(re.compile(r"/supply-chain/sales/deliveries/\d+/$"))
    page.click(f"text={order.number}")
    page.wait_for_selector("#sales-order-status:has-text('Delivered')")

    # 5. Invoice: a draft customer invoice in finance.
    page.click("#sales-invoice")
    page.wait_for_url(re.compile(r"/invoice/$"))
    shot(page, "07_invoice_form")
    page.click("#invoice-save")
    page.wait_for_url(re.compile(r"/supply-chain/sales/invoices/\d+/$"))
    assert page.locator("#invoice-total").inner_text() == "1,220.40"
    shot(page, "08_invoice")
    page.click("#finance-invoice-link")
    page.wait_for_url(re.compile(r"/finance/invoices/\d+/$"))
    shot(page, "09_finance_invoice")
    page.goto(f"{base}/supply-chain/sales/orders/{order.pk}/")
    page.wait_for_selector("#sales-invoices a")
    shot(page, "10_order_done")

    with schema_context(firm.schema_name):
        assert StockLevel.objects.get(product=product).quantity == Decimal(40)
        assert Delivery.objects.count() == 2
        assert sum(d.cost for d in Delivery.objects.all()) == Decimal("390.00")
        invoice = Invoice.objects.get(reference=order.invoices.get().number)
        assert (invoice.status, invoice.total) == ("draft", Decimal("1220.40"))
    context.close()
    assert violations == []
