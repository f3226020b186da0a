"""The HR pages: every page renders, roles are enforced, forms call the services, errors come
back next to the fields, people see only their own payslips, and nothing crosses firms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.models import Voucher
from apps.hr.models import Employee, HrRole, PayrollRun, Payslip, SpecialDeduction
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
