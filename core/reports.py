"""Printable report tables and their two writers: XLSX (numbers kept, text defused against
formulas) and PDF (A4, Chinese in the standard STSong-Light CID font).

The CID font is not embedded: every PDF reader in China ships it (and others substitute a
Song face), which keeps files small and needs no font file on the server.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell as text, defused if a spreadsheet would treat it as a formula (OWASP)."""
    if value is None:
        return ""
    if not isinstance(value, str):  # numbers (negative ones too) and dates stay as they are
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


@dataclass
class ReportTable:
    title: str
    heading: list[str]  # lines under the title: firm, period, form
    columns: list[str]
    rows: list[list[Any]]
    bold_rows: set[int] = field(default_factory=set)
    # Layout on paper: column widths in mm, the first column holding amounts, landscape or not.
    widths: tuple[float, ...] = ()
    money_from: int = 1
    wide: bool = False


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


AMOUNT_FORMAT = "#,##0.00;-#,##0.00"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, Decimal)):
        return value
    return safe_cell(value)


def table_xlsx(table: ReportTable) -> bytes:
    book = Workbook()
    sheet = book.active or book.create_sheet()
    sheet.title = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:31] or "report"
    sheet.append([_cell(table.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in table.heading:
        sheet.append([_cell(line)])
    sheet.append([_cell(name) for name in table.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for index, row in enumerate(table.rows):
        sheet.append([_cell(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = AMOUNT_FORMAT
            if index in table.bold_rows:
                cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", (36, 14, 16, 16, 16, 16, 16, 16, 16, 16), strict=False):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
