"""Employee import from CSV or XLSX, as a job: every good row is imported, every bad row is
reported by its number, and a row whose employee number or resident ID exists already is
skipped, so importing the same file again creates nothing."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import ApplicationError, NotFound, ValidationFailed
from core.tabular import read_table

from . import permissions
from .models import Employee, EmployeeImport
from .services import EmployeeInput, employee_create

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 50
# Headers people use, in Chinese or English, for each field.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("工号", "员工编号", "number", "employee number"),
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "id_number": ("身份证号", "身份证号码", "id number", "resident id"),
    "hire_date": ("入职日期", "hire date"),
    "base_salary": ("基本工资", "base salary", "salary"),
    "allowances": ("津贴", "津贴补贴", "allowances"),
    "department": ("部门", "department"),
    "position": ("职位", "岗位", "position"),
    "mobile": ("手机", "手机号", "手机号码", "mobile"),
    "social_insurance_base": ("社保基数", "社保缴费基数", "social insurance base"),
    "housing_fund_rate": ("公积金比例", "housing fund rate"),
    "bank_name": ("开户银行", "bank"),
    "bank_account": ("银行账号", "工资卡号", "bank account"),
}
REQUIRED = ("number", "name", "gender", "id_number", "hire_date", "base_salary")
GENDERS = {"男": "m", "女": "f", "m": "m", "f": "f", "male": "m", "female": "f"}


def import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / connection.schema_name / "hr" / "imports"  # type: ignore[attr-defined]


@transaction.atomic
def employee_import_request(*, actor: Any, name: str, content: bytes) -> EmployeeImport:
    """Check the file can be read and has the needed columns, keep it, and queue the import."""
    permissions.require(actor, permissions.PEOPLE)
    header, _rows = read_table(content=content, filename=name)
    _positions(header)  # refuses a file without the required columns now, not in the job
    suffix = Path(name).suffix.lower()
    stored_as = f"{uuid.uuid4().hex}{suffix}"
    directory = import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored_as).write_bytes(content)
    job = EmployeeImport.objects.create(file_name=Path(name).name[:200], stored_as=stored_as, requested_by=actor)
    schema = connection.schema_name  # type: ignore[attr-defined]

    def enqueue() -> None:
        from .jobs import import_employees

        import_employees.defer(schema_name=schema, import_id=job.pk)

    transaction.on_commit(enqueue)
    audit_record(action="hr.employee_import_requested", actor=actor, obj=job, file=job.file_name)
    return job


def _positions(header: list[str]) -> dict[str, int]:
    lowered = [cell.strip().lower() for cell in header]
    found: dict[str, int] = {}
    for field, names in COLUMNS.items():
        for name in names:
            if name.lower() in lowered:
                found[field] = lowered.index(name.lower())
                break
    missing = [COLUMNS[field][0] for field in REQUIRED if field not in found]
    if missing:
        raise ValidationFailed(
            _("The file lacks the columns %(columns)s.") % {"columns": "、".join(missing)},
            fields={"file": [_("Missing columns: %(columns)s.") % {"columns": "、".join(missing)}]},
        )
    return found


def _parse_day(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def employee_import_run(*, import_id: int) -> EmployeeImport:
    """The job's work: row by row, each in its own transaction, progress saved as it goes."""
    job = EmployeeImport.objects.get(pk=import_id)
    if job.status == EmployeeImport.Status.DONE:
        return job
    actor = job.requested_by
    try:
        content = (import_dir() / job.stored_as).read_bytes()
        header, rows = read_table(content=content, filename=job.stored_as)
        positions = _positions(header)
    except (OSError, ApplicationError) as exc:
        job.status, job.failure, job.finished_at = EmployeeImport.Status.FAILED, str(exc)[:500], timezone.now()
        job.save(update_fields=["status", "failure", "finished_at"])
        return job
    job.status, job.rows, job.done_rows, job.imported, job.skipped, job.errors = (
        EmployeeImport.Status.RUNNING,
        len(rows),
        0,
        0,
        0,
        [],
    )
    job.save(update_fields=["status", "rows", "done_rows", "imported", "skipped", "errors"])
    existing_numbers = set(Employee.objects.values_list("number", flat=True))
    existing_ids = set(Employee.objects.values_list("id_number", flat=True))
    for index, row in enumerate(rows, start=2):

        def cell(field: str, row: list[str] = row) -> str:
            position = positions.get(field)
            return row[position].strip() if position is not None and position < len(row) else ""

        if cell("number") in existing_numbers or cell("id_number").upper() in existing_ids:
            job.skipped += 1
        else:
            hired = _parse_day(cell("hire_date"))
            try:
                if hired is None:
                    raise ApplicationError(
                        _("The hire date “%(value)s” is not a date.") % {"value": cell("hire_date")[:20]}
                    )
                employee = employee_create(
                    actor=actor,
                    data=EmployeeInput(
                        number=cell("number"),
                        name=cell("name"),
                        gender=GENDERS.get(cell("gender").lower(), "?"),
                        id_number=cell("id_number"),
                        hire_date=hired,
                        base_salary=cell("base_salary") or "0",
                        allowances=cell("allowances") or "0",
                        social_insurance_base=cell("social_insurance_base"),
                        housing_fund_rate=cell("housing_fund_rate") or "0.05",
                        mobile=cell("mobile"),
                        department=cell("department"),
                        position=cell("position"),
                        bank_name=cell("bank_name"),
                        bank_account=cell("bank_account"),
                    ),
                )
            except ApplicationError as exc:
                problems = [f"{key}: {' '.join(values)}" for key, values in exc.fields.items()] or [exc.detail]
                job.errors.append({"row": index, "message": "; ".join(problems)[:500]})
            else:
                job.imported += 1
                existing_numbers.add(employee.number)
                existing_ids.add(employee.id_number)
        job.done_rows += 1
        if job.done_rows % PROGRESS_EVERY == 0:
            job.save(update_fields=["done_rows", "imported", "skipped", "errors"])
    job.status, job.finished_at = EmployeeImport.Status.DONE, timezone.now()
    job.save(update_fields=["status", "done_rows", "imported", "skipped", "errors", "finished_at"])
    logger.info(
        "employee import %s: %s imported, %s skipped, %s errors",
        job.pk,
        job.imported,
        job.skipped,
        len(job.errors),
        extra={"schema": connection.schema_name},  # type: ignore[attr-defined]
    )
    return job


def employee_import_get(*, actor: Any, import_id: Any) -> EmployeeImport:
    permissions.require(actor, permissions.PEOPLE)
    try:
        pk = int(import_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such import.")) from None
    job = EmployeeImport.objects.filter(pk=pk).first()
    if job is None:
        raise NotFound(_("No such import."))
    return job


def error_report(job: EmployeeImport) -> bytes:
    """The rows that failed, as CSV (UTF-8 with BOM): row number and what was wrong."""
    import csv
    import io

    from core.reports import safe_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Problem")])
    for error in job.errors:
        writer.writerow([error["row"], safe_cell(error["message"])])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def employee_import_list(*, actor: Any) -> QuerySet[EmployeeImport]:
    permissions.require(actor, permissions.PEOPLE)
    return EmployeeImport.objects.select_related("requested_by").order_by("-created_at")
