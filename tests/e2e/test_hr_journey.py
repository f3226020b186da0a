"""HR (the owner) hires an employee, runs the month's payroll through compute, review and
approval; then the employee, given a user account, signs in, opens their payslip and downloads
it as a PDF — in Chromium, with a screenshot of every step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.models import Voucher
from apps.hr.models import Employee, PayrollRun
from tenants.models import Firm
from tenants.services import SignupInput, firm_provision, signup_create

from .conftest import SCREENSHOTS

OWNER_EMAIL = "he.min@people.example"
OWNER_PASSWORD = "People-Owner-2026"
EMPLOYEE_EMAIL = "li.hua@people.example"
EMPLOYEE_PASSWORD = "Li-Hua-Payslip-2026"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"hr_{name}.png"), full_page=True)


@pytest.mark.e2e
def test_hr_runs_payroll_and_the_employee_downloads_the_payslip(live_server: Any, browser: Any) -> None:
    signup = signup_create(
        SignupInput(
            firm_name="成都人力示范有限公司",
            slug="people-journey",
            owner_name="何敏",
            email=OWNER_EMAIL,
            password=OWNER_PASSWORD,
            language="en",
        )
    )
    firm = firm_provision(firm_id=signup.firm.pk)
    try:
        _journey(live_server.url.rsplit(":", 1)[1], browser, firm)
    finally:
        # Playwright runs this test in a greenlet whose context got its own database
        # connection: close it, or the test database cannot be dropped at the end.
        connections.close_all()


def _context(browser: Any, violations: list[str]) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    # The pages must satisfy their own Content-Security-Policy: any violation is a failure.
    context.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return context


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _journey(port: str, browser: Any, firm: Firm) -> None:
    base = f"http://{firm.host}:{port}"
    violations: list[str] = []
    context = _context(browser, violations)
    page = context.new_page()
    page.set_default_timeout(20_000)

    # 1. The owner signs in and opens HR.
    _sign_in(page, base, OWNER_EMAIL, OWNER_PASSWORD)
    page.click("nav.sidenav >> text=HR and payroll")
    page.wait_for_url(f"{base}/hr/")
    assert page.locator("#employee-count .tile-number").inner_text() == "0"
    shot(page, "01_overview")

    # 2. A new employee; a mistyped resident ID comes back next to its field, the rest stays.
    page.click("nav.hr-tabs >> text=Employees")
    page.wait_for_url(f"{base}/hr/employees/")
    page.click("text=New employee")
    page.wait_for_url(f"{base}/hr/employees/new/")
    page.fill("#id_number", "E001")
    page.fill("#id_name", "李华")
    page.select_option("#id_gender", "f")
    page.fill("#id_id_number", "51010419900307001X")
    page.fill("#id_mobile", "138 0000 1234")
    page.fill("#id_department", "研发部")
    page.fill("#id_position", "工程师")
    # Hired this month: the run below is this month's, the first of the person's tax year with the firm.
    page.fill("#id_hire_date", timezone.localdate().replace(day=1).isoformat())
    page.fill("#id_base_salary", "15,000.00")
    page.fill("#id_allowances", "1000")
    page.select_option("#id_housing_fund_rate", "0.08")
    page.fill("#id_bank_name", "招商银行")
    page.fill("#id_bank_account", "6225880212345678")
    page.click("#employee-form button[type=submit]")
    page.wait_for_selector(".field-invalid #id_id_number")
    assert "resident ID" in page.locator(".field-invalid").inner_text()
    assert page.input_value("#id_base_salary") == "15,000.00"
    shot(page, "02a_employee_id_error")
    page.fill("#id_id_number", "510104199003070015")
    shot(page, "02b_employee_form")
    page.click("#employee-form button[type=submit]")
    page.wait_for_url(re.compile(r"/hr/employees/\d+/$"))
    assert page.locator("#employee-id-number").inner_text() == "510104199003070015"
    shot(page, "03_employee_detail")

    # 3. The month's payroll: create, compute, review, approve (which posts a voucher).
    page.click("nav.hr-tabs >> text=Payroll")
    page.wait_for_url(f"{base}/hr/payroll/")
    shot(page, "04_runs")
    page.click("#new-run button[type=submit]")
    page.wait_for_url(re.compile(r"/hr/payroll/\d+/$"))
    assert page.locator("#run-status").inner_text() == "Draft"
    page.click("#run-actions >> text=Compute")
    page.wait_for_selector("#payslip-table a")
    assert page.locator("#run-employees").inner_text() == "1"
    assert page.locator("#run-gross").inner_text() == "16,000.00"
    shot(page, "05_run_computed")
    page.click("#run-actions >> text=Mark as reviewed")
    page.wait_for_selector("#run-status >> text=Reviewed")
    shot(page, "06_run_reviewed")
    page.click("#run-actions >> text=Approve")
    page.wait_for_url(re.compile(r"/hr/payroll/\d+/approve/$"))
    assert "posts a voucher to the ledger" in page.locator("main").inner_text()
    shot(page, "07_approve_confirm")
    page.click("#confirm-approve")
    page.wait_for_url(re.compile(r"/hr/payroll/\d+/$"))
    assert page.locator("#run-status").inner_text() == "Approved and locked"
    assert page.locator("#run-voucher").inner_text() == "记-0001"
    assert page.locator("#bank-file").count() == 1
    assert page.locator("#run-tax").inner_text() != "0.00"
    net = page.locator("#run-net").inner_text()
    shot(page, "08_run_approved")
    page.click("#payslip-table a >> nth=0")
    page.wait_for_url(re.compile(r"/hr/payslips/\d+/$"))
    shot(page, "09_payslip_as_payroll")
    context.close()

    # 4. The employee gets a user account linked to their record (as HR does after inviting them).
    with schema_context(firm.schema_name):
        user = User.objects.create_user(EMPLOYEE_EMAIL, EMPLOYEE_PASSWORD, full_name="李华", language="en")
        Employee.objects.filter(number="E001").update(user=user)

    # 5. The employee signs in, opens My payslips and the month's payslip, and downloads the PDF.
    context = _context(browser, violations)
    page = context.new_page()
    page.set_default_timeout(20_000)
    _sign_in(page, base, EMPLOYEE_EMAIL, EMPLOYEE_PASSWORD)
    page.click("nav.sidenav >> text=HR and payroll")
    page.wait_for_url(f"{base}/hr/")
    assert page.locator("nav.hr-tabs a").all_inner_texts() == ["Overview", "Leave", "Attendance", "My payslips"]
    page.click("#check-in")
    page.wait_for_url(f"{base}/hr/")
    assert "Checked in at" in page.locator("#check-state").inner_text()
    shot(page, "10_employee_overview")

    # 5a. The employee asks for sick leave; the working days show as the dates are picked (htmx).
    page.click("nav.hr-tabs >> text=Leave")
    page.wait_for_url(f"{base}/hr/leave/")
    first = timezone.localdate().replace(day=1)
    page.select_option("#id_leave_type", "sick")
    page.fill("#id_start", first.isoformat())
    page.fill("#id_end", first.replace(day=10).isoformat())
    page.locator("#id_end").dispatch_event("change")
    page.wait_for_selector("#leave-days strong")
    assert "working day" in page.locator("#leave-days").inner_text()
    shot(page, "10a_ask_for_leave")
    page.click("#ask-leave button[type=submit]")
    page.wait_for_url(f"{base}/hr/leave/")
    assert page.locator("#my-leave tbody tr").count() == 1
    assert "working day" in page.locator(".messages").inner_text()
    shot(page, "10b_my_leave")
    page.click("nav.hr-tabs >> text=My payslips")
    page.wait_for_url(f"{base}/hr/my-payslips/")
    assert page.locator("#my-payslips tbody tr").count() == 1
    shot(page, "11_my_payslips")
    page.click("#my-payslips tbody a >> nth=0")
    page.wait_for_url(re.compile(r"/hr/payslips/\d+/$"))
    assert net in page.locator("#pay-lines").inner_text()
    assert "Tax withheld this month" in page.locator("#tax-lines").inner_text()
    shot(page, "12_payslip")
    with page.expect_download() as download_info:
        page.click("#payslip-pdf")
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    context.close()

    assert violations == []
    with schema_context(firm.schema_name):
        run = PayrollRun.objects.get()
        assert (run.status, run.voucher_number) == ("approved", "记-0001")
        assert list(Voucher.objects.values_list("source", "source_id")) == [("hr.payroll_run", str(run.pk))]
