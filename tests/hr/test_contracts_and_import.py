"""Labour contracts with reminders, and employee import as a job with a row-level error report."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from apps.accounts.models import User
from apps.hr.contracts import contract_add, contract_reminders_send, contracts_expiring
from apps.hr.imports import employee_import_request, employee_import_run, error_report
from apps.hr.models import Employee, EmployeeImport
from core.errors import Conflict, ValidationFailed
from tests.hr.conftest import IDS, hire

TODAY = date(2026, 11, 24)


def test_a_fixed_term_contract_ending_soon_is_reminded_once(owner: User) -> None:
    employee = hire(owner, "E001", salary="9000")
    contract_add(actor=owner, employee=employee, kind="fixed", start=date(2023, 12, 20), end=date(2026, 12, 19))
    other = hire(owner, "E002", salary="9000", id_index=1)
    contract_add(actor=owner, employee=other, kind="open", start=date(2020, 1, 1))

    assert [c.employee.number for c in contracts_expiring(actor=owner, today=TODAY)] == ["E001"]
    assert contract_reminders_send(today=TODAY) == 1
    assert "E001" in mail.outbox[0].body
    assert owner.email in mail.outbox[0].to
    assert contract_reminders_send(today=TODAY) == 0  # once


def test_a_renewed_contract_is_not_reminded_and_overlaps_are_refused(owner: User) -> None:
    employee = hire(owner, "E001", salary="9000")
    contract_add(actor=owner, employee=employee, kind="fixed", start=date(2023, 12, 20), end=date(2026, 12, 19))

    with pytest.raises(Conflict):
        contract_add(actor=owner, employee=employee, kind="fixed", start=date(2026, 6, 1), end=date(2029, 5, 31))
    with pytest.raises(ValidationFailed):
        contract_add(actor=owner, employee=employee, kind="fixed", start=date(2026, 12, 20))
    contract_add(actor=owner, employee=employee, kind="open", start=date(2026, 12, 20))
    assert not contracts_expiring(actor=owner, today=TODAY).exists()


CSV = f"""工号,姓名,性别,身份证号,入职日期,基本工资,部门,手机
E100,张三,男,{IDS[0]},2026-03-01,9000,研发部,13800001111
E101,李四,女,{IDS[1]},2026/04/15,12000.50,销售部,
E102,坏身份证,女,123456789012345678,2026-05-01,8000,研发部,
E103,坏日期,男,{IDS[2]},2026-13-01,8000,研发部,
E104,坏工资,男,{IDS[3]},2026-05-01,-5,研发部,
"""


def test_an_import_takes_the_good_rows_reports_the_bad_and_adds_nothing_the_second_time(owner: User) -> None:
    job = employee_import_request(actor=owner, name="员工.csv", content=CSV.encode("gb18030"))

    done = employee_import_run(import_id=job.pk)

    assert (done.status, done.rows, done.imported, done.skipped, done.progress) == ("done", 5, 2, 0, 100)
    assert [error["row"] for error in done.errors] == [4, 5, 6]
    assert "id_number" in done.errors[0]["message"]
    assert "E102" not in set(Employee.objects.values_list("number", flat=True))
    report = error_report(done).decode("utf-8-sig")
    assert report.splitlines()[1].startswith("4,")
    again = employee_import_run(
        import_id=employee_import_request(actor=owner, name="员工.csv", content=CSV.encode("utf-8")).pk
    )
    assert (again.imported, again.skipped) == (0, 2)
    assert Employee.objects.count() == 2


def test_a_file_without_the_needed_columns_is_refused_before_any_job(owner: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        employee_import_request(actor=owner, name="x.csv", content="名字,电话\n张三,1\n".encode())

    assert "file" in caught.value.fields
    assert not EmployeeImport.objects.exists()
