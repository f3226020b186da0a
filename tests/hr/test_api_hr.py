"""The HR API: employees, payroll runs end to end, self-service payslips, two-firm leaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.hr.models import Employee, PayrollRun, Payslip
from tenants.models import Firm
from tests.conftest import PASSWORD
from tests.hr.conftest import IDS

EMPLOYEE = {
    "number": "E100",
    "name": "李华",
    "gender": "f",
    "id_number": IDS[0],
    "hire_date": "2025-06-01",
    "base_salary": "12000.00",
    "housing_fund_rate": "0.08",
    "mobile": "138 0000 1234",
    "bank_name": "招商银行",
    "bank_account": "6225880212345678",
}


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def _approved_run(client: Client) -> dict[str, Any]:
    run = _post(client, "/api/v1/hr/payroll-runs/", {"year": 2026, "month": 1}).json()
    for action in ("compute", "review", "approve"):
        response = _post(client, f"/api/v1/hr/payroll-runs/{run['id']}/{action}/")
        assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.django_db
def test_payroll_from_employee_to_approved_run_through_the_api(owner_a_client: Client, firm_a: Firm) -> None:
    created = _post(owner_a_client, "/api/v1/hr/employees/", EMPLOYEE)
    assert created.status_code == 201, created.json()
    assert created.json()["mobile"] == "13800001234"
    deduction = _post(
        owner_a_client,
        f"/api/v1/hr/employees/{created.json()['id']}/special-deductions/",
        {"kind": "child_education", "start": "2026-01-01", "units": 2},
    )
    assert deduction.json()["monthly_amount"] == "4000.00"

    run = _approved_run(owner_a_client)

    assert run["status"] == "approved"
    assert run["voucher_number"] == "记-0001"
    again = _post(owner_a_client, f"/api/v1/hr/payroll-runs/{run['id']}/approve/")
    assert again.status_code == 409
    slips = owner_a_client.get(f"/api/v1/hr/payroll-runs/{run['id']}/payslips/").json()
    assert slips["count"] == 1
    bank = owner_a_client.get(f"/api/v1/hr/payroll-runs/{run['id']}/bank-file/")
    assert bank.content.startswith("\ufeff".encode())
    assert "6225880212345678" in bank.content.decode("utf-8-sig")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "11010519491231002Y"}, "id_number"),
        ({"id_number": "abc"}, "id_number"),
        ({"mobile": "12345"}, "mobile"),
        ({"housing_fund_rate": "0.20"}, "housing_fund_rate"),
        ({"base_salary": "-1"}, "base_salary"),
        ({"bank_account": "12ab"}, "bank_account"),
        ({"hire_date": "not a date"}, "hire_date"),
    ],
)
def test_bad_employee_input_gets_a_field_error_and_nothing_is_saved(
    owner_a_client: Client, firm_a: Firm, change: dict[str, str], field: str
) -> None:
    response = _post(owner_a_client, "/api/v1/hr/employees/", {**EMPLOYEE, **change})

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert not Employee.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_resident_id_is_refused(owner_a_client: Client, firm_a: Firm) -> None:
    _post(owner_a_client, "/api/v1/hr/employees/", EMPLOYEE)

    again = _post(owner_a_client, "/api/v1/hr/employees/", {**EMPLOYEE, "number": "E101"})

    assert again.status_code == 400
    assert "id_number" in again.json()["fields"]


@pytest.mark.django_db
def test_employees_see_their_own_payslip_and_nobody_elses(owner_a_client: Client, firm_a: Firm) -> None:
    mine = _post(owner_a_client, "/api/v1/hr/employees/", EMPLOYEE).json()
    other = _post(
        owner_a_client, "/api/v1/hr/employees/", {**EMPLOYEE, "number": "E200", "id_number": IDS[1], "name": "王强"}
    ).json()
    with schema_context(firm_a.schema_name):
        user = User.objects.create_user("li.hua@alpha.example", PASSWORD, full_name="李华")
        Employee.objects.filter(pk=mine["id"]).update(user=user)
    run = _approved_run(owner_a_client)
    with schema_context(firm_a.schema_name):
        own_slip = Payslip.objects.get(run_id=run["id"], employee_id=mine["id"]).pk
        other_slip = Payslip.objects.get(run_id=run["id"], employee_id=other["id"]).pk
    staff = Client(HTTP_HOST=firm_a.host)
    staff.post("/accounts/login/", {"username": "li.hua@alpha.example", "password": PASSWORD})

    listed = staff.get("/api/v1/hr/payslips/mine/").json()
    assert [slip["id"] for slip in listed["results"]] == [own_slip]
    detail = staff.get(f"/api/v1/hr/payslips/{own_slip}/").json()
    assert detail["explanation"]["tax"][0]["amount"] == "12000.00"
    pdf = staff.get(f"/api/v1/hr/payslips/{own_slip}/pdf/")
    assert pdf.content.startswith(b"%PDF")
    assert staff.get(f"/api/v1/hr/payslips/{other_slip}/").status_code == 404
    assert staff.get(f"/api/v1/hr/payslips/{other_slip}/pdf/").status_code == 404
    assert staff.get("/api/v1/hr/employees/").status_code == 403
    assert staff.get(f"/api/v1/hr/payroll-runs/{run['id']}/payslips/").status_code == 403


@pytest.mark.django_db
def test_no_hr_endpoint_shows_or_changes_another_firms_data(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    employee = _post(owner_a_client, "/api/v1/hr/employees/", EMPLOYEE).json()
    run = _approved_run(owner_a_client)
    with schema_context(firm_a.schema_name):
        slip = Payslip.objects.get().pk

    for url in (
        f"/api/v1/hr/employees/{employee['id']}/",
        f"/api/v1/hr/payroll-runs/{run['id']}/",
        f"/api/v1/hr/payroll-runs/{run['id']}/payslips/",
        f"/api/v1/hr/payroll-runs/{run['id']}/bank-file/",
        f"/api/v1/hr/payslips/{slip}/",
        f"/api/v1/hr/payslips/{slip}/pdf/",
    ):
        assert owner_b_client.get(url).status_code == 404, url
    for action in ("compute", "review", "reopen", "approve"):
        assert _post(owner_b_client, f"/api/v1/hr/payroll-runs/{run['id']}/{action}/").status_code == 404
    assert (
        _post(
            owner_b_client,
            f"/api/v1/hr/employees/{employee['id']}/special-deductions/",
            {"kind": "housing_rent", "start": "2026-01-01"},
        ).status_code
        == 404
    )
    assert owner_b_client.get("/api/v1/hr/employees/").json()["count"] == 0
    assert owner_b_client.get("/api/v1/hr/payroll-runs/").json()["count"] == 0
    assert owner_b_client.get("/api/v1/hr/payslips/mine/").json()["count"] == 0
    with schema_context(firm_a.schema_name):
        assert PayrollRun.objects.get().status == "approved"
        assert Employee.objects.count() == 1


@pytest.mark.django_db
def test_leave_through_the_api_requested_by_the_person_decided_by_the_manager(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    boss = _post(owner_a_client, "/api/v1/hr/employees/", {**EMPLOYEE, "number": "M1", "id_number": IDS[1]}).json()
    staff = _post(owner_a_client, "/api/v1/hr/employees/", EMPLOYEE).json()
    with schema_context(firm_a.schema_name):
        boss_user = User.objects.create_user("boss@alpha.example", PASSWORD, full_name="Boss")
        staff_user = User.objects.create_user("staff@alpha.example", PASSWORD, full_name="Staff")
        Employee.objects.filter(pk=boss["id"]).update(user=boss_user)
        Employee.objects.filter(pk=staff["id"]).update(user=staff_user, manager_id=boss["id"])
    clients = {}
    for email in ("boss@alpha.example", "staff@alpha.example"):
        clients[email] = Client(HTTP_HOST=firm_a.host)
        clients[email].post("/accounts/login/", {"username": email, "password": PASSWORD})
    staff_client, boss_client = clients["staff@alpha.example"], clients["boss@alpha.example"]

    asked = _post(
        staff_client,
        "/api/v1/hr/leave-requests/",
        {"leave_type": "annual", "start": "2026-02-09", "end": "2026-02-13", "reason": "探亲"},
    )
    assert asked.status_code == 201, asked.json()
    assert asked.json()["days"] == 5
    leave_id = asked.json()["id"]
    assert _post(staff_client, f"/api/v1/hr/leave-requests/{leave_id}/approve/").status_code == 404
    assert _post(owner_b_client, f"/api/v1/hr/leave-requests/{leave_id}/approve/").status_code == 404
    approved = _post(boss_client, f"/api/v1/hr/leave-requests/{leave_id}/approve/", {"note": "同意"})
    assert approved.json()["status"] == "approved"
    balance = staff_client.get("/api/v1/hr/leave-balance/?year=2026").json()
    assert balance["taken"] == 5
    bad = _post(
        staff_client, "/api/v1/hr/leave-requests/", {"leave_type": "annual", "start": "2026-03-10", "end": "2026-03-01"}
    )
    assert bad.status_code == 400
    assert "end" in bad.json()["fields"]
    assert owner_b_client.get("/api/v1/hr/leave-requests/").json()["count"] == 0


@pytest.mark.django_db
def test_check_in_and_out_and_the_month_summary_through_the_api(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    staff = _post(owner_a_client, "/api/v1/hr/employees/", EMPLOYEE).json()
    with schema_context(firm_a.schema_name):
        user = User.objects.create_user("clock@alpha.example", PASSWORD, full_name="Clock")
        Employee.objects.filter(pk=staff["id"]).update(user=user)
    person = Client(HTTP_HOST=firm_a.host)
    person.post("/accounts/login/", {"username": "clock@alpha.example", "password": PASSWORD})

    assert _post(person, "/api/v1/hr/attendance/check-out/").status_code == 409
    assert _post(person, "/api/v1/hr/attendance/check-in/").status_code == 200
    assert _post(person, "/api/v1/hr/attendance/check-in/").json()["code"] == "already_checked_in"
    assert _post(person, "/api/v1/hr/attendance/check-out/").status_code == 200
    assert person.get("/api/v1/hr/attendance/mine/").json()["count"] == 1
    assert person.get("/api/v1/hr/attendance/summary/?year=2026&month=3").status_code == 403
    summary = owner_a_client.get("/api/v1/hr/attendance/summary/?year=2026&month=3").json()
    assert summary[0]["working_days"] == 22
    assert owner_a_client.get("/api/v1/hr/attendance/summary/?year=2026&month=13").status_code == 400
    assert owner_b_client.get("/api/v1/hr/attendance/summary/?year=2026&month=3").json() == []


@pytest.mark.django_db
def test_employee_import_and_contracts_through_the_api(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.hr.imports import employee_import_run

    content = f"工号,姓名,性别,身份证号,入职日期,基本工资\nE1,张三,男,{IDS[0]},2026-01-05,9000\nE2,错,女,1,x,1\n"
    upload = SimpleUploadedFile("staff.csv", content.encode("gb18030"), content_type="text/csv")

    queued = owner_a_client.post("/api/v1/hr/employee-imports/", {"file": upload})

    assert queued.status_code == 202, queued.json()
    with schema_context(firm_a.schema_name):
        employee_import_run(import_id=queued.json()["id"])  # what the worker does
    status = owner_a_client.get(f"/api/v1/hr/employee-imports/{queued.json()['id']}/").json()
    assert (status["status"], status["imported"], status["progress"]) == ("done", 1, 100)
    errors = owner_a_client.get(f"/api/v1/hr/employee-imports/{queued.json()['id']}/errors/")
    assert errors.content.decode("utf-8-sig").splitlines()[1].startswith("3,")
    assert owner_b_client.get(f"/api/v1/hr/employee-imports/{queued.json()['id']}/").status_code == 404
    bad = owner_a_client.post("/api/v1/hr/employee-imports/", {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert bad.status_code == 400

    employee_id = owner_a_client.get("/api/v1/hr/employees/").json()["results"][0]["id"]
    contract = _post(
        owner_a_client,
        f"/api/v1/hr/employees/{employee_id}/contracts/",
        {"kind": "fixed", "start": "2026-01-05", "end": "2026-12-20"},
    )
    assert contract.status_code == 201
    assert (
        _post(
            owner_b_client, f"/api/v1/hr/employees/{employee_id}/contracts/", {"kind": "open", "start": "2026-01-05"}
        ).status_code
        == 404
    )
    assert isinstance(owner_a_client.get("/api/v1/hr/contracts/expiring/?days=366").json(), list)
    assert owner_b_client.get("/api/v1/hr/contracts/expiring/").json() == []


@pytest.mark.django_db
def test_payroll_keeps_each_citys_policy_by_effective_date(owner_a_client: Client, firm_a: Firm) -> None:
    policy = {
        "city": "chengdu",
        "effective_from": "2026-07-01",
        "source": "成都 2026 notice",
        "base_floor": "4300",
        "base_cap": "21500",
        "pension_employer": "0.16",
        "pension_employee": "0.08",
        "medical_employer": "0.075",
        "medical_employee": "0.02",
        "unemployment_employer": "0.006",
        "unemployment_employee": "0.004",
        "work_injury_employer": "0.002",
        "housing_fund_floor": "2100",
        "housing_fund_cap": "28000",
    }

    saved = _post(owner_a_client, "/api/v1/hr/social-insurance-policies/", policy)
    corrected = _post(owner_a_client, "/api/v1/hr/social-insurance-policies/", {**policy, "base_floor": "4350"})
    typo = _post(owner_a_client, "/api/v1/hr/social-insurance-policies/", {**policy, "pension_employee": "8"})
    upside_down = _post(owner_a_client, "/api/v1/hr/social-insurance-policies/", {**policy, "base_cap": "100"})

    assert saved.status_code == 200, saved.json()
    assert corrected.json().get("id") == saved.json()["id"], corrected.json()
    assert corrected.json()["base_floor"] == "4350.00"
    assert typo.status_code == 400
    assert upside_down.status_code == 400
    cities = owner_a_client.get("/api/v1/hr/social-insurance-policies/").json()
    assert [row["effective_from"] for row in cities] == ["2026-07-01", "2024-07-01"]


@pytest.mark.django_db
def test_departments_through_the_api_form_a_tree_and_stay_in_their_firm(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    _post(owner_a_client, "/api/v1/hr/departments/", {"name": "生产部"})
    tree = _post(owner_a_client, "/api/v1/hr/departments/", {"name": "一车间", "parent": "生产部"}).json()
    loop = _post(owner_a_client, "/api/v1/hr/departments/", {"name": "生产部", "parent": "一车间"})
    unknown = _post(owner_a_client, "/api/v1/hr/departments/", {"name": "二车间", "parent": "没有"})
    blank = _post(owner_a_client, "/api/v1/hr/departments/", {"name": ""})

    assert [(d["name"], d["parent"], d["depth"]) for d in tree] == [("生产部", None, 0), ("一车间", "生产部", 1)]
    assert loop.status_code == 400
    assert "parent" in loop.json()["fields"]
    assert unknown.status_code == 400
    assert "parent" in unknown.json()["fields"]
    assert blank.status_code == 400
    assert "name" in blank.json()["fields"]
    assert owner_b_client.get("/api/v1/hr/departments/").json() == []
    with schema_context(firm_a.schema_name):
        from apps.hr.models import Department

        assert sorted(Department.objects.values_list("name", flat=True)) == ["一车间", "生产部"]
