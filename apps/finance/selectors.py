"""Reads of the ledger: lists, vouchers and the reports.

Reports read the maintained per-period balances (``AccountBalance``: one row per account and period
rows), never a scan of the voucher lines, so they take the same time at 1,000 or 1,000,000
lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import NotFound, ValidationFailed
from core.inputs import clean_search as clean_search

from . import permissions
from .charts import rate_label, statement_layout
from .models import (
    ZERO,
    Account,
    AccountBalance,
    Invoice,
    InvoiceLine,
    LedgerSettings,
    Payment,
    Period,
    Voucher,
    VoucherLine,
)

PERIOD_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def _english() -> bool:
    return (get_language() or "").startswith("en")


def account_list(*, actor: Any, search: str = "", include_inactive: bool = True) -> QuerySet[Account]:
    permissions.require(actor, permissions.VIEW)
    accounts = Account.objects.all()
    if not include_inactive:
        accounts = accounts.filter(is_active=True)
    if search:
        accounts = accounts.filter(
            Q(code__startswith=search) | Q(name__icontains=search) | Q(name_en__icontains=search)
        )
    return accounts.order_by("code")


def account_get(*, actor: Any, code: str) -> Account:
    permissions.require(actor, permissions.VIEW)
    account = Account.objects.filter(code=str(code).strip()).first()
    if account is None:
        raise NotFound(_("No account with this code."))
    return account


def postable_accounts() -> QuerySet[Account]:
    return Account.objects.filter(is_leaf=True, is_active=True).order_by("code")


def voucher_list(*, actor: Any, period: Period | None = None, status: str = "", search: str = "") -> QuerySet[Voucher]:
    permissions.require(actor, permissions.VIEW)
    vouchers = Voucher.objects.select_related("period", "created_by", "posted_by")
    if period is not None:
        vouchers = vouchers.filter(period=period)
    if status in Voucher.Status.values:
        vouchers = vouchers.filter(status=status)
    if search:
        number = re.sub(r"^记-?", "", search)
        query = Q(summary__icontains=search) | Q(source_id=search)
        if number.isdigit():
            query |= Q(number=int(number))
        vouchers = vouchers.filter(query)
    return vouchers.order_by("-period__year", "-period__month", "-number", "-id")


def voucher_get(*, actor: Any, voucher_id: Any) -> Voucher:
    permissions.require(actor, permissions.VIEW)
    try:
        pk = int(voucher_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such voucher.")) from None
    voucher = (
        Voucher.objects.select_related("period", "created_by", "posted_by", "reversal_of")
        .prefetch_related("lines__account")
        .filter(pk=pk)
        .first()
    )
    if voucher is None:
        raise NotFound(_("No such voucher."))
    return voucher


def voucher_reversal(voucher: Voucher) -> Voucher | None:
    return Voucher.objects.filter(reversal_of=voucher).select_related("period").first()


def period_list(*, actor: Any, with_counts: bool = False) -> QuerySet[Period]:
    permissions.require(actor, permissions.VIEW)
    periods = Period.objects.select_related("closed_by").order_by("-year", "-month")
    if with_counts:
        periods = periods.annotate(
            voucher_count=Count("vouchers"),
            draft_count=Count("vouchers", filter=Q(vouchers__status=Voucher.Status.DRAFT)),
        )
    return periods


def ledger_in_use() -> bool:
    """Whether anything was recorded yet (the chart can be switched only before that)."""
    return Voucher.objects.exists()


def finance_team(*, actor: Any) -> QuerySet[Any]:
    """The firm's active people with their finance role, for the team page."""
    from apps.accounts.selectors import user_list

    permissions.require(actor, permissions.VIEW)
    return user_list().filter(is_active=True).select_related("finance_role")


def period_by_label(label: str | None, *, default_latest: bool = True) -> Period:
    """``2026-11`` → that period. Without a label: the latest period that has vouchers."""
    if not label:
        if default_latest:
            period = Period.objects.order_by("-year", "-month").first()
            if period is not None:
                return period
        raise NotFound(_("No accounting period yet: record a voucher first."))
    match = PERIOD_LABEL.match(label.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(_("Give the period as YYYY-MM, e.g. 2026-11."), fields={"period": [_("Not a period.")]})
    period = Period.objects.filter(year=int(match.group(1)), month=int(match.group(2))).first()
    if period is None:
        raise NotFound(_("Nothing has been recorded in %(period)s.") % {"period": label})
    return period


# --- balances ---------------------------------------------------------------------------


@dataclass
class Totals:
    """Net amounts are debit minus credit."""

    opening: Decimal = ZERO  # before the period
    year_opening: Decimal = ZERO  # before January of the period's year
    debit: Decimal = ZERO  # in the period, every voucher
    credit: Decimal = ZERO
    ytd_debit: Decimal = ZERO  # January to the period, every voucher
    ytd_credit: Decimal = ZERO
    pl_net: Decimal = ZERO  # in the period without closing vouchers
    pl_ytd_net: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    def add(self, other: Totals) -> None:
        for name in ("opening", "year_opening", "debit", "credit", "ytd_debit", "ytd_credit", "pl_net", "pl_ytd_net"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _account_totals(period: Period) -> dict[int, Totals]:
    """One aggregate over the balances table: every leaf account's totals at this period."""
    index, year_start = period.index, period.year * 12
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT account_id,
                   COALESCE(SUM(debit - credit) FILTER (WHERE period_index < %(p)s), 0),
                   COALESCE(SUM(debit - credit) FILTER (WHERE period_index < %(y)s), 0),
                   COALESCE(SUM(debit) FILTER (WHERE period_index = %(p)s), 0),
                   COALESCE(SUM(credit) FILTER (WHERE period_index = %(p)s), 0),
                   COALESCE(SUM(debit) FILTER (WHERE period_index >= %(y)s), 0),
                   COALESCE(SUM(credit) FILTER (WHERE period_index >= %(y)s), 0),
                   COALESCE(SUM(debit - credit) FILTER (WHERE period_index = %(p)s AND NOT closing), 0),
                   COALESCE(SUM(debit - credit) FILTER (WHERE period_index >= %(y)s AND NOT closing), 0)
              FROM finance_accountbalance
             WHERE period_index <= %(p)s
             GROUP BY account_id
            """,
            {"p": index, "y": year_start},
        )
        return {row[0]: Totals(*row[1:]) for row in cursor.fetchall()}


def _rolled_up(period: Period) -> tuple[list[Account], dict[str, Totals]]:
    """Totals for every account, parents holding the sum of their sub-accounts."""
    accounts = list(Account.objects.order_by("code"))
    by_id = _account_totals(period)
    totals: dict[str, Totals] = {account.code: Totals() for account in accounts}
    codes = {account.code for account in accounts}
    for account in accounts:
        own = by_id.get(account.pk)
        if own is None:
            continue
        code = account.code
        while code:
            if code in codes:
                totals[code].add(own)
            code = code[:-2] if len(code) > 4 else ""
    return accounts, totals


@dataclass
class TrialBalanceRow:
    code: str
    name: str
    level: int
    is_leaf: bool
    opening_debit: Decimal
    opening_credit: Decimal
    debit: Decimal
    credit: Decimal
    closing_debit: Decimal
    closing_credit: Decimal
    ytd_debit: Decimal
    ytd_credit: Decimal


@dataclass
class TrialBalance:
    period: Period
    rows: list[TrialBalanceRow]
    totals: TrialBalanceRow
    balanced: bool


def _split(net: Decimal) -> tuple[Decimal, Decimal]:
    return (net, ZERO) if net >= 0 else (ZERO, -net)


def trial_balance(*, actor: Any, period: Period, include_empty: bool = False) -> TrialBalance:
    """科目余额表: opening, movements and closing balance of every account in the period."""
    permissions.require(actor, permissions.VIEW)
    accounts, totals = _rolled_up(period)
    english = _english()
    rows: list[TrialBalanceRow] = []
    grand = TrialBalanceRow("", _("Total"), 0, True, *([ZERO] * 8))
    for account in accounts:
        t = totals[account.code]
        if not include_empty and not (t.opening or t.debit or t.credit or t.ytd_debit or t.ytd_credit):
            continue
        opening_dr, opening_cr = _split(t.opening)
        closing_dr, closing_cr = _split(t.closing)
        row = TrialBalanceRow(
            account.code,
            account.display_name("en" if english else "zh"),
            account.level,
            account.is_leaf,
            opening_dr,
            opening_cr,
            t.debit,
            t.credit,
            closing_dr,
            closing_cr,
            t.ytd_debit,
            t.ytd_credit,
        )
        rows.append(row)
        if account.level == 1:
            for name in (
                "opening_debit",
                "opening_credit",
                "debit",
                "credit",
                "closing_debit",
                "closing_credit",
                "ytd_debit",
                "ytd_credit",
            ):
                setattr(grand, name, getattr(grand, name) + getattr(row, name))
    balanced = (
        grand.opening_debit == grand.opening_credit
        and grand.debit == grand.credit
        and grand.closing_debit == grand.closing_credit
    )
    return TrialBalance(period, rows, grand, balanced)


@dataclass
class StatementRow:
    key: str
    line: int | None
    name: str
    current: Decimal | None
    comparative: Decimal | None
    heading: bool = False
    total: bool = False
    grand: bool = False
    accounts: list[str] = field(default_factory=list)


@dataclass
class Statement:
    title: str
    form: str
    period: Period
    current_label: str
    comparative_label: str
    sections: list[tuple[str, list[StatementRow]]]
    checks: dict[str, bool]


def _chart() -> str:
    settings_row = LedgerSettings.objects.filter(id=1).first()
    return settings_row.chart if settings_row else "cas_small"


def _evaluate(rows: list[dict[str, Any]], value: Any, english: bool) -> list[StatementRow]:
    """Rows sum their accounts (net debit, or net credit where ``side`` says so); totals add rows."""
    values: dict[str, tuple[Decimal, Decimal]] = {}
    out: list[StatementRow] = []
    for row in rows:
        name = row["name_en"] if english else row["name"]
        if row.get("heading"):
            out.append(StatementRow("", None, name, None, None, heading=True))
            continue
        if "sum" in row:
            current = sum((values[k][0] for k in row["sum"]), ZERO) - sum(
                (values[k][0] for k in row.get("minus", [])), ZERO
            )
            comparative = sum((values[k][1] for k in row["sum"]), ZERO) - sum(
                (values[k][1] for k in row.get("minus", [])), ZERO
            )
            values[row["key"]] = (current, comparative)
            out.append(
                StatementRow(
                    row["key"], row.get("line"), name, current, comparative, total=True, grand=bool(row.get("grand"))
                )
            )
            continue
        current, comparative = value(row)
        values[row["key"]] = (current, comparative)
        out.append(
            StatementRow(
                row["key"], row.get("line"), name, current, comparative, accounts=list(row.get("accounts", []))
            )
        )
    return out


def balance_sheet(*, actor: Any, period: Period) -> Statement:
    """资产负债表 at the end of the period, with the balance at the start of the year beside it.

    Profit and loss not yet closed counts in undistributed profit, so the sheet balances
    before and after 结转损益.
    """
    permissions.require(actor, permissions.VIEW)
    layout = statement_layout(_chart())
    accounts, totals = _rolled_up(period)
    unclosed = Totals()
    unclosed_year_open = ZERO
    for account in accounts:
        if account.level == 1 and account.category == Account.Category.PROFIT_LOSS:
            unclosed.add(totals[account.code])
    unclosed_year_open = unclosed.year_opening
    english = _english()

    def value(row: dict[str, Any]) -> tuple[Decimal, Decimal]:
        sign = -1 if row.get("side") == "credit" else 1
        closing = sum((totals[c].closing for c in row.get("accounts", []) if c in totals), ZERO)
        year_open = sum((totals[c].year_opening for c in row.get("accounts", []) if c in totals), ZERO)
        if row.get("unclosed_profit"):
            closing += unclosed.closing
            year_open += unclosed_year_open
        return sign * closing + ZERO, sign * year_open + ZERO  # + 0 turns -0.00 into 0.00

    assets = _evaluate(layout["balance_sheet"]["assets"], value, english)
    claims = _evaluate(layout["balance_sheet"]["claims"], value, english)
    grand_assets = next(r for r in assets if r.grand)
    grand_claims = next(r for r in claims if r.grand)
    title = layout["balance_sheet_title"][1 if english else 0]
    return Statement(
        title=title,
        form=layout["balance_sheet_form"],
        period=period,
        current_label=_("Closing balance"),
        comparative_label=_("Balance at start of year"),
        sections=[(_("Assets"), assets), (_("Liabilities and owners' equity"), claims)],
        checks={
            "balanced": grand_assets.current == grand_claims.current
            and grand_assets.comparative == grand_claims.comparative
        },
    )


def income_statement(*, actor: Any, period: Period) -> Statement:
    """利润表: this month and the year to date, without the closing entries."""
    permissions.require(actor, permissions.VIEW)
    layout = statement_layout(_chart())
    _accounts, totals = _rolled_up(period)
    english = _english()

    def value(row: dict[str, Any]) -> tuple[Decimal, Decimal]:
        sign = -1 if row.get("side") == "credit" else 1
        month = sum((totals[c].pl_net for c in row.get("accounts", []) if c in totals), ZERO)
        ytd = sum((totals[c].pl_ytd_net for c in row.get("accounts", []) if c in totals), ZERO)
        return sign * month + ZERO, sign * ytd + ZERO

    rows = _evaluate(layout["income_statement"], value, english)
    title = layout["income_statement_title"][1 if english else 0]
    return Statement(
        title=title,
        form=layout["income_statement_form"],
        period=period,
        current_label=_("This month"),
        comparative_label=_("Year to date"),
        sections=[("", rows)],
        checks={},
    )


@dataclass
class LedgerLine:
    voucher_id: int
    date: Any
    number: str
    summary: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class AccountLedger:
    account: Account
    period: Period
    opening: Decimal
    lines: list[LedgerLine]
    debit: Decimal
    credit: Decimal
    closing: Decimal
    truncated: bool


def account_ledger(*, actor: Any, account: Account, period: Period, limit: int = 2000) -> AccountLedger:
    """明细账: the opening balance, every posted line of the period, the running balance."""
    permissions.require(actor, permissions.VIEW)
    _accounts, totals = _rolled_up(period)
    t = totals.get(account.code, Totals())
    lines = (
        VoucherLine.objects.filter(
            account__code__startswith=account.code,
            period_index=period.index,
            voucher__status=Voucher.Status.POSTED,
        )
        .select_related("voucher")
        .order_by("date", "voucher__number", "line_no")
    )
    balance = t.opening
    out: list[LedgerLine] = []
    for line in lines[: limit + 1]:
        if len(out) == limit:
            break
        balance += line.debit - line.credit
        out.append(
            LedgerLine(
                line.voucher_id, line.date, line.voucher.display_number, line.summary, line.debit, line.credit, balance
            )
        )
    return AccountLedger(
        account, period, t.opening, out, t.debit, t.credit, t.closing, truncated=lines[limit : limit + 1].exists()
    )


def voucher_totals_check(voucher: Voucher) -> bool:
    sums = voucher.lines.aggregate(dr=Sum("debit"), cr=Sum("credit"))
    return (sums["dr"] or ZERO) == (sums["cr"] or ZERO)


# --- receivables and payables -------------------------------------------------------------


def invoice_list(
    *, actor: Any, direction: str = "", status: str = "", search: str = "", open_only: bool = False
) -> QuerySet[Invoice]:
    permissions.require(actor, permissions.VIEW)
    invoices = Invoice.objects.select_related("voucher", "voucher__period")
    if direction in Invoice.Direction.values:
        invoices = invoices.filter(direction=direction)
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    if open_only:
        invoices = invoices.exclude(open_amount=0)
    if search:
        invoices = invoices.filter(
            Q(partner_name__icontains=search) | Q(reference__icontains=search) | Q(fapiao_number=search)
        )
    return invoices.order_by("-date", "-id")


def payment_list(*, actor: Any, direction: str = "", search: str = "") -> QuerySet[Payment]:
    permissions.require(actor, permissions.VIEW)
    payments = Payment.objects.select_related("bank_account", "voucher", "voucher__period")
    if direction in Payment.Direction.values:
        payments = payments.filter(direction=direction)
    if search:
        payments = payments.filter(Q(partner_name__icontains=search) | Q(reference__icontains=search))
    return payments.order_by("-date", "-id")


def payment_get(*, actor: Any, payment_id: Any) -> Payment:
    permissions.require(actor, permissions.VIEW)
    try:
        pk = int(payment_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such payment.")) from None
    payment = (
        Payment.objects.select_related("bank_account", "voucher", "voucher__period")
        .prefetch_related("allocations__invoice")
        .filter(pk=pk)
        .first()
    )
    if payment is None:
        raise NotFound(_("No such payment."))
    return payment


AGING_BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "over_90")


@dataclass
class AgingRow:
    partner: str
    current: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    over_90: Decimal
    total: Decimal


@dataclass
class Aging:
    direction: str
    as_of: Any
    rows: list[AgingRow]
    totals: AgingRow
    partners: int


def aging(*, actor: Any, direction: str, as_of: Any, limit: int = 500) -> Aging:
    """Open amounts by partner and days past due, from the maintained open amounts (one query)."""
    permissions.require(actor, permissions.VIEW)
    if direction not in Invoice.Direction.values:
        raise ValidationFailed(_("Choose receivables or payables."), fields={"direction": [_("Unknown.")]})
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT partner_name,
                   COALESCE(SUM(open_amount) FILTER (WHERE due_date >= %(d)s), 0),
                   COALESCE(SUM(open_amount) FILTER (WHERE due_date < %(d)s AND due_date >= %(d)s - 30), 0),
                   COALESCE(SUM(open_amount) FILTER (WHERE due_date < %(d)s - 30 AND due_date >= %(d)s - 60), 0),
                   COALESCE(SUM(open_amount) FILTER (WHERE due_date < %(d)s - 60 AND due_date >= %(d)s - 90), 0),
                   COALESCE(SUM(open_amount) FILTER (WHERE due_date < %(d)s - 90), 0),
                   SUM(open_amount)
              FROM finance_invoice
             WHERE direction = %(dir)s AND status = 'posted' AND open_amount <> 0
             GROUP BY partner_name
             ORDER BY SUM(open_amount) DESC, partner_name
            """,
            {"d": as_of, "dir": direction},
        )
        all_rows = [AgingRow(*row) for row in cursor.fetchall()]
    totals = AgingRow(_("Total"), *([ZERO] * 6))
    for row in all_rows:
        for name in (*AGING_BUCKETS, "total"):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return Aging(direction, as_of, all_rows[:limit], totals, len(all_rows))


@dataclass
class VatRow:
    rate: str
    untaxed: Decimal
    tax: Decimal
    count: int


@dataclass
class VatSummary:
    period: Period
    output: list[VatRow]
    input: list[VatRow]
    output_tax: Decimal
    input_tax: Decimal

    @property
    def payable(self) -> Decimal:
        return self.output_tax - self.input_tax


def vat_summary(*, actor: Any, period: Period) -> VatSummary:
    """销项 and 进项 per rate for the posted invoices dated in the period.

    Input VAT counts only special fapiao of a general taxpayer (the rest went to cost).
    """
    permissions.require(actor, permissions.VIEW)
    taxpayer = LedgerSettings.objects.filter(id=1).values_list("taxpayer", flat=True).first()
    lines = InvoiceLine.objects.filter(
        invoice__status=Invoice.Status.POSTED,
        invoice__date__year=period.year,
        invoice__date__month=period.month,
    )

    def rows(queryset: QuerySet[InvoiceLine]) -> list[VatRow]:
        grouped = (
            queryset.values("vat_rate")
            .annotate(untaxed=Sum("untaxed"), tax=Sum("tax"), count=Count("invoice", distinct=True))
            .order_by("-vat_rate")
        )
        return [
            VatRow(
                rate_label(row["vat_rate"]),
                row["untaxed"] or ZERO,
                row["tax"] or ZERO,
                row["count"],
            )
            for row in grouped
        ]

    output = rows(lines.filter(invoice__direction=Invoice.Direction.SALES))
    creditable = lines.filter(invoice__direction=Invoice.Direction.PURCHASE, invoice__fapiao_type="special")
    input_rows = rows(creditable) if taxpayer == LedgerSettings.Taxpayer.GENERAL else []
    return VatSummary(
        period,
        output,
        input_rows,
        sum((row.tax for row in output), ZERO),
        sum((row.tax for row in input_rows), ZERO),
    )


# --- general ledger and journals ----------------------------------------------------------


@dataclass
class GeneralLedgerRow:
    label: str
    debit: Decimal
    credit: Decimal
    side: str  # 借 / 贷 / 平, the direction of the balance
    balance: Decimal


@dataclass
class GeneralLedger:
    account: Account
    period: Period
    rows: list[GeneralLedgerRow]


def _direction(net: Decimal) -> tuple[str, Decimal]:
    if net == 0:
        return _("Even"), ZERO
    if net > 0:
        return _("Dr"), net
    return _("Cr"), -net


def general_ledger(*, actor: Any, account: Account, period: Period) -> GeneralLedger:
    """总账: the year's opening balance, then each month's totals and the year to date."""
    permissions.require(actor, permissions.VIEW)
    year_start = period.year * 12
    rows = (
        AccountBalance.objects.filter(account__code__startswith=account.code, period_index__lte=period.index)
        .values("period_index")
        .annotate(dr=Sum("debit"), cr=Sum("credit"))
        .order_by("period_index")
    )
    opening = ZERO
    months: dict[int, tuple[Decimal, Decimal]] = {}
    for row in rows:
        if row["period_index"] < year_start:
            opening += row["dr"] - row["cr"]
        else:
            months[row["period_index"]] = (row["dr"], row["cr"])
    side, amount = _direction(opening)
    out = [GeneralLedgerRow(_("Opening balance of the year"), ZERO, ZERO, side, amount)]
    balance, ytd_dr, ytd_cr = opening, ZERO, ZERO
    for index in range(year_start, period.index + 1):
        dr, cr = months.get(index, (ZERO, ZERO))
        if not (dr or cr):
            continue
        balance += dr - cr
        ytd_dr, ytd_cr = ytd_dr + dr, ytd_cr + cr
        side, amount = _direction(balance)
        month = index % 12 + 1
        out.append(GeneralLedgerRow(_("Month %(month)d total") % {"month": month}, dr, cr, side, amount))
        out.append(GeneralLedgerRow(_("Year to date"), ytd_dr, ytd_cr, side, amount))
    return GeneralLedger(account, period, out)


@dataclass
class JournalDay:
    date: Any
    lines: list[LedgerLine]
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class CashJournal:
    ledger: AccountLedger
    days: list[JournalDay]


def cash_journal(*, actor: Any, account: Account, period: Period) -> CashJournal:
    """日记账 of a cash or bank account: every posted line in order, with daily totals."""
    if not account.is_cash:
        raise ValidationFailed(
            _("Journals are kept for cash and bank accounts."), fields={"account": [_("Not a cash or bank account.")]}
        )
    ledger = account_ledger(actor=actor, account=account, period=period)
    days: list[JournalDay] = []
    for line in ledger.lines:
        if not days or days[-1].date != line.date:
            days.append(JournalDay(line.date, [], ZERO, ZERO, ZERO))
        day = days[-1]
        day.lines.append(line)
        day.debit += line.debit
        day.credit += line.credit
        day.balance = line.balance
    return CashJournal(ledger, days)
