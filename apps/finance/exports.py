"""Reports as XLSX workbooks: numbers stay numbers, text cells are defused against formulas."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from apps.accounts.exports import safe_cell

from .tables import ReportTable

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
