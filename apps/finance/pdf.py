"""Reports and vouchers as PDF (A4), with Chinese text in the standard STSong-Light CID font.

The CID font is not embedded: every PDF reader in China ships it (and others substitute a
Song face), which keeps files small and needs no font file on the server.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.money import amount_in_words

from .models import Voucher
from .selectors import AccountLedger, Aging, CashJournal, GeneralLedger, Statement, TrialBalance

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PDF_TYPE = "application/pdf"
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=15, leading=20, alignment=1, spaceAfter=4)
SUBTITLE = ParagraphStyle("subtitle", fontName=FONT, fontSize=9, leading=12, alignment=1, textColor=colors.grey)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10)


def _money(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _document(
    title: str,
    subtitle: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    widths: Sequence[float],
    money_from: int,
    bold_rows: set[int] | None = None,
    wide: bool = False,
    footer: Sequence[Any] = (),
) -> bytes:
    buffer = io.BytesIO()
    page = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
    )
    data: list[list[Any]] = [list(columns)]
    for row in rows:
        data.append(
            [
                Paragraph(str(cell), CELL) if index < money_from and cell else _money(cell)
                for index, cell in enumerate(row)
            ]
        )
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("FONT", (0, 0), (-1, 0), FONT, 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5a1")),
        ("ALIGN", (money_from, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for index in bold_rows or set():
        style.append(("BACKGROUND", (0, index + 1), (-1, index + 1), colors.HexColor("#f6f7f6")))
    table.setStyle(TableStyle(style))
    story: list[Any] = [Paragraph(title, TITLE)]
    story += [Paragraph(line, SUBTITLE) for line in subtitle]
    story += [Spacer(1, 4 * mm), table, *footer]
    doc.build(story)
    return buffer.getvalue()


def trial_balance_pdf(report: TrialBalance, *, firm_name: str) -> bytes:
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
    return _document(
        _("Trial balance"),
        [firm_name, report.period.label],
        columns,
        rows,
        widths=(20, 63, 29, 29, 29, 29, 29, 29),
        money_from=2,
        bold_rows={len(rows) - 1},
        wide=True,
    )


def statement_pdf(statement: Statement, *, firm_name: str) -> bytes:
    columns = [_("Item"), _("Line"), statement.current_label, statement.comparative_label]
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
    return _document(
        statement.title,
        [f"{statement.form}  |  {firm_name}", statement.period.label],
        columns,
        rows,
        widths=(86, 14, 43, 43),
        money_from=1,
        bold_rows=bold,
    )


def aging_pdf(report: Aging, *, firm_name: str) -> bytes:
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
    return _document(
        title,
        [firm_name, str(report.as_of)],
        columns,
        rows,
        widths=(83, 31, 31, 31, 31, 31, 35),
        money_from=1,
        bold_rows={len(rows) - 1},
        wide=True,
    )


def account_ledger_pdf(ledger: AccountLedger, *, firm_name: str) -> bytes:
    columns = [_("Date"), _("Voucher"), _("Summary"), _("Debit"), _("Credit"), _("Balance")]
    rows: list[list[Any]] = [["", "", _("Opening balance"), None, None, ledger.opening]]
    rows += [
        [line.date.isoformat(), line.number, line.summary, line.debit, line.credit, line.balance]
        for line in ledger.lines
    ]
    rows.append(["", "", _("Period total and closing balance"), ledger.debit, ledger.credit, ledger.closing])
    title = f"{_('Account ledger')}  |  {ledger.account.code} {ledger.account.name}"
    return _document(
        title,
        [firm_name, ledger.period.label],
        columns,
        rows,
        widths=(22, 20, 64, 28, 28, 28),
        money_from=3,
        bold_rows={0, len(rows) - 1},
    )


def voucher_pdf(voucher: Voucher, *, firm_name: str) -> bytes:
    """记账凭证: the lines, the total in capital numerals and who prepared and posted it."""
    lines = list(voucher.lines.all())
    columns = [_("Summary (摘要)"), _("Account (会计科目)"), _("Debit (借方金额)"), _("Credit (贷方金额)")]
    rows: list[list[Any]] = [
        [line.summary, f"{line.account.code} {line.account.name}", line.debit or None, line.credit or None]
        for line in lines
    ]
    total = sum((line.debit for line in lines), Decimal(0))
    rows.append([_("Total (合计)") + f": {amount_in_words(total)}", "", total, total])
    people = Paragraph(
        "　　".join(
            [
                f"{_('Prepared by (制单)')}: {_name(voucher.created_by) or _('System')}",
                f"{_('Reviewed by (审核)')}: {_name(voucher.posted_by)}",
                f"{_('Booked by (记账)')}: {_name(voucher.posted_by)}",
            ]
        ),
        CELL,
    )
    number = _("记 No. %(number)s") % {"number": f"{voucher.number:04d}" if voucher.number else "—"}
    subtitle = [
        firm_name,
        f"{voucher.date.isoformat()}  |  {number}  |  {_('Attachments (附单据): %(n)s') % {'n': voucher.attachments}}",
    ]
    return _document(
        _("Accounting voucher (记账凭证)"),
        subtitle,
        columns,
        rows,
        widths=(58, 62, 33, 33),
        money_from=2,
        bold_rows={len(rows) - 1},
        footer=[Spacer(1, 4 * mm), people],
    )


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "full_name", "") or getattr(user, "email", ""))


def general_ledger_pdf(ledger: GeneralLedger, *, firm_name: str) -> bytes:
    columns = [_("Item"), _("Debit"), _("Credit"), _("Dr/Cr"), _("Balance")]
    rows = [[row.label, row.debit, row.credit, row.side, row.balance] for row in ledger.rows]
    title = f"{_('General ledger')}  |  {ledger.account.code} {ledger.account.name}"
    return _document(title, [firm_name, ledger.period.label], columns, rows, widths=(62, 34, 34, 18, 38), money_from=1)


def cash_journal_pdf(journal: CashJournal, *, firm_name: str) -> bytes:
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
    title = f"{_('Cash journal')}  |  {account.code} {account.name}"
    return _document(
        title,
        [firm_name, journal.ledger.period.label],
        columns,
        rows,
        widths=(22, 20, 64, 28, 28, 28),
        money_from=3,
        bold_rows=bold,
    )
