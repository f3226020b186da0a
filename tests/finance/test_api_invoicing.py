"""The receivables and payables API: invoices, credit notes, payments, aging, VAT; two-firm leaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.finance.models import Invoice, Payment
from tenants.models import Firm

BUYER = "91350100M000100Y43"
INVOICE = {
    "direction": "sales",
    "partner_name": "成都蓉城商贸有限公司",
    "partner_tax_id": BUYER,
    "date": "2026-11-05",
    "due_date": "2026-12-05",
    "reference": "INV-2026-001",
    "lines": [{"description": "服务器", "account": "5001", "quantity": "2", "unit_price": "5000", "vat_rate": "0.13"}],
    "fapiao": {"type": "special", "number": "26512000000012345678", "date": "2026-11-05", "buyer_tax_id": BUYER},
}


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def _counts(firm: Firm) -> tuple[int, int]:
    with schema_context(firm.schema_name):
        return Invoice.objects.count(), Payment.objects.count()


@pytest.mark.django_db
def test_invoice_to_receipt_to_aging_through_the_api(owner_a_client: Client, firm_a: Firm) -> None:
    created = _post(owner_a_client, "/api/v1/finance/invoices/", {**INVOICE, "post": True})
    assert created.status_code == 201, created.json()
    invoice = created.json()
    assert (invoice["total"], invoice["tax"], invoice["open_amount"]) == ("11300.00", "1300.00", "11300.00")
    assert invoice["voucher"] == "记-0001"

    receipt = _post(
        owner_a_client,
        "/api/v1/finance/payments/",
        {
            "direction": "receipt",
            "partner_name": INVOICE["partner_name"],
            "date": "2026-11-20",
            "amount": "5000.00",
            "bank_account": "1002",
            "allocations": [{"invoice": invoice["id"], "amount": "5000.00"}],
        },
    )
    assert receipt.status_code == 201, receipt.json()
    assert receipt.json()["unallocated"] == "0.00"

    aging = owner_a_client.get("/api/v1/finance/reports/aging/?direction=sales&as_of=2026-12-20").json()
    assert aging["rows"][0]["d1_30"] == "6300.00"
    vat = owner_a_client.get("/api/v1/finance/reports/vat-summary/?period=2026-11").json()
    assert vat["output_tax"] == "1300.00"
    listed = owner_a_client.get("/api/v1/finance/invoices/?open=1&q=蓉城").json()
    assert [row["id"] for row in listed["results"]] == [invoice["id"]]


@pytest.mark.django_db
def test_a_duplicate_fapiao_is_refused_with_409_and_nothing_is_saved(owner_a_client: Client, firm_a: Firm) -> None:
    assert _post(owner_a_client, "/api/v1/finance/invoices/", INVOICE).status_code == 201

    again = _post(owner_a_client, "/api/v1/finance/invoices/", INVOICE)

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_fapiao"
    assert "fapiao.number" in again.json()["fields"]
    assert _counts(firm_a) == (1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"direction": "refund"}, "direction"),
        ({"fapiao": {"type": "special", "number": "123"}}, "fapiao.number"),
        ({"partner_tax_id": "91350100M000100Y44"}, "partner_tax_id"),
        (
            {
                "lines": [
                    {"description": "x", "account": "5001", "quantity": "1", "unit_price": "1", "vat_rate": "0.17"}
                ]
            },
            "lines.1.vat_rate",
        ),
        ({"due_date": "2026-11-01"}, "due_date"),
    ],
)
def test_bad_invoice_input_gets_a_field_error_and_nothing_is_saved(
    owner_a_client: Client, firm_a: Firm, change: dict[str, Any], field: str
) -> None:
    response = _post(owner_a_client, "/api/v1/finance/invoices/", {**INVOICE, **change})

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert _counts(firm_a) == (0, 0)


@pytest.mark.django_db
def test_credit_note_and_draft_deletion(owner_a_client: Client, firm_a: Firm) -> None:
    posted = _post(owner_a_client, "/api/v1/finance/invoices/", {**INVOICE, "post": True}).json()
    credit = _post(
        owner_a_client,
        f"/api/v1/finance/invoices/{posted['id']}/credit-note/",
        {"date": "2026-11-06", "reason": "退货"},
    )
    assert credit.status_code == 201
    assert credit.json()["total"] == "-11300.00"
    assert owner_a_client.delete(f"/api/v1/finance/invoices/{posted['id']}/").status_code == 409

    draft = _post(owner_a_client, "/api/v1/finance/invoices/", {**INVOICE, "fapiao": {}}).json()
    assert owner_a_client.delete(f"/api/v1/finance/invoices/{draft['id']}/").status_code == 204
    assert _counts(firm_a) == (2, 0)


@pytest.mark.django_db
def test_no_invoicing_endpoint_shows_or_changes_another_firms_data(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    posted = _post(owner_a_client, "/api/v1/finance/invoices/", {**INVOICE, "post": True}).json()
    draft = _post(owner_a_client, "/api/v1/finance/invoices/", {**INVOICE, "fapiao": {}}).json()
    before = _counts(firm_a)

    assert owner_b_client.get(f"/api/v1/finance/invoices/{posted['id']}/").status_code == 404
    assert owner_b_client.delete(f"/api/v1/finance/invoices/{draft['id']}/").status_code == 404
    assert _post(owner_b_client, f"/api/v1/finance/invoices/{draft['id']}/post/").status_code == 404
    credit = _post(
        owner_b_client, f"/api/v1/finance/invoices/{posted['id']}/credit-note/", {"date": "2026-11-06", "reason": "x"}
    )
    assert credit.status_code == 404
    stolen = _post(
        owner_b_client,
        "/api/v1/finance/payments/",
        {
            "direction": "receipt",
            "partner_name": INVOICE["partner_name"],
            "date": "2026-11-20",
            "amount": "1",
            "bank_account": "1002",
            "allocations": [{"invoice": posted["id"], "amount": "1"}],
        },
    )
    assert stolen.status_code == 400
    assert owner_b_client.get("/api/v1/finance/invoices/").json()["count"] == 0
    assert owner_b_client.get("/api/v1/finance/payments/").json()["count"] == 0
    assert owner_b_client.get("/api/v1/finance/reports/aging/?direction=sales").json()["rows"] == []
    assert owner_b_client.get("/api/v1/finance/reports/vat-summary/?period=2026-11").status_code == 404
    assert _counts(firm_a) == before
    assert _counts(firm_b) == (0, 0)


@pytest.mark.django_db
def test_reports_download_as_xlsx_with_numbers_kept_and_formulas_defused(owner_a_client: Client, firm_a: Firm) -> None:
    import io

    from openpyxl import load_workbook

    from apps.audit.models import AuditEvent

    hostile = {**INVOICE, "partner_name": '=HYPERLINK("http://evil")', "fapiao": {}, "post": True}
    assert _post(owner_a_client, "/api/v1/finance/invoices/", hostile).status_code == 201

    aging = owner_a_client.get("/api/v1/finance/reports/aging/?direction=sales&as_of=2026-11-05&export=xlsx")
    sheet = load_workbook(io.BytesIO(aging.content)).active
    assert aging["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = [row for row in sheet.iter_rows(values_only=True) if row and row[0] and "HYPERLINK" in str(row[0])]
    assert cells[0][0].startswith("'=")
    assert cells[0][1] == 11300  # a number, not text

    for report in ("trial-balance", "balance-sheet", "income-statement"):
        response = owner_a_client.get(f"/api/v1/finance/reports/{report}/?period=2026-11&export=xlsx")
        assert response.status_code == 200
        assert load_workbook(io.BytesIO(response.content)).active.max_row > 3
    ledger = owner_a_client.get("/api/v1/finance/reports/account-ledger/?account=1122&period=2026-11&export=xlsx")
    assert ledger.status_code == 200
    with schema_context(firm_a.schema_name):
        assert AuditEvent.objects.filter(action="finance.report_exported").count() == 5
