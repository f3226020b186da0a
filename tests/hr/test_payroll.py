"""Payroll runs: figures, year-to-date carry-over, joiners, bonuses, locking and posting once."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from apps.accounts.models import User
from apps.finance.models import Voucher
from apps.hr import payroll
from apps.hr.models import PayrollRun, Payslip
from apps.hr.services import special_deduction_add
from core.errors import Conflict, NotAllowed
from tests.hr.conftest import D, hire


def _approved(owner: User, year: int, month: int) -> PayrollRun:
    run = payroll.payroll_run_create(actor=owner, year=year, month=month)
    payroll.payroll_run_compute(actor=owner, run=run)
    payroll.payroll_run_review(actor=owner, run=run)
    return payroll.payroll_run_approve(actor=owner, run=run)


def test_a_monthly_payslip_computes_contributions_tax_and_net(owner: User) -> None:
    employee = hire(owner, "E001", salary="10000")
    special_deduction_add(actor=owner, employee=employee, kind="housing_rent", start=date(2026, 1, 1))
    run = payroll.payroll_run_create(actor=owner, year=2026, month=1)

    payroll.payroll_run_compute(actor=owner, run=run)

    slip = Payslip.objects.get(run=run, employee=employee)
    # Employee: pension 8% 800, medical 2% 200, unemployment 0.4% 40, housing fund 5% 500 = 1,540.
    assert slip.employee_contributions == D("1540.00")
    # 10,000 - 5,000 - 1,540 - 1,500 = 1,960 at 3% = 58.80.
    assert (slip.ytd_taxable, slip.income_tax) == (D("1960.00"), D("58.80"))
    assert slip.net == D("8401.20")
    # Employer: pension 16% 1,600, medical 7.5% 750, unemployment 0.6% 60, injury 0.2% 20; fund 500.
    assert (slip.employer_social, slip.employer_housing_fund) == (D("2430.00"), D("500.00"))


def test_the_next_month_carries_the_year_to_date_forward(owner: User) -> None:
    employee = hire(owner, "E001", salary="10000")
    special_deduction_add(actor=owner, employee=employee, kind="housing_rent", start=date(2026, 1, 1))
    _approved(owner, 2026, 1)
    february = payroll.payroll_run_create(actor=owner, year=2026, month=2)

    payroll.payroll_run_compute(actor=owner, run=february)

    slip = Payslip.objects.get(run=february)
    assert (slip.ytd_income, slip.ytd_months, slip.ytd_special, slip.ytd_additional) == (
        D("20000.00"),
        2,
        D("3080.00"),
        D("3000.00"),
    )
    assert (slip.ytd_tax, slip.withheld_before, slip.income_tax) == (D("117.60"), D("58.80"), D("58.80"))


def test_a_mid_year_joiner_counts_the_basic_deduction_from_the_month_they_joined(owner: User) -> None:
    hire(owner, "E002", salary="8000", hired=date(2026, 7, 15), id_index=1, fund_rate="0.05")
    run = payroll.payroll_run_create(actor=owner, year=2026, month=7)

    payroll.payroll_run_compute(actor=owner, run=run)

    slip = Payslip.objects.get(run=run)
    assert slip.ytd_months == 1
    assert slip.ytd_basic_deduction == D("5000")


def test_people_who_left_before_the_month_are_not_paid(owner: User) -> None:
    leaver = hire(owner, "E003", salary="9000", id_index=2)
    leaver.leave_date = date(2026, 2, 10)
    leaver.save()
    hire(owner, "E004", salary="9000", id_index=3)
    run = payroll.payroll_run_create(actor=owner, year=2026, month=3)

    payroll.payroll_run_compute(actor=owner, run=run)

    assert list(run.payslips.values_list("employee__number", flat=True)) == ["E004"]


def test_a_year_end_bonus_is_taxed_separately(owner: User) -> None:
    employee = hire(owner, "E005", salary="10000", id_index=4)
    separate = payroll.payroll_run_create(actor=owner, year=2026, month=12, bonus_separately=True)
    payroll.payroll_item_add(actor=owner, run=separate, employee=employee, kind="bonus", name="年终奖", amount="36000")

    payroll.payroll_run_compute(actor=owner, run=separate)

    slip = Payslip.objects.get(run=separate)
    assert (slip.bonus, slip.bonus_tax) == (D("36000.00"), D("1080.00"))
    assert slip.net == D("10000") + D("36000") - slip.employee_contributions - slip.income_tax - D("1080")


def test_approval_posts_one_balanced_journal_entry_and_locks_the_run(owner: User) -> None:
    hire(owner, "E001", salary="10000")
    hire(owner, "E006", salary="25000", id_index=5, fund_rate="0.12")

    run = _approved(owner, 2026, 1)

    assert run.voucher_id is not None
    voucher = Voucher.objects.get(pk=run.voucher_id)
    lines = {code: (dr, cr) for code, dr, cr in voucher.lines.values_list("account__code", "debit", "credit")}
    assert lines["5602"][0] == run.gross + run.employer_contributions
    assert lines["221101"][1] == run.net
    assert lines["222104"][1] == run.income_tax
    assert lines["221102"][1] + lines["221103"][1] == run.employee_contributions + run.employer_contributions
    assert voucher.source == "hr.payroll_run"

    with pytest.raises(Conflict):
        payroll.payroll_run_approve(actor=owner, run=run)
    with pytest.raises(Conflict):
        payroll.payroll_run_compute(actor=owner, run=run)
    assert Voucher.objects.filter(source="hr.payroll_run").count() == 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE hr_payslip SET net = net + 1 WHERE run_id = %s", [run.pk])


def test_corrections_go_into_the_next_run_not_an_approved_one(owner: User) -> None:
    hire(owner, "E001", salary="10000")
    _approved(owner, 2026, 2)

    with pytest.raises(Conflict):
        payroll.payroll_run_create(actor=owner, year=2026, month=1)


def test_only_owners_and_admins_approve(owner: User) -> None:
    from apps.hr.models import HrRole

    clerk = User.objects.create_user("payroll@alpha.example", "Payroll-Pass-2026", full_name="Clerk")
    HrRole.objects.create(user=clerk, role="payroll")
    hire(owner, "E001", salary="10000")
    run = payroll.payroll_run_create(actor=clerk, year=2026, month=1)
    payroll.payroll_run_compute(actor=clerk, run=run)
    payroll.payroll_run_review(actor=clerk, run=run)

    with pytest.raises(NotAllowed):
        payroll.payroll_run_approve(actor=clerk, run=run)
    run.refresh_from_db()
    assert run.status == PayrollRun.Status.REVIEWED


def test_a_later_month_waits_until_the_earlier_ones_are_approved(owner: User) -> None:
    hire(owner, "E001", salary="10000")
    january = payroll.payroll_run_create(actor=owner, year=2026, month=1)
    february = payroll.payroll_run_create(actor=owner, year=2026, month=2)

    with pytest.raises(Conflict) as caught:
        payroll.payroll_run_compute(actor=owner, run=february)

    assert caught.value.code == "earlier_run_open"
    payroll.payroll_run_compute(actor=owner, run=january)
    payroll.payroll_run_review(actor=owner, run=january)
    payroll.payroll_run_approve(actor=owner, run=january)
    payroll.payroll_run_compute(actor=owner, run=february)
    assert Payslip.objects.get(run=february).ytd_months == 2


def test_managers_cannot_form_a_loop_and_a_leave_date_marks_the_person_as_left(owner: User) -> None:
    from apps.hr.models import Employee
    from apps.hr.services import employee_update
    from core.errors import ValidationFailed

    boss = hire(owner, "B001", salary="20000")
    staff = hire(owner, "S001", salary="9000", id_index=1)
    employee_update(actor=owner, employee=staff, manager=boss)

    with pytest.raises(ValidationFailed):
        employee_update(actor=owner, employee=boss, manager=staff)
    employee_update(actor=owner, employee=staff, manager=boss, leave_date=date(2026, 1, 31))
    assert Employee.objects.get(pk=staff.pk).status == Employee.Status.LEFT


def test_opening_figures_start_the_year_of_a_firm_that_moves_payroll_mid_year(owner: User) -> None:
    from apps.hr.payroll import payroll_opening_set

    employee = hire(owner, "E001", salary="10000", hired=date(2024, 5, 1))
    # January-October were paid elsewhere: 100,000 income, 15,400 social insurance and fund,
    # 3,200 withheld. November here: 110,000 - 55,000 - 16,940 = 38,060 taxable, 10% - 2,520 = 1,286,
    # less 3,200 already withheld: nothing more this month.
    payroll_opening_set(
        actor=owner, employee=employee, year=2026, up_to_month=10, income="100000", special="15400", withheld="3200"
    )
    run = payroll.payroll_run_create(actor=owner, year=2026, month=11)

    payroll.payroll_run_compute(actor=owner, run=run)

    slip = Payslip.objects.get(run=run)
    assert (slip.ytd_income, slip.ytd_special, slip.withheld_before, slip.ytd_months) == (
        D("110000.00"),
        D("16940.00"),
        D("3200.00"),
        11,
    )
    assert (slip.ytd_taxable, slip.ytd_tax, slip.income_tax) == (D("38060.00"), D("1286.00"), D("0.00"))


def test_opening_figures_cannot_overlap_months_paid_here(owner: User) -> None:
    from apps.hr.payroll import payroll_opening_set

    employee = hire(owner, "E001", salary="10000")
    _approved(owner, 2026, 1)

    with pytest.raises(Conflict):
        payroll_opening_set(actor=owner, employee=employee, year=2026, up_to_month=3, income="1")
