"""Receivables, payables and bank pages: they render, roles are enforced, forms call the
services, errors come back next to their fields and lines, and nothing crosses firms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.invoicing import FapiaoInput, InvoiceLineInput, invoice_create, invoice_post, payment_record
from apps.finance.models import BankStatementLine, Invoice, Payment, Voucher
from apps.finance.services import EntryLine, voucher_create, voucher_post
from tenants.models import Firm
from tests.finance.test_pages import _member_client

DIGITAL_FAPIAO = "26110000000000012345"


def _owner(firm: Firm) -> User:
    return User.objects.get(role=User.Role.OWNER)


def _invoice(
    firm: Firm,
    *,
    post: bool = True,
    partner: str = "成都蓝天商贸有限公司",
    price: str = "1000",
    day: date = date(2026, 11, 5),
    direction: str = "sales",
    fapiao_number: str = "",
) -> Invoice:
    with schema_context(firm.schema_name):
        owner = _owner(firm)
        invoice = invoice_create(
            actor=owner,
            direction=direction,
            partner_name=partner,
            day=day,
            due_date=day,
            reference="INV-1",
            lines=[InvoiceLineInput("咨询服务", "5001" if direction == "sales" else "5401", "1", price, "0.13")],
            fapiao=FapiaoInput(type="ordinary", number=fapiao_number) if fapiao_number else None,
        )
        return invoice_post(actor=owner, invoice=invoice) if post else invoice


def _invoice_form(action: str = "draft", **extra: str) -> dict[str, str]:
    data = {
        "direction": "sales",
        "partner_name": "成都蓝天商贸有限公司",
        "partner_tax_id": "",
        "date": "2026-11-05",
        "due_date": "2026-12-05",
        "reference": "SO-2026-001",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-description": "软件开发服务",
        "lines-0-account": "5001",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "5000",
        "lines-0-vat_rate": "0.13",
        "lines-1-vat_rate": "0.13",
        "lines-2-vat_rate": "0.13",
        "fapiao-type": "",
        "action": action,
    }
    data.update(extra)
    return data


def _pages(invoice_id: int, draft_id: int, payment_id: int) -> list[str]:
    return [
        "/finance/invoices/",
        "/finance/invoices/?direction=purchase&status=posted&open=1&q=蓝天",
        "/finance/invoices/new/",
        "/finance/invoices/new/?direction=purchase",
        f"/finance/invoices/{invoice_id}/",
        f"/finance/invoices/{invoice_id}/credit-note/",
        f"/finance/invoices/{draft_id}/delete/",
        "/finance/payments/",
        "/finance/payments/new/",
        "/finance/payments/new/?direction=receipt&partner=成都蓝天商贸有限公司",
        f"/finance/payments/{payment_id}/",
        "/finance/reports/aging/",
        "/finance/reports/aging/?direction=purchase&as_of=2027-03-01",
        "/finance/reports/vat/",
        "/finance/reports/vat/?period=2026-11",
        "/finance/bank/",
        "/finance/bank/?account=1001",
        "/finance/bank/reconciliation/?account=1002&as_of=2026-11-30",
    ]


def _receipt(firm: Firm, invoice: Invoice, amount: str) -> Payment:
    with schema_context(firm.schema_name):
        return payment_record(
            actor=_owner(firm),
            direction="receipt",
            partner_name=invoice.partner_name,
            day=date(2026, 11, 20),
            amount=amount,
            bank_account_code="1002",
        )


@pytest.mark.django_db
def test_every_receivables_and_bank_page_renders_for_the_owner(owner_a_client: Client, firm_a: Firm) -> None:
    invoice = _invoice(firm_a)
    draft = _invoice(firm_a, post=False, partner="草稿客户")
    payment = _receipt(firm_a, invoice, "100.00")

    for url in _pages(invoice.pk, draft.pk, payment.pk):
        response = owner_a_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert b'style="' not in response.content, url  # the CSP forbids inline styles
        assert b"<script>" not in response.content, url


@pytest.mark.django_db
def test_the_report_pages_link_their_xlsx_downloads(owner_a_client: Client, firm_a: Firm) -> None:
    _invoice(firm_a)

    aging = owner_a_client.get("/finance/reports/aging/?as_of=2026-11-30").content.decode()
    assert "/api/v1/finance/reports/aging/?direction=sales&amp;as_of=2026-11-30&amp;export=xlsx" in aging
    for page, api in [
        ("trial-balance", "trial-balance"),
        ("balance-sheet", "balance-sheet"),
        ("income-statement", "income-statement"),
    ]:
        html = owner_a_client.get(f"/finance/reports/{page}/?period=2026-11").content.decode()
        assert f"/api/v1/finance/reports/{api}/?period=2026-11&amp;export=xlsx" in html, page
    ledger = owner_a_client.get("/finance/accounts/1122/ledger/?period=2026-11").content.decode()
    assert "/api/v1/finance/reports/account-ledger/?account=1122&amp;period=2026-11&amp;export=xlsx" in ledger
    download = owner_a_client.get("/api/v1/finance/reports/aging/?direction=sales&as_of=2026-11-30&export=xlsx")
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('.xlsx"')


@pytest.mark.django_db
def test_a_member_without_finance_role_gets_403_and_nothing_changes(firm_a: Firm) -> None:
    invoice = _invoice(firm_a)
    draft = _invoice(firm_a, post=False, partner="草稿客户")
    payment = _receipt(firm_a, invoice, "100.00")
    client = _member_client(firm_a)
    with schema_context(firm_a.schema_name):
        before = (list(Invoice.objects.values_list("pk", "status", "open_amount")), Payment.objects.count())

    for url in _pages(invoice.pk, draft.pk, payment.pk):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"finance role" in response.content
    posts = {
        "/finance/invoices/new/": _invoice_form("post"),
        f"/finance/invoices/{draft.pk}/post/": {},
        f"/finance/invoices/{draft.pk}/delete/": {},
        f"/finance/invoices/{invoice.pk}/credit-note/": {"date": "2026-11-30", "reason": "退货"},
        "/finance/payments/new/": {"direction": "receipt", "partner_name": invoice.partner_name, "amount": "1"},
        "/finance/bank/auto-match/": {"account": "1002"},
    }
    for url, body in posts.items():
        assert client.post(url, body).status_code == 403, url
    with schema_context(firm_a.schema_name):
        assert (list(Invoice.objects.values_list("pk", "status", "open_amount")), Payment.objects.count()) == before


@pytest.mark.django_db
def test_a_viewer_reads_invoices_but_cannot_create_or_record_payments(firm_a: Firm) -> None:
    invoice = _invoice(firm_a)
    client = _member_client(firm_a, role="viewer")

    assert client.get("/finance/invoices/").status_code == 200
    assert client.get(f"/finance/invoices/{invoice.pk}/").status_code == 200
    assert client.get("/finance/invoices/new/").status_code == 403
    assert client.get("/finance/payments/new/").status_code == 403
    assert client.get(f"/finance/invoices/{invoice.pk}/credit-note/").status_code == 403


@pytest.mark.django_db
def test_the_invoice_form_saves_a_draft_with_vat(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/finance/invoices/new/", _invoice_form("draft"))

    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        invoice = Invoice.objects.get()
        assert (invoice.status, invoice.untaxed, invoice.tax, invoice.total, invoice.voucher_id) == (
            "draft",
            Decimal("10000.00"),
            Decimal("1300.00"),
            Decimal("11300.00"),
            None,
        )
        assert invoice.due_date == date(2026, 12, 5)
    assert response["Location"] == f"/finance/invoices/{invoice.pk}/"


@pytest.mark.django_db
def test_save_and_post_posts_the_invoice_with_its_voucher(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/finance/invoices/new/", _invoice_form("post"), follow=True)

    with schema_context(firm_a.schema_name):
        invoice = Invoice.objects.get()
        assert (invoice.status, invoice.open_amount) == ("posted", Decimal("11300.00"))
        assert invoice.voucher is not None
        lines = list(invoice.voucher.lines.values_list("account__code", "debit", "credit"))
    assert ("1122", Decimal("11300.00"), Decimal("0")) in lines
    assert ("22210102", Decimal("0"), Decimal("1300.00")) in lines
    page = response.content.decode()
    assert "记-0001" in page
    assert "11,300.00" in page


@pytest.mark.django_db
def test_an_approver_cannot_create_invoices_from_the_form(firm_a: Firm) -> None:
    client = _member_client(firm_a, role="approver")

    assert client.post("/finance/invoices/new/", _invoice_form("post")).status_code == 403
    with schema_context(firm_a.schema_name):
        assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_bad_fapiao_number_is_shown_on_its_field_and_nothing_is_saved(owner_a_client: Client, firm_a: Firm) -> None:
    data = _invoice_form("post", **{"fapiao-type": "ordinary", "fapiao-number": "12345"})

    response = owner_a_client.post("/finance/invoices/new/", data)

    assert response.status_code == 400
    page = response.content.decode()
    field = page.split('for="id_fapiao-number"')[1].split("</div>")[0]
    assert "20 digits" in field
    assert 'value="软件开发服务"' in page  # what was typed stays
    with schema_context(firm_a.schema_name):
        assert not Invoice.objects.exists()
        assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_a_line_error_is_shown_on_its_line(owner_a_client: Client, firm_a: Firm) -> None:
    data = _invoice_form(
        **{
            "lines-2-description": "硬件",
            "lines-2-account": "5001",
            "lines-2-quantity": "1",
            "lines-2-unit_price": "-5",
        }
    )

    response = owner_a_client.post("/finance/invoices/new/", data)

    assert response.status_code == 400
    rows = response.content.decode().split('class="voucher-line invoice-line')
    assert "cannot be negative" in rows[3]  # the third row, though the second is empty
    assert "cannot be negative" not in rows[1]
    with schema_context(firm_a.schema_name):
        assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_fapiao_recorded_twice_is_refused_on_the_form(owner_a_client: Client, firm_a: Firm) -> None:
    _invoice(firm_a, fapiao_number=DIGITAL_FAPIAO)
    data = _invoice_form("draft", **{"fapiao-type": "ordinary", "fapiao-number": DIGITAL_FAPIAO})

    response = owner_a_client.post("/finance/invoices/new/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "is already recorded on" in page
    assert "This fapiao is already recorded." in page.split('for="id_fapiao-number"')[1].split("</div>")[0]
    with schema_context(firm_a.schema_name):
        assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_a_draft_is_posted_and_deleted_from_its_page(owner_a_client: Client, firm_a: Firm) -> None:
    first = _invoice(firm_a, post=False)
    second = _invoice(firm_a, post=False, partner="另一客户")

    assert owner_a_client.get(f"/finance/invoices/{first.pk}/post/").status_code == 405
    owner_a_client.post(f"/finance/invoices/{first.pk}/post/")
    assert owner_a_client.get(f"/finance/invoices/{second.pk}/delete/").status_code == 200
    assert owner_a_client.post(f"/finance/invoices/{second.pk}/delete/").status_code == 302

    with schema_context(firm_a.schema_name):
        assert Invoice.objects.get(pk=first.pk).status == "posted"
        assert not Invoice.objects.filter(pk=second.pk).exists()


@pytest.mark.django_db
def test_a_receipt_with_an_allocation_reduces_the_open_amount(owner_a_client: Client, firm_a: Firm) -> None:
    invoice = _invoice(firm_a)  # 1,130.00 open
    step_two = owner_a_client.get(f"/finance/payments/new/?direction=receipt&partner={invoice.partner_name}")
    assert f'name="allocate-{invoice.pk}"' in step_two.content.decode()

    response = owner_a_client.post(
        "/finance/payments/new/",
        {
            "direction": "receipt",
            "partner_name": invoice.partner_name,
            "date": "2026-11-20",
            "amount": "1,500.00",
            "bank_account": "1002",
            "reference": "回单 88",
            f"allocate-{invoice.pk}": "1000.00",
        },
        follow=True,
    )

    with schema_context(firm_a.schema_name):
        invoice.refresh_from_db()
        payment = Payment.objects.get()
    assert invoice.open_amount == Decimal("130.00")
    assert (payment.amount, payment.unallocated) == (Decimal("1500.00"), Decimal("500.00"))
    assert "500.00 is kept as an advance" in response.content.decode()


@pytest.mark.django_db
def test_allocating_more_than_is_open_is_shown_on_the_invoice_row(owner_a_client: Client, firm_a: Firm) -> None:
    invoice = _invoice(firm_a)

    response = owner_a_client.post(
        "/finance/payments/new/",
        {
            "direction": "receipt",
            "partner_name": invoice.partner_name,
            "date": "2026-11-20",
            "amount": "5000",
            "bank_account": "1002",
            f"allocate-{invoice.pk}": "2000",
        },
    )

    assert response.status_code == 400
    row = response.content.decode().split(f'id="allocate-{invoice.pk}"')[1].split("</tr>")[0]
    assert "Allocate between 0.01 and the open amount" in row
    with schema_context(firm_a.schema_name):
        assert not Payment.objects.exists()
        assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("1130.00")


@pytest.mark.django_db
def test_an_advance_is_applied_from_the_payment_page(owner_a_client: Client, firm_a: Firm) -> None:
    invoice = _invoice(firm_a)
    payment = _receipt(firm_a, invoice, "300.00")  # nothing allocated: all advance

    response = owner_a_client.post(
        f"/finance/payments/{payment.pk}/", {"invoice": invoice.pk, "amount": "300", "date": "2026-11-21"}
    )

    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("830.00")
        assert Payment.objects.get(pk=payment.pk).unallocated == 0


@pytest.mark.django_db
def test_a_credit_note_is_issued_through_its_confirmation_page(owner_a_client: Client, firm_a: Firm) -> None:
    invoice = _invoice(firm_a)
    assert b"Issue a credit note" in owner_a_client.get(f"/finance/invoices/{invoice.pk}/credit-note/").content

    url = f"/finance/invoices/{invoice.pk}/credit-note/"
    too_early = owner_a_client.post(url, {"date": "2026-11-01", "reason": "x"})
    assert too_early.status_code == 400
    response = owner_a_client.post(
        f"/finance/invoices/{invoice.pk}/credit-note/", {"date": "2026-11-25", "reason": "客户退货"}, follow=True
    )

    with schema_context(firm_a.schema_name):
        credit = Invoice.objects.get(credit_of=invoice)
        invoice.refresh_from_db()
    assert (credit.status, credit.total, invoice.open_amount) == ("posted", Decimal("-1130.00"), Decimal("0"))
    assert "Credit note (红字)" in response.content.decode()


@pytest.mark.django_db
def test_aging_and_vat_pages_show_the_posted_invoices(owner_a_client: Client, firm_a: Firm) -> None:
    _invoice(firm_a, day=date(2026, 8, 1))  # 1,130.00, more than 90 days overdue on 2026-11-30

    aging = owner_a_client.get("/finance/reports/aging/?direction=sales&as_of=2026-11-30").content.decode()
    vat = owner_a_client.get("/finance/reports/vat/?period=2026-08").content.decode()

    row = aging.split("成都蓝天商贸有限公司")[1].split("</tr>")[0]
    assert row.count("1,130.00") == 2  # over 90 days and the total
    assert "130.00" in vat.split('id="vat-output"')[1].split("</table>")[0]
    assert 'id="vat-payable">130.00' in vat


def _csv(encoding: str = "utf-8") -> bytes:
    rows = [
        "交易日期,摘要,对方户名,收入,支出,余额",
        "2026-11-20,货款,成都蓝天商贸有限公司,1130.00,,51130.00",
        "2026-11-21,手续费,,,15.00,51115.00",
        "2026-11-32,坏行,,1,,",
    ]
    return ("\n".join(rows) + "\n").encode(encoding)


def _import(client: Client, content: bytes, filename: str = "statement.csv") -> tuple[Any, Any]:
    upload = client.post(
        "/finance/bank/import/",
        {"account": "1002", "step": "upload", "file": SimpleUploadedFile(filename, content, "text/csv")},
    )
    mapping = upload.context["mapping"]
    data = {
        "account": "1002",
        "step": "import",
        **{name: mapping[name].value() or "" for name in ("content", "filename", "date", "inflow", "outflow")},
        **{name: mapping[name].value() or "" for name in ("description", "counterparty", "balance")},
    }
    return upload, client.post("/finance/bank/import/", data)


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_statement_is_imported_with_its_row_errors_and_a_second_import_adds_nothing(
    owner_a_client: Client, firm_a: Firm, encoding: str
) -> None:
    upload, response = _import(owner_a_client, _csv(encoding))

    preview = upload.content.decode()
    assert "对方户名" in preview  # the header
    assert "成都蓝天商贸有限公司" in preview  # and the first rows
    assert upload.context["mapping"]["inflow"].value() == "收入"  # guessed from the header
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 lines imported" in page
    errors = page.split('id="import-errors"')[1].split("</table>")[0]
    assert '<td class="num">4</td>' in errors
    assert "2026-11-32" in errors
    with schema_context(firm_a.schema_name):
        assert sorted(BankStatementLine.objects.values_list("amount", flat=True)) == [Decimal("-15"), Decimal("1130")]

    _upload, again = _import(owner_a_client, _csv(encoding))
    assert "0 lines imported" in again.content.decode()
    assert "2 already imported, skipped" in again.content.decode()
    with schema_context(firm_a.schema_name):
        assert BankStatementLine.objects.count() == 2


@pytest.mark.django_db
def test_an_unreadable_upload_is_shown_on_the_file_field(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post(
        "/finance/bank/import/",
        {"account": "1002", "step": "upload", "file": SimpleUploadedFile("statement.pdf", b"%PDF-1.4", "text/plain")},
    )

    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()


@pytest.mark.django_db
def test_a_mapping_without_amount_columns_is_refused_on_its_field(owner_a_client: Client, firm_a: Firm) -> None:
    upload = owner_a_client.post(
        "/finance/bank/import/",
        {"account": "1002", "step": "upload", "file": SimpleUploadedFile("s.csv", _csv(), "text/csv")},
    )
    content = upload.context["mapping"]["content"].value()

    response = owner_a_client.post(
        "/finance/bank/import/",
        {"account": "1002", "step": "import", "content": content, "filename": "s.csv", "date": "交易日期"},
    )

    assert response.status_code == 400
    assert "either one signed amount column" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert not BankStatementLine.objects.exists()


def _receipt_voucher(firm: Firm) -> Voucher:
    with schema_context(firm.schema_name):
        owner = _owner(firm)
        voucher = voucher_create(
            actor=owner,
            day=date(2026, 11, 19),
            summary="收货款",
            lines=[EntryLine("1002", debit="1130.00"), EntryLine("1122", credit="1130.00", partner="蓝天")],
        )
        return voucher_post(actor=owner, voucher=voucher)


@pytest.mark.django_db
def test_a_statement_line_is_matched_and_unmatched_and_the_reconciliation_agrees(
    owner_a_client: Client, firm_a: Firm
) -> None:
    voucher = _receipt_voucher(firm_a)
    _import(owner_a_client, _csv())
    with schema_context(firm_a.schema_name):
        statement = BankStatementLine.objects.get(amount=Decimal("1130"))
        entry = voucher.lines.get(account__code="1002")

    bank = owner_a_client.get("/finance/bank/?account=1002").content.decode()
    assert f'name="voucher_line" value="{entry.pk}"' in bank  # suggested
    owner_a_client.post(f"/finance/bank/lines/{statement.pk}/match/", {"voucher_line": entry.pk})
    with schema_context(firm_a.schema_name):
        assert BankStatementLine.objects.get(pk=statement.pk).matched_line_id == entry.pk
    assert "记-0001" in owner_a_client.get("/finance/bank/").content.decode().split('id="matched-table"')[1]

    reconciliation = owner_a_client.get("/finance/bank/reconciliation/?account=1002&as_of=2026-11-30")
    page = reconciliation.content.decode()
    # The ledger lacks the unrecorded fee and the bank's opening balance: the sides differ.
    assert 'id="adjusted-book">1,115.00' in page
    assert 'id="adjusted-bank">51,115.00' in page
    assert "check-bad" in page

    today = owner_a_client.get("/finance/bank/reconciliation/?account=1002").content.decode()
    assert 'name="as_of" value="20' in today  # the date field shows today, not an empty field

    owner_a_client.post(f"/finance/bank/lines/{statement.pk}/unmatch/")
    with schema_context(firm_a.schema_name):
        assert BankStatementLine.objects.get(pk=statement.pk).matched_line_id is None


@pytest.mark.django_db
def test_auto_match_matches_the_single_fitting_entry(owner_a_client: Client, firm_a: Firm) -> None:
    _receipt_voucher(firm_a)
    _import(owner_a_client, _csv())

    response = owner_a_client.post("/finance/bank/auto-match/", {"account": "1002"}, follow=True)

    assert "1 statement lines matched automatically." in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert BankStatementLine.objects.filter(matched_line__isnull=False).count() == 1


@pytest.mark.django_db
def test_records_of_firm_a_are_not_found_on_firm_b(owner_b_client: Client, firm_a: Firm, firm_b: Firm) -> None:
    invoice = _invoice(firm_a)
    payment = _receipt(firm_a, invoice, "100.00")
    voucher = _receipt_voucher(firm_a)
    with schema_context(firm_a.schema_name):
        entry = voucher.lines.get(account__code="1002")
        statement = BankStatementLine.objects.create(
            account=entry.account, date=date(2026, 11, 19), amount=Decimal("1130"), fingerprint="x"
        )

    for url in [
        f"/finance/invoices/{invoice.pk}/",
        f"/finance/invoices/{invoice.pk}/credit-note/",
        f"/finance/invoices/{invoice.pk}/delete/",
        f"/finance/payments/{payment.pk}/",
    ]:
        assert owner_b_client.get(url).status_code == 404, url
    assert owner_b_client.post(f"/finance/invoices/{invoice.pk}/post/").status_code == 404
    match = owner_b_client.post(f"/finance/bank/lines/{statement.pk}/match/", {"voucher_line": entry.pk})
    assert match.status_code == 404
    assert owner_b_client.post(f"/finance/bank/lines/{statement.pk}/unmatch/").status_code == 404
    for url in ["/finance/invoices/", "/finance/payments/", "/finance/bank/", "/finance/reports/aging/"]:
        assert invoice.partner_name not in owner_b_client.get(url).content.decode(), url
    assert "No invoice matches." in owner_b_client.get("/finance/invoices/").content.decode()
    with schema_context(firm_a.schema_name):
        assert BankStatementLine.objects.get(pk=statement.pk).matched_line_id is None


@pytest.mark.django_db
def test_the_invoices_list_runs_a_bounded_number_of_queries(
    owner_a_client: Client, firm_a: Firm, django_assert_max_num_queries: Any
) -> None:
    for day in range(1, 31):
        _invoice(firm_a, post=day % 2 == 0, partner=f"客户 {day}", day=date(2026, 11, day))
    owner_a_client.get("/finance/invoices/")  # warm the session and tenant caches

    with django_assert_max_num_queries(12):
        response = owner_a_client.get("/finance/invoices/")
    assert response.content.decode().count('class="badge badge-') == 30
    with django_assert_max_num_queries(12):
        assert owner_a_client.get("/finance/payments/").status_code == 200
