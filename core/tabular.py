"""Reading a spreadsheet someone uploaded: CSV (UTF-8 or GB18030, as Chinese software
exports) or XLSX, as a header and rows of text, with limits on size and rows."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


def read_table(
    *, content: bytes, filename: str, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[list[str]]]:
    """The header and the non-empty rows; clear field errors on ``file`` otherwise."""
    if not content:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    if len(content) > max_bytes:
        raise ValidationFailed(_("The file is larger than 5 MB."), fields={"file": [_("The file is too large.")]})
    table = [row for _number, row in _records(content, filename, max_rows)]
    if not table:
        raise ValidationFailed(_("The file has no rows."), fields={"file": [_("The file has no rows.")]})
    if len(table) - 1 > max_rows:
        raise ValidationFailed(
            _("The file has more than %(n)d rows; split it by month.") % {"n": max_rows},
            fields={"file": [_("Too many rows.")]},
        )
    header = [cell.strip() for cell in table[0]]
    return header, table[1:]


def read_numbered_table(
    *, content: bytes, filename: str, max_bytes: int, max_rows: int
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Like ``read_table`` for larger files, each row with its number as a spreadsheet shows it
    (the header being row 1, blank rows counted), so errors can point at the right row."""
    if not content:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    if len(content) > max_bytes:
        message = _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}
        raise ValidationFailed(message, fields={"file": [message]})
    table = _records(content, filename, max_rows)
    if not table:
        raise ValidationFailed(_("The file has no rows."), fields={"file": [_("The file has no rows.")]})
    if len(table) - 1 > max_rows:
        message = _("The file has more than %(n)d rows; split it into smaller files.") % {"n": max_rows}
        raise ValidationFailed(message, fields={"file": [message]})
    _first, header = table[0]
    return [cell.strip() for cell in header], [(number, row) for number, row in table[1:]]


def _records(content: bytes, filename: str, max_rows: int) -> list[tuple[int, list[str]]]:
    """The non-empty rows with their 1-based numbers in the file."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _read_xlsx(content, max_rows)
    elif name.endswith((".csv", ".txt")):
        table = _read_csv(content)
    else:
        raise ValidationFailed(_("Upload a .csv or .xlsx file."), fields={"file": [_("Upload a .csv or .xlsx file.")]})
    return [(number, row) for number, row in enumerate(table, start=1) if any(cell.strip() for cell in row)]


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValidationFailed(_("The file is not UTF-8 or GB18030 text."), fields={"file": [_("Unknown encoding.")]})
    if "\x00" in text:
        raise ValidationFailed(_("The file is not a text CSV file."), fields={"file": [_("Not a CSV file.")]})
    first = text.splitlines()[0] if text else ""
    delimiter = max((",", "\t", ";"), key=first.count)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:  # a field too long, a stray NUL: not a file we can read
        raise ValidationFailed(_("The file is not a text CSV file."), fields={"file": [_("Not a CSV file.")]}) from None


def _read_xlsx(content: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ValidationFailed(
            _("The file is not a valid .xlsx workbook."), fields={"file": [_("Not an XLSX file.")]}
        ) from None
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    filled = 0  # blank rows (formatted but empty) do not count towards the limit
    for row in sheet.iter_rows(values_only=True):
        cells = [_cell_text(value) for value in row]
        rows.append(cells)
        filled += any(cell.strip() for cell in cells)
        if filled > max_rows + 1:
            break
    book.close()
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    return str(value)
