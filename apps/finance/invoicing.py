"""Receivables and payables: invoices with VAT and fapiao, credit notes, payments, allocation.

Every posting goes through the ledger (``services``) in the same transaction: the invoice
and its voucher, the payment and its voucher, are written together or not at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed
from core.validators import credit_code_valid

from . import permissions
from .charts import DATA_DIR, chart_template, rate_label
from .models import ZERO, Account, Allocation, Invoice, InvoiceLine, LedgerSettings, Payment, Voucher
from .services import FEN, MAX_AMOUNT, EntryLine, _check_date, _post, ledger_settings, voucher_create

TAX_ID = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$|^[0-9A-Z]{20}$")
FAPIAO_DIGITAL = re.compile(r"^[0-9]{20}$")  # 数电票: 20 digits, no code
FAPIAO_CODE = re.compile(r"^[0-9]{10}$|^[0-9]{12}$")
FAPIAO_NUMBER = re.compile(r"^[0-9]{8}$")
MAX_LINES = 200
EXEMPT = "exempt"


@dataclass(frozen=True)
class InvoiceLineInput:
    description: str
    account_code: str
    quantity: Any
    unit_price: Any
    vat_rate: Any  # "0.13", Decimal, or "exempt"


@dataclass(frozen=True)
class FapiaoInput:
    type: str = ""
    code: str = ""
    number: str = ""
    date: date | None = None
    seller_tax_id: str = ""
    buyer_tax_id: str = ""


@cache
def _rate_table() -> list[dict[str, Any]]:
    return json.loads((DATA_DIR / "vat_rates.json").read_text(encoding="utf-8"))["rates"]  # type: ignore[no-any-return]


def vat_rates(*, taxpayer: str | None, day: date) -> list[Decimal]:
    """Rates in force on ``day`` for that taxpayer type (every type when None), from data."""
    rates = {
        Decimal(row["rate"])
        for row in _rate_table()
        if (taxpayer is None or row["taxpayer"] == taxpayer)
        and date.fromisoformat(row["from"]) <= day
        and (row["to"] is None or day <= date.fromisoformat(row["to"]))
    }
    return sorted(rates, reverse=True)


def control_account(name: str) -> Account:
    code = chart_template(ledger_settings().chart)["control_accounts"][name]
    return Account.objects.get(code=code)


def _decimal(value: Any, field: str, errors: dict[str, list[str]], *, places: int = 2) -> Decimal | None:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        errors.setdefault(field, []).append(_("At most %(n)d decimal places.") % {"n": places})
        return None
    return number


def _clean_tax_id(value: str, field: str, errors: dict[str, list[str]], *, required: bool = False) -> str:
    tax_id = (value or "").strip().upper()
    if not tax_id:
        if required:
            errors.setdefault(field, []).append(_("A special fapiao needs the buyer's tax id."))
        return ""
    if not TAX_ID.match(tax_id) or (len(tax_id) == 18 and not credit_code_valid(tax_id)):
        errors.setdefault(field, []).append(
            _(
                "Enter a valid taxpayer id: an 18-character unified social credit code (its last character checks the "
                "others) or an older 15- or 20-character id."
            )
        )
    return tax_id


def _clean_fapiao(fapiao: FapiaoInput, *, direction: str, errors: dict[str, list[str]]) -> FapiaoInput:
    kind = (fapiao.type or "").strip()
    if kind not in Invoice.FapiaoType.values:
        errors.setdefault("fapiao.type", []).append(_("Choose a fapiao type."))
        return FapiaoInput()
    if not kind:
        return FapiaoInput()
    code, number = (fapiao.code or "").strip(), (fapiao.number or "").strip()
    if not number:
        errors.setdefault("fapiao.number", []).append(_("Enter the fapiao number."))
    elif not code and not FAPIAO_DIGITAL.match(number):
        errors.setdefault("fapiao.number", []).append(
            _(
                "A fully digital fapiao (数电票) number has 20 digits; older fapiao have a 10- or 12-digit code and an "
                "8-digit number."
            )
        )
    elif code and not (FAPIAO_CODE.match(code) and FAPIAO_NUMBER.match(number)):
        errors.setdefault("fapiao.code", []).append(
            _("Older fapiao have a 10- or 12-digit code and an 8-digit number.")
        )
    seller = _clean_tax_id(fapiao.seller_tax_id, "fapiao.seller_tax_id", errors)
    buyer = _clean_tax_id(
        fapiao.buyer_tax_id, "fapiao.buyer_tax_id", errors, required=kind == Invoice.FapiaoType.SPECIAL
    )
    return FapiaoInput(kind, code, number, fapiao.date, seller, buyer)


def _clean_invoice_lines(
    lines: Sequence[InvoiceLineInput], *, direction: str, taxpayer: str, day: date, errors: dict[str, list[str]]
) -> list[tuple[InvoiceLineInput, Account, Decimal, Decimal, Decimal | None, Decimal, Decimal]]:
    if not lines:
        errors.setdefault("lines", []).append(_("Add at least one line."))
        return []
    if len(lines) > MAX_LINES:
        errors.setdefault("lines", []).append(_("At most %(n)d lines.") % {"n": MAX_LINES})
        return []
    allowed = vat_rates(taxpayer=taxpayer if direction == Invoice.Direction.SALES else None, day=day)
    accounts = {a.code: a for a in Account.objects.filter(code__in={str(line.account_code).strip() for line in lines})}
    clean = []
    for number, line in enumerate(lines, start=1):
        prefix = f"lines.{number}"
        description = (line.description or "").strip()
        if not description or len(description) > 200:
            errors.setdefault(f"{prefix}.description", []).append(_("Describe the line (at most 200 characters)."))
        account = accounts.get(str(line.account_code).strip())
        if account is None or not account.is_leaf or not account.is_active:
            errors.setdefault(f"{prefix}.account", []).append(_("Choose an active account that takes postings."))
        quantity = _decimal(line.quantity, f"{prefix}.quantity", errors, places=4)
        price = _decimal(line.unit_price, f"{prefix}.unit_price", errors, places=4)
        if quantity is not None and quantity <= 0:
            errors.setdefault(f"{prefix}.quantity", []).append(_("The quantity must be more than zero."))
        if price is not None and price < 0:
            errors.setdefault(f"{prefix}.unit_price", []).append(_("The price cannot be negative."))
        rate: Decimal | None = None
        if str(line.vat_rate).strip().lower() != EXEMPT:
            rate = _decimal(line.vat_rate, f"{prefix}.vat_rate", errors)
            if rate is not None and rate not in allowed:
                errors.setdefault(f"{prefix}.vat_rate", []).append(
                    _("Choose a VAT rate in force on this date: %(rates)s or exempt.")
                    % {"rates": ", ".join(rate_label(r) for r in allowed)}
                )
        if account is None or quantity is None or price is None or f"{prefix}.vat_rate" in errors:
            continue
        untaxed = (quantity * price).quantize(FEN, rounding=ROUND_HALF_UP)
        tax = (untaxed * rate).quantize(FEN, rounding=ROUND_HALF_UP) if rate is not None else ZERO
        if untaxed + tax > MAX_AMOUNT:
            errors.setdefault(f"{prefix}.unit_price", []).append(_("The amount is too large."))
            continue
        clean.append((line, account, quantity, price, rate, untaxed, tax))
    return clean


@transaction.atomic
def invoice_create(
    *,
    actor: Any,
    direction: str,
    partner_name: str,
    partner_tax_id: str = "",
    day: date,
    due_date: date | None = None,
    reference: str = "",
    lines: Sequence[InvoiceLineInput],
    fapiao: FapiaoInput | None = None,
) -> Invoice:
    """A draft invoice or bill; amounts and VAT are computed per line and rounded to the fen."""
    permissions.require(actor, permissions.PREPARE)
    errors: dict[str, list[str]] = {}
    if direction not in Invoice.Direction.values:
        raise ValidationFailed(_("Choose customer invoice or supplier bill."), fields={"direction": [_("Unknown.")]})
    day = _check_date(day)
    due_date = due_date or day
    if due_date < day:
        errors["due_date"] = [_("The due date cannot be before the invoice date.")]
    partner_name = (partner_name or "").strip()
    if not partner_name or len(partner_name) > 200:
        errors["partner_name"] = [_("Enter the partner's name (at most 200 characters).")]
    partner_tax_id = _clean_tax_id(partner_tax_id, "partner_tax_id", errors)
    reference = (reference or "").strip()
    if len(reference) > 64:
        errors["reference"] = [_("At most %(n)d characters.") % {"n": 64}]
    taxpayer = ledger_settings().taxpayer
    clean_fapiao = _clean_fapiao(fapiao or FapiaoInput(), direction=direction, errors=errors)
    clean = _clean_invoice_lines(lines, direction=direction, taxpayer=taxpayer, day=day, errors=errors)
    if errors:
        raise ValidationFailed(_("The invoice could not be saved."), fields=errors)
    _refuse_duplicate_fapiao(direction, clean_fapiao)
    untaxed = sum((row[5] for row in clean), ZERO)
    tax = sum((row[6] for row in clean), ZERO)
    try:
        with transaction.atomic():
            invoice = _invoice_insert(
                actor=actor,
                direction=direction,
                partner_name=partner_name,
                partner_tax_id=partner_tax_id,
                day=day,
                due_date=due_date,
                reference=reference,
                untaxed=untaxed,
                tax=tax,
                fapiao=clean_fapiao,
            )
    except IntegrityError:  # the same fapiao was recorded a moment ago by someone else
        _refuse_duplicate_fapiao(direction, clean_fapiao)
        raise
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=number,
            description=line.description.strip(),
            account=account,
            quantity=quantity,
            unit_price=price,
            vat_rate=rate,
            untaxed=line_untaxed,
            tax=line_tax,
        )
        for number, (line, account, quantity, price, rate, line_untaxed, line_tax) in enumerate(clean, start=1)
    )
    audit_record(action="finance.invoice_created", actor=actor, obj=invoice, total=str(invoice.total))
    return invoice


def _invoice_insert(
    *,
    actor: Any,
    direction: str,
    partner_name: str,
    partner_tax_id: str,
    day: date,
    due_date: date,
    reference: str,
    untaxed: Decimal,
    tax: Decimal,
    fapiao: FapiaoInput,
) -> Invoice:
    return Invoice.objects.create(
        direction=direction,
        partner_name=partner_name,
        partner_tax_id=partner_tax_id,
        date=day,
        due_date=due_date,
        reference=reference,
        untaxed=untaxed,
        tax=tax,
        total=untaxed + tax,
        fapiao_type=fapiao.type,
        fapiao_code=fapiao.code,
        fapiao_number=fapiao.number,
        fapiao_date=fapiao.date,
        seller_tax_id=fapiao.seller_tax_id,
        buyer_tax_id=fapiao.buyer_tax_id,
        created_by=actor,
    )


def _refuse_duplicate_fapiao(direction: str, fapiao: FapiaoInput) -> None:
    if not fapiao.number:
        return
    existing = Invoice.objects.filter(direction=direction, fapiao_code=fapiao.code, fapiao_number=fapiao.number).first()
    if existing is not None:
        raise Conflict(
            _("Fapiao %(number)s is already recorded on %(partner)s's invoice of %(date)s.")
            % {
                "number": f"{fapiao.code} {fapiao.number}".strip(),
                "partner": existing.partner_name,
                "date": existing.date,
            },
            code="duplicate_fapiao",
            fields={"fapiao.number": [_("This fapiao is already recorded.")]},
        )


def _invoice_entry(invoice: Invoice, taxpayer: str) -> list[EntryLine]:
    """Sales: Dr receivable / Cr revenue, Cr output VAT. Purchases: Dr cost, Dr input VAT / Cr payable.

    A credit note's amounts are negative already, so the same entry comes out in red.

    Input VAT is credited only by a general taxpayer holding a special fapiao; otherwise the
    VAT is part of the cost.
    """
    memo = f"{invoice.partner_name} {invoice.reference}".strip()
    lines: list[EntryLine] = []
    if invoice.direction == Invoice.Direction.SALES:
        lines.append(
            EntryLine(
                control_account("receivable").code, debit=invoice.total, summary=memo, partner=invoice.partner_name
            )
        )
        vat = control_account("output_vat" if taxpayer == LedgerSettings.Taxpayer.GENERAL else "small_scale_vat")
        for line in invoice.lines.select_related("account"):
            if line.untaxed:
                lines.append(EntryLine(line.account.code, credit=line.untaxed, summary=line.description[:200]))
        if invoice.tax:
            lines.append(EntryLine(vat.code, credit=invoice.tax, summary=memo))
    else:
        creditable = taxpayer == LedgerSettings.Taxpayer.GENERAL and invoice.fapiao_type == Invoice.FapiaoType.SPECIAL
        for line in invoice.lines.select_related("account"):
            amount = line.untaxed if creditable else line.untaxed + line.tax
            if amount:
                lines.append(EntryLine(line.account.code, debit=amount, summary=line.description[:200]))
        if creditable and invoice.tax:
            lines.append(EntryLine(control_account("input_vat").code, debit=invoice.tax, summary=memo))
        lines.append(
            EntryLine(control_account("payable").code, credit=invoice.total, summary=memo, partner=invoice.partner_name)
        )
    return lines


def _post_entry(
    invoice_or_payment: Invoice | Payment, *, actor: Any, source: str, lines: list[EntryLine], summary: str
) -> Voucher:
    voucher = voucher_create(
        actor=None,
        day=invoice_or_payment.date,
        summary=summary[:200],
        lines=lines,
        kind=Voucher.Kind.SYSTEM,
        source=source,
        source_id=str(invoice_or_payment.pk),
        idempotency_key=f"{source}:{invoice_or_payment.pk}",
        allow_negative=True,
    )
    return _post(voucher, actor=actor)


@transaction.atomic
def invoice_post(*, actor: Any, invoice: Invoice) -> Invoice:
    """Posting records the receivable or payable in the ledger; the invoice is then final."""
    permissions.require(actor, permissions.POST)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.POSTED:
        raise Conflict(_("This invoice is already posted."), code="invoice_posted")
    taxpayer = ledger_settings().taxpayer
    kind = _("Customer invoice") if invoice.direction == Invoice.Direction.SALES else _("Supplier bill")
    voucher = _post_entry(
        invoice,
        actor=actor,
        source="finance.invoice",
        lines=_invoice_entry(invoice, taxpayer),
        summary=f"{kind} {invoice.partner_name} {invoice.reference}".strip(),
    )
    invoice.status = Invoice.Status.POSTED
    invoice.voucher = voucher
    invoice.open_amount = invoice.total
    if invoice.credit_of_id:
        original = Invoice.objects.select_for_update().get(pk=invoice.credit_of_id)
        applied = min(original.open_amount, -invoice.total) if original.open_amount > 0 else ZERO
        original.open_amount -= applied
        original.save(update_fields=["open_amount"])
        invoice.open_amount += applied
    invoice.save(update_fields=["status", "voucher", "open_amount"])
    audit_record(action="finance.invoice_posted", actor=actor, obj=invoice, voucher=voucher.display_number)
    return invoice


@transaction.atomic
def invoice_delete(*, actor: Any, invoice: Invoice) -> None:
    permissions.require(actor, permissions.PREPARE)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.POSTED:
        raise Conflict(_("A posted invoice cannot be deleted; issue a credit note instead."), code="invoice_posted")
    audit_record(action="finance.invoice_deleted", actor=actor, obj=invoice, total=str(invoice.total))
    invoice.delete()


@transaction.atomic
def invoice_credit_note(
    *, actor: Any, invoice: Invoice, day: date, reason: str, fapiao: FapiaoInput | None = None
) -> Invoice:
    """红字: a posted negative copy of the invoice; it first reduces what is still open on it."""
    permissions.require(actor, permissions.POST)
    original = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if original.status != Invoice.Status.POSTED or original.total <= 0:
        raise Conflict(_("Credit notes are issued against posted invoices."), code="invoice_not_posted")
    if original.credit_notes.exists():
        raise Conflict(_("This invoice already has a credit note."), code="already_credited")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed(_("Give the reason for the credit note."), fields={"reason": [_("Required.")]})
    day = _check_date(day)
    if day < original.date:
        raise ValidationFailed(
            _("A credit note cannot be dated before its invoice."), fields={"date": [_("Too early.")]}
        )
    errors: dict[str, list[str]] = {}
    clean_fapiao = _clean_fapiao(fapiao or FapiaoInput(), direction=original.direction, errors=errors)
    if errors:
        raise ValidationFailed(_("The credit note could not be saved."), fields=errors)
    _refuse_duplicate_fapiao(original.direction, clean_fapiao)
    credit = Invoice.objects.create(
        direction=original.direction,
        partner_name=original.partner_name,
        partner_tax_id=original.partner_tax_id,
        date=day,
        due_date=day,
        reference=reason[:64],
        untaxed=-original.untaxed,
        tax=-original.tax,
        total=-original.total,
        credit_of=original,
        fapiao_type=clean_fapiao.type or original.fapiao_type,
        fapiao_code=clean_fapiao.code,
        fapiao_number=clean_fapiao.number,
        fapiao_date=clean_fapiao.date,
        seller_tax_id=original.seller_tax_id,
        buyer_tax_id=original.buyer_tax_id,
        created_by=actor,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=credit,
            line_no=line.line_no,
            description=line.description,
            account=line.account,
            quantity=-line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            untaxed=-line.untaxed,
            tax=-line.tax,
        )
        for line in original.lines.all()
    )
    return invoice_post(actor=actor, invoice=credit)


@dataclass(frozen=True)
class AllocationInput:
    invoice_id: int
    amount: Any


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    direction: str,
    partner_name: str,
    day: date,
    amount: Any,
    bank_account_code: str,
    allocations: Sequence[AllocationInput] = (),
    reference: str = "",
) -> Payment:
    """A receipt or payment, allocated to open invoices; what is left over is an advance."""
    permissions.require(actor, permissions.POST)
    errors: dict[str, list[str]] = {}
    if direction not in Payment.Direction.values:
        raise ValidationFailed(_("Choose receipt or payment."), fields={"direction": [_("Unknown.")]})
    day = _check_date(day)
    partner_name = (partner_name or "").strip()
    if not partner_name or len(partner_name) > 200:
        errors["partner_name"] = [_("Enter the partner's name (at most 200 characters).")]
    total = _decimal(amount, "amount", errors)
    if total is not None and total <= 0:
        errors["amount"] = [_("The amount must be more than zero.")]
    bank = Account.objects.filter(
        code=str(bank_account_code).strip(), is_cash=True, is_leaf=True, is_active=True
    ).first()
    if bank is None:
        errors["bank_account"] = [_("Choose a cash or bank account.")]
    if len(reference or "") > 64:
        errors["reference"] = [_("At most %(n)d characters.") % {"n": 64}]
    wanted_direction = Invoice.Direction.SALES if direction == Payment.Direction.RECEIPT else Invoice.Direction.PURCHASE
    invoices = {
        inv.pk: inv
        # Locked in id order, so two receipts touching the same invoices cannot deadlock.
        for inv in Invoice.objects.select_for_update()
        .filter(pk__in=[_int(a.invoice_id) for a in allocations])
        .order_by("pk")
    }
    parsed: list[tuple[Invoice, Decimal]] = []
    for number, allocation in enumerate(allocations, start=1):
        invoice = invoices.get(_int(allocation.invoice_id))
        share = _decimal(allocation.amount, f"allocations.{number}.amount", errors)
        if (
            invoice is None
            or invoice.direction != wanted_direction
            or invoice.status != Invoice.Status.POSTED
            or invoice.partner_name != partner_name
        ):
            errors.setdefault(f"allocations.{number}.invoice", []).append(
                _("Choose a posted, open invoice of this partner.")
            )
            continue
        if share is None:
            continue
        if share <= 0 or share > invoice.open_amount:
            errors.setdefault(f"allocations.{number}.amount", []).append(
                _("Allocate between 0.01 and the open amount (%(open)s).") % {"open": f"{invoice.open_amount:,.2f}"}
            )
            continue
        parsed.append((invoice, share))
    if len({invoice.pk for invoice, _share in parsed}) != len(parsed):
        errors.setdefault("allocations", []).append(_("Each invoice appears once."))
    allocated = sum((share for _invoice, share in parsed), ZERO)
    if total is not None and allocated > total:
        errors.setdefault("allocations", []).append(_("More is allocated than the amount paid."))
    if errors or total is None or bank is None:
        raise ValidationFailed(_("The payment could not be recorded."), fields=errors)
    payment = Payment.objects.create(
        direction=direction,
        partner_name=partner_name,
        date=day,
        amount=total,
        bank_account=bank,
        unallocated=total - allocated,
        reference=(reference or "").strip(),
    )
    for invoice, share in parsed:
        Allocation.objects.create(payment=payment, invoice=invoice, amount=share)
        invoice.open_amount -= share
        invoice.save(update_fields=["open_amount"])
    memo = f"{partner_name} {payment.reference}".strip()
    advance = payment.unallocated
    if direction == Payment.Direction.RECEIPT:
        lines = [EntryLine(bank.code, debit=total, summary=memo)]
        if allocated:
            lines.append(
                EntryLine(control_account("receivable").code, credit=allocated, summary=memo, partner=partner_name)
            )
        if advance:
            lines.append(
                EntryLine(control_account("advance_received").code, credit=advance, summary=memo, partner=partner_name)
            )
        summary = _("Receipt from %(partner)s") % {"partner": partner_name}
    else:
        lines = []
        if allocated:
            lines.append(
                EntryLine(control_account("payable").code, debit=allocated, summary=memo, partner=partner_name)
            )
        if advance:
            lines.append(
                EntryLine(control_account("advance_paid").code, debit=advance, summary=memo, partner=partner_name)
            )
        lines.append(EntryLine(bank.code, credit=total, summary=memo))
        summary = _("Payment to %(partner)s") % {"partner": partner_name}
    payment.voucher = _post_entry(payment, actor=actor, source="finance.payment", lines=lines, summary=summary)
    payment.save(update_fields=["voucher"])
    audit_record(
        action="finance.payment_recorded", actor=actor, obj=payment, amount=str(total), allocated=str(allocated)
    )
    return payment


@transaction.atomic
def payment_allocate(*, actor: Any, payment: Payment, invoice: Invoice, amount: Any, day: date) -> Allocation:
    """Settle an open invoice from an earlier advance (预收/预付 → 应收/应付)."""
    permissions.require(actor, permissions.POST)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    errors: dict[str, list[str]] = {}
    share = _decimal(amount, "amount", errors)
    wanted = Invoice.Direction.SALES if payment.direction == Payment.Direction.RECEIPT else Invoice.Direction.PURCHASE
    if (
        invoice.direction != wanted
        or invoice.status != Invoice.Status.POSTED
        or invoice.partner_name != payment.partner_name
    ):
        errors["invoice"] = [_("Choose a posted, open invoice of this partner.")]
    elif share is not None and not (0 < share <= min(payment.unallocated, invoice.open_amount)):
        errors["amount"] = [_("Allocate at most what is left of the advance and open on the invoice.")]
    if errors or share is None:
        raise ValidationFailed(_("The allocation could not be recorded."), fields=errors)
    allocation = Allocation.objects.create(payment=payment, invoice=invoice, amount=share)
    payment.unallocated -= share
    payment.save(update_fields=["unallocated"])
    invoice.open_amount -= share
    invoice.save(update_fields=["open_amount"])
    memo = f"{payment.partner_name} {invoice.reference}".strip()
    if payment.direction == Payment.Direction.RECEIPT:
        lines = [
            EntryLine(
                control_account("advance_received").code, debit=share, summary=memo, partner=payment.partner_name
            ),
            EntryLine(control_account("receivable").code, credit=share, summary=memo, partner=payment.partner_name),
        ]
    else:
        lines = [
            EntryLine(control_account("payable").code, debit=share, summary=memo, partner=payment.partner_name),
            EntryLine(control_account("advance_paid").code, credit=share, summary=memo, partner=payment.partner_name),
        ]
    voucher = voucher_create(
        actor=None,
        day=_check_date(day),
        summary=(_("Advance applied: %(memo)s") % {"memo": memo})[:200],
        lines=lines,
        kind=Voucher.Kind.SYSTEM,
        source="finance.allocation",
        source_id=str(allocation.pk),
        idempotency_key=f"finance.allocation:{allocation.pk}",
    )
    _post(voucher, actor=actor)
    audit_record(action="finance.advance_applied", actor=actor, obj=allocation, amount=str(share))
    return allocation


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def invoice_get(*, actor: Any, invoice_id: Any) -> Invoice:
    permissions.require(actor, permissions.VIEW)
    invoice = (
        Invoice.objects.select_related("voucher", "credit_of")
        .prefetch_related("lines__account", "credit_notes", "allocations__payment")
        .filter(pk=_int(invoice_id))
        .first()
    )
    if invoice is None:
        raise NotFound(_("No such invoice."))
    return invoice
