"""An owner records a sale with VAT, posts it, and reads the trial balance and the balance
sheet; then, as an accountant does, posts a customer invoice with VAT, records the receipt
for it, and opens the balance sheet — in Chromium, with a screenshot of every step."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connections
from django_tenants.utils import schema_context

from apps.finance.models import Invoice, Payment, Voucher
from tenants.models import Firm
from tenants.services import SignupInput, firm_provision, signup_create

from .conftest import SCREENSHOTS

OWNER_EMAIL = "zhou.qing@ledger.example"
OWNER_PASSWORD = "Ledger-Owner-2026"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"finance_{name}.png"), full_page=True)


@pytest.mark.e2e
def test_owner_records_a_sale_and_reads_the_reports(live_server: Any, browser: Any) -> None:
    signup = signup_create(
        SignupInput(
            firm_name="成都账簿科技有限公司",
            slug="ledger-journey",
            owner_name="周晴",
            email=OWNER_EMAIL,
            password=OWNER_PASSWORD,
            language="en",
        )
    )
    firm = firm_provision(firm_id=signup.firm.pk)
    try:
        _journey(live_server.url.rsplit(":", 1)[1], browser, firm)
    finally:
        # Playwright runs this test in a greenlet whose context got its own database
        # connection: close it, or the test database cannot be dropped at the end.
        connections.close_all()


def _journey(port: str, browser: Any, firm: Firm) -> None:
    base = f"http://{firm.host}:{port}"
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    # The pages must satisfy their own Content-Security-Policy: any violation is a failure.
    violations: list[str] = []
    context.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    # 1. The owner signs in and opens Finance.
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", OWNER_EMAIL)
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.click("nav.sidenav >> text=Finance")
    page.wait_for_url(f"{base}/finance/")
    shot(page, "01_overview")

    # 2. A new voucher: 借 1002 银行存款 11,300 / 贷 5001 主营业务收入 10,000 / 贷 22210102 销项税额 1,300.
    page.click("a[href='/finance/vouchers/new/'] >> nth=0")
    page.wait_for_url(f"{base}/finance/vouchers/new/")
    assert page.locator("#voucher-lines-body tr.voucher-line").count() == 4
    page.fill("#id_date", "2026-11-05")
    page.fill("#id_summary", "销售商品")
    page.fill("#id_attachments", "2")
    page.select_option("#id_lines-0-account", "1002")
    page.fill("#id_lines-0-summary", "销售商品收款")
    page.fill("#id_lines-0-debit", "11,300.00")
    page.select_option("#id_lines-1-account", "5001")
    page.fill("#id_lines-1-credit", "10000.001")
    page.click("button[value=draft]")
    # The server's error comes back on the line it concerns; what was typed stays.
    page.wait_for_selector("#voucher-lines-body tr.line-invalid")
    assert "two decimal places" in page.locator("#voucher-lines-body tr.voucher-line >> nth=1").inner_text()
    assert page.input_value("#id_lines-0-debit") == "11,300.00"
    shot(page, "02a_voucher_line_error")
    page.fill("#id_lines-1-credit", "10000")
    assert page.locator("#total-difference").inner_text() == "1,300.00"
    page.select_option("#id_lines-2-account", "22210102")
    page.fill("#id_lines-2-credit", "1300.00")
    # Enter in a line moves on instead of submitting.
    page.press("#id_lines-2-credit", "Enter")
    assert page.url == f"{base}/finance/vouchers/new/"
    page.click("#add-line")
    assert page.locator("#voucher-lines-body tr.voucher-line").count() == 5
    assert page.locator("#total-debit").inner_text() == "11,300.00"
    assert page.locator("#total-credit").inner_text() == "11,300.00"
    assert page.locator("#total-difference").inner_text() == "Balanced"
    shot(page, "02b_voucher_form")

    # 3. Save and post: the voucher is numbered 记-0001, its total shown in capital numerals.
    page.click("button[value=post]")
    page.wait_for_url(re.compile(r"/finance/vouchers/\d+/$"))
    assert page.locator("#voucher-number").inner_text().startswith("记-0001")
    assert page.locator("#total-in-words").inner_text() == "壹万壹仟叁佰元整"
    shot(page, "03_voucher_posted")

    page.click("text=Print")
    page.wait_for_url(re.compile(r"/print/$"))
    assert "11,300.00" in page.locator(".print-table tfoot").inner_text()
    shot(page, "04_voucher_print")
    page.go_back()

    # 4. The trial balance and the balance sheet balance.
    page.click("nav.finance-tabs >> text=Trial balance")
    page.wait_for_url(f"{base}/finance/reports/trial-balance/")
    assert page.locator("#balanced-check.check-ok").count() == 1
    assert "11,300.00" in page.locator("tfoot").inner_text()
    shot(page, "05_trial_balance")

    page.click("nav.finance-tabs >> text=Balance sheet")
    page.wait_for_url(f"{base}/finance/reports/balance-sheet/")
    assert page.locator("#balanced-check.check-ok").count() == 1
    shot(page, "06_balance_sheet")

    page.click("nav.finance-tabs >> text=Income statement")
    page.wait_for_url(f"{base}/finance/reports/income-statement/")
    shot(page, "07_income_statement")

    page.click("nav.finance-tabs >> text=Accounts")
    page.wait_for_url(f"{base}/finance/accounts/")
    shot(page, "08_accounts")

    page.click("nav.finance-tabs >> text=Vouchers")
    page.wait_for_url(f"{base}/finance/vouchers/")
    assert page.locator("table.ledger-table tbody tr").count() == 1
    shot(page, "09_vouchers")

    page.click("nav.finance-tabs >> text=Settings")
    page.wait_for_url(f"{base}/finance/settings/")
    shot(page, "10_settings")

    _invoice_and_receipt(page, base)

    assert violations == []
    with schema_context(firm.schema_name):
        voucher = Voucher.objects.get(kind=Voucher.Kind.MANUAL)
        assert (voucher.display_number, str(voucher.total), voucher.attachments) == ("记-0001", "11300.00", 2)
        invoice = Invoice.objects.get()
        assert (invoice.status, str(invoice.total), str(invoice.open_amount)) == ("posted", "22600.00", "0.00")
        assert str(Payment.objects.get().unallocated) == "0.00"


def _invoice_and_receipt(page: Any, base: str) -> None:
    """Issue acceptance: post a customer invoice with VAT, record the receipt, open the balance sheet."""
    # 5. A customer invoice: two units of software services at 10,000.00 and 13% VAT.
    page.click("nav.finance-tabs >> text=Invoices")
    page.wait_for_url(f"{base}/finance/invoices/")
    page.click("text=New customer invoice")
    page.wait_for_url(re.compile(r"/finance/invoices/new/"))
    page.fill("#id_partner_name", "成都蓝天商贸有限公司")
    page.fill("#id_reference", "SO-2026-018")
    page.fill("#id_date", "2026-11-10")
    page.fill("#id_due_date", "2026-12-10")
    page.fill("#id_lines-0-description", "软件开发服务")
    page.select_option("#id_lines-0-account", "5001")
    page.fill("#id_lines-0-quantity", "2")
    page.fill("#id_lines-0-unit_price", "10000")
    page.select_option("#id_lines-0-vat_rate", "0.13")
    assert page.locator("#invoice-tax").inner_text() == "2,600.00"
    assert page.locator("#invoice-total").inner_text() == "22,600.00"
    page.click("#fapiao-block summary")
    page.select_option("#id_fapiao-type", "ordinary")
    page.fill("#id_fapiao-number", "2651000000001234")  # too short for a 数电票 number
    page.click("button[value=post]")
    page.wait_for_selector("#fapiao-block .field-invalid")
    assert "20 digits" in page.locator("#fapiao-block").inner_text()
    assert page.input_value("#id_lines-0-unit_price") == "10000"
    shot(page, "11a_invoice_fapiao_error")
    page.fill("#id_fapiao-number", "26510000000012345678")
    shot(page, "11b_invoice_form")
    page.click("button[value=post]")
    page.wait_for_url(re.compile(r"/finance/invoices/\d+/$"))
    assert page.locator("#invoice-status").inner_text() == "Posted"
    assert page.locator("#invoice-open").inner_text() == "22,600.00"
    assert page.locator("#invoice-voucher").inner_text() == "记-0002"
    shot(page, "12_invoice_posted")

    # 6. The customer pays: the receipt is allocated to the invoice, which is then settled.
    page.click("text=Record a receipt")
    page.wait_for_url(re.compile(r"/finance/payments/new/"))
    page.fill("#id_date", "2026-11-25")
    page.fill("#id_amount", "22,600.00")
    page.select_option("#id_bank_account", "1002")
    page.fill("#id_reference", "工行回单 0425")
    page.locator("#allocation-table input.amount").fill("22600")
    assert page.locator("#allocated-total").inner_text() == "22,600.00"
    shot(page, "13_receipt_form")
    page.click("text=Record and post")
    page.wait_for_url(re.compile(r"/finance/payments/\d+/$"))
    assert page.locator("#payment-advance").inner_text() == "0.00"
    shot(page, "14_receipt_recorded")

    page.click("nav.finance-tabs >> text=Aging")
    page.wait_for_url(re.compile(r"/finance/reports/aging/"))
    assert page.locator("#aging-total").inner_text() == "0.00"
    shot(page, "15_aging")

    page.click("nav.finance-tabs >> text=VAT")
    page.wait_for_url(re.compile(r"/finance/reports/vat/"))
    assert page.locator("#vat-payable").inner_text() == "2,600.00"
    shot(page, "16_vat_summary")

    # The bank statement (GB18030, as Chinese banks export it) has the receipt and a fee.
    page.click("nav.finance-tabs >> text=Bank")
    page.wait_for_url(re.compile(r"/finance/bank/"))
    statement = "交易日期,摘要,对方户名,收入,支出,余额\n2026-11-25,货款,成都蓝天商贸有限公司,22600.00,,22600.00\n"
    statement += "2026-11-26,手续费,,,15.00,22585.00\n2026-11-31,坏行,,1,,\n"
    page.set_input_files(
        "#id_file", files=[{"name": "icbc.csv", "mimeType": "text/csv", "buffer": statement.encode("gb18030")}]
    )
    page.click("text=Upload and map columns")
    page.wait_for_selector("#mapping-form")
    assert page.input_value("#id_inflow") == "收入"
    shot(page, "17a_bank_mapping")
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#import-report")
    assert page.locator("#imported-count").inner_text().startswith("2 lines imported")
    shot(page, "17b_bank_import_report")
    page.click("text=Match the lines")
    page.wait_for_selector("#unmatched-table")
    page.click("#unmatched-table button:has-text('Match')")
    page.wait_for_selector("#matched-table td.actions button")
    shot(page, "17c_bank_matched")
    page.click("text=Reconciliation (余额调节表)")
    page.wait_for_selector("#reconciled-check")
    assert page.locator("#reconciled-check.check-ok").count() == 1  # 22,585.00 on both sides
    shot(page, "17d_bank_reconciliation")

    # 7. The balance sheet still balances: 银行存款 holds both sales, 应交税费 the output VAT.
    page.click("nav.finance-tabs >> text=Balance sheet")
    page.wait_for_url(f"{base}/finance/reports/balance-sheet/")
    assert page.locator("#balanced-check.check-ok").count() == 1
    assert page.locator("#xlsx-download").count() == 1
    shot(page, "18_balance_sheet")
