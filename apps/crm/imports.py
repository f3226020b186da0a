"""Import of contacts, accounts or leads from CSV (UTF-8, with or without BOM, or GB18030/GBK as
Chinese Excel saves it) or XLSX, as a job.

The person uploads a file and sees its first rows with a suggested column mapping; they confirm
the mapping and the dedupe rules, and a job imports the file in batches of a few thousand rows
(one query per dedupe rule per batch, then ``bulk_create``), so 100,000 rows take seconds.

Every valid row is imported, every invalid one is reported by its row number (the header being
row 1). A row matching an existing record by a chosen dedupe rule is skipped, and so is a row
repeating an earlier row of the same file (reported as an error). A row with no value for any
chosen rule is matched by its natural key instead — the name and company for contacts and
leads, the name for accounts — so importing the same file twice never creates anything twice.
The database allows one contact per mobile number and one account per credit code, so those
rules always apply.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.services import audit_record
from core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from core.locks import advisory_key
from core.reports import safe_cell
from core.tabular import read_numbered_table

from . import permissions
from .models import Account, Contact, CrmImport, Lead
from .services import normalize_credit_code, normalize_mobile

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
BATCH = 2_000
PREVIEW_ROWS = 10
PREVIEW_CELL = 100  # characters of a cell shown in the preview
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class ImportField:
    name: str
    label: StrPromise
    limit: int
    required: bool = False


_NAME = ImportField("name", gettext_lazy("Name"), 100, required=True)
_COMPANY = ImportField("company", gettext_lazy("Company"), 200)
_CREDIT_CODE = ImportField("credit_code", gettext_lazy("Unified social credit code"), 18)
_MOBILE = ImportField("mobile", gettext_lazy("Mobile"), 11)
_EMAIL_FIELD = ImportField("email", gettext_lazy("Email"), 254)

FIELDS: dict[str, tuple[ImportField, ...]] = {
    CrmImport.Kind.CONTACTS: (
        _NAME,
        _MOBILE,
        _EMAIL_FIELD,
        ImportField("position", gettext_lazy("Position"), 100),
        _COMPANY,
    ),
    CrmImport.Kind.ACCOUNTS: (
        ImportField("name", gettext_lazy("Name"), 200, required=True),
        _CREDIT_CODE,
        ImportField("industry", gettext_lazy("Industry"), 60),
        ImportField("address", gettext_lazy("Address"), 300),
    ),
    CrmImport.Kind.LEADS: (
        _NAME,
        _COMPANY,
        _CREDIT_CODE,
        _MOBILE,
        _EMAIL_FIELD,
        ImportField("source", gettext_lazy("Source"), 60),
        ImportField("notes", gettext_lazy("Notes"), 5000),
    ),
}
# The rules a person may choose per kind, and those the database enforces anyway (unique).
DEDUPE_CHOICES: dict[str, tuple[str, ...]] = {
    CrmImport.Kind.CONTACTS: ("mobile", "email"),
    CrmImport.Kind.ACCOUNTS: ("credit_code",),
    CrmImport.Kind.LEADS: ("credit_code", "mobile", "email"),
}
DEDUPE_ALWAYS: dict[str, tuple[str, ...]] = {
    CrmImport.Kind.CONTACTS: ("mobile",),
    CrmImport.Kind.ACCOUNTS: ("credit_code",),
    CrmImport.Kind.LEADS: (),
}
# Headers people use, in Chinese or English, best first.
_PERSON = ("姓名", "联系人", "联系人姓名", "客户姓名", "name", "full name", "contact name", "contact", "名称")
_FIRM = ("公司", "公司名称", "客户名称", "企业名称", "单位", "工作单位", "company", "company name", "account")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": _PERSON,
    "company": _FIRM,
    "mobile": ("手机", "手机号", "手机号码", "移动电话", "联系电话", "电话", "mobile", "mobile phone", "phone"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "email", "e-mail", "mail"),
    "credit_code": (
        "统一社会信用代码",
        "信用代码",
        "社会信用代码",
        "credit code",
        "unified social credit code",
        "uscc",
    ),
    "position": ("职位", "职务", "岗位", "position", "job title", "title"),
    "industry": ("行业", "所属行业", "industry"),
    "address": ("地址", "公司地址", "详细地址", "address"),
    "source": ("来源", "线索来源", "客户来源", "source", "lead source"),
    "notes": ("备注", "说明", "notes", "note", "remarks", "comments"),
}
# An account's name is the company's name.
_ACCOUNT_NAME = ("名称", "客户名称", "公司", "公司名称", "企业名称", "company", "company name", "account", "name")


def import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / connection.schema_name / "crm" / "imports"  # type: ignore[attr-defined]


def _schema() -> str:
    return str(connection.schema_name)  # type: ignore[attr-defined]


def _lower(label: Any) -> str:
    """A field's label inside a sentence ("Fill in the mobile.")."""
    return str(label).lower()


def fields_for(kind: str) -> tuple[ImportField, ...]:
    return FIELDS[kind]


# --- mapping suggestion --------------------------------------------------------------------


def _normal(header: str) -> str:
    # A note in brackets, full-width ones too, goes: "手机(必填)" → "手机".
    text = re.sub(r"[(\uff08][^)\uff09]*[)\uff09]", "", header or "")
    return re.sub(r"[\s_*:\uff1a\-]", "", text).lower()


def suggest_mapping(kind: str, header: Sequence[str]) -> dict[str, int | None]:
    """The column each field most likely comes from: exact header names first, then headers
    that contain a known name ("联系人手机" → mobile); a column is used once."""
    names = [_normal(cell) for cell in header]
    used: set[int] = set()
    found: dict[str, int | None] = {spec.name: None for spec in FIELDS[kind]}

    def synonyms(field_name: str) -> list[str]:
        words = _ACCOUNT_NAME if (kind == CrmImport.Kind.ACCOUNTS and field_name == "name") else SYNONYMS[field_name]
        return [_normal(word) for word in words]

    for field_name in found:
        for word in synonyms(field_name):
            index = next((i for i, name in enumerate(names) if name == word and i not in used), None)
            if index is not None:
                found[field_name] = index
                used.add(index)
                break
    for field_name in [name for name, index in found.items() if index is None]:
        for word in synonyms(field_name):
            index = next((i for i, name in enumerate(names) if len(word) > 1 and word in name and i not in used), None)
            if index is not None:
                found[field_name] = index
                used.add(index)
                break
    return found


# --- upload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def column_name(self, index: int) -> str:
        name = self.header[index] if 0 <= index < len(self.header) else ""
        return name or _("Column %(n)s") % {"n": index + 1}

    @property
    def columns(self) -> list[tuple[int, str]]:
        return [(index, self.column_name(index)) for index in range(len(self.header))]


def check_size(size: int) -> None:
    """Refuse a file over the limit before reading it."""
    if size > MAX_BYTES:
        message = _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        raise ValidationFailed(message, code="file_too_large", fields={"file": [message]})


def _preview_path(stored: Path) -> Path:
    return stored.with_name(stored.name + ".preview.json")


def import_upload(*, actor: Any, kind: str, name: str, content: bytes) -> CrmImport:
    """Keep a readable file and show its first rows; the import waits for the column mapping."""
    permissions.visible_owners(actor)
    if kind not in CrmImport.Kind.values:
        message = _("Choose what the file holds: contacts, accounts or leads.")
        raise ValidationFailed(message, fields={"kind": [message]})
    check_size(len(content))
    header, rows = read_numbered_table(content=content, filename=name, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if not any(header):
        message = _("The first row must hold the column names.")
        raise ValidationFailed(message, fields={"file": [message]})
    if not rows:
        message = _("The file has column names but no rows to import.")
        raise ValidationFailed(message, fields={"file": [message]})
    width = len(header)
    preview = {
        "header": header,
        "rows": [[cell[:PREVIEW_CELL] for cell in (cells + [""] * width)[:width]] for _n, cells in rows[:PREVIEW_ROWS]],
    }
    directory = import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    try:
        with transaction.atomic():
            stored.write_bytes(content)
            _preview_path(stored).write_text(json.dumps(preview, ensure_ascii=False), encoding="utf-8")
            job = CrmImport.objects.create(
                kind=kind, file_name=Path(name).name[:200], stored_as=stored.name, rows=len(rows), requested_by=actor
            )
            audit_record(action="crm.import_uploaded", actor=actor, obj=job, kind=kind, file=job.file_name)
    except BaseException:
        stored.unlink(missing_ok=True)
        _preview_path(stored).unlink(missing_ok=True)
        raise
    logger.info("crm import %s uploaded: %s rows of %s", job.pk, len(rows), kind, extra={"schema": _schema()})
    return job


def import_preview(job: CrmImport) -> Preview:
    """The header and first rows kept at upload."""
    try:
        data = json.loads(_preview_path(import_dir() / job.stored_as).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Preview(header=[])
    return Preview(header=[str(cell) for cell in data.get("header", [])], rows=data.get("rows", []))


# --- reads ---------------------------------------------------------------------------------


def import_list(*, actor: Any) -> QuerySet[CrmImport]:
    """The actor's imports (everyone's for owners and administrators), newest first."""
    permissions.visible_owners(actor)
    imports = CrmImport.objects.select_related("requested_by")
    if not permissions.sees_all(actor):
        imports = imports.filter(requested_by_id=actor.pk)
    return imports.order_by("-created_at", "-id")


def import_get(*, actor: Any, import_id: Any, for_update: bool = False) -> CrmImport:
    """One import of the actor's; another person's is not found (unless the actor sees all)."""
    try:
        pk = int(import_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such import.")) from None
    imports = import_list(actor=actor)
    if for_update:
        imports = imports.select_for_update(of=("self",))
    job = imports.filter(pk=pk).first()
    if job is None:
        raise NotFound(_("No such import."))
    return job


def error_rows(job: CrmImport) -> int:
    """How many rows have at least one error."""
    return len({error["row"] for error in job.errors})


# --- start ---------------------------------------------------------------------------------


def _check_mapping(kind: str, mapping: Mapping[str, Any], preview: Preview) -> dict[str, int]:
    known = {spec.name: spec for spec in FIELDS[kind]}
    problems: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for name, value in mapping.items():
        if name not in known:
            problems.setdefault("mapping", []).append(_("There is no field “%(name)s” to import.") % {"name": name})
            continue
        if value is None or value == "":
            continue
        try:
            index = int(value)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(preview.header):
            problems.setdefault(name, []).append(_("Choose one of the file's columns."))
            continue
        clean[name] = index
    by_column: dict[int, list[str]] = {}
    for name, index in clean.items():
        by_column.setdefault(index, []).append(name)
    for index, names in by_column.items():
        if len(names) > 1:
            message = _("The column “%(column)s” is chosen for %(fields)s; choose it once.") % {
                "column": preview.column_name(index),
                "fields": "、".join(str(known[name].label) for name in names),
            }
            for name in names:
                problems.setdefault(name, []).append(message)
    for spec in known.values():
        if spec.required and spec.name not in clean and spec.name not in problems:
            problems[spec.name] = [_("Choose the column that holds the %(field)s.") % {"field": _lower(spec.label)}]
    if problems:
        raise ValidationFailed(_("Check the column mapping."), fields=problems)
    return clean


def _check_dedupe(kind: str, dedupe: Iterable[Any], mapping: Mapping[str, int]) -> list[str]:
    labels = {spec.name: spec.label for spec in FIELDS[kind]}
    chosen = {str(rule) for rule in dedupe}
    problems: list[str] = []
    for rule in sorted(chosen):
        if rule not in DEDUPE_CHOICES[kind]:
            problems.append(_("“%(rule)s” is not a way to find duplicates of these records.") % {"rule": rule})
        elif rule not in mapping:
            problems.append(
                _("To find duplicates by %(field)s, choose the column that holds it.") % {"field": _lower(labels[rule])}
            )
    if problems:
        raise ValidationFailed(_("Check the duplicate rules."), fields={"dedupe": problems})
    chosen |= {rule for rule in DEDUPE_ALWAYS[kind] if rule in mapping}
    return [rule for rule in DEDUPE_CHOICES[kind] if rule in chosen]


@transaction.atomic
def import_start(*, actor: Any, import_id: Any, mapping: Mapping[str, Any], dedupe: Iterable[Any]) -> CrmImport:
    """Check the mapping (the name mapped, no column twice) and dedupe rules, and queue the job."""
    job = import_get(actor=actor, import_id=import_id, for_update=True)
    if job.status != CrmImport.Status.MAPPING:
        raise Conflict(_("This import has already started."), code="import_started")
    preview = import_preview(job)
    if not preview.header:
        raise Conflict(_("The uploaded file is gone; upload it again."), code="import_file_missing")
    job.mapping = _check_mapping(job.kind, mapping, preview)
    job.dedupe = _check_dedupe(job.kind, dedupe, job.mapping)
    job.status = CrmImport.Status.QUEUED
    job.save(update_fields=["mapping", "dedupe", "status"])
    schema, pk = _schema(), job.pk

    def enqueue() -> None:
        from .jobs import import_records

        import_records.defer(schema_name=schema, import_id=pk)

    transaction.on_commit(enqueue)
    audit_record(action="crm.import_started", actor=actor, obj=job, mapping=job.mapping, dedupe=job.dedupe)
    logger.info("crm import %s queued", job.pk, extra={"schema": schema})
    return job


# --- the job -------------------------------------------------------------------------------


@dataclass
class _Batch:
    """What one batch did; applied to the import only once its transaction committed."""

    imported: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    seen: dict[str, dict[str, int]] = field(default_factory=dict)


def _clean_value(spec: ImportField, raw: str) -> str:
    if spec.name == "mobile":
        return normalize_mobile(raw)
    if spec.name == "credit_code":
        return normalize_credit_code(raw)
    value = raw.strip()
    if spec.name == "email":
        value = value.lower()
        if value and not _EMAIL.fullmatch(value):
            raise ValidationFailed(_("Enter a valid email address."))
    if spec.required and not value:
        raise ValidationFailed(_("Fill in the %(field)s.") % {"field": _lower(spec.label)})
    if len(value) > spec.limit:
        raise ValidationFailed(_("At most %(limit)s characters.") % {"limit": spec.limit})
    return value


def _fallback(kind: str, values: Mapping[str, str]) -> str:
    if kind == CrmImport.Kind.ACCOUNTS:
        return values["name"]
    return f"{values['name']}\x1f{values.get('company', '')}"


class _Importer:
    """One import's state across batches: the file's rows already taken, per dedupe key."""

    def __init__(self, job: CrmImport, header: list[str]) -> None:
        self.job = job
        self.kind = job.kind
        self.owner = job.requested_by
        self.mapping: dict[str, int] = {name: int(index) for name, index in job.mapping.items()}
        self.rules: list[str] = list(job.dedupe)
        self.specs = FIELDS[self.kind]
        self.labels = {spec.name: str(spec.label) for spec in self.specs}
        self.header = header
        self.seen: dict[str, dict[str, int]] = {rule: {} for rule in [*self.rules, "fallback"]}
        self.model: type[Model] = {"contacts": Contact, "accounts": Account, "leads": Lead}[self.kind]

    def column(self, field_name: str) -> str:
        index = self.mapping.get(field_name)
        if index is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        return self.labels.get(field_name, field_name)

    def clean(self, number: int, cells: list[str], batch: _Batch) -> dict[str, str] | None:
        values: dict[str, str] = {}
        failed = False
        for spec in self.specs:
            index = self.mapping.get(spec.name)
            raw = cells[index] if index is not None and index < len(cells) else ""
            try:
                values[spec.name] = _clean_value(spec, raw)
            except ValidationFailed as exc:
                batch.errors.append({"row": number, "column": self.column(spec.name), "message": exc.detail})
                failed = True
        return None if failed else values

    def keys(self, values: Mapping[str, str]) -> list[tuple[str, str]]:
        keys = [(rule, values[rule]) for rule in self.rules if values.get(rule)]
        return keys or [("fallback", _fallback(self.kind, values))]

    def existing(self, rule: str, wanted: set[str]) -> set[str]:
        """Which of ``wanted`` the database holds already, in one query (everyone's records:
        the same customer must not come in twice because another rep owns it)."""
        if not wanted:
            return set()
        manager = self.model._default_manager
        if rule == "email":
            return set(manager.annotate(key=Lower("email")).filter(key__in=wanted).values_list("key", flat=True))
        if rule != "fallback":
            return set(manager.filter(**{f"{rule}__in": wanted}).values_list(rule, flat=True))
        names = {key.split("\x1f", 1)[0] for key in wanted}
        if self.kind == CrmImport.Kind.ACCOUNTS:
            return set(manager.filter(name__in=names).values_list("name", flat=True))
        company = "account__name" if self.kind == CrmImport.Kind.CONTACTS else "company"
        found = manager.filter(name__in=names).values_list("name", company)
        return {f"{name}\x1f{firm or ''}" for name, firm in found}

    def run(self, rows: Sequence[tuple[int, list[str]]]) -> _Batch:
        """Validate, dedupe and insert one batch (inside the caller's transaction)."""
        batch = _Batch(seen={rule: {} for rule in self.seen})
        cleaned: list[tuple[int, dict[str, str], list[tuple[str, str]]]] = []
        for number, cells in rows:
            values = self.clean(number, cells, batch)
            if values is not None:
                cleaned.append((number, values, self.keys(values)))
        wanted: dict[str, set[str]] = {rule: set() for rule in self.seen}
        for _number, _values, keys in cleaned:
            for rule, key in keys:
                wanted[rule].add(key)
        found = {rule: self.existing(rule, keys) for rule, keys in wanted.items()}
        fresh: list[dict[str, str]] = []
        for number, values, keys in cleaned:
            # A repeat of an earlier row of the file is an error, whether that row was imported
            # or skipped, so the report is the same on every run of the file.
            earlier = next(
                (
                    (rule, self.seen[rule].get(key) or batch.seen[rule].get(key))
                    for rule, key in keys
                    if key in self.seen[rule] or key in batch.seen[rule]
                ),
                None,
            )
            if earlier is not None:
                rule, row = earlier
                what = _lower(self.labels["name"] if rule == "fallback" else self.labels[rule])
                message = _("The same %(field)s as row %(row)s, which is imported once.") % {"field": what, "row": row}
                if rule == "fallback" and self.kind != CrmImport.Kind.ACCOUNTS:
                    message = _("The same name and company as row %(row)s, which is imported once.") % {"row": row}
                column = self.column("name" if rule == "fallback" else rule)
                batch.errors.append({"row": number, "column": column, "message": message})
                continue
            for rule, key in keys:
                batch.seen[rule][key] = number
            if any(key in found[rule] for rule, key in keys):
                batch.skipped += 1
                continue
            fresh.append(values)
        batch.imported = len(fresh)
        if fresh:
            self.insert(fresh)
        return batch

    def insert(self, fresh: list[dict[str, str]]) -> None:
        now = timezone.now()
        if self.kind == CrmImport.Kind.ACCOUNTS:
            Account.objects.bulk_create(
                [
                    Account(
                        name=v["name"],
                        credit_code=v.get("credit_code", ""),
                        industry=v.get("industry", ""),
                        address=v.get("address", ""),
                        owner=self.owner,
                    )
                    for v in fresh
                ]
            )
        elif self.kind == CrmImport.Kind.CONTACTS:
            accounts = self.accounts({v["company"] for v in fresh if v.get("company")})
            Contact.objects.bulk_create(
                [
                    Contact(
                        name=v["name"],
                        mobile=v.get("mobile", ""),
                        email=v.get("email", ""),
                        position=v.get("position", ""),
                        account_id=accounts.get(v.get("company", "")),
                        owner=self.owner,
                    )
                    for v in fresh
                ]
            )
        else:
            Lead.objects.bulk_create(
                [
                    Lead(
                        name=v["name"],
                        company=v.get("company", ""),
                        credit_code=v.get("credit_code", ""),
                        mobile=v.get("mobile", ""),
                        email=v.get("email", ""),
                        source=v.get("source", ""),
                        notes=v.get("notes", ""),
                        owner=self.owner,
                        claimed_at=now,
                        last_activity_at=now,
                    )
                    for v in fresh
                ]
            )

    def accounts(self, names: set[str]) -> dict[str, int]:
        """Account ids by name: the importer's (oldest first) if they exist, new ones otherwise."""
        if not names:
            return {}
        ids: dict[str, int] = {}
        visible = permissions.scope(Account.objects.filter(name__in=names), self.owner)
        for name, pk in visible.order_by("-id").values_list("name", "pk"):
            ids[name] = pk  # the oldest wins
        missing = sorted(names - ids.keys())
        for account in Account.objects.bulk_create([Account(name=name, owner=self.owner) for name in missing]):
            ids[account.name] = account.pk
        return ids


def _fail(job: CrmImport, reason: str) -> CrmImport:
    job.status, job.failure, job.finished_at = CrmImport.Status.FAILED, reason[:500], timezone.now()
    job.save(update_fields=["status", "failure", "finished_at", "done_rows", "imported", "skipped", "errors"])
    logger.warning("crm import %s failed: %s", job.pk, reason, extra={"schema": _schema()})
    return job


def import_run(*, import_id: int) -> CrmImport:
    """The job's work: the file in batches, each batch one transaction with its progress."""
    job = CrmImport.objects.select_related("requested_by").get(pk=import_id)
    if job.status not in (CrmImport.Status.QUEUED, CrmImport.Status.RUNNING):
        return job  # waiting for its mapping, or finished: nothing to do
    owner = job.requested_by
    if owner is None or not owner.is_active:
        return _fail(job, _("The person who started this import can no longer use the CRM."))
    try:
        content = (import_dir() / job.stored_as).read_bytes()
        header, rows = read_numbered_table(
            content=content, filename=job.stored_as, max_bytes=MAX_BYTES, max_rows=MAX_ROWS
        )
    except OSError:
        return _fail(job, _("The uploaded file is gone; upload it again."))
    except ApplicationError as exc:
        return _fail(job, exc.detail)
    job.status, job.rows, job.done_rows, job.imported, job.skipped, job.errors = (
        CrmImport.Status.RUNNING,
        len(rows),
        0,
        0,
        0,
        [],
    )
    job.save(update_fields=["status", "rows", "done_rows", "imported", "skipped", "errors"])
    importer = _Importer(job, header)
    lock = advisory_key(f"crm-import:{_schema()}:{job.kind}")
    try:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            batch = _run_batch(importer, chunk, lock)
            for rule, keys in batch.seen.items():
                importer.seen[rule].update(keys)
            job.errors.extend(batch.errors)
    except Exception:
        logger.exception("crm import %s stopped", job.pk, extra={"schema": _schema()})
        return _fail(
            job,
            _("The import stopped after %(done)s rows. Upload the file again: rows already imported are skipped.")
            % {"done": job.done_rows},
        )
    job.status, job.finished_at = CrmImport.Status.DONE, timezone.now()
    job.save(update_fields=["status", "done_rows", "imported", "skipped", "errors", "finished_at"])
    audit_record(
        action="crm.import_done",
        actor=job.requested_by,
        obj=job,
        imported=job.imported,
        skipped=job.skipped,
        error_rows=error_rows(job),
    )
    logger.info(
        "crm import %s done: %s imported, %s skipped, %s rows with errors",
        job.pk,
        job.imported,
        job.skipped,
        error_rows(job),
        extra={"schema": _schema()},
    )
    return job


def _run_batch(importer: _Importer, chunk: Sequence[tuple[int, list[str]]], lock: int) -> _Batch:
    """One batch in one transaction, progress included. Imports of the same kind in this firm
    take turns per batch (a transaction lock), so two at once cannot both insert a row; a
    record someone typed in meanwhile (a unique mobile or credit code) makes the batch retry."""
    job = importer.job
    attempts = 0
    while True:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock])
                batch = importer.run(chunk)
                CrmImport.objects.filter(pk=job.pk).update(
                    done_rows=job.done_rows + len(chunk),
                    imported=job.imported + batch.imported,
                    skipped=job.skipped + batch.skipped,
                )
        except IntegrityError:
            attempts += 1
            if attempts == 3:
                raise
            continue
        job.done_rows += len(chunk)
        job.imported += batch.imported
        job.skipped += batch.skipped
        return batch


# --- error report --------------------------------------------------------------------------


def error_report(job: CrmImport) -> bytes:
    """The rows that failed, as CSV (UTF-8 with BOM, for Excel): row number, column, problem and
    the row as it was in the file. Every cell is defused against formulas."""
    header: list[str] = []
    originals: dict[int, list[str]] = {}
    wanted = {error["row"] for error in job.errors}
    if wanted:
        try:
            content = (import_dir() / job.stored_as).read_bytes()
            header, rows = read_numbered_table(
                content=content, filename=job.stored_as, max_bytes=MAX_BYTES, max_rows=MAX_ROWS
            )
            originals = {number: cells for number, cells in rows if number in wanted}
        except (OSError, ApplicationError):
            header = []  # the file is gone: the report still says which rows and why
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Problem"), *(safe_cell(cell) for cell in header)])
    for error in job.errors:
        cells = originals.get(error["row"], [])
        writer.writerow(
            [error["row"], safe_cell(error["column"]), safe_cell(error["message"]), *(safe_cell(c) for c in cells)]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
