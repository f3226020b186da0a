"""What other modules may use of finance: post a journal entry, look up accounts.

HR payroll, supply chain and CRM post through ``journal_entry_post`` inside their own
transaction, with an idempotency key, so a retried job never posts twice.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import Account, Invoice
from .services import EntryLine, PostedEntry, journal_entry_post, ledger_settings

# The account sales are credited to by default, per chart (its first postable account below).
_REVENUE = {"cas_small": "5001", "ifrs": "4000"}


def ledger_chart() -> str:
    """The firm's chart of accounts ("cas_small" or "ifrs"), so a module knows which codes to post to."""
    return ledger_settings().chart


def revenue_account_code() -> str:
    """The postable account for sales revenue in the firm's chart (主营业务收入 or Revenue)."""
    root = _REVENUE.get(ledger_chart(), "5001")
    account = Account.objects.filter(code__startswith=root, is_leaf=True, is_active=True).order_by("code").first()
    return account.code if account else root


def postable_account_code(code: str) -> str | None:
    """``code`` itself when it takes postings, else its first active sub-account that does;
    None when the firm's chart has no such account."""
    account = (
        Account.objects.filter(code__startswith=code, is_leaf=True, is_active=True).order_by("code").first()
        if code
        else None
    )
    return account.code if account else None


def invoice_summary(invoice_id: int) -> Invoice | None:
    """A finance invoice by id (status, number, totals) for a module that drafted it."""
    return Invoice.objects.filter(pk=invoice_id).first()


def sales_invoice_by_reference(reference: str) -> Invoice | None:
    """A customer invoice made from another module's document (its number as the reference)."""
    return Invoice.objects.filter(direction=Invoice.Direction.SALES, reference=reference).order_by("id").first()


def sales_invoice_draft(
    *,
    actor: Any,
    partner_name: str,
    partner_tax_id: str,
    day: date,
    reference: str,
    lines: list[tuple[str, Decimal, Decimal, Decimal]],
) -> Invoice:
    """A draft customer invoice from another module: lines of (description, quantity, amount
    before VAT, VAT rate), credited to the chart's revenue account. Finance's own rules apply
    (who may prepare invoices, the VAT rates the firm may charge); their errors come back as they
    are, with the line numbers of ``lines``."""
    from .invoicing import InvoiceLineInput, invoice_create

    revenue = revenue_account_code()
    inputs = []
    for description, quantity, amount, rate in lines:
        price = (amount / quantity).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if (quantity * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) != amount:
            # A discount that does not divide evenly: one line of the whole amount, the
            # quantity kept in the description.
            description, quantity, price = f"{description} \u00d7 {quantity.normalize():f}", Decimal(1), amount
        inputs.append(InvoiceLineInput(description[:200], revenue, quantity, price, rate))
    return invoice_create(
        actor=actor,
        direction=Invoice.Direction.SALES,
        partner_name=partner_name,
        partner_tax_id=partner_tax_id,
        day=day,
        reference=reference,
        lines=inputs,
    )


def purchase_invoice_draft(
    *,
    actor: Any,
    partner_name: str,
    partner_tax_id: str,
    day: date,
    reference: str,
    lines: list[tuple[str, str, Decimal, Decimal, Decimal]],
) -> Invoice:
    """A draft supplier bill from another module: lines of (description, account code, quantity,
    unit price before VAT, VAT rate). Finance's own rules apply; posting it is finance's step
    (Dr the lines' account and input VAT / Cr payable)."""
    from .invoicing import InvoiceLineInput, invoice_create

    return invoice_create(
        actor=actor,
        direction=Invoice.Direction.PURCHASE,
        partner_name=partner_name,
        partner_tax_id=partner_tax_id,
        day=day,
        reference=reference,
        lines=[
            InvoiceLineInput(description[:200], code, quantity, price, rate)
            for description, code, quantity, price, rate in lines
        ],
    )


__all__ = [
    "EntryLine",
    "PostedEntry",
    "invoice_summary",
    "journal_entry_post",
    "ledger_chart",
    "postable_account_code",
    "purchase_invoice_draft",
    "revenue_account_code",
    "sales_invoice_by_reference",
    "sales_invoice_draft",
]
