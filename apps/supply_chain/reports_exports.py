"""Downloads of the stock reports as CSV (UTF-8 with BOM, for Excel) or XLSX: on hand, movement
history, turnover, purchase and sales analysis. Filters are those of the pages and the API (the
same selectors), so a person downloads what they see; text cells are defused against formulas.
Movement history can hold a million rows: CSV is streamed and XLSX written row by row, reading
the moves in chunks."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from core.errors import NotFound, ValidationFailed
from core.reports import AMOUNT_FORMAT, XLSX_TYPE, safe_cell

from . import reports

FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}
KINDS = ("on_hand", "moves", "turnover", "purchases", "sales")
CHUNK = 2_000
MAX_XLSX_ROWS = 1_000_000  # a sheet holds 1,048,576 rows


@dataclass(frozen=True)
class Export:
    kind: str
    columns: list[str]
    rows: Iterator[list[Any]]
    file_name: str


def number(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def period(params: Mapping[str, str]) -> tuple[date, date]:
    """The period asked for (``date_from``, ``date_to``), this year to today by default."""
    today = timezone.localdate()
    start = day(params.get("date_from")) or today.replace(month=1, day=1)
    end = day(params.get("date_to")) or today
    return start, end


def _in_schema(rows: Callable[[], Iterator[list[Any]]], schema: str) -> Iterator[list[Any]]:
    # A streamed response reads rows after the view returned: stay in the firm's schema.
    with schema_context(schema):
        yield from rows()


def _on_hand(actor: Any, params: Mapping[str, str]) -> tuple[list[str], Callable[[], Iterator[list[Any]]]]:
    found = reports.stock_on_hand(
        actor=actor,
        warehouse_id=number(params.get("warehouse")),
        q=params.get("q", ""),
        category_id=number(params.get("category")),
    )
    columns = [_("SKU"), _("Product"), _("Unit"), _("Warehouse"), _("Quantity"), _("Value (CNY)")]

    def rows() -> Iterator[list[Any]]:
        for row in found.iterator(chunk_size=CHUNK):
            yield [
                row["product__sku"],
                row["product__name"],
                row["product__unit"],
                f"{row['warehouse__code']} {row['warehouse__name']}",
                row["on_hand"],
                row["value"],
            ]

    return columns, rows


def _moves(actor: Any, params: Mapping[str, str]) -> tuple[list[str], Callable[[], Iterator[list[Any]]]]:
    found = reports.movement_history(
        actor=actor,
        product_id=number(params.get("product")),
        warehouse_id=number(params.get("warehouse")),
        kind=params.get("kind") or None,
        date_from=day(params.get("date_from")),
        date_to=day(params.get("date_to")),
        q=params.get("q", ""),
    )
    columns = [_("Date"), _("Kind"), _("SKU"), _("Product"), _("Warehouse"), _("Location"), _("Lot")]
    columns += [_("Quantity"), _("Unit cost"), _("Value (CNY)"), _("Reference")]

    def rows() -> Iterator[list[Any]]:
        for move in found.iterator(chunk_size=CHUNK):
            yield [
                move.moved_on,
                move.get_kind_display(),
                move.product.sku,
                move.product.name,
                move.warehouse.code,
                move.location.code,
                move.lot.number if move.lot else "",
                move.quantity,
                move.unit_cost if move.valued else None,
                move.value if move.valued else None,
                move.reference,
            ]

    return columns, rows


def _turnover(actor: Any, params: Mapping[str, str]) -> tuple[list[str], Callable[[], Iterator[list[Any]]]]:
    start, end = period(params)
    report = reports.inventory_turnover(actor=actor, date_from=start, date_to=end)
    columns = [_("SKU"), _("Product"), _("Cost of goods delivered"), _("Opening value"), _("Closing value")]
    columns += [_("Average inventory"), _("Turnover (times)"), _("Days on hand")]

    def rows() -> Iterator[list[Any]]:
        for row in [*report.rows, *([report.total] if report.total else [])]:
            yield [
                row.sku,
                row.name,
                row.cost_of_goods,
                row.opening,
                row.closing,
                row.average,
                row.turnover,
                row.days_on_hand,
            ]

    return columns, rows


def _analysis(kind: str) -> Callable[[Any, Mapping[str, str]], tuple[list[str], Callable[[], Iterator[list[Any]]]]]:
    def build(actor: Any, params: Mapping[str, str]) -> tuple[list[str], Callable[[], Iterator[list[Any]]]]:
        start, end = period(params)
        select = reports.purchase_analysis if kind == "purchases" else reports.sales_analysis
        analysis = select(actor=actor, date_from=start, date_to=end, group_by=params.get("group_by") or "month")
        moved = _("Received (stock value)") if kind == "purchases" else _("Delivered (cost)")
        columns = [_("Group"), _("Orders"), _("Ordered before VAT"), moved, _("Quantity (base unit)")]

        def rows() -> Iterator[list[Any]]:
            for row in analysis.rows:
                yield [row.label, row.orders, row.ordered, row.moved, row.quantity]
            yield [_("Total"), None, analysis.ordered, analysis.moved, None]

        return columns, rows

    return build


_BUILDERS = {
    "on_hand": _on_hand,
    "moves": _moves,
    "turnover": _turnover,
    "purchases": _analysis("purchases"),
    "sales": _analysis("sales"),
}


def export_report(*, actor: Any, kind: str, params: Mapping[str, str]) -> Export:
    build = _BUILDERS.get(kind)
    if build is None:
        raise NotFound(_("There is no such report to export."))
    columns, rows = build(actor, params)
    audit_record(
        action="supply_chain.report_exported",
        actor=actor,
        kind=kind,
        filters={key: str(value)[:100] for key, value in params.items()},
    )
    stamp = timezone.localdate().isoformat()
    schema: str = connection.schema_name  # type: ignore[attr-defined]
    return Export(kind=kind, columns=columns, rows=_in_schema(rows, schema), file_name=f"stock-{kind}-{stamp}")


def check_format(value: str | None) -> str:
    fmt = (value or "csv").lower()
    if fmt not in FORMATS:
        message = _("Choose csv or xlsx.")
        raise ValidationFailed(message, fields={"format": [message]})
    return fmt


def export_response(*, actor: Any, kind: str, params: Mapping[str, str]) -> HttpResponse | StreamingHttpResponse:
    """The download (``params["format"]``: csv, the default, or xlsx), for pages and the API."""
    fmt = check_format(params.get("format"))
    export = export_report(actor=actor, kind=kind, params=params)
    response: HttpResponse | StreamingHttpResponse
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(export), content_type=FORMATS["xlsx"])
    else:
        response = StreamingHttpResponse(csv_stream(export), content_type=FORMATS["csv"])
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}.{fmt}"'
    return response


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)):
        return value
    return safe_cell(value)


def csv_stream(export: Export) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(name) for name in export.columns])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(export.rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(export: Export) -> bytes:
    """The workbook, written row by row (write-only mode keeps memory flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=export.kind)
    header = []
    for name in export.columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(name))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for count, row in enumerate(export.rows, start=1):
        if count > MAX_XLSX_ROWS:
            break
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = AMOUNT_FORMAT
            elif isinstance(value, (int, date)) or value is None:
                cell = WriteOnlyCell(sheet, value=value)
            else:
                cell = WriteOnlyCell(sheet, value=safe_cell(value))
            cells.append(cell)
        sheet.append(cells)
    with tempfile.TemporaryFile() as handle:
        book.save(handle)
        handle.seek(0)
        return handle.read()
