"""Every report as one printable table: the XLSX and PDF writers both render these."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.reports import ReportTable

from .selectors import AccountLedger, Aging, CashJournal, GeneralLedger, Statement, TrialBalance


def _ledger_columns() -> list[str]:
    return [_("Date"), _("Voucher"), _("Summary"), _("Debit"), _("Credit"), _("Balance")]


def _ledger_line(line: Any) -> list[Any]:
    return [line.date.isoformat(), line.number, line.summary, line.debit, line.credit, line.balance]


def trial_balance_table(report: TrialBalance, *, firm_name: str) -> ReportTable:
    rows = [
        [
            row.code,
            ("\u3000" * (row.level - 1)) + row.name,
            row.opening_debit,
            row.opening_credit,
            row.debit,
            row.credit,
            row.closing_debit,
            row.closing_credit,
        ]
        for row in [*report.rows, report.totals]
    ]
    return ReportTable(
        title=_("Trial balance"),
        heading=[firm_name, report.period.label],
        columns=[
            _("Code"),
            _("Account"),
            _("Opening debit"),
            _("Opening credit"),
            _("Period debit"),
            _("Period credit"),
            _("Closing debit"),
            _("Closing credit"),
        ],
        rows=rows,
        bold_rows={len(rows) - 1},
        widths=(20, 63, 29, 29, 29, 29, 29, 29),
        money_from=2,
        wide=True,
    )


def statement_table(statement: Statement, *, firm_name: str) -> ReportTable:
    rows: list[list[Any]] = []
    bold: set[int] = set()
    for title, section in statement.sections:
        if title:
            bold.add(len(rows))
            rows.append([title, "", None, None])
        for row in section:
            if row.heading or row.total:
                bold.add(len(rows))
            rows.append([row.name, row.line or "", row.current, row.comparative])
    return ReportTable(
        title=statement.title,
        heading=[f"{statement.form}  |  {firm_name}", statement.period.label],
        columns=[_("Item"), _("Line"), statement.current_label, statement.comparative_label],
        rows=rows,
        bold_rows=bold,
        widths=(86, 14, 43, 43),
    )


def aging_table(report: Aging, *, firm_name: str) -> ReportTable:
    rows = [
        [row.partner, row.current, row.d1_30, row.d31_60, row.d61_90, row.over_90, row.total]
        for row in [*report.rows, report.totals]
    ]
    return ReportTable(
        title=_("Receivables aging") if report.direction == "sales" else _("Payables aging"),
        heading=[firm_name, str(report.as_of)],
        columns=[
            _("Partner"),
            _("Not yet due"),
            _("1-30 days"),
            _("31-60 days"),
            _("61-90 days"),
            _("Over 90 days"),
            _("Total"),
        ],
        rows=rows,
        bold_rows={len(rows) - 1},
        widths=(83, 31, 31, 31, 31, 31, 35),
        wide=True,
    )


def account_ledger_table(ledger: AccountLedger, *, firm_name: str) -> ReportTable:
    rows: list[list[Any]] = [["", "", _("Opening balance"), None, None, ledger.opening]]
    rows += [_ledger_line(line) for line in ledger.lines]
    rows.append(["", "", _("Period total and closing balance"), ledger.debit, ledger.credit, ledger.closing])
    return ReportTable(
        title=f"{_('Account ledger')}  |  {ledger.account.code} {ledger.account.name}",
        heading=[firm_name, ledger.period.label],
        columns=_ledger_columns(),
        rows=rows,
        bold_rows={0, len(rows) - 1},
        widths=(22, 20, 64, 28, 28, 28),
        money_from=3,
    )


def general_ledger_table(ledger: GeneralLedger, *, firm_name: str) -> ReportTable:
    return ReportTable(
        title=f"{_('General ledger')}  |  {ledger.account.code} {ledger.account.name}",
        heading=[firm_name, ledger.period.label],
        columns=[_("Item"), _("Debit"), _("Credit"), _("Dr/Cr"), _("Balance")],
        rows=[[row.label, row.debit, row.credit, row.side, row.balance] for row in ledger.rows],
        bold_rows={0},
        widths=(62, 34, 34, 18, 38),
    )


def cash_journal_table(journal: CashJournal, *, firm_name: str) -> ReportTable:
    ledger = journal.ledger
    rows: list[list[Any]] = [["", "", _("Opening balance"), None, None, ledger.opening]]
    bold = {0}
    for day in journal.days:
        rows += [_ledger_line(line) for line in day.lines]
        bold.add(len(rows))
        rows.append([day.date.isoformat(), "", _("Day total"), day.debit, day.credit, day.balance])
    bold.add(len(rows))
    rows.append(["", "", _("Period total and closing balance"), ledger.debit, ledger.credit, ledger.closing])
    return ReportTable(
        title=f"{_('Cash journal')}  |  {ledger.account.code} {ledger.account.name}",
        heading=[firm_name, ledger.period.label],
        columns=_ledger_columns(),
        rows=rows,
        bold_rows=bold,
        widths=(22, 20, 64, 28, 28, 28),
        money_from=3,
    )
