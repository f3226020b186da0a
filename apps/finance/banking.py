"""Bank: statement import (CSV/XLSX, column mapping), matching to the ledger, reconciliation.

Statements are small (a month is a few hundred lines), so an import runs in the request with
hard limits on size and rows; every good row is imported, every bad one is reported by its
row number, and importing the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed
from core.tabular import read_table

from . import permissions
from .models import ZERO, Account, BankStatementLine, Voucher, VoucherLine
from .services import FEN, MAX_AMOUNT

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MATCH_DAYS = 10
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%d/%m/%Y")


@dataclass(frozen=True)
class ColumnMapping:
    """Which header holds what. Amounts come signed in one column, or as money in and money out."""

    date: str
    amount: str = ""
    inflow: str = ""
    outflow: str = ""
    description: str = ""
    counterparty: str = ""
    reference: str = ""
    balance: str = ""


@dataclass
class ImportReport:
    rows: int
    imported: int
    duplicates: int
    errors: list[tuple[int, str]] = field(default_factory=list)


def bank_accounts() -> QuerySet[Account]:
    return Account.objects.filter(is_cash=True, is_leaf=True, is_active=True).order_by("code")


def _bank_account(code: str) -> Account:
    account = bank_accounts().filter(code=str(code).strip()).first()
    if account is None:
        raise ValidationFailed(
            _("Choose a cash or bank account."), fields={"account": [_("Choose a cash or bank account.")]}
        )
    return account


def statement_read(*, content: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a bank's CSV or XLSX export."""
    return read_table(content=content, filename=filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


def _parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[\s,¥￥]|RMB|CNY|元", "", text or "")
    if cleaned in ("", "-"):
        return ZERO
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT or amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        return None
    return amount


def _mapping_errors(header: list[str], mapping: ColumnMapping) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    known = set(header)
    if not mapping.date:
        errors["date"] = [_("Choose the column that holds the date.")]
    if bool(mapping.amount) == bool(mapping.inflow or mapping.outflow):
        errors["amount"] = [_("Choose either one signed amount column, or the money-in and money-out columns.")]
    for name in ("date", "amount", "inflow", "outflow", "description", "counterparty", "reference", "balance"):
        column = getattr(mapping, name)
        if column and column not in known:
            errors.setdefault(name, []).append(_("The file has no column “%(column)s”.") % {"column": column})
    return errors


@transaction.atomic
def statement_import(
    *, actor: Any, account_code: str, content: bytes, filename: str, mapping: ColumnMapping
) -> ImportReport:
    """Import a bank statement: good rows go in, bad rows are reported, repeated rows are skipped."""
    permissions.require(actor, permissions.PREPARE)
    account = _bank_account(account_code)
    header, rows = statement_read(content=content, filename=filename)
    errors = _mapping_errors(header, mapping)
    if errors:
        raise ValidationFailed(_("The column mapping does not fit the file."), fields=errors)
    position = {name: index for index, name in enumerate(header)}

    def cell(row: list[str], column: str) -> str:
        return row[position[column]].strip() if column and position[column] < len(row) else ""

    report = ImportReport(rows=len(rows), imported=0, duplicates=0)
    parsed: list[BankStatementLine] = []
    seen: Counter[tuple[Any, ...]] = Counter()
    for number, row in enumerate(rows, start=2):
        day = _parse_date(cell(row, mapping.date))
        if day is None:
            report.errors.append(
                (
                    number,
                    _("The date “%(value)s” is not a date such as 2026-11-05.")
                    % {"value": cell(row, mapping.date)[:40]},
                )
            )
            continue
        if mapping.amount:
            amount = _parse_amount(cell(row, mapping.amount))
        else:
            inflow, outflow = _parse_amount(cell(row, mapping.inflow)), _parse_amount(cell(row, mapping.outflow))
            amount = None if inflow is None or outflow is None else inflow - abs(outflow)
        if amount is None:
            report.errors.append((number, _("The amount is not a number with at most two decimals.")))
            continue
        if amount == 0:
            report.errors.append((number, _("The amount is zero.")))
            continue
        balance = _parse_amount(cell(row, mapping.balance)) if mapping.balance and cell(row, mapping.balance) else None
        if mapping.balance and cell(row, mapping.balance) and balance is None:
            report.errors.append((number, _("The balance is not a number with at most two decimals.")))
            continue
        texts = (
            cell(row, mapping.description)[:200],
            cell(row, mapping.counterparty)[:200],
            cell(row, mapping.reference)[:64],
        )
        key = (day, amount, *texts)
        seen[key] += 1  # identical rows in one file are distinct payments: count them apart
        fingerprint = hashlib.sha256("|".join(map(str, (*key, seen[key]))).encode()).hexdigest()
        parsed.append(
            BankStatementLine(
                account=account,
                date=day,
                amount=amount,
                description=texts[0],
                counterparty=texts[1],
                reference=texts[2],
                balance=balance,
                fingerprint=fingerprint,
            )
        )
    existing = set(
        BankStatementLine.objects.filter(
            account=account, fingerprint__in=[line.fingerprint for line in parsed]
        ).values_list("fingerprint", flat=True)
    )
    new = [line for line in parsed if line.fingerprint not in existing]
    BankStatementLine.objects.bulk_create(new)
    report.imported, report.duplicates = len(new), len(parsed) - len(new)
    audit_record(
        action="finance.bank_statement_imported",
        actor=actor,
        obj=account,
        file=filename[:100],
        imported=report.imported,
        duplicates=report.duplicates,
        errors=len(report.errors),
    )
    return report


def statement_lines(
    *, actor: Any, account: Account, unmatched_only: bool = False, matched_only: bool = False
) -> QuerySet[BankStatementLine]:
    permissions.require(actor, permissions.VIEW)
    lines = BankStatementLine.objects.filter(account=account).select_related("matched_line__voucher")
    if unmatched_only:
        lines = lines.filter(matched_line__isnull=True)
    if matched_only:
        lines = lines.filter(matched_line__isnull=False)
    return lines.order_by("-date", "-id")


def _open_ledger_lines(account: Account) -> QuerySet[VoucherLine]:
    return VoucherLine.objects.filter(
        account=account, voucher__status=Voucher.Status.POSTED, bank_match__isnull=True
    ).select_related("voucher")


def _fits(statement: BankStatementLine, line: VoucherLine) -> bool:
    signed = line.debit - line.credit
    return signed == statement.amount and abs((line.date - statement.date).days) <= MATCH_DAYS


def match_suggestions(*, actor: Any, account: Account, limit: int = 200) -> dict[int, list[VoucherLine]]:
    """For each unmatched statement line, posted entries on the account with the same amount
    within ten days, closest date first (and a shared reference before that)."""
    permissions.require(actor, permissions.VIEW)
    statements = list(statement_lines(actor=actor, account=account, unmatched_only=True)[:limit])
    if not statements:
        return {}
    low = min(s.date for s in statements) - timedelta(days=MATCH_DAYS)
    high = max(s.date for s in statements) + timedelta(days=MATCH_DAYS)
    amounts = {s.amount for s in statements}
    candidates = (
        _open_ledger_lines(account)
        .filter(date__range=(low, high))
        .filter(Q(debit__in=[a for a in amounts if a > 0]) | Q(credit__in=[-a for a in amounts if a < 0]))
    )
    by_amount: dict[Decimal, list[VoucherLine]] = defaultdict(list)
    for line in candidates:
        by_amount[line.debit - line.credit].append(line)
    suggestions: dict[int, list[VoucherLine]] = {}
    for statement in statements:
        fits = [line for line in by_amount.get(statement.amount, []) if _fits(statement, line)]

        def score(line: VoucherLine, statement: BankStatementLine = statement) -> tuple[int, int]:
            shared = bool(statement.reference) and statement.reference in (line.summary or "")
            return (0 if shared else 1, abs((line.date - statement.date).days))

        suggestions[statement.pk] = sorted(fits, key=score)[:3]
    return suggestions


@transaction.atomic
def statement_line_match(*, actor: Any, statement_line: BankStatementLine, voucher_line_id: Any) -> BankStatementLine:
    permissions.require(actor, permissions.POST)
    statement = BankStatementLine.objects.select_for_update().get(pk=statement_line.pk)
    if statement.matched_line_id:
        raise Conflict(_("This statement line is already matched."), code="already_matched")
    line = (
        _open_ledger_lines(statement.account).select_for_update(of=("self",)).filter(pk=_int(voucher_line_id)).first()
    )
    if line is None:
        raise NotFound(_("No open posted entry on this account with that id."))
    if line.debit - line.credit != statement.amount:
        raise ValidationFailed(
            _("The entry's amount differs from the statement line's."),
            fields={"voucher_line": [_("Different amount.")]},
        )
    statement.matched_line = line
    statement.matched_at = timezone.now()
    statement.save(update_fields=["matched_line", "matched_at"])
    audit_record(action="finance.bank_line_matched", actor=actor, obj=statement, voucher_line=line.pk)
    return statement


@transaction.atomic
def statement_line_unmatch(*, actor: Any, statement_line: BankStatementLine) -> BankStatementLine:
    permissions.require(actor, permissions.POST)
    statement = BankStatementLine.objects.select_for_update().get(pk=statement_line.pk)
    if not statement.matched_line_id:
        raise Conflict(_("This statement line is not matched."), code="not_matched")
    statement.matched_line = None
    statement.matched_at = None
    statement.save(update_fields=["matched_line", "matched_at"])
    audit_record(action="finance.bank_line_unmatched", actor=actor, obj=statement)
    return statement


@transaction.atomic
def statement_auto_match(*, actor: Any, account: Account) -> int:
    """Match every line that has exactly one candidate which no other line wants too."""
    permissions.require(actor, permissions.POST)
    suggestions = match_suggestions(actor=actor, account=account, limit=MAX_ROWS)
    wanted = Counter(line.pk for lines in suggestions.values() for line in lines)
    matched = 0
    for statement_id, lines in suggestions.items():
        if len(lines) == 1 and wanted[lines[0].pk] == 1:
            statement_line_match(
                actor=actor, statement_line=BankStatementLine(pk=statement_id), voucher_line_id=lines[0].pk
            )
            matched += 1
    return matched


def statement_line_get(*, actor: Any, line_id: Any) -> BankStatementLine:
    permissions.require(actor, permissions.VIEW)
    line = BankStatementLine.objects.select_related("account").filter(pk=_int(line_id)).first()
    if line is None:
        raise NotFound(_("No such statement line."))
    return line


@dataclass
class Reconciliation:
    """银行存款余额调节表: both sides adjusted by what only the other side has recorded.

    With the bank's stated balance the two adjusted figures differ exactly when statement
    lines are missing or wrong; without it the bank balance is the sum of the imported lines.
    """

    account: Account
    as_of: date
    book_balance: Decimal
    bank_balance: Decimal
    bank_only: list[BankStatementLine]  # 银行已收付、企业未收付
    book_only: list[VoucherLine]  # 企业已收付、银行未收付
    bank_only_total: Decimal
    book_only_total: Decimal
    truncated: bool
    bank_balance_stated: bool = False

    @property
    def adjusted_book(self) -> Decimal:
        return self.book_balance + self.bank_only_total

    @property
    def adjusted_bank(self) -> Decimal:
        return self.bank_balance + self.book_only_total

    @property
    def balanced(self) -> bool:
        return self.adjusted_book == self.adjusted_bank


def reconciliation(*, actor: Any, account: Account, as_of: date, limit: int = 500) -> Reconciliation:
    permissions.require(actor, permissions.VIEW)
    posted = VoucherLine.objects.filter(account=account, voucher__status=Voucher.Status.POSTED, date__lte=as_of)
    book = posted.aggregate(dr=Sum("debit"), cr=Sum("credit"))
    bank = BankStatementLine.objects.filter(account=account, date__lte=as_of)
    stated = bank.filter(balance__isnull=False).order_by("-date", "-id").values_list("balance", flat=True).first()
    bank_only = bank.filter(matched_line__isnull=True).order_by("date", "id")
    book_only = posted.filter(bank_match__isnull=True).select_related("voucher").order_by("date", "id")
    book_only_sums = book_only.aggregate(dr=Sum("debit"), cr=Sum("credit"))
    return Reconciliation(
        account=account,
        as_of=as_of,
        book_balance=(book["dr"] or ZERO) - (book["cr"] or ZERO),
        bank_balance=stated if stated is not None else bank.aggregate(total=Sum("amount"))["total"] or ZERO,
        bank_balance_stated=stated is not None,
        bank_only=list(bank_only[:limit]),
        book_only=list(book_only[:limit]),
        bank_only_total=bank_only.aggregate(total=Sum("amount"))["total"] or ZERO,
        book_only_total=(book_only_sums["dr"] or ZERO) - (book_only_sums["cr"] or ZERO),
        truncated=bank_only[limit : limit + 1].exists() or book_only[limit : limit + 1].exists(),
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
