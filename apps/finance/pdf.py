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
from .tables import ReportTable

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


def table_pdf(table: ReportTable, *, footer: Sequence[Any] = ()) -> bytes:
    buffer = io.BytesIO()
    page = landscape(A4) if table.wide else A4
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=table.title,
    )
    data: list[list[Any]] = [list(table.columns)]
    for row in table.rows:
        data.append(
            [
                Paragraph(str(cell), CELL) if index < table.money_from and cell else _money(cell)
                for index, cell in enumerate(row)
            ]
        )
    widths = [w * mm for w in table.widths] if table.widths else None
    grid = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("FONT", (0, 0), (-1, 0), FONT, 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5a1")),
        ("ALIGN", (table.money_from, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for index in table.bold_rows:
        style.append(("BACKGROUND", (0, index + 1), (-1, index + 1), colors.HexColor("#f6f7f6")))
    grid.setStyle(TableStyle(style))
    story: list[Any] = [Paragraph(table.title, TITLE)]
    story += [Paragraph(line, SUBTITLE) for line in table.heading]
    story += [Spacer(1, 4 * mm), grid, *footer]
    doc.build(story)
    return buffer.getvalue()


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
    table = ReportTable(
        title=_("Accounting voucher (记账凭证)"),
        heading=subtitle,
        columns=columns,
        rows=rows,
        bold_rows={len(rows) - 1},
        widths=(58, 62, 33, 33),
        money_from=2,
    )
    return table_pdf(table, footer=[Spacer(1, 4 * mm), people])


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "full_name", "") or getattr(user, "email", ""))
