"""The HR pages: every page renders, roles are enforced, forms call the services, errors come
back next to the fields, people see only their own payslips, and nothing crosses firms."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.models import Voucher
from apps.hr.contracts import contract_add
from apps.hr.imports import employee_import_request, employee_import_run
from apps.hr.leave import leave_request_create, leave_request_decide
from apps.hr.models import (
    AttendanceRecord,
    Employee,
    EmployeeImport,
    EmploymentContract,
    HrRole,
    LeaveRequest,
    PayrollRun,
    Payslip,
    SpecialDeduction,
)
from apps.hr.payroll import payroll_run_approve, payroll_run_compute, payroll_run_create, payroll_run_review
from apps.hr.services import EmployeeInput, employee_create
from tenants.models import Firm
from tests.conftest import PASSWORD
from tests.hr.conftest import IDS

EMPLOYEE_FORM = {
    "number": "E100",
    "name": "李华",
    "gender": "f",
    "id_number": IDS[0],
    "mobile": "138 0000 1234",
    "email": "",
    "department": "财务部",
    "position": "会计",
    "hire_date": "2025-06-01",
    "base_salary": "12,000.00",
    "allowances": "800",
    "social_insurance_base": "",
    "housing_fund_rate": "0.08",
    "bank_name": "招商银行",
    "bank_account": "6225880212345678",
}


def _owner(firm: Firm) -> User:
    with schema_context(firm.schema_name):
        return User.objects.get(role=User.Role.OWNER)


def _hire(firm: Firm, number: str, *, id_number: str, user: User | None = None) -> Employee:
    with schema_context(firm.schema_name):
        employee = employee_create(
            actor=_owner(firm),
            data=EmployeeInput(
                number=number,
                name=f"员工{number}",
                gender="m",
                id_number=id_number,
                hire_date=date(2025, 3, 1),
                base_salary="10000",
                department="研发部",
                bank_account="6222020200112233",
            ),
        )
        if user is not None:
            employee.user = user
            employee.save(update_fields=["user"])
        return employee


def _run(firm: Firm, *, month: int = 1, approve: bool = False) -> PayrollRun:
    with schema_context(firm.schema_name):
        owner = _owner(firm)
        run = payroll_run_create(actor=owner, year=2026, month=month)
        run = payroll_run_compute(actor=owner, run=run)
        if approve:
            run = payroll_run_approve(actor=owner, run=payroll_run_review(actor=owner, run=run))
        return run


def _slip(firm: Firm, employee: Employee, run: PayrollRun) -> Payslip:
    with schema_context(firm.schema_name):
        return Payslip.objects.get(employee=employee, run=run)


def _member(firm: Firm, email: str = "member@alpha.example", role: str | None = None) -> tuple[User, Client]:
    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], language="en")
        if role:
            HrRole.objects.create(user=user, role=role)
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return user, client


def _state(firm: Firm) -> tuple[Any, ...]:
    with schema_context(firm.schema_name):
        return (
            list(Employee.objects.order_by("pk").values_list("pk", "number", "name")),
            list(SpecialDeduction.objects.values_list("pk", "kind")),
            list(PayrollRun.objects.order_by("pk").values_list("pk", "status", "computed_at", "voucher_number")),
            Payslip.objects.count(),
            Voucher.objects.count(),
        )


def _staff_pages(employee_id: int, run_id: int) -> list[str]:
    return [
        "/hr/employees/",
        "/hr/employees/?q=员工&status=active",
        "/hr/employees/new/",
        f"/hr/employees/{employee_id}/",
        "/hr/payroll/",
        f"/hr/payroll/{run_id}/",
        f"/hr/payroll/{run_id}/?q=E1",
        f"/hr/payroll/{run_id}/approve/",
    ]


@pytest.mark.django_db
def test_every_hr_page_renders_for_the_owner(owner_a_client: Client, firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    draft = _run(firm_a, month=2)
    slip = _slip(firm_a, employee, draft)

    for url in ["/hr/", *_staff_pages(employee.pk, draft.pk), f"/hr/payslips/{slip.pk}/", "/hr/my-payslips/"]:
        response = owner_a_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert b'style="' not in response.content, url  # the CSP forbids inline styles


@pytest.mark.django_db
def test_the_hr_pages_render_before_anything_is_recorded(owner_a_client: Client, firm_a: Firm) -> None:
    for url in ["/hr/", "/hr/employees/", "/hr/payroll/", "/hr/my-payslips/"]:
        assert owner_a_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_a_member_without_hr_role_gets_403_on_staff_pages_but_sees_their_payslips(firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    run = _run(firm_a)
    _user, client = _member(firm_a)
    before = _state(firm_a)

    for url in _staff_pages(employee.pk, run.pk):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"HR or payroll role" in response.content
    posts = {
        "/hr/employees/new/": {**EMPLOYEE_FORM, "number": "E9", "id_number": IDS[2]},
        f"/hr/employees/{employee.pk}/special-deductions/": {"kind": "housing_rent", "start": "2026-01", "units": 1},
        "/hr/payroll/": {"year": 2026, "month": 3},
        f"/hr/payroll/{run.pk}/items/": {"employee": employee.pk, "kind": "earning", "name": "加班", "amount": "1"},
        f"/hr/payroll/{run.pk}/compute/": {},
        f"/hr/payroll/{run.pk}/review/": {},
        f"/hr/payroll/{run.pk}/approve/": {},
    }
    for url, body in posts.items():
        assert client.post(url, body).status_code == 403, url
    assert _state(firm_a) == before

    home = client.get("/hr/")
    mine = client.get("/hr/my-payslips/")
    assert home.status_code == 200
    assert b"/hr/employees/" not in home.content
    assert mine.status_code == 200
    assert b"No payslip yet" in mine.content


@pytest.mark.django_db
def test_hr_staff_manage_people_but_not_pay(firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    run = _run(firm_a)
    _user, client = _member(firm_a, role=HrRole.Role.HR)

    detail = client.get(f"/hr/employees/{employee.pk}/")

    assert detail.status_code == 200
    assert IDS[1].encode() in detail.content  # HR staff see the resident ID in full
    assert b"employee-payslips" not in detail.content
    assert client.get("/hr/payroll/").status_code == 403
    assert client.get(f"/hr/payroll/{run.pk}/").status_code == 403


@pytest.mark.django_db
def test_an_employee_from_the_form_is_saved(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/hr/employees/new/", EMPLOYEE_FORM)

    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        employee = Employee.objects.get()
        assert (employee.number, employee.mobile, employee.department.name if employee.department else "") == (
            "E100",
            "13800001234",
            "财务部",
        )
        assert (str(employee.base_salary), str(employee.social_insurance_base), str(employee.housing_fund_rate)) == (
            "12000.00",
            "12800.00",
            "0.080",
        )
    assert response["Location"] == f"/hr/employees/{employee.pk}/"
    page = owner_a_client.get(response["Location"])
    assert "6225880212345678" in page.content.decode()


@pytest.mark.django_db
def test_a_bad_resident_id_comes_back_next_to_its_field_and_nothing_is_saved(
    owner_a_client: Client, firm_a: Firm
) -> None:
    response = owner_a_client.post("/hr/employees/new/", {**EMPLOYEE_FORM, "id_number": "11010519491231002Y"})

    assert response.status_code == 400
    field = response.content.decode().split('id="id_id_number"')[1].split("</div>")[0]
    assert "valid 18-character resident ID" in field
    assert 'value="12,000.00"' in response.content.decode()  # what was typed stays
    with schema_context(firm_a.schema_name):
        assert not Employee.objects.exists()


@pytest.mark.django_db
def test_a_deduction_is_declared_from_the_employee_page(owner_a_client: Client, firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])

    response = owner_a_client.post(
        f"/hr/employees/{employee.pk}/special-deductions/",
        {"kind": "child_education", "start": "2026-01", "units": "2", "share": "0.5"},
    )

    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        deduction = SpecialDeduction.objects.get()
        assert (str(deduction.monthly_amount), deduction.start) == ("2000.00", date(2026, 1, 1))


@pytest.mark.django_db
def test_a_run_is_computed_reviewed_and_approved_through_the_pages(owner_a_client: Client, firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])

    created = owner_a_client.post("/hr/payroll/", {"year": "2026", "month": "1", "bonus_separately": "on"})
    assert created.status_code == 302
    with schema_context(firm_a.schema_name):
        run = PayrollRun.objects.get()
    url = f"/hr/payroll/{run.pk}/"
    assert created["Location"] == url
    item = {"employee": employee.pk, "kind": "earning", "name": "加班费", "amount": "1,000.00"}
    assert owner_a_client.post(f"{url}items/", item).status_code == 302
    assert owner_a_client.post(f"{url}review/").status_code == 302  # not computed: a message, no change
    with schema_context(firm_a.schema_name):
        assert PayrollRun.objects.get().status == "draft"

    for action in ("compute", "review"):
        assert owner_a_client.post(f"{url}{action}/").status_code == 302
    confirm = owner_a_client.get(f"{url}approve/")
    assert b"posts a voucher to the ledger" in confirm.content
    assert owner_a_client.post(f"{url}approve/").status_code == 302

    detail = owner_a_client.get(url).content.decode()
    with schema_context(firm_a.schema_name):
        run = PayrollRun.objects.get()
        assert (run.status, run.employees, str(run.gross)) == ("approved", 1, "11000.00")
        assert list(Voucher.objects.values_list("source", "source_id")) == [("hr.payroll_run", str(run.pk))]
    assert run.voucher_number in detail
    assert f"/api/v1/hr/payroll-runs/{run.pk}/bank-file/" in detail
    assert "Back to draft" not in detail


@pytest.mark.django_db
def test_an_existing_month_is_refused_on_the_form(owner_a_client: Client, firm_a: Firm) -> None:
    _run(firm_a)

    response = owner_a_client.post("/hr/payroll/", {"year": "2026", "month": "1"})

    assert response.status_code == 400
    assert b"already a payroll run for 2026-01" in response.content
    with schema_context(firm_a.schema_name):
        assert PayrollRun.objects.count() == 1


@pytest.mark.django_db
def test_a_payroll_clerk_cannot_approve(firm_a: Firm) -> None:
    _hire(firm_a, "E1", id_number=IDS[1])
    run = _run(firm_a)
    _user, client = _member(firm_a, role=HrRole.Role.PAYROLL)
    assert client.post(f"/hr/payroll/{run.pk}/review/").status_code == 302
    before = _state(firm_a)

    assert b"/approve/" not in client.get(f"/hr/payroll/{run.pk}/").content
    assert client.post(f"/hr/payroll/{run.pk}/approve/").status_code == 403
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_a_linked_employee_sees_their_own_payslip_and_not_a_colleagues(firm_a: Firm) -> None:
    user, client = _member(firm_a, email="li.hua@alpha.example")
    mine = _hire(firm_a, "E1", id_number=IDS[1], user=user)
    colleague = _hire(firm_a, "E2", id_number=IDS[2])
    draft = _run(firm_a, month=1)
    draft_slip = _slip(firm_a, mine, draft)
    assert client.get(f"/hr/payslips/{draft_slip.pk}/").status_code == 404  # not approved yet
    with schema_context(firm_a.schema_name):
        owner = _owner(firm_a)
        payroll_run_approve(actor=owner, run=payroll_run_review(actor=owner, run=draft))
    own, other = _slip(firm_a, mine, draft), _slip(firm_a, colleague, draft)

    listing = client.get("/hr/my-payslips/").content.decode()
    page = client.get(f"/hr/payslips/{own.pk}/")

    assert f"/hr/payslips/{own.pk}/" in listing
    assert f"/hr/payslips/{other.pk}/" not in listing
    assert page.status_code == 200
    assert "How the income tax was worked out" in page.content.decode()
    assert f"/api/v1/hr/payslips/{own.pk}/pdf/" in page.content.decode()
    assert client.get(f"/hr/payslips/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_firm_a_ids_are_not_found_on_firm_b(owner_b_client: Client, firm_a: Firm, firm_b: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    run = _run(firm_a, approve=True)
    slip = _slip(firm_a, employee, run)
    _run(firm_b, month=5)  # firm B has a run of its own, under another id

    for url in [
        f"/hr/employees/{employee.pk}/",
        f"/hr/payroll/{run.pk}/",
        f"/hr/payroll/{run.pk}/approve/",
        f"/hr/payslips/{slip.pk}/",
    ]:
        assert owner_b_client.get(url).status_code == 404, url
    assert owner_b_client.post(f"/hr/payroll/{run.pk}/compute/").status_code == 404


@pytest.mark.django_db
def test_the_employee_and_payslip_lists_take_a_bounded_number_of_queries(
    owner_a_client: Client, firm_a: Firm, django_assert_max_num_queries: Any
) -> None:
    with schema_context(firm_a.schema_name):
        owner = _owner(firm_a)
        for index in range(30):
            # A valid resident ID: 17 digits and the GB 11643 check character.
            body = f"51010419900101{index:03d}"
            weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
            check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
            employee_create(
                actor=owner,
                data=EmployeeInput(
                    number=f"E{index:03d}",
                    name=f"员工{index}",
                    gender="f",
                    id_number=body + check,
                    hire_date=date(2025, 1, 1),
                    base_salary="9000",
                    department=f"部门{index % 4}",
                ),
            )
    run = _run(firm_a)

    with django_assert_max_num_queries(15):
        employees = owner_a_client.get("/hr/employees/")
    with django_assert_max_num_queries(18):
        slips = owner_a_client.get(f"/hr/payroll/{run.pk}/")

    assert employees.content.decode().count("/hr/employees/") >= 30
    assert slips.content.decode().count("/hr/payslips/") == 60  # number and name link to each


# --- leave, attendance, employee edit, contracts, import, org chart ------------------------


def _resident_id(index: int) -> str:
    """A valid resident ID: 17 digits and the GB 11643 check character."""
    body = f"51010419900101{index:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _linked(
    firm: Firm, number: str, *, id_number: str, manager: Employee | None = None
) -> tuple[Employee, User, Client]:
    """An employee with a user account of their own (no HR role), signed in."""
    user, client = _member(firm, email=f"{number.lower()}@alpha.example")
    employee = _hire(firm, number, id_number=id_number, user=user)
    if manager is not None:
        with schema_context(firm.schema_name):
            employee.manager = manager
            employee.save(update_fields=["manager"])
    return employee, user, client


def _import(firm: Firm, content: str = "") -> EmployeeImport:
    with schema_context(firm.schema_name):
        return employee_import_request(actor=_owner(firm), name="员工.csv", content=(content or IMPORT_CSV).encode())


def _later_state(firm: Firm) -> tuple[Any, ...]:
    with schema_context(firm.schema_name):
        return (
            list(Employee.objects.order_by("pk").values_list("pk", "manager_id", "position", "base_salary")),
            list(EmploymentContract.objects.values_list("pk", "end")),
            list(EmployeeImport.objects.values_list("pk", "status")),
            list(LeaveRequest.objects.values_list("pk", "status")),
            AttendanceRecord.objects.count(),
        )


IMPORT_CSV = f"""工号,姓名,性别,身份证号,入职日期,基本工资,部门
E200,张三,男,{IDS[3]},2026-03-01,9000,研发部
E201,坏身份证,女,123456789012345678,2026-05-01,8000,研发部
"""


@pytest.mark.django_db
def test_the_new_hr_pages_render_for_the_owner(owner_a_client: Client, firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    job = _import(firm_a)

    for url in [
        "/hr/",
        "/hr/leave/",
        "/hr/leave/approve/",
        "/hr/leave/calendar/",
        "/hr/leave/calendar/?month=2026-02",
        "/hr/leave/calendar/?month=2031-01",  # no holiday schedule yet: still a page
        "/hr/leave/calendar/?month=nonsense",
        "/hr/leave/days/?start=2026-02-09&end=2026-02-13",
        "/hr/attendance/",
        "/hr/attendance/summary/",
        "/hr/attendance/summary/?year=2026&month=2",
        "/hr/attendance/summary/?year=1999&month=2",
        f"/hr/employees/{employee.pk}/edit/",
        "/hr/employees/contracts/",
        "/hr/employees/contracts/?days=90",
        "/hr/employees/import/",
        f"/hr/employees/import/{job.pk}/",
        f"/hr/employees/import/{job.pk}/progress/",
        "/hr/employees/org-chart/",
    ]:
        response = owner_a_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert b'style="' not in response.content, url
        assert b"<script>" not in response.content, url  # the CSP forbids inline scripts
    overview = owner_a_client.get("/hr/").content.decode()
    assert 'id="expiring-count"' in overview
    assert "check-card" not in overview  # the owner is no employee: nothing to check in
    assert "not linked to an employee" in owner_a_client.get("/hr/leave/").content.decode()


@pytest.mark.django_db
def test_the_leave_and_attendance_pages_render_for_a_linked_employee(firm_a: Firm) -> None:
    _employee, _user, client = _linked(firm_a, "E1", id_number=IDS[1])

    for url in ["/hr/", "/hr/leave/", "/hr/leave/approve/", "/hr/leave/calendar/", "/hr/attendance/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'style="' not in response.content, url
    overview = client.get("/hr/").content.decode()
    leave = client.get("/hr/leave/").content.decode()
    assert 'id="check-in"' in overview
    assert 'id="annual-balance"' in leave
    assert 'id="ask-leave"' in leave
    assert "/hr/employees/" not in leave  # the sub-navigation hides what they cannot open


@pytest.mark.django_db
def test_a_member_without_hr_role_gets_403_on_the_hr_only_pages_and_nothing_changes(firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    job = _import(firm_a)
    _user, client = _member(firm_a)
    before = _later_state(firm_a)

    for url in [
        "/hr/attendance/summary/",
        f"/hr/employees/{employee.pk}/edit/",
        "/hr/employees/contracts/",
        "/hr/employees/import/",
        f"/hr/employees/import/{job.pk}/",
        f"/hr/employees/import/{job.pk}/progress/",
        f"/hr/employees/import/{job.pk}/errors/",
        "/hr/employees/org-chart/",
    ]:
        assert client.get(url).status_code == 403, url
    posts = {
        f"/hr/employees/{employee.pk}/edit/": {"position": "老板", "base_salary": "99999"},
        f"/hr/employees/{employee.pk}/contracts/": {"kind": "open", "start": "2026-01-01"},
        "/hr/employees/import/": {"file": SimpleUploadedFile("a.csv", IMPORT_CSV.encode())},
    }
    for url, body in posts.items():
        assert client.post(url, body).status_code == 403, url
    assert _later_state(firm_a) == before


@pytest.mark.django_db
def test_leave_is_asked_for_on_the_page_and_approved_by_the_manager_not_the_person(firm_a: Firm) -> None:
    boss, _boss_user, boss_client = _linked(firm_a, "M1", id_number=IDS[1])
    staff, _staff_user, staff_client = _linked(firm_a, "S1", id_number=IDS[2], manager=boss)

    preview = staff_client.get("/hr/leave/days/?start=2026-02-09&end=2026-02-13")
    asked = staff_client.post(
        "/hr/leave/",
        {"leave_type": "annual", "start": "2026-02-09", "end": "2026-02-13", "reason": "回家"},
        follow=True,
    )

    assert "5 working days" in preview.content.decode()
    assert "5 working days" in asked.content.decode()
    with schema_context(firm_a.schema_name):
        request = LeaveRequest.objects.get()
        assert (request.employee_id, request.days, request.status) == (staff.pk, 5, "pending")
    assert f"/hr/leave/{request.pk}/decide/" not in staff_client.get("/hr/leave/approve/").content.decode()
    assert staff_client.post(f"/hr/leave/{request.pk}/decide/", {"decision": "approve"}).status_code == 404
    with schema_context(firm_a.schema_name):
        assert LeaveRequest.objects.get().status == "pending"

    to_approve = boss_client.get("/hr/leave/approve/").content.decode()
    decided = boss_client.post(f"/hr/leave/{request.pk}/decide/", {"decision": "approve", "note": "好的"})
    calendar = boss_client.get("/hr/leave/calendar/?month=2026-02").content.decode()

    assert f"/hr/leave/{request.pk}/decide/" in to_approve
    assert decided.status_code == 302
    with schema_context(firm_a.schema_name):
        request.refresh_from_db()
        assert (request.status, request.decision_note) == ("approved", "好的")
    monday = calendar.split('data-day="2026-02-09"')[1].split("</td>")[0]
    spring_festival = calendar.split('data-day="2026-02-17"')[1].split("</td>")[0]
    assert staff.name in monday
    assert "day-holiday" in calendar.split('data-day="2026-02-17"')[0].rsplit("<td", 1)[1]
    assert staff.name not in spring_festival
    assert 'id="annual-remaining">0<' in staff_client.get("/hr/leave/").content.decode()


@pytest.mark.django_db
def test_a_leave_form_error_comes_back_next_to_its_field(firm_a: Firm) -> None:
    _staff, _user, client = _linked(firm_a, "S1", id_number=IDS[2])

    response = client.post("/hr/leave/", {"leave_type": "annual", "start": "2026-02-13", "end": "2026-02-09"})

    assert response.status_code == 400
    field = response.content.decode().split('id="id_end"')[1].split("</div>")[0]
    assert "cannot be before the first" in field
    with schema_context(firm_a.schema_name):
        assert not LeaveRequest.objects.exists()


@pytest.mark.django_db
def test_future_leave_is_cancelled_from_the_page(firm_a: Firm) -> None:
    _staff, _user, client = _linked(firm_a, "S1", id_number=IDS[2])
    start = timezone.localdate() + timedelta(days=7)
    with schema_context(firm_a.schema_name):
        owner = _owner(firm_a)
        request = leave_request_create(
            actor=owner, employee=_staff, leave_type_code="sick", start=start, end=start + timedelta(days=2)
        )

    page = client.get("/hr/leave/").content.decode()
    response = client.post(f"/hr/leave/{request.pk}/cancel/")

    assert f"/hr/leave/{request.pk}/cancel/" in page
    assert "data-confirm=" in page
    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        assert LeaveRequest.objects.get().status == "cancelled"


@pytest.mark.django_db
def test_check_in_and_out_through_the_pages(firm_a: Firm) -> None:
    staff, _user, client = _linked(firm_a, "S1", id_number=IDS[2])

    checked_in = client.post("/hr/attendance/check-in/", {"next": "/hr/"})
    again = client.post("/hr/attendance/check-in/", follow=True)
    checked_out = client.post("/hr/attendance/check-out/")

    assert (checked_in.status_code, checked_in["Location"]) == (302, "/hr/")
    assert "checked in today already" in again.content.decode()
    assert checked_out.status_code == 302
    with schema_context(firm_a.schema_name):
        record = AttendanceRecord.objects.get()
        assert (record.employee_id, record.day) == (staff.pk, timezone.localdate())
        assert record.check_in is not None
        assert record.check_out is not None
    overview = client.get("/hr/").content.decode()
    assert "checked out at" in overview
    assert timezone.localdate().strftime("%Y-%m-%d") in client.get("/hr/attendance/").content.decode()
    assert client.post("/hr/attendance/check-in/", {"next": "https://evil.example/"})["Location"] == "/hr/attendance/"


@pytest.mark.django_db
def test_the_employee_edit_page_sets_a_manager_and_refuses_a_loop(owner_a_client: Client, firm_a: Firm) -> None:
    first = _hire(firm_a, "E1", id_number=IDS[1])
    second = _hire(firm_a, "E2", id_number=IDS[2])
    form = {"department": "研发部", "position": "工程师", "base_salary": "10,000.00", "allowances": "0"}

    saved = owner_a_client.post(f"/hr/employees/{first.pk}/edit/", {**form, "manager": second.pk})
    loop = owner_a_client.post(f"/hr/employees/{second.pk}/edit/", {**form, "manager": first.pk})

    assert saved.status_code == 302
    assert loop.status_code == 400
    field = loop.content.decode().split('id="id_manager"')[1].split("</div>")[0]
    assert "cannot report to themselves" in field
    with schema_context(firm_a.schema_name):
        assert Employee.objects.get(pk=first.pk).manager_id == second.pk
        assert Employee.objects.get(pk=second.pk).manager_id is None
    detail = owner_a_client.get(f"/hr/employees/{first.pk}/").content.decode()
    assert f"/hr/employees/{first.pk}/edit/" in detail
    assert second.name in detail.split('id="employee-manager"')[1].split("</dd>")[0]
    org = owner_a_client.get("/hr/employees/org-chart/").content.decode()
    assert org.index(second.name) < org.index(first.name)  # the manager above the report


@pytest.mark.django_db
def test_a_contract_added_on_the_page_ending_soon_is_listed(owner_a_client: Client, firm_a: Firm) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    today = timezone.localdate()
    body = {
        "kind": "fixed",
        "start": (today - timedelta(days=700)).isoformat(),
        "end": (today + timedelta(days=20)).isoformat(),
        "signed_on": "",
        "note": "第一份",
    }

    added = owner_a_client.post(f"/hr/employees/{employee.pk}/contracts/", body)
    refused = owner_a_client.post(f"/hr/employees/{employee.pk}/contracts/", {**body, "end": ""})

    assert added.status_code == 302
    assert refused.status_code == 400
    assert "fixed-term contract has an end date" in refused.content.decode()
    with schema_context(firm_a.schema_name):
        assert EmploymentContract.objects.count() == 1
    assert "第一份" in owner_a_client.get(f"/hr/employees/{employee.pk}/").content.decode()
    listed = owner_a_client.get("/hr/employees/contracts/").content.decode()
    not_yet = owner_a_client.get("/hr/employees/contracts/?days=10").content.decode()
    link = f"/hr/employees/{employee.pk}/"
    assert link in listed.split('id="expiring-table"')[1].split("</table>")[0]
    assert link not in not_yet.split('id="expiring-table"')[1].split("</table>")[0]
    overview = owner_a_client.get("/hr/").content.decode()
    assert '<span class="tile-number">1</span>' in overview.split('id="expiring-count"')[1][:200]


@pytest.mark.django_db
def test_an_import_is_uploaded_then_shows_progress_results_and_errors(owner_a_client: Client, firm_a: Firm) -> None:
    upload = SimpleUploadedFile("员工.csv", IMPORT_CSV.encode("gb18030"), content_type="text/csv")

    response = owner_a_client.post("/hr/employees/import/", {"file": upload})

    with schema_context(firm_a.schema_name):
        job = EmployeeImport.objects.get()
        EmployeeImport.objects.filter(pk=job.pk).update(status=EmployeeImport.Status.RUNNING, rows=2, done_rows=1)
    assert response["Location"] == f"/hr/employees/import/{job.pk}/"
    running = owner_a_client.get(f"/hr/employees/import/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in running
    assert 'value="50"' in running

    with schema_context(firm_a.schema_name):
        employee_import_run(import_id=job.pk)  # as the worker would
    page = owner_a_client.get(f"/hr/employees/import/{job.pk}/").content.decode()
    done = owner_a_client.get(f"/hr/employees/import/{job.pk}/progress/").content.decode()
    report = owner_a_client.get(f"/hr/employees/import/{job.pk}/errors/")

    assert "hx-trigger" not in done
    assert 'id="import-imported">1<' in page
    assert 'id="import-error-count">1<' in page
    assert '<td class="num">3</td>' in page.split('id="import-errors"')[1]
    assert f"/hr/employees/import/{job.pk}/errors/" in page
    assert report["Content-Type"].startswith("text/csv")
    assert "attachment" in report["Content-Disposition"]
    assert "3," in report.content.decode("utf-8-sig")
    assert f"/hr/employees/import/{job.pk}/" in owner_a_client.get("/hr/employees/import/").content.decode()


@pytest.mark.django_db
def test_a_file_without_the_required_columns_is_refused_on_the_form(owner_a_client: Client, firm_a: Firm) -> None:
    upload = SimpleUploadedFile("员工.csv", "工号,姓名\nE1,张三\n".encode(), content_type="text/csv")

    response = owner_a_client.post("/hr/employees/import/", {"file": upload})

    assert response.status_code == 400
    assert "Missing columns" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert not EmployeeImport.objects.exists()


@pytest.mark.django_db
def test_firm_a_leave_import_and_employee_ids_are_not_found_on_firm_b(
    owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    employee = _hire(firm_a, "E1", id_number=IDS[1])
    job = _import(firm_a)
    with schema_context(firm_a.schema_name):
        request = leave_request_create(
            actor=_owner(firm_a),
            employee=employee,
            leave_type_code="sick",
            start=date(2026, 3, 2),
            end=date(2026, 3, 3),
        )
    before = _later_state(firm_a)

    for url in [
        f"/hr/employees/{employee.pk}/edit/",
        f"/hr/employees/import/{job.pk}/",
        f"/hr/employees/import/{job.pk}/progress/",
        f"/hr/employees/import/{job.pk}/errors/",
    ]:
        assert owner_b_client.get(url).status_code == 404, url
    for url, body in {
        f"/hr/leave/{request.pk}/decide/": {"decision": "approve"},
        f"/hr/leave/{request.pk}/cancel/": {},
        f"/hr/employees/{employee.pk}/edit/": {"base_salary": "1"},
        f"/hr/employees/{employee.pk}/contracts/": {"kind": "open", "start": "2026-01-01"},
    }.items():
        assert owner_b_client.post(url, body).status_code == 404, url
    assert _later_state(firm_a) == before
    assert employee.name not in owner_b_client.get("/hr/leave/calendar/?month=2026-03").content.decode()


@pytest.mark.django_db
def test_the_calendar_summary_and_org_chart_take_a_bounded_number_of_queries(
    owner_a_client: Client, firm_a: Firm, django_assert_max_num_queries: Any
) -> None:
    with schema_context(firm_a.schema_name):
        owner = _owner(firm_a)
        boss = None
        for index in range(30):
            employee = employee_create(
                actor=owner,
                data=EmployeeInput(
                    number=f"E{index:03d}",
                    name=f"员工{index}",
                    gender="f",
                    id_number=_resident_id(index),
                    hire_date=date(2025, 1, 1),
                    base_salary="9000",
                    department=f"部门{index % 4}",
                ),
            )
            if boss is None:
                boss = employee
            else:
                employee.manager = boss
                employee.save(update_fields=["manager"])
            request = leave_request_create(
                actor=owner, employee=employee, leave_type_code="sick", start=date(2026, 2, 9), end=date(2026, 2, 10)
            )
            leave_request_decide(actor=owner, request=request, approve=True)
            AttendanceRecord.objects.create(
                employee=employee, day=date(2026, 2, 11), check_in=timezone.now(), check_out=timezone.now()
            )
        contract_add(actor=owner, employee=employee, kind="open", start=date(2025, 1, 1))

    # Each query counts twice: django-tenants sets the search path before it.
    with django_assert_max_num_queries(8):
        calendar = owner_a_client.get("/hr/leave/calendar/?month=2026-02")
    with django_assert_max_num_queries(20):  # the first look creates the default work schedule
        summary = owner_a_client.get("/hr/attendance/summary/?year=2026&month=2")
    with django_assert_max_num_queries(10):
        org = owner_a_client.get("/hr/employees/org-chart/")

    assert calendar.content.decode().count("员工") >= 60  # 30 people on two days
    assert summary.content.decode().count("/hr/employees/") >= 30
    assert org.content.decode().count("/hr/employees/") >= 30


@pytest.mark.django_db
def test_hr_changes_the_work_schedule_and_a_bad_one_is_refused(owner_a_client: Client, firm_a: Firm) -> None:
    from apps.hr.models import WorkSchedule

    saved = owner_a_client.post(
        "/hr/attendance/schedule/", {"start": "08:30", "end": "17:30", "grace_minutes": "10", "feeds_payroll": "on"}
    )
    refused = owner_a_client.post(
        "/hr/attendance/schedule/", {"start": "18:00", "end": "09:00", "grace_minutes": "10"}, follow=True
    )

    assert saved.status_code == 302
    assert "Work ends after it starts." in refused.content.decode()
    with schema_context(firm_a.schema_name):
        plan = WorkSchedule.objects.get()
        assert (plan.start.hour, plan.end.hour, plan.grace_minutes, plan.feeds_payroll) == (8, 17, 10, True)


@pytest.mark.django_db
def test_departments_form_a_tree_on_the_org_chart_and_loops_are_refused(owner_a_client: Client, firm_a: Firm) -> None:
    from apps.hr.models import Department

    owner_a_client.post("/hr/departments/", {"name": "研发中心", "parent": ""})
    owner_a_client.post("/hr/departments/", {"name": "后端组", "parent": "研发中心"})
    loop = owner_a_client.post("/hr/departments/", {"name": "研发中心", "parent": "后端组"}, follow=True)

    assert "A department cannot sit under itself" in loop.content.decode()
    page = owner_a_client.get("/hr/employees/org-chart/").content.decode()
    assert page.index("研发中心") < page.index("后端组")
    assert 'class="indent-1"' in page
    with schema_context(firm_a.schema_name):
        assert Department.objects.get(name="后端组").parent.name == "研发中心"  # type: ignore[union-attr]
        assert Department.objects.get(name="研发中心").parent is None
