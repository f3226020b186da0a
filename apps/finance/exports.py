"""Reports as XLSX workbooks: numbers stay numbers, text cells are defused against formulas."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from apps.accounts.exports import safe_cell

from .selectors import AccountLedger, Aging, CashJournal, GeneralLedger, Statement, TrialBalance

AMOUNT_FORMAT = "#,##0.00;-#,##0.00"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, Decimal)):
        return value
    return safe_cell(value)


def _workbook(
    title: str,
    heading: Sequence[str],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    bold_rows: set[int] | None = None,
) -> bytes:
    book = Workbook()
    sheet = book.active or book.create_sheet()
    sheet.title = title[:31]
    for line in heading:
        sheet.append([_cell(line)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_cell(name) for name in columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for index, row in enumerate(rows):
        sheet.append([_cell(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = AMOUNT_FORMAT
            if bold_rows and index in bold_rows:
                cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJKLM", (14, 36, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16), strict=False):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def trial_balance_xlsx(report: TrialBalance, *, firm_name: str) -> bytes:
    columns = [
        _("Code"),
        _("Account"),
        _("Opening debit"),
        _("Opening credit"),
        _("Period debit"),
        _("Period credit"),
        _("Closing debit"),
        _("Closing credit"),
    ]
    rows = [
        [
            row.code,
            ("  " * (row.level - 1)) + row.name,
            row.opening_debit,
            row.opening_credit,
            row.debit,
            row.credit,
            row.closing_debit,
            row.closing_credit,
        ]
        for row in [*report.rows, report.totals]
    ]
    return _workbook(
        _("Trial balance"),
        [_("Trial balance"), firm_name, report.period.label],
        columns,
        rows,
        bold_rows={len(rows) - 1},
    )


def statement_xlsx(statement: Statement, *, firm_name: str) -> bytes:
    columns = [_("Line"), _("Item"), statement.current_label, statement.comparative_label]
    rows: list[list[Any]] = []
    bold: set[int] = set()
    for title, section in statement.sections:
        if title:
            bold.add(len(rows))
            rows.append(["", title, None, None])
        for row in section:
            if row.heading or row.total:
                bold.add(len(rows))
            rows.append([row.line or "", row.name, row.current, row.comparative])
    heading = [statement.title, f"{firm_name} · {statement.form}", statement.period.label]
    return _workbook(statement.title, heading, columns, rows, bold_rows=bold)


def aging_xlsx(report: Aging, *, firm_name: str) -> bytes:
    columns = [
        _("Partner"),
        _("Not yet due"),
        _("1-30 days"),
        _("31-60 days"),
        _("61-90 days"),
        _("Over 90 days"),
        _("Total"),
    ]
    rows = [
        [row.partner, row.current, row.d1_30, row.d31_60, row.d61_90, row.over_90, row.total]
        for row in [*report.rows, report.totals]
    ]
    title = _("Receivables aging") if report.direction == "sales" else _("Payables aging")
    return _workbook(title, [title, firm_name, str(report.as_of)], columns, rows, bold_rows={len(rows) - 1})


def account_ledger_xlsx(ledger: AccountLedger, *, firm_name: str) -> bytes:
    columns = [_("Date"), _("Voucher"), _("Summary"), _("Debit"), _("Credit"), _("Balance")]
    rows: list[list[Any]] = [["", "", _("Opening balance"), None, None, ledger.opening]]
    rows += [
        [line.date.isoformat(), line.number, line.summary, line.debit, line.credit, line.balance]
        for line in ledger.lines
    ]
    rows.append(["", "", _("Closing balance"), ledger.debit, ledger.credit, ledger.closing])
    title = f"{ledger.account.code} {ledger.account.name}"
    return _workbook(
        _("Account ledger"), [title, firm_name, ledger.period.label], columns, rows, bold_rows={0, len(rows) - 1}
    )


def general_ledger_xlsx(ledger: GeneralLedger, *, firm_name: str) -> bytes:
    columns = [_("Item"), _("Debit"), _("Credit"), _("Dr/Cr"), _("Balance")]
    rows = [[row.label, row.debit, row.credit, row.side, row.balance] for row in ledger.rows]
    title = f"{ledger.account.code} {ledger.account.name}"
    return _workbook(_("General ledger"), [title, firm_name, ledger.period.label], columns, rows)


def cash_journal_xlsx(journal: CashJournal, *, firm_name: str) -> bytes:
    columns = [_("Date"), _("Voucher"), _("Summary"), _("Debit"), _("Credit"), _("Balance")]
    rows: list[list[Any]] = [["", "", _("Opening balance"), None, None, journal.ledger.opening]]
    bold = {0}
    for day in journal.days:
        rows += [
            [line.date.isoformat(), line.number, line.summary, line.debit, line.credit, line.balance]
            for line in day.lines
        ]
        bold.add(len(rows))
        rows.append([day.date.isoformat(), "", _("Day total"), day.debit, day.credit, day.balance])
    account = journal.ledger.account
    return _workbook(
        _("Cash journal"),
        [f"{account.code} {account.name}", firm_name, journal.ledger.period.label],
        columns,
        rows,
        bold_rows=bold,
    )
