"""Export of any filtered CRM list — contacts, accounts, leads, opportunities — as CSV (UTF-8
with BOM, for Excel) or XLSX. The filters are those of the list pages and the API (the same
selectors), so a person exports exactly what they see; every text cell is defused against
spreadsheet formulas, and rows are read in chunks, never all at once."""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from core.errors import NotFound, ValidationFailed
from core.reports import AMOUNT_FORMAT, XLSX_TYPE, safe_cell

from . import selectors

logger = logging.getLogger(__name__)

KINDS = ("contacts", "accounts", "leads", "opportunities")
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}
CHUNK = 2_000


@dataclass(frozen=True)
class Export:
    kind: str
    columns: list[str]
    rows: Iterator[list[Any]]
    file_name: str


def _person(user: Any) -> str:
    return (user.full_name or user.email) if user is not None else ""


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _id(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _accounts(actor: Any, params: Mapping[str, str]) -> tuple[QuerySet[Any], list[str], Callable[[Any], list[Any]]]:
    queryset = selectors.account_list(
        actor=actor,
        q=params.get("q", ""),
        industry=params.get("industry", ""),
        tag=params.get("tag", ""),
        sort=params.get("sort", ""),
    )
    columns = [_("Name"), _("Unified social credit code"), _("Industry"), _("Size"), _("Address"), _("Owner")]
    columns.append(_("Created"))

    def row(a: Any) -> list[Any]:
        return [
            a.name,
            a.credit_code,
            a.industry,
            a.get_size_display(),
            a.address,
            _person(a.owner),
            _when(a.created_at),
        ]

    return queryset, columns, row


def _contacts(actor: Any, params: Mapping[str, str]) -> tuple[QuerySet[Any], list[str], Callable[[Any], list[Any]]]:
    queryset = selectors.contact_list(
        actor=actor, q=params.get("q", ""), account_id=_id(params.get("account")), sort=params.get("sort", "")
    )
    columns = [_("Name"), _("Mobile"), _("Email"), _("Position"), _("Account"), _("Owner"), _("Created")]

    def row(c: Any) -> list[Any]:
        account = c.account.name if c.account is not None else ""
        return [c.name, c.mobile, c.email, c.position, account, _person(c.owner), _when(c.created_at)]

    return queryset, columns, row


def _leads(actor: Any, params: Mapping[str, str]) -> tuple[QuerySet[Any], list[str], Callable[[Any], list[Any]]]:
    queryset = selectors.lead_list(
        actor=actor,
        q=params.get("q", ""),
        status=params.get("status", "open"),
        pool=params.get("pool", ""),
        sort=params.get("sort", ""),
    )
    columns = [_("Name"), _("Company"), _("Unified social credit code"), _("Mobile"), _("Email"), _("Source")]
    columns += [_("Status"), _("Owner"), _("Last activity"), _("Created")]

    def row(lead: Any) -> list[Any]:
        owner = _person(lead.owner) if lead.owner is not None else _("Lead pool")
        return [
            lead.name,
            lead.company,
            lead.credit_code,
            lead.mobile,
            lead.email,
            lead.source,
            lead.get_status_display(),
            owner,
            _when(lead.last_activity_at),
            _when(lead.created_at),
        ]

    return queryset, columns, row


def _opportunities(
    actor: Any, params: Mapping[str, str]
) -> tuple[QuerySet[Any], list[str], Callable[[Any], list[Any]]]:
    queryset = selectors.opportunity_list(
        actor=actor,
        q=params.get("q", ""),
        stage_id=_id(params.get("stage")),
        open_only=params.get("open") in ("1", "true"),
        sort=params.get("sort", ""),
    )
    columns = [_("Name"), _("Account"), _("Amount (CNY)"), _("Stage"), _("Probability (%)"), _("Expected close")]
    columns += [_("Owner"), _("Created")]

    def row(o: Any) -> list[Any]:
        close = o.expected_close.isoformat() if o.expected_close else ""
        owner, created = _person(o.owner), _when(o.created_at)
        return [o.name, o.account.name, o.amount, o.stage.name, o.probability, close, owner, created]

    return queryset, columns, row


_LISTS = {"accounts": _accounts, "contacts": _contacts, "leads": _leads, "opportunities": _opportunities}


def export_list(*, actor: Any, kind: str, params: Mapping[str, str]) -> Export:
    """The rows of one list as the actor sees it, filtered as on its page (q, sort, …)."""
    build = _LISTS.get(kind)
    if build is None:
        raise NotFound(_("There is no such list to export."))
    queryset, columns, row = build(actor, params)
    audit_record(
        action="crm.list_exported", actor=actor, kind=kind, filters={k: str(v)[:100] for k, v in params.items()}
    )
    schema = connection.schema_name  # type: ignore[attr-defined]
    logger.info("crm export of %s", kind, extra={"schema": schema})

    def rows() -> Iterator[list[Any]]:
        # A streamed response reads these after the view returned: in the firm's schema still.
        with schema_context(schema):
            for item in queryset.iterator(chunk_size=CHUNK):
                yield row(item)

    stamp = timezone.localdate().isoformat()
    return Export(kind=kind, columns=columns, rows=rows(), file_name=f"crm-{kind}-{stamp}")


def export_response(*, actor: Any, kind: str, params: Mapping[str, str]) -> HttpResponse | StreamingHttpResponse:
    """The download of one list (``params["format"]``: csv, the default, or xlsx), for the API
    and the pages alike. CSV is streamed; XLSX is written row by row."""
    fmt = check_format(params.get("format", "csv"))
    export = export_list(actor=actor, kind=kind, params=params)
    response: HttpResponse | StreamingHttpResponse
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(export), content_type=FORMATS["xlsx"])
    else:
        response = StreamingHttpResponse(csv_stream(export), content_type=FORMATS["csv"])
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}.{fmt}"'
    return response


def check_format(value: str) -> str:
    fmt = (value or "csv").lower()
    if fmt not in FORMATS:
        message = _("Choose csv or xlsx.")
        raise ValidationFailed(message, fields={"format": [message]})
    return fmt


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (int, Decimal)):
        return value
    return safe_cell(value)


def csv_stream(export: Export) -> Iterator[bytes]:
    """The CSV in pieces of a few thousand rows, the BOM first (Excel then reads UTF-8)."""
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
    """The workbook, written row by row (openpyxl's write-only mode keeps memory flat)."""
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
    for row in export.rows:
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = AMOUNT_FORMAT
            else:
                cell = WriteOnlyCell(sheet, value=value if isinstance(value, int) else safe_cell(value))
            cells.append(cell)
        sheet.append(cells)
    with tempfile.TemporaryFile() as handle:
        book.save(handle)
        handle.seek(0)
        return handle.read()
