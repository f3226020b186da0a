"""Import of products from CSV (UTF-8, with or without BOM, or GB18030/GBK as Chinese Excel saves
it) or XLSX, as a job.

Columns are found by their header, in Chinese or English (SKU/编码, 名称/name, 单位/unit, ...):
no mapping step. Each row creates the product with its SKU or updates the one that has it;
for an update, only the columns in the file with a value change anything. Rows go through the
catalogue's own rules (``catalogue.product_create`` / ``product_update``), each in its own
savepoint, so a bad row is reported by its number (the header being row 1) and the others are
imported. Categories named in the file are created when missing; a supplier named in the file
must exist already (a partner of that name becomes a supplier).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.services import audit_record
from core.errors import ApplicationError, NotFound, ValidationFailed
from core.reports import safe_cell
from core.tabular import read_numbered_table

from . import catalogue, permissions
from .models import Category, Partner, Product, ProductImport

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
BATCH = 500


@dataclass(frozen=True)
class Column:
    name: str
    label: StrPromise
    headers: tuple[str, ...]  # what people call it, Chinese and English


COLUMNS: tuple[Column, ...] = (
    Column("sku", gettext_lazy("SKU"), ("sku", "编码", "商品编码", "产品编码", "物料编码", "存货编码", "货号", "code")),
    Column("name", gettext_lazy("Name"), ("名称", "name", "商品名称", "产品名称", "存货名称", "品名", "product name")),
    Column("unit", gettext_lazy("Unit"), ("单位", "unit", "计量单位", "主计量单位", "base unit")),
    Column("category", gettext_lazy("Category"), ("类别", "category", "分类", "商品类别", "存货分类", "商品分类")),
    Column("barcode", gettext_lazy("Barcode"), ("条码", "barcode", "条形码", "商品条码", "ean")),
    Column("vat_rate", gettext_lazy("VAT rate"), ("税率", "vat rate", "vat", "增值税税率", "tax rate")),
    Column("cost_method", gettext_lazy("Cost method"), ("计价方法", "cost method", "成本计价方法", "存货计价方法")),
    Column("reorder_point", gettext_lazy("Reorder point"), ("再订货点", "reorder point", "最低库存", "安全库存")),
    Column("purchase_price", gettext_lazy("Purchase price"), ("采购价", "purchase price", "进价", "采购单价")),
    Column("sale_price", gettext_lazy("Sale price"), ("销售价", "sale price", "售价", "销售单价", "零售价")),
    Column("supplier", gettext_lazy("Supplier"), ("供应商", "supplier", "默认供应商", "主供应商")),
)
_COST_METHODS = {
    "average": Product.CostMethod.AVERAGE,
    "moving average": Product.CostMethod.AVERAGE,
    "weighted average": Product.CostMethod.AVERAGE,
    "移动加权平均": Product.CostMethod.AVERAGE,
    "移动加权平均法": Product.CostMethod.AVERAGE,
    "加权平均": Product.CostMethod.AVERAGE,
    "加权平均法": Product.CostMethod.AVERAGE,
    "fifo": Product.CostMethod.FIFO,
    "先进先出": Product.CostMethod.FIFO,
    "先进先出法": Product.CostMethod.FIFO,
}


def import_dir() -> Path:
    """The firm's own folder, as the CRM keeps its imports."""
    return Path(settings.MEDIA_ROOT) / _schema() / "supply_chain" / "imports"


def _schema() -> str:
    return str(connection.schema_name)  # type: ignore[attr-defined]


def _normal(header: str) -> str:
    # A note in brackets, full-width ones too, goes: "税率(%)" → "税率".
    text = re.sub(r"[(\uff08][^)\uff09]*[)\uff09]", "", header or "")
    return re.sub(r"[\s_*:\uff1a\-]", "", text).lower()


def find_columns(header: Sequence[str]) -> dict[str, int]:
    """The column index of each field the header names (the first column with that name)."""
    names = [_normal(cell) for cell in header]
    found: dict[str, int] = {}
    for column in COLUMNS:
        for word in (_normal(word) for word in column.headers):
            index = next((i for i, name in enumerate(names) if name == word and i not in found.values()), None)
            if index is not None:
                found[column.name] = index
                break
    return found


def check_size(size: int) -> None:
    """Refuse a file over the limit before reading it."""
    if size > MAX_BYTES:
        message = _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        raise ValidationFailed(message, code="file_too_large", fields={"file": [message]})


def _read(content: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    return read_numbered_table(content=content, filename=name, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)


def product_import_upload(*, actor: Any, name: str, content: bytes) -> ProductImport:
    """Keep the file and queue the job; the header must name at least the SKU column."""
    permissions.require(actor, permissions.CATALOGUE)
    check_size(len(content))
    header, rows = _read(content, name)
    columns = find_columns(header)
    if "sku" not in columns:
        message = _("The first row must hold the column names, one of them SKU (编码).")
        raise ValidationFailed(message, fields={"file": [message]})
    if not rows:
        message = _("The file has column names but no rows to import.")
        raise ValidationFailed(message, fields={"file": [message]})
    directory = import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    try:
        with transaction.atomic():
            stored.write_bytes(content)
            job = ProductImport.objects.create(
                file_name=Path(name).name[:200], stored_as=stored.name, rows=len(rows), requested_by=actor
            )
            schema, pk = _schema(), job.pk

            def enqueue() -> None:
                from .jobs import import_products

                import_products.defer(schema_name=schema, product_import_id=pk)

            transaction.on_commit(enqueue)
            audit_record(action="supply_chain.product_import_queued", actor=actor, obj=job, file=job.file_name)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    logger.info("product import %s queued: %s rows", job.pk, len(rows), extra={"schema": _schema()})
    return job


def product_import_list(*, actor: Any) -> QuerySet[ProductImport]:
    """The actor's imports (everyone's for those who manage the settings), newest first."""
    permissions.require(actor, permissions.CATALOGUE)
    imports = ProductImport.objects.select_related("requested_by")
    if not permissions.can(actor, permissions.SETTINGS):
        imports = imports.filter(requested_by_id=actor.pk)
    return imports.order_by("-created_at", "-id")


def product_import_get(*, actor: Any, product_import_id: Any) -> ProductImport:
    try:
        pk = int(product_import_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such import.")) from None
    job = product_import_list(actor=actor).filter(pk=pk).first()
    if job is None:
        raise NotFound(_("No such import."))
    return job


def error_rows(job: ProductImport) -> int:
    return len({error["row"] for error in job.errors})


def flat_errors(job: ProductImport) -> list[dict[str, Any]]:
    """One entry per problem: row, column (as the file names it) and message."""
    return [
        {"row": error["row"], "column": column, "message": message}
        for error in job.errors
        for column, message in error["errors"].items()
    ]


# --- the job -------------------------------------------------------------------------------


class _Importer:
    def __init__(self, job: ProductImport, header: list[str], actor: Any) -> None:
        self.job = job
        self.actor = actor
        self.header = header
        self.columns = find_columns(header)
        self.labels = {column.name: str(column.label) for column in COLUMNS}
        self.seen: dict[str, int] = {}  # SKU → the row that imported it, in earlier batches

    def column_name(self, field_name: str) -> str:
        index = self.columns.get(field_name)
        if index is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        return self.labels.get(field_name, field_name)

    def cell(self, cells: list[str], field_name: str) -> str | None:
        """The cell's text; None when the file has no such column."""
        index = self.columns.get(field_name)
        if index is None:
            return None
        return (cells[index] if index < len(cells) else "").strip()

    def row(self, cells: list[str]) -> bool:
        """Create or update one product (in the caller's savepoint); True when created."""
        sku = self.cell(cells, "sku") or ""
        existing = Product.objects.filter(sku=sku).first() if sku else None
        values: dict[str, Any] = {}
        problems: dict[str, list[str]] = {}
        for column in COLUMNS:
            text = self.cell(cells, column.name)
            if column.name == "sku" or text is None or (existing is not None and text == ""):
                continue  # absent, or blank on an update: unchanged
            if column.name == "category":
                values["category"] = self.category(text) if text else None
            elif column.name == "supplier":
                supplier = self.supplier(text) if text else None
                if text and supplier is None:
                    problems["supplier"] = [_("No supplier or customer of this name.")]
                values["supplier"] = supplier
            elif column.name == "cost_method":
                method = _COST_METHODS.get(text.lower(), text.lower())
                values["cost_method"] = method
            else:
                values[column.name] = text
        if problems:
            raise ValidationFailed(_("Check the fields marked."), fields=problems)
        if existing is not None:
            catalogue.product_update(actor=self.actor, product_id=existing.pk, **values)
            return False
        name = values.pop("name", "")
        catalogue.product_create(actor=self.actor, sku=sku, name=name, **values)
        return True

    def category(self, name: str) -> Category:
        category = Category.objects.filter(name=name[:100]).first()
        return category or catalogue.category_create(actor=self.actor, name=name[:100])

    def supplier(self, name: str) -> Partner | None:
        partner = Partner.objects.filter(name=name).first()
        if partner is not None and not partner.is_supplier:
            partner = catalogue.partner_update(actor=self.actor, partner_id=partner.pk, is_supplier=True)
        return partner

    def batch(self, rows: Sequence[tuple[int, list[str]]]) -> tuple[int, int, list[dict[str, Any]], dict[str, int]]:
        """One batch (inside the caller's transaction): counts, errors, and the SKUs it took."""
        created = updated = 0
        errors: list[dict[str, Any]] = []
        taken: dict[str, int] = {}
        for number, cells in rows:
            sku = self.cell(cells, "sku") or ""
            earlier = self.seen.get(sku) or taken.get(sku)
            if sku and earlier:
                message = _("The same SKU as row %(row)s, which is imported once.") % {"row": earlier}
                errors.append({"row": number, "errors": {self.column_name("sku"): message}})
                continue
            try:
                with transaction.atomic():
                    made = self.row(cells)
            except ApplicationError as exc:
                fields = exc.fields or {"sku": [exc.detail]}
                errors.append(
                    {"row": number, "errors": {self.column_name(name): " ".join(m) for name, m in fields.items()}}
                )
                continue
            taken[sku] = number
            created += made
            updated += not made
        return created, updated, errors, taken


def _fail(job: ProductImport, reason: str) -> ProductImport:
    job.status, job.failure, job.finished_at = ProductImport.Status.FAILED, reason[:500], timezone.now()
    job.save(update_fields=["status", "failure", "finished_at", "done_rows", "created", "updated", "errors"])
    logger.warning("product import %s failed: %s", job.pk, reason, extra={"schema": _schema()})
    return job


def product_import_run(*, product_import_id: int) -> ProductImport:
    """The job's work: the file in batches, each batch one transaction with its progress."""
    job = ProductImport.objects.select_related("requested_by").get(pk=product_import_id)
    if job.status not in (ProductImport.Status.QUEUED, ProductImport.Status.RUNNING):
        return job  # finished already
    actor = job.requested_by
    if actor is None or not permissions.can(actor, permissions.CATALOGUE):
        return _fail(job, _("The person who started this import can no longer change the catalogue."))
    try:
        header, rows = _read((import_dir() / job.stored_as).read_bytes(), job.stored_as)
    except OSError:
        return _fail(job, _("The uploaded file is gone; upload it again."))
    except ApplicationError as exc:
        return _fail(job, exc.detail)
    job.status, job.rows, job.done_rows, job.created, job.updated, job.errors = (
        ProductImport.Status.RUNNING,
        len(rows),
        0,
        0,
        0,
        [],
    )
    job.save(update_fields=["status", "rows", "done_rows", "created", "updated", "errors"])
    importer = _Importer(job, header, actor)
    try:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            with transaction.atomic():
                created, updated, errors, taken = importer.batch(chunk)
                job.done_rows += len(chunk)
                job.created += created
                job.updated += updated
                job.errors.extend(errors)
                job.save(update_fields=["done_rows", "created", "updated", "errors"])
            importer.seen.update(taken)
    except Exception:
        logger.exception("product import %s stopped", job.pk, extra={"schema": _schema()})
        job.refresh_from_db(fields=["done_rows", "created", "updated", "errors"])
        return _fail(
            job,
            _("The import stopped after %(done)s rows. Upload the file again: imported rows are updated, not doubled.")
            % {"done": job.done_rows},
        )
    job.status, job.finished_at = ProductImport.Status.DONE, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit_record(
        action="supply_chain.product_import_done",
        actor=actor,
        obj=job,
        created=job.created,
        updated=job.updated,
        error_rows=error_rows(job),
    )
    logger.info(
        "product import %s done: %s created, %s updated, %s rows with errors",
        job.pk,
        job.created,
        job.updated,
        error_rows(job),
        extra={"schema": _schema()},
    )
    return job


# --- error report --------------------------------------------------------------------------


def error_report(job: ProductImport) -> bytes:
    """The rows that failed, as CSV (UTF-8 with BOM, for Excel): row number, column, problem and
    the row as it was in the file. Every cell is defused against formulas."""
    header: list[str] = []
    originals: dict[int, list[str]] = {}
    wanted = {error["row"] for error in job.errors}
    if wanted:
        try:
            header, rows = _read((import_dir() / job.stored_as).read_bytes(), job.stored_as)
            originals = {number: cells for number, cells in rows if number in wanted}
        except (OSError, ApplicationError):
            header = []  # the file is gone: the report still says which rows and why
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Problem"), *(safe_cell(cell) for cell in header)])
    for error in flat_errors(job):
        cells = originals.get(error["row"], [])
        writer.writerow(
            [error["row"], safe_cell(error["column"]), safe_cell(error["message"]), *(safe_cell(c) for c in cells)]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
