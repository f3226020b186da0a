"""Monthly payroll: compute a run for every employee, review it, approve it (posting it once).

A run reads everything it needs in a handful of queries (employees, their deductions and
one-off items, and the year's earlier approved payslips aggregated per employee), computes in
memory and writes the payslips in bulk, so a 5,000-person firm runs in seconds.
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.finance.interface import EntryLine, journal_entry_post, ledger_chart
from core.errors import Conflict, NotFound, ValidationFailed

from . import attendance, permissions
from .contributions import Policy, contributions
from .models import (
    Employee,
    PayrollItem,
    PayrollOpening,
    PayrollRun,
    Payslip,
    SocialInsurancePolicy,
    SpecialDeduction,
)
from .tax import DATA, ZERO, YearToDate, bonus_separate_tax, cumulative_withholding, fen


@cache
def _payroll_accounts() -> dict[str, dict[str, str]]:
    return json.loads((DATA / "payroll_accounts.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _policies(day: date) -> dict[str, Policy]:
    """The policy in force on ``day`` for each city (the latest that started on or before it)."""
    found: dict[str, Policy] = {}
    for row in SocialInsurancePolicy.objects.filter(effective_from__lte=day).order_by("city", "-effective_from"):
        if row.city in found:
            continue
        found[row.city] = Policy(
            base_floor=row.base_floor,
            base_cap=row.base_cap,
            pension=(row.pension_employer, row.pension_employee),
            medical=(row.medical_employer, row.medical_employee),
            unemployment=(row.unemployment_employer, row.unemployment_employee),
            work_injury=(row.work_injury_employer, Decimal(0)),
            housing_fund_floor=row.housing_fund_floor,
            housing_fund_cap=row.housing_fund_cap,
        )
    return found


def months_employed(hire_date: date, year: int, month: int) -> int:
    """累计减除费用 counts the months with this employer this year, the current one included."""
    first = hire_date.month if hire_date.year == year else 1
    return max(month - first + 1, 0)


@dataclass
class _History:
    income: Decimal = ZERO
    special: Decimal = ZERO
    additional: Decimal = ZERO
    withheld: Decimal = ZERO


def _history(year: int, month: int) -> dict[int, _History]:
    """The year's approved payslips before this month, summed per employee (one query)."""
    rows = (
        Payslip.objects.filter(run__year=year, run__month__lt=month, run__status=PayrollRun.Status.APPROVED)
        .values("employee_id")
        .annotate(
            income=Sum("gross"),
            pension=Sum("employee_pension"),
            medical=Sum("employee_medical"),
            unemployment=Sum("employee_unemployment"),
            fund=Sum("employee_housing_fund"),
            additional=Sum("special_additional"),
            withheld=Sum("income_tax"),
        )
    )
    found = {
        row["employee_id"]: _History(
            income=row["income"] or ZERO,
            special=(row["pension"] or ZERO)
            + (row["medical"] or ZERO)
            + (row["unemployment"] or ZERO)
            + (row["fund"] or ZERO),
            additional=row["additional"] or ZERO,
            withheld=row["withheld"] or ZERO,
        )
        for row in rows
    }
    # Figures from before the firm's first run in ParkSuite start the year where no run covers them.
    for opening in PayrollOpening.objects.filter(year=year, up_to_month__lt=month):
        before = found.setdefault(opening.employee_id, _History())
        before.income += opening.income
        before.special += opening.special
        before.additional += opening.additional
        before.withheld += opening.withheld
    return found


@transaction.atomic
def payroll_run_create(*, actor: Any, year: int, month: int, bonus_separately: bool = True) -> PayrollRun:
    permissions.require(actor, permissions.PAYROLL)
    if not (2000 <= int(year) <= 2099 and 1 <= int(month) <= 12):
        raise ValidationFailed(_("Choose a month between 2000 and 2099."), fields={"month": [_("Out of range.")]})
    if PayrollRun.objects.filter(year=year, month=month).exists():
        raise Conflict(
            _("There is already a payroll run for %(year)d-%(month)02d.") % {"year": year, "month": month},
            code="run_exists",
        )
    later = PayrollRun.objects.filter(
        Q(year__gt=year) | Q(year=year, month__gt=month), status=PayrollRun.Status.APPROVED
    )
    if later.exists():
        raise Conflict(
            _("A later month is already approved; corrections go into the next run."), code="later_run_approved"
        )
    run = PayrollRun.objects.create(year=year, month=month, bonus_separately=bonus_separately)
    audit_record(action="hr.payroll_run_created", actor=actor, obj=run, month=run.label)
    return run


def _require_earlier_months_approved(run: PayrollRun) -> None:
    """This month's tax builds on the year's earlier months: they must be final first."""
    earlier = (
        PayrollRun.objects.filter(year=run.year, month__lt=run.month)
        .exclude(status=PayrollRun.Status.APPROVED)
        .order_by("month")
        .first()
    )
    if earlier is not None:
        raise Conflict(
            _("Approve %(month)s first: this month's tax builds on the earlier months of the year.")
            % {"month": earlier.label},
            code="earlier_run_open",
        )


def _editable(run: PayrollRun) -> PayrollRun:
    run = PayrollRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PayrollRun.Status.DRAFT:
        raise Conflict(
            _("Payroll %(month)s is %(status)s; only a draft can change.")
            % {"month": run.label, "status": run.get_status_display()},
            code="run_not_draft",
        )
    return run


@transaction.atomic
def payroll_item_add(
    *, actor: Any, run: PayrollRun, employee: Employee, kind: str, name: str, amount: Any
) -> PayrollItem:
    """A one-off amount for one person in a draft run (overtime, a deduction, a year-end bonus)."""
    permissions.require(actor, permissions.PAYROLL)
    run = _editable(run)
    errors: dict[str, list[str]] = {}
    if kind not in PayrollItem.Kind.values:
        errors["kind"] = [_("Choose earning, deduction or year-end bonus.")]
    if not (name or "").strip() or len(name) > 100:
        errors["name"] = [_("Name the item (at most 100 characters).")]
    try:
        value = Decimal(str(amount))
        if not value.is_finite() or value <= 0 or value != fen(value) or value > Decimal("99999999"):
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["amount"] = [_("Enter an amount above zero with at most two decimals.")]
        value = ZERO
    if errors:
        raise ValidationFailed(_("The item could not be added."), fields=errors)
    item = PayrollItem.objects.create(run=run, employee=employee, kind=kind, name=name.strip(), amount=value)
    audit_record(action="hr.payroll_item_added", actor=actor, obj=run, employee=employee.number, amount=str(value))
    return item


@transaction.atomic
def payroll_run_compute(*, actor: Any, run: PayrollRun) -> PayrollRun:
    """(Re)compute a draft run for everyone employed during the month."""
    permissions.require(actor, permissions.PAYROLL)
    run = _editable(run)
    _require_earlier_months_approved(run)
    first_day, last_day = _month_bounds(run.year, run.month)
    policies = _policies(last_day)
    employees = list(
        Employee.objects.filter(hire_date__lte=last_day).filter(
            Q(leave_date__isnull=True) | Q(leave_date__gte=first_day)
        )
    )
    history = _history(run.year, run.month)
    deductions: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in SpecialDeduction.objects.filter(start__lte=last_day).filter(Q(end__isnull=True) | Q(end__gte=first_day)):
        deductions[row.employee_id] += row.monthly_amount
    earnings: dict[int, Decimal] = defaultdict(lambda: ZERO)
    after_tax: dict[int, Decimal] = defaultdict(lambda: ZERO)
    bonuses: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for item in PayrollItem.objects.filter(run=run):
        {"earning": earnings, "deduction": after_tax, "bonus": bonuses}[item.kind][item.employee_id] += item.amount
    missing_policy = sorted({e.social_insurance_city for e in employees if e.social_insurance_city not in policies})
    if missing_policy:
        raise Conflict(
            _("No social insurance policy for %(cities)s in force on %(day)s.")
            % {"cities": ", ".join(missing_policy), "day": last_day},
            code="no_policy",
        )
    summaries = (
        attendance.month_summaries(actor=actor, year=run.year, month=run.month, employees=employees)
        if attendance.schedule().feeds_payroll
        else {}
    )
    # One statement (a queryset delete would load every payslip first); the lock trigger still applies.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM hr_payslip WHERE run_id = %s", [run.pk])
    slips: list[Payslip] = []
    for employee in employees:
        summary = summaries.get(employee.pk)
        overtime, absence = summary.pay_adjustment(employee.base_salary) if summary else (ZERO, ZERO)
        slips.append(
            _payslip(
                run,
                employee,
                policies[employee.social_insurance_city],
                history.get(employee.pk, _History()),
                additional=deductions[employee.pk],
                earnings=earnings[employee.pk],
                after_tax=after_tax[employee.pk],
                bonus=bonuses[employee.pk],
                day=last_day,
                overtime=overtime,
                absence=absence,
            )
        )
    Payslip.objects.bulk_create(slips, batch_size=1000)
    totals = run.payslips.aggregate(
        count=Count("id"),
        gross=Sum("gross"),
        tax=Sum("income_tax"),
        bonus_tax=Sum("bonus_tax"),
        net=Sum("net"),
        bonus=Sum("bonus"),
        pension=Sum("employee_pension"),
        medical=Sum("employee_medical"),
        unemployment=Sum("employee_unemployment"),
        fund=Sum("employee_housing_fund"),
        er_social=Sum("employer_social"),
        er_fund=Sum("employer_housing_fund"),
    )
    run.employees = totals["count"] or 0
    run.gross = (totals["gross"] or ZERO) + (totals["bonus"] or ZERO)
    run.employee_contributions = sum((totals[k] or ZERO for k in ("pension", "medical", "unemployment", "fund")), ZERO)
    run.employer_contributions = (totals["er_social"] or ZERO) + (totals["er_fund"] or ZERO)
    run.income_tax = (totals["tax"] or ZERO) + (totals["bonus_tax"] or ZERO)
    run.net = totals["net"] or ZERO
    run.computed_at = timezone.now()
    run.save(
        update_fields=[
            "employees",
            "gross",
            "employee_contributions",
            "employer_contributions",
            "income_tax",
            "net",
            "computed_at",
        ]
    )
    audit_record(action="hr.payroll_computed", actor=actor, obj=run, employees=run.employees, net=str(run.net))
    return run


def _payslip(
    run: PayrollRun,
    employee: Employee,
    policy: Policy,
    before: _History,
    *,
    additional: Decimal,
    earnings: Decimal,
    after_tax: Decimal,
    bonus: Decimal,
    day: date,
    overtime: Decimal = ZERO,
    absence: Decimal = ZERO,
) -> Payslip:
    # Absence never takes pay below zero.
    absence = min(absence, employee.base_salary + employee.allowances + earnings + overtime)
    gross = employee.base_salary + employee.allowances + earnings + overtime - absence
    paid = contributions(
        declared_base=employee.social_insurance_base, housing_fund_rate=employee.housing_fund_rate, policy=policy
    )
    separate = bonus_separate_tax(bonus, day=day) if bonus and run.bonus_separately else None
    taxed_with_wages = bonus if bonus and separate is None else ZERO
    months = months_employed(employee.hire_date, run.year, run.month)
    ytd = YearToDate(
        income=before.income + gross + taxed_with_wages,
        months=months,
        special=before.special + paid.employee_total,
        additional=before.additional + additional,
        withheld=before.withheld,
    )
    withholding = cumulative_withholding(ytd, day=day)
    bonus_tax = separate.tax if separate else ZERO
    net = gross + bonus - paid.employee_total - withholding.this_month - bonus_tax - after_tax
    return Payslip(
        run=run,
        employee=employee,
        base_salary=employee.base_salary,
        allowances=employee.allowances,
        other_earnings=earnings,
        overtime_pay=overtime,
        absence_deduction=absence,
        # A bonus taxed with the wages counts in the cumulative income: keep it in gross.
        gross=gross + taxed_with_wages,
        contribution_base=paid.base,
        employee_pension=paid.employee_pension,
        employee_medical=paid.employee_medical,
        employee_unemployment=paid.employee_unemployment,
        employee_housing_fund=paid.employee_housing_fund,
        employer_social=paid.employer_social,
        employer_housing_fund=paid.employer_housing_fund,
        special_additional=additional,
        ytd_income=ytd.income,
        ytd_months=months,
        ytd_basic_deduction=withholding.basic_deduction,
        ytd_special=ytd.special,
        ytd_additional=ytd.additional,
        ytd_taxable=withholding.taxable,
        tax_rate=withholding.rate,
        quick_deduction=withholding.quick_deduction,
        ytd_tax=withholding.cumulative_tax,
        withheld_before=before.withheld,
        income_tax=withholding.this_month,
        bonus=bonus if separate else ZERO,
        bonus_tax=bonus_tax,
        other_deductions=after_tax,
        net=fen(net),
    )


@transaction.atomic
def payroll_run_review(*, actor: Any, run: PayrollRun) -> PayrollRun:
    """A second person checks the computed run; it can no longer change unless sent back."""
    permissions.require(actor, permissions.PAYROLL)
    run = _editable(run)
    if run.computed_at is None:
        raise Conflict(_("Compute the run before reviewing it."), code="not_computed")
    run.status = PayrollRun.Status.REVIEWED
    run.reviewed_by = actor
    run.save(update_fields=["status", "reviewed_by"])
    audit_record(action="hr.payroll_reviewed", actor=actor, obj=run)
    return run


@transaction.atomic
def payroll_run_reopen(*, actor: Any, run: PayrollRun) -> PayrollRun:
    permissions.require(actor, permissions.PAYROLL)
    run = PayrollRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PayrollRun.Status.REVIEWED:
        raise Conflict(_("Only a reviewed run goes back to draft; an approved run is locked."), code="run_locked")
    run.status = PayrollRun.Status.DRAFT
    run.reviewed_by = None
    run.save(update_fields=["status", "reviewed_by"])
    return run


def _entry(run: PayrollRun) -> list[EntryLine]:
    """Dr salary expense (gross and the employer's share) / Cr wages payable (net), the social
    insurance and housing fund payable (both shares) and the income tax withheld."""
    accounts = _payroll_accounts()[ledger_chart()]
    sums = run.payslips.aggregate(
        gross=Sum("gross"),
        bonus=Sum("bonus"),
        er_social=Sum("employer_social"),
        er_fund=Sum("employer_housing_fund"),
        pension=Sum("employee_pension"),
        medical=Sum("employee_medical"),
        unemployment=Sum("employee_unemployment"),
        fund=Sum("employee_housing_fund"),
        tax=Sum("income_tax"),
        bonus_tax=Sum("bonus_tax"),
        net=Sum("net"),
        after_tax=Sum("other_deductions"),
    )
    value = {key: amount or ZERO for key, amount in sums.items()}
    memo = _("Payroll %(month)s") % {"month": run.label}
    social = value["er_social"] + value["pension"] + value["medical"] + value["unemployment"]
    fund = value["er_fund"] + value["fund"]
    lines = [
        EntryLine(
            accounts["expense"],
            debit=value["gross"] + value["bonus"] + value["er_social"] + value["er_fund"],
            summary=memo,
        ),
        EntryLine(accounts["wages"], credit=value["net"], summary=memo),
        EntryLine(accounts["deductions"], credit=value["after_tax"], summary=memo),
        EntryLine(accounts["social"], credit=social, summary=memo),
        EntryLine(accounts["housing_fund"], credit=fund, summary=memo),
        EntryLine(accounts["income_tax"], credit=value["tax"] + value["bonus_tax"], summary=memo),
    ]
    merged: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        side = "debit" if Decimal(line.debit) else "credit"
        merged[(line.account_code, side)] += Decimal(line.debit) or Decimal(line.credit)
    return [
        EntryLine(code, debit=amount, summary=memo) if side == "debit" else EntryLine(code, credit=amount, summary=memo)
        for (code, side), amount in merged.items()
        if amount
    ]


@transaction.atomic
def payroll_run_approve(*, actor: Any, run: PayrollRun) -> PayrollRun:
    """Approval posts the run to the ledger (once, whatever happens) and locks it for good."""
    permissions.require(actor, permissions.APPROVE)
    run = PayrollRun.objects.select_for_update().get(pk=run.pk)
    if run.status == PayrollRun.Status.APPROVED:
        raise Conflict(_("Payroll %(month)s is already approved.") % {"month": run.label}, code="run_approved")
    if run.status != PayrollRun.Status.REVIEWED:
        raise Conflict(_("Review the run before approving it."), code="not_reviewed")
    _require_earlier_months_approved(run)
    _first, last_day = _month_bounds(run.year, run.month)
    posted = journal_entry_post(
        source="hr.payroll_run",
        source_id=str(run.pk),
        lines=_entry(run),
        day=last_day,
        idempotency_key=f"hr.payroll_run:{run.pk}",
        summary=_("Payroll %(month)s") % {"month": run.label},
        actor=actor,
    )
    run.status = PayrollRun.Status.APPROVED
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.voucher_id = posted.voucher_id
    run.voucher_number = posted.number
    run.save(update_fields=["status", "approved_by", "approved_at", "voucher_id", "voucher_number"])
    audit_record(action="hr.payroll_approved", actor=actor, obj=run, voucher=posted.number, net=str(run.net))
    return run


def payroll_run_get(*, actor: Any, run_id: Any) -> PayrollRun:
    permissions.require(actor, permissions.PAYROLL)
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such payroll run.")) from None
    run = PayrollRun.objects.filter(pk=pk).first()
    if run is None:
        raise NotFound(_("No such payroll run."))
    return run


@transaction.atomic
def payroll_opening_set(
    *,
    actor: Any,
    employee: Employee,
    year: int,
    up_to_month: int,
    income: Any,
    special: Any = "0",
    additional: Any = "0",
    withheld: Any = "0",
) -> PayrollOpening:
    """Start a person's year from figures paid outside ParkSuite (from the former payroll or the
    tax bureau's records), so the cumulative tax of the first run here is right."""
    permissions.require(actor, permissions.PAYROLL)
    errors: dict[str, list[str]] = {}
    if not 1 <= int(up_to_month) <= 11:
        errors["up_to_month"] = [_("Choose a month from January to November.")]
    values: dict[str, Decimal] = {}
    for name, raw in (("income", income), ("special", special), ("additional", additional), ("withheld", withheld)):
        try:
            value = Decimal(str(raw).replace(",", "").strip() or "0")
            if not value.is_finite() or value < 0 or value != fen(value) or value > Decimal("99999999"):
                raise ValueError
            values[name] = value
        except (ArithmeticError, ValueError):
            errors[name] = [_("Enter an amount of zero or more with at most two decimals.")]
    if errors:
        raise ValidationFailed(_("The opening figures could not be saved."), fields=errors)
    covered = PayrollRun.objects.filter(year=year, month__lte=up_to_month, status=PayrollRun.Status.APPROVED)
    if covered.exists():
        raise Conflict(
            _(
                "Payroll in ParkSuite already covers part of these months; opening figures only cover the months "
                "before the first run here."
            ),
            code="opening_overlaps_runs",
        )
    opening, _created = PayrollOpening.objects.update_or_create(
        employee=employee, year=year, defaults={"up_to_month": up_to_month, **values}
    )
    audit_record(action="hr.payroll_opening_set", actor=actor, obj=employee, year=year, up_to_month=up_to_month)
    return opening
