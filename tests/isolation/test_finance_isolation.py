"""Every finance page and API endpoint, called from firm B with firm A's ids: nothing of A shows or changes.

The routes are read from the URL configuration, so a new endpoint is swept without editing
this test. Firm A's rows carry a marker that must never appear in a response at firm B.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance import attachments, banking, services
from apps.finance.invoicing import AllocationInput, InvoiceLineInput, invoice_create, invoice_post, payment_record
from apps.finance.models import BankStatementLine, Invoice, Payment, Voucher, VoucherAttachment
from apps.finance.services import EntryLine
from tenants.models import Firm

MARKER = "ALPHA-SECRET"
DAY = date(2026, 11, 5)


def _finance_routes() -> list[str]:
    """Every route under /finance/ and /api/v1/finance/, as templates like 'vouchers/<int:voucher_id>/'."""
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append(prefix + str(entry.pattern))

    walk(get_resolver("config.urls_tenant").url_patterns, "/")
    return [route for route in found if route.startswith(("/finance/", "/api/v1/finance/"))]


def _firm_a_data(firm: Firm) -> dict[str, Any]:
    with schema_context(firm.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        services.account_create(actor=owner, parent="1002", code="100299", name=f"{MARKER}-账户")
        voucher = services.voucher_create(
            actor=owner,
            day=DAY,
            summary=f"{MARKER}-凭证",
            lines=[EntryLine("100299", debit="500"), EntryLine("5001", credit="500")],
        )
        services.voucher_post(actor=owner, voucher=voucher)
        draft = services.voucher_create(
            actor=owner,
            day=DAY,
            summary=f"{MARKER}-草稿",
            lines=[EntryLine("1001", debit="1"), EntryLine("5001", credit="1")],
        )
        attachment = attachments.attachment_add(actor=owner, voucher=draft, name=f"{MARKER}.pdf", content=b"%PDF-1.4")
        invoice = invoice_post(
            actor=owner,
            invoice=invoice_create(
                actor=owner,
                direction="sales",
                partner_name=f"{MARKER}-客户",
                day=DAY,
                lines=[InvoiceLineInput("服务", "5001", "1", "100", "0.06")],
            ),
        )
        payment = payment_record(
            actor=owner,
            direction="receipt",
            partner_name=f"{MARKER}-客户",
            day=DAY,
            amount="50",
            bank_account_code="100299",
            allocations=[AllocationInput(invoice.pk, "50")],
        )
        csv = f"日期,金额,对方户名\n2026-11-05,500.00,{MARKER}\n".encode()
        banking.statement_import(
            actor=owner,
            account_code="100299",
            content=csv,
            filename="a.csv",
            mapping=banking.ColumnMapping(date="日期", amount="金额", counterparty="对方户名"),
        )
        line = BankStatementLine.objects.get()
        return {
            "voucher_id": draft.pk,
            "invoice_id": invoice.pk,
            "payment_id": payment.pk,
            "line_id": line.pk,
            "attachment_id": attachment.pk,
            "code": "100299",
            "label": "2026-11",
            "period": "2026-11",
        }


def _state(firm: Firm) -> tuple[Any, ...]:
    with schema_context(firm.schema_name):
        return (
            sorted(Voucher.objects.values_list("id", "status", "number", "summary")),
            sorted(Invoice.objects.values_list("id", "status", "open_amount")),
            Payment.objects.count(),
            sorted(BankStatementLine.objects.values_list("id", "matched_line_id")),
            VoucherAttachment.objects.count(),
        )


def _url(route: str, ids: dict[str, Any]) -> str:
    path = route
    for key, value in ids.items():
        path = path.replace(f"<int:{key}>", str(value)).replace(f"<str:{key}>", str(value))
    assert "<" not in path, f"no id for {route}"
    return path + "?account=100299&period=2026-11&direction=sales&as_of=2026-11-30&q=ALPHA&export="


@pytest.mark.django_db
def test_no_finance_route_shows_or_changes_firm_a_data_at_firm_b(
    firm_a: Firm, firm_b: Firm, owner_b_client: Client
) -> None:
    ids = _firm_a_data(firm_a)
    with schema_context(firm_b.schema_name):  # B has a ledger of its own, so its reports render
        owner_b = User.objects.get(role=User.Role.OWNER)
        own = services.voucher_create(
            actor=owner_b, day=DAY, summary="beta", lines=[EntryLine("1002", debit="7"), EntryLine("5001", credit="7")]
        )
        services.voucher_post(actor=owner_b, voucher=own)
    before = _state(firm_a)
    routes = _finance_routes()
    assert len(routes) > 60

    for route in routes:
        url = _url(route, ids)
        for response in (
            owner_b_client.get(url),
            owner_b_client.post(url, {}, content_type="application/json"),
            owner_b_client.post(url, {"voucher_line": "1", "date": "2026-11-06", "reason": "x"}),
        ):
            assert response.status_code < 500, (url, response.status_code)
            body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
            assert MARKER.encode() not in body, url

    assert _state(firm_a) == before
