"""Receivables and payables: VAT per line, fapiao checks, posting, payments, credit notes, aging."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.finance import selectors, services
from apps.finance.invoicing import (
    AllocationInput,
    FapiaoInput,
    InvoiceLineInput,
    invoice_create,
    invoice_credit_note,
    invoice_delete,
    invoice_post,
    payment_allocate,
    payment_record,
)
from apps.finance.models import Invoice, LedgerSettings, Payment, Period, Voucher
from core.errors import Conflict, ValidationFailed
from core.validators import credit_code_valid
from tests.finance.conftest import D

DAY = date(2026, 11, 5)
BUYER = "91350100M000100Y43"  # a unified social credit code whose check character is right
DIGITAL = "26512000000012345678"


def _sale(
    owner: User,
    *,
    lines: list[InvoiceLineInput] | None = None,
    fapiao: FapiaoInput | None = None,
    partner: str = "成都蓉城商贸有限公司",
    day: date = DAY,
    due: date | None = None,
) -> Invoice:
    return invoice_create(
        actor=owner,
        direction="sales",
        partner_name=partner,
        partner_tax_id=BUYER,
        day=day,
        due_date=due or day,
        reference="INV-1",
        lines=lines or [InvoiceLineInput("服务器", "5001", "2", "5000.00", "0.13")],
        fapiao=fapiao,
    )


def _entry(voucher: Voucher) -> set[tuple[str, object, object]]:
    return set(voucher.lines.values_list("account__code", "debit", "credit"))


def test_a_customer_invoice_computes_vat_per_line_and_posts_receivable_revenue_and_output_vat(owner: User) -> None:
    invoice = _sale(
        owner,
        lines=[
            InvoiceLineInput("服务器", "5001", "2", "5000.00", "0.13"),
            InvoiceLineInput("安装服务", "5051", "1", "333.33", "0.06"),
        ],
    )

    assert (invoice.untaxed, invoice.tax, invoice.total) == (D("10333.33"), D("1320.00"), D("11653.33"))
    posted = invoice_post(actor=owner, invoice=invoice)

    assert posted.open_amount == D("11653.33")
    assert posted.voucher is not None
    assert _entry(posted.voucher) == {
        ("1122", D("11653.33"), D("0")),
        ("5001", D("0"), D("10000.00")),
        ("5051", D("0"), D("333.33")),
        ("22210102", D("0"), D("1320.00")),
    }
    with pytest.raises(Conflict):
        invoice_post(actor=owner, invoice=invoice)
    with pytest.raises(Conflict):
        invoice_delete(actor=owner, invoice=invoice)


def test_input_vat_is_credited_only_with_a_special_fapiao(owner: User) -> None:
    special = invoice_create(
        actor=owner,
        direction="purchase",
        partner_name="供应商甲",
        day=DAY,
        lines=[InvoiceLineInput("原材料", "1403", "100", "10.00", "0.13")],
        fapiao=FapiaoInput("special", "", DIGITAL, DAY, BUYER, BUYER),
    )
    ordinary = invoice_create(
        actor=owner,
        direction="purchase",
        partner_name="供应商乙",
        day=DAY,
        lines=[InvoiceLineInput("办公用品", "5602", "1", "100.00", "0.13")],
        fapiao=FapiaoInput("ordinary", "", "26512000000099999999", DAY, "", ""),
    )

    assert _entry(invoice_post(actor=owner, invoice=special).voucher) == {  # type: ignore[arg-type]
        ("1403", D("1000.00"), D("0")),
        ("22210101", D("130.00"), D("0")),
        ("2202", D("0"), D("1130.00")),
    }
    assert _entry(invoice_post(actor=owner, invoice=ordinary).voucher) == {  # type: ignore[arg-type]
        ("5602", D("113.00"), D("0")),
        ("2202", D("0"), D("113.00")),
    }


def test_a_small_scale_taxpayer_uses_the_levy_rates_in_force_on_the_date(owner: User) -> None:
    services.ledger_taxpayer_set(actor=owner, taxpayer=LedgerSettings.Taxpayer.SMALL_SCALE)

    with pytest.raises(ValidationFailed) as general_rate:
        _sale(owner)
    assert "lines.1.vat_rate" in general_rate.value.fields
    with pytest.raises(ValidationFailed):  # the reduced 1% ends on 2027-12-31
        _sale(owner, lines=[InvoiceLineInput("咨询", "5001", "1", "100", "0.01")], day=date(2028, 1, 3))

    invoice = invoice_post(
        actor=owner, invoice=_sale(owner, lines=[InvoiceLineInput("咨询", "5001", "1", "100", "0.01")])
    )
    assert ("222103", D("0"), D("1.00")) in _entry(invoice.voucher)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fapiao", "field"),
    [
        (FapiaoInput("special", "", "1234", DAY, "", BUYER), "fapiao.number"),
        (FapiaoInput("special", "", DIGITAL, DAY, "", ""), "fapiao.buyer_tax_id"),
        (FapiaoInput("special", "", DIGITAL, DAY, "", "91350100M000100Y44"), "fapiao.buyer_tax_id"),
        (FapiaoInput("ordinary", "123456789", "12345678", DAY, "", ""), "fapiao.code"),
        (FapiaoInput("ordinary", "5100201130", "1234567", DAY, "", ""), "fapiao.code"),
        (FapiaoInput("paper", "", DIGITAL, DAY, "", ""), "fapiao.type"),
    ],
)
def test_malformed_fapiao_details_are_refused_and_nothing_is_saved(
    owner: User, fapiao: FapiaoInput, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _sale(owner, fapiao=fapiao)

    assert field in caught.value.fields
    assert not Invoice.objects.exists()


def test_an_older_fapiao_with_code_and_number_is_accepted(owner: User) -> None:
    invoice = _sale(owner, fapiao=FapiaoInput("ordinary", "5100201130", "00123456", DAY, "", ""))
    assert (invoice.fapiao_code, invoice.fapiao_number) == ("5100201130", "00123456")


def test_a_duplicate_fapiao_is_detected_and_nothing_is_saved(owner: User) -> None:
    fapiao = FapiaoInput("special", "", DIGITAL, DAY, "", BUYER)
    first = _sale(owner, fapiao=fapiao)

    with pytest.raises(Conflict) as caught:
        _sale(owner, fapiao=fapiao, partner="别的客户")

    assert caught.value.code == "duplicate_fapiao"
    assert Invoice.objects.count() == 1
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(direction="sales", partner_name="x", date=DAY, due_date=DAY, fapiao_number=DIGITAL)
    # The same number on a supplier bill is a different fapiao (someone else issued it).
    invoice_create(
        actor=owner,
        direction="purchase",
        partner_name="供应商",
        day=DAY,
        lines=[InvoiceLineInput("x", "5602", "1", "1", "0.13")],
        fapiao=fapiao,
    )
    assert first.pk


def test_bad_invoice_input_gets_field_errors(owner: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        invoice_create(
            actor=owner,
            direction="sales",
            partner_name="",
            partner_tax_id="123",
            day=DAY,
            due_date=date(2026, 11, 1),
            lines=[InvoiceLineInput("", "2221", "0", "-1", "0.17")],
        )

    fields = set(caught.value.fields)
    assert {
        "partner_name",
        "partner_tax_id",
        "due_date",
        "lines.1.description",
        "lines.1.account",
        "lines.1.quantity",
        "lines.1.unit_price",
        "lines.1.vat_rate",
    } <= fields
    assert not Invoice.objects.exists()


def test_a_receipt_settles_invoices_and_keeps_the_overpayment_as_an_advance(owner: User) -> None:
    invoice = invoice_post(actor=owner, invoice=_sale(owner))  # 11,300.00

    payment = payment_record(
        actor=owner,
        direction="receipt",
        partner_name=invoice.partner_name,
        day=date(2026, 11, 20),
        amount="15000.00",
        bank_account_code="1002",
        allocations=[AllocationInput(invoice.pk, "11300.00")],
    )

    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    assert payment.unallocated == D("3700.00")
    assert _entry(payment.voucher) == {  # type: ignore[arg-type]
        ("1002", D("15000.00"), D("0")),
        ("1122", D("0"), D("11300.00")),
        ("2203", D("0"), D("3700.00")),
    }

    second = invoice_post(
        actor=owner, invoice=_sale(owner, lines=[InvoiceLineInput("配件", "5001", "1", "1000", "0.13")])
    )
    payment_allocate(actor=owner, payment=payment, invoice=second, amount="1130.00", day=date(2026, 11, 21))
    second.refresh_from_db()
    payment.refresh_from_db()
    assert (second.open_amount, payment.unallocated) == (D("0.00"), D("2570.00"))


def test_a_partial_payment_leaves_the_rest_open_and_over_allocation_is_refused(owner: User) -> None:
    bill = invoice_post(
        actor=owner,
        invoice=invoice_create(
            actor=owner,
            direction="purchase",
            partner_name="供应商丙",
            day=DAY,
            lines=[InvoiceLineInput("材料", "1403", "1", "1000", "0.13")],
            fapiao=FapiaoInput("special", "", DIGITAL, DAY, "", BUYER),
        ),
    )

    with pytest.raises(ValidationFailed) as too_much:
        payment_record(
            actor=owner,
            direction="payment",
            partner_name="供应商丙",
            day=DAY,
            amount="2000",
            bank_account_code="1002",
            allocations=[AllocationInput(bill.pk, "1500")],
        )
    assert "allocations.1.amount" in too_much.value.fields
    with pytest.raises(ValidationFailed) as wrong_partner:
        payment_record(
            actor=owner,
            direction="payment",
            partner_name="别人",
            day=DAY,
            amount="100",
            bank_account_code="1002",
            allocations=[AllocationInput(bill.pk, "100")],
        )
    assert "allocations.1.invoice" in wrong_partner.value.fields
    with pytest.raises(ValidationFailed) as not_bank:
        payment_record(
            actor=owner, direction="payment", partner_name="供应商丙", day=DAY, amount="100", bank_account_code="5602"
        )
    assert "bank_account" in not_bank.value.fields
    assert not Payment.objects.exists()

    payment_record(
        actor=owner,
        direction="payment",
        partner_name="供应商丙",
        day=DAY,
        amount="500",
        bank_account_code="1002",
        allocations=[AllocationInput(bill.pk, "500")],
    )
    bill.refresh_from_db()
    assert bill.open_amount == D("630.00")


def test_a_credit_note_is_a_red_entry_that_closes_the_open_amount(owner: User) -> None:
    invoice = invoice_post(actor=owner, invoice=_sale(owner))

    credit = invoice_credit_note(actor=owner, invoice=invoice, day=date(2026, 11, 8), reason="退货")

    invoice.refresh_from_db()
    assert (credit.total, credit.open_amount, invoice.open_amount) == (D("-11300.00"), D("0.00"), D("0.00"))
    assert _entry(credit.voucher) == {  # type: ignore[arg-type]
        ("1122", D("-11300.00"), D("0")),
        ("5001", D("0"), D("-10000.00")),
        ("22210102", D("0"), D("-1300.00")),
    }
    with pytest.raises(Conflict):
        invoice_credit_note(actor=owner, invoice=invoice, day=date(2026, 11, 9), reason="again")


def test_aging_buckets_open_amounts_by_days_past_due(owner: User) -> None:
    as_of = date(2026, 11, 30)
    for due, price in (
        (date(2026, 12, 10), "100"),
        (date(2026, 11, 20), "200"),
        (date(2026, 10, 15), "300"),
        (date(2026, 9, 20), "400"),
        (date(2026, 6, 1), "500"),
    ):
        invoice_post(
            actor=owner,
            invoice=_sale(owner, lines=[InvoiceLineInput("x", "5001", "1", price, "0")], day=date(2026, 6, 1), due=due),
        )
    invoice_post(
        actor=owner, invoice=_sale(owner, partner="另一家", lines=[InvoiceLineInput("x", "5001", "1", "7", "0")])
    )

    report = selectors.aging(actor=owner, direction="sales", as_of=as_of)

    first = next(row for row in report.rows if row.partner == "成都蓉城商贸有限公司")
    assert (first.current, first.d1_30, first.d31_60, first.d61_90, first.over_90) == (
        D("100"),
        D("200"),
        D("300"),
        D("400"),
        D("500"),
    )
    assert report.totals.total == D("1507.00")
    assert report.partners == 2


def test_vat_summary_adds_output_and_creditable_input_per_rate(owner: User) -> None:
    invoice_post(actor=owner, invoice=_sale(owner))  # output 1,300 at 13%
    invoice_post(
        actor=owner,
        invoice=invoice_create(
            actor=owner,
            direction="purchase",
            partner_name="供应商",
            day=DAY,
            lines=[InvoiceLineInput("材料", "1403", "1", "1000", "0.13")],
            fapiao=FapiaoInput("special", "", DIGITAL, DAY, "", BUYER),
        ),
    )
    invoice_post(
        actor=owner,
        invoice=invoice_create(  # not creditable: ordinary fapiao
            actor=owner,
            direction="purchase",
            partner_name="便利店",
            day=DAY,
            lines=[InvoiceLineInput("茶水", "5602", "1", "100", "0.13")],
        ),
    )

    summary = selectors.vat_summary(actor=owner, period=Period.objects.get(year=2026, month=11))

    assert (summary.output_tax, summary.input_tax, summary.payable) == (D("1300.00"), D("130.00"), D("1170.00"))
    assert summary.output[0].rate == "13%"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91350100M000100Y43", True),
        ("91110000600037341L", True),
        ("91350100M000100Y44", False),
        ("91350100M000100Y4", False),
        ("91350100M000100I43", False),
    ],
)
def test_unified_social_credit_codes_are_checked(code: str, valid: bool) -> None:
    assert credit_code_valid(code) is valid
