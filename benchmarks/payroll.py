"""Monthly payroll for 5,000 employees with a year of history: the set-based run against a
per-employee ORM loop.

One firm, provisioned the normal way (sign-up + provisioning), gets 5,000 employees loaded with
set-based SQL (numbers E00001 ..., salaries 5,000-60,000, social insurance base = salary,
housing fund rates 5-12 %, hire dates 2015-2026 with about 6 % joining during 2026, about 4 %
leaving during 2026) and special additional deductions for about 30 % of them (some starting or
ending during the year). January to November 2026 then go through the real services, month by
month: payroll_run_create, one-off items (overtime in June and December, year-end bonuses and
after-tax deductions in December, bulk-inserted with the triggers on), payroll_run_compute,
payroll_run_review and payroll_run_approve (which posts each month's voucher through the
finance interface). Each step is timed.

December is the measured run: created, computed (then recomputed a few times: a draft may be
recomputed), reviewed and approved, timed. The payslip list is timed warm as the app calls it
(selectors.payslip_list, first page of 50 and the whole run) and through the API
(GET /api/v1/hr/payroll-runs/<id>/payslips/ with django.test.Client, the owner signed in).

Baseline in the same run: a naive per-employee ORM loop computing the same December run (per
employee: the policy, the deductions, the one-off items and the year's earlier payslips queried
one by one, computed with apps.hr.tax / apps.hr.contributions, each payslip saved on its own)
into a scratch draft run inside a transaction that is rolled back.

Correctness: December's payslips of a 50-employee sample are recomputed for the whole year from
the inputs with the pure functions (no stored payslip read), the baseline's 5,000 payslips are
compared field by field with the app's, the run totals with the sums of their payslips, and the
ledger is checked for exactly one balanced payroll voucher per approved month.

    .venv/bin/python benchmarks/payroll.py [--employees 5000] [--compute-repeats 5] [--repeats 10]

Targets: December's compute (max over the timed computes) and its whole cycle (create + compute +
review + approve) under 60 s; the payslip list's first page (selector, max over warm runs) under
300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from _harness import ROOT, fresh_cache_url, recreate_database, server_url, summary, write_result

DATABASE = "parksuite_bench_payroll"
SLUG = "payroll-bench"
OWNER_EMAIL = "owner@payroll-bench.example"
PASSWORD = "Bench-Password-2026"  # noqa: S105  (benchmark data)
YEAR = 2026
HISTORY_MONTHS = range(1, 12)  # January .. November, approved
MEASURED_MONTH = 12
DEPARTMENTS = 20
SAMPLE = 50
PAGE = 50
RUN_TARGET_S = 60.0
PAGE_TARGET_S = 0.300

# Employees, ids 1..n, derived from the serial g so that the data is the same on every run.
# Every 17th joins during 2026 (January .. December), every 23rd leaves during 2026.
EMPLOYEES_SQL = """
INSERT INTO hr_employee
       (id, number, name, gender, id_number, mobile, email, department_id, position, hire_date, leave_date,
        status, user_id, base_salary, allowances, social_insurance_city, social_insurance_base,
        housing_fund_rate, bank_name, bank_account)
SELECT g, 'E' || lpad(g::text, 5, '0'), '员工' || lpad(g::text, 5, '0'),
       CASE WHEN g %% 2 = 0 THEN 'f' ELSE 'm' END,
       '510104' || to_char(date '1965-01-01' + (g * 37) %% 14000, 'YYYYMMDD') || lpad(g::text, 4, '0'),
       '139' || lpad(g::text, 8, '0'), '', (%(departments)s::bigint[])[1 + g %% %(k)s], 'Parking attendant',
       hire, leave, CASE WHEN leave IS NULL THEN 'active' ELSE 'left' END, NULL,
       salary, allowances, 'chengdu', salary, 0.05 + ((g * 13) %% 8) / 100.0,
       '中国银行', '6217' || lpad(g::text, 15, '0')
  FROM (SELECT g, hire, salary, allowances,
               CASE WHEN g %% 23 = 0
                    THEN GREATEST(hire, make_date(%(year)s, 1 + (g / 23) %% 12, 10 + g %% 18)) END AS leave
          FROM (SELECT g,
                       CASE WHEN g %% 17 = 0 THEN make_date(%(year)s, 1 + (g / 17) %% 12, 1 + g %% 28)
                            ELSE date '2015-01-01' + ((g * 7919) %% (date '2025-12-31' - date '2015-01-01'))
                       END AS hire,
                       5000 + ((g * 104729) %% 5501) * 10 AS salary,
                       CASE WHEN g %% 5 = 0 THEN 500 + (g %% 4) * 250 ELSE 0 END AS allowances
                  FROM generate_series(1, %(n)s) AS g) AS base) AS employee
 ORDER BY g;

SELECT setval(pg_get_serial_sequence('hr_employee', 'id'), %(n)s);

-- Special additional deductions for 30 %% of the people (g %% 10 in 1, 4, 7), some with two,
-- some starting during the year, some ending in August.
INSERT INTO hr_specialdeduction (employee_id, kind, monthly_amount, start, "end")
SELECT g, kind, amount, start, stop
  FROM (SELECT g, 'housing_rent' AS kind, 1500 AS amount, date '2025-01-01' AS start, NULL::date AS stop
          FROM generate_series(1, %(n)s) AS g WHERE g %% 10 = 1
        UNION ALL
        SELECT g, 'child_education', 2000 * (1 + g %% 2), date '2024-09-01', NULL
          FROM generate_series(1, %(n)s) AS g WHERE g %% 10 = 4
        UNION ALL
        SELECT g, 'elderly_support', CASE WHEN g %% 3 = 0 THEN 1500 ELSE 3000 END, make_date(%(year)s, 3, 1),
               CASE WHEN g %% 20 = 17 THEN make_date(%(year)s, 8, 1) END
          FROM generate_series(1, %(n)s) AS g WHERE g %% 10 = 7
        UNION ALL
        SELECT g, 'infant_care', 2000, make_date(%(year)s, 5, 1), NULL
          FROM generate_series(1, %(n)s) AS g WHERE g %% 30 = 4) AS d
 ORDER BY g, kind;
"""

# What payroll_run_compute's totals and the voucher must agree with.
LEDGER_SQL = """
SELECT v.id, v.source_id, v.status, v.total, sum(l.debit), sum(l.credit), count(l.id), p.year, p.month
  FROM finance_voucher v
  JOIN finance_voucherline l ON l.voucher_id = v.id
  JOIN finance_period p ON p.id = v.period_id
 WHERE v.source = 'hr.payroll_run'
 GROUP BY v.id, p.year, p.month
 ORDER BY p.year, p.month
"""

COMPARED = (
    "base_salary",
    "allowances",
    "other_earnings",
    "gross",
    "contribution_base",
    "employee_pension",
    "employee_medical",
    "employee_unemployment",
    "employee_housing_fund",
    "employer_social",
    "employer_housing_fund",
    "special_additional",
    "ytd_income",
    "ytd_months",
    "ytd_basic_deduction",
    "ytd_special",
    "ytd_additional",
    "ytd_taxable",
    "tax_rate",
    "quick_deduction",
    "ytd_tax",
    "withheld_before",
    "income_tax",
    "bonus",
    "bonus_tax",
    "other_deductions",
    "net",
)


def items_for(month: int, n: int) -> list[tuple[int, str, str, Decimal]]:
    """One-off items of a month, as (employee id, kind, name, amount)."""
    rows: list[tuple[int, str, str, Decimal]] = []
    for g in range(1, n + 1):
        if month in (6, 12) and g % 20 == 5:
            rows.append((g, "earning", "Overtime", Decimal(600 if month == 6 else 800)))
        if month == 12 and g % 10 == 3:
            rows.append((g, "bonus", "Year-end bonus", Decimal(10000 + (g * 31) % 50000)))
        if month == 12 and g % 50 == 9:
            rows.append((g, "deduction", "Uniform", Decimal(200)))
    return rows


@dataclass
class Ytd:
    """What the reference carries from month to month for one person."""

    income: Decimal = Decimal("0.00")
    special: Decimal = Decimal("0.00")
    additional: Decimal = Decimal("0.00")
    withheld: Decimal = Decimal("0.00")
    months_paid: list[int] = field(default_factory=list)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    import calendar

    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def employed(employee: Any, first: date, last: date) -> bool:
    return employee.hire_date <= last and (employee.leave_date is None or employee.leave_date >= first)


def reference_slip(
    employee: Any,
    year: int,
    month: int,
    policy: Any,
    before: Ytd,
    *,
    additional: Decimal,
    earnings: Decimal,
    after_tax: Decimal,
    bonus: Decimal,
    bonus_separately: bool = True,
) -> dict[str, Any]:
    """One payslip from its inputs with the pure functions (累计预扣法), written from the rules,
    not from payroll._payslip."""
    from apps.hr.contributions import contributions
    from apps.hr.tax import YearToDate, bonus_separate_tax, cumulative_withholding, fen

    zero = Decimal("0.00")
    _first, day = month_bounds(year, month)
    wages = employee.base_salary + employee.allowances + earnings
    paid = contributions(
        declared_base=employee.social_insurance_base, housing_fund_rate=employee.housing_fund_rate, policy=policy
    )
    separate = bonus_separate_tax(bonus, day=day) if bonus and bonus_separately else None
    with_wages = bonus if bonus and separate is None else zero
    start_month = employee.hire_date.month if employee.hire_date.year == year else 1
    months = max(month - start_month + 1, 0)
    ytd = YearToDate(
        income=before.income + wages + with_wages,
        months=months,
        special=before.special + paid.employee_total,
        additional=before.additional + additional,
        withheld=before.withheld,
    )
    tax = cumulative_withholding(ytd, day=day)
    bonus_tax = separate.tax if separate else zero
    return {
        "base_salary": employee.base_salary,
        "allowances": employee.allowances,
        "other_earnings": earnings,
        "gross": wages + with_wages,
        "contribution_base": paid.base,
        "employee_pension": paid.employee_pension,
        "employee_medical": paid.employee_medical,
        "employee_unemployment": paid.employee_unemployment,
        "employee_housing_fund": paid.employee_housing_fund,
        "employer_social": paid.employer_social,
        "employer_housing_fund": paid.employer_housing_fund,
        "special_additional": additional,
        "ytd_income": ytd.income,
        "ytd_months": months,
        "ytd_basic_deduction": tax.basic_deduction,
        "ytd_special": ytd.special,
        "ytd_additional": ytd.additional,
        "ytd_taxable": tax.taxable,
        "tax_rate": tax.rate,
        "quick_deduction": tax.quick_deduction,
        "ytd_tax": tax.cumulative_tax,
        "withheld_before": before.withheld,
        "income_tax": tax.this_month,
        "bonus": bonus if separate else zero,
        "bonus_tax": bonus_tax,
        "other_deductions": after_tax,
        "net": fen(wages + bonus - paid.employee_total - tax.this_month - bonus_tax - after_tax),
    }


def same(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The compared fields that differ (numerically: Decimal('1.0') == Decimal('1.00'))."""
    return [name for name in COMPARED if Decimal(a[name]) != Decimal(b[name])]


def code_version() -> dict[str, Any]:
    """The commit measured, and whether apps/hr had uncommitted changes (others edit in parallel).

    Run from a ``git archive`` snapshot (no .git), BENCH_CODE_COMMIT names the commit."""
    import subprocess

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    if commit:
        return {"commit": commit, "apps_hr_uncommitted_changes": bool(git("status", "--porcelain", "apps/hr"))}
    return {"commit": os.environ.get("BENCH_CODE_COMMIT", "unknown"), "source": "git archive snapshot of the commit"}


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    fn()  # warm-up (plans, caches, buffers), not counted
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


class QueryCounter:
    """Counts the statements a block sends (cheaper than capturing them)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=5_000)
    parser.add_argument("--compute-repeats", type=int, default=5, help="timed computes of the December draft")
    parser.add_argument("--repeats", type=int, default=10, help="timed warm runs of the payslip list")
    parser.add_argument(
        "--baseline-sample", type=int, default=0, help="employees in the naive loop (0: all; else extrapolated)"
    )
    parser.add_argument("--no-write", action="store_true", help="print the result only (smoke runs)")
    args = parser.parse_args()
    wall_start = time.perf_counter()

    external = bool(os.environ.get("DATABASE_URL"))
    database = recreate_database(server_url(), DATABASE)
    os.environ.update(
        DATABASE_URL=database,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        CACHE_URL=fresh_cache_url(),
        LOG_LEVEL="WARNING",
        PARKSUITE_POOL_SIZE="0",
        DEBUG="0",  # no query log: the timings would otherwise include it
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count, Q, Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.hr import payroll, selectors
    from apps.hr.contributions import Policy
    from apps.hr.models import (
        Department,
        Employee,
        PayrollItem,
        PayrollRun,
        Payslip,
        SocialInsurancePolicy,
        SpecialDeduction,
    )
    from tenants.models import Firm
    from tenants.services import SignupInput, firm_provision, signup_create

    assert not settings.DEBUG
    translation.activate("en")
    n = args.employees

    # 1. A fresh database, migrated, with one firm provisioned the normal way.
    setup_start = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    signup = signup_create(
        SignupInput(
            firm_name="Payroll Bench Ltd.",
            slug=SLUG,
            owner_name="Bench Owner",
            email=OWNER_EMAIL,
            password=PASSWORD,
            language="en",
        )
    )
    schema = firm_provision(firm_id=signup.firm.pk).schema_name
    firm = Firm.objects.get(pk=signup.firm.pk)
    setup_seconds = time.perf_counter() - setup_start
    print(f"firm provisioned in schema {schema} ({setup_seconds:.1f} s)", flush=True)

    with schema_context(schema):
        owner = User.objects.get(role=User.Role.OWNER)
        departments = Department.objects.bulk_create(
            Department(name=f"Car park {i + 1:02d}") for i in range(DEPARTMENTS)
        )

        # 2. Employees and their declared deductions, set-based (constraints and triggers on).
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                EMPLOYEES_SQL,
                {"n": n, "year": YEAR, "departments": [d.pk for d in departments], "k": len(departments)},
            )
        load_seconds = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE hr_employee, hr_specialdeduction")
        employees = {e.pk: e for e in Employee.objects.all()}
        deduction_rows = list(SpecialDeduction.objects.all())
        policy_row = (
            SocialInsurancePolicy.objects.filter(city="chengdu", effective_from__lte=date(YEAR, 12, 31))
            .order_by("-effective_from")
            .first()
        )
        assert policy_row is not None, "the Chengdu policy is seeded by migration"
        policy = Policy(
            base_floor=policy_row.base_floor,
            base_cap=policy_row.base_cap,
            pension=(policy_row.pension_employer, policy_row.pension_employee),
            medical=(policy_row.medical_employer, policy_row.medical_employee),
            unemployment=(policy_row.unemployment_employer, policy_row.unemployment_employee),
            work_injury=(policy_row.work_injury_employer, Decimal(0)),
            housing_fund_floor=policy_row.housing_fund_floor,
            housing_fund_cap=policy_row.housing_fund_cap,
        )
        joiners = sum(1 for e in employees.values() if e.hire_date.year == YEAR)
        leavers = sum(1 for e in employees.values() if e.leave_date is not None)
        with_deductions = len({row.employee_id for row in deduction_rows})
        print(
            f"loaded {len(employees):,} employees ({joiners} joining and {leavers} leaving during {YEAR}, "
            f"{with_deductions} with {len(deduction_rows)} special deductions) in {load_seconds:.2f} s",
            flush=True,
        )
        assert len(employees) == n

        def deductions_in(employee_id: int, first: date, last: date) -> Decimal:
            return sum(
                (
                    row.monthly_amount
                    for row in deductions_by_employee.get(employee_id, ())
                    if row.start <= last and (row.end is None or row.end >= first)
                ),
                Decimal("0.00"),
            )

        deductions_by_employee: dict[int, list[SpecialDeduction]] = defaultdict(list)
        for row in deduction_rows:
            deductions_by_employee[row.employee_id].append(row)

        def add_items(run: PayrollRun, month: int) -> int:
            rows = [
                PayrollItem(run=run, employee_id=g, kind=kind, name=name, amount=amount)
                for g, kind, name, amount in items_for(month, n)
            ]
            PayrollItem.objects.bulk_create(rows, batch_size=1000)
            return len(rows)

        # 3. A year of history: January .. November through the real services.
        history: dict[int, dict[str, float]] = {}
        queries_per_compute: dict[int, int] = {}
        for month in HISTORY_MONTHS:
            t0 = time.perf_counter()
            run = payroll.payroll_run_create(actor=owner, year=YEAR, month=month)
            t1 = time.perf_counter()
            items = add_items(run, month)
            t2 = time.perf_counter()
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                run = payroll.payroll_run_compute(actor=owner, run=run)
            t3 = time.perf_counter()
            run = payroll.payroll_run_review(actor=owner, run=run)
            t4 = time.perf_counter()
            run = payroll.payroll_run_approve(actor=owner, run=run)
            t5 = time.perf_counter()
            queries_per_compute[month] = counter.count
            history[month] = {
                "employees": run.employees,
                "items": items,
                "create_s": round(t1 - t0, 4),
                "compute_s": round(t3 - t2, 3),
                "review_s": round(t4 - t3, 4),
                "approve_s": round(t5 - t4, 4),
            }
            print(f"{run.label}: {history[month]} ({counter.count} queries in compute)", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hr_payslip, hr_payrollrun, hr_payrollitem")

        # The ledger after the year's history: one balanced voucher per approved month.
        def ledger_check(expected_months: list[int]) -> dict[str, Any]:
            with connection.cursor() as cursor:
                cursor.execute(LEDGER_SQL)
                rows = cursor.fetchall()
            runs = {str(r.pk): r for r in PayrollRun.objects.filter(status=PayrollRun.Status.APPROVED)}
            problems = []
            for voucher_id, source_id, status, total, debit, credit, _lines, year, month in rows:
                run = runs.get(source_id)
                fine = (
                    run is not None
                    and status == "posted"
                    and debit == credit == total
                    and (year, month) == (run.year, run.month)
                    and run.voucher_id == voucher_id
                    and debit == run.gross + run.employer_contributions
                )
                if not fine:
                    problems.append(voucher_id)
            months = [month for *_rest, year, month in rows if year == YEAR]
            return {
                "payroll_vouchers": len(rows),
                "months": months,
                "expected_months": expected_months,
                "all_posted_and_balanced": not problems,
                "debit_equals_run_gross_plus_employer_contributions": not problems,
                "problem_vouchers": problems,
                "lines_per_voucher": sorted({r[6] for r in rows}),
                "match": not problems and months == expected_months and len(rows) == len(expected_months),
            }

        ledger_after_history = ledger_check(list(HISTORY_MONTHS))
        print(f"ledger after the history: {ledger_after_history}", flush=True)

        # 4. December: create, items, compute (repeated: a draft is recomputed freely).
        t0 = time.perf_counter()
        december = payroll.payroll_run_create(actor=owner, year=YEAR, month=MEASURED_MONTH)
        december_create_s = time.perf_counter() - t0
        december_items = add_items(december, MEASURED_MONTH)
        compute_times = []
        for _ in range(args.compute_repeats):
            counter = QueryCounter()
            start = time.perf_counter()
            with connection.execute_wrapper(counter):
                december = payroll.payroll_run_compute(actor=owner, run=december)
            compute_times.append(time.perf_counter() - start)
            queries_per_compute[MEASURED_MONTH] = counter.count
        print(
            f"December compute ({december.employees} payslips, {december_items} items): {summary(compute_times)}; "
            f"{counter.count} queries",
            flush=True,
        )

        # 5. Correctness. (a) A sample of 50 December payslips recomputed for the whole year from
        # the inputs (employee, deductions, items), without reading any stored payslip.
        items_by_month: dict[int, dict[int, dict[str, Decimal]]] = {}
        for month in range(1, 13):
            per: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: Decimal("0.00")))
            for g, kind, _name, amount in items_for(month, n):
                per[g][kind] += amount
            items_by_month[month] = per
        december_ids = set(Payslip.objects.filter(run=december).values_list("employee_id", flat=True))
        groups = {
            "joined_in_year": [g for g in sorted(december_ids) if employees[g].hire_date.year == YEAR],
            "left_in_december": [g for g in sorted(december_ids) if employees[g].leave_date is not None],
            "special_deductions": [g for g in sorted(december_ids) if g in deductions_by_employee],
            "year_end_bonus": [g for g in sorted(december_ids) if items_by_month[12][g].get("bonus")],
            "above_base_cap": [g for g in sorted(december_ids) if employees[g].social_insurance_base > policy.base_cap],
            "plain": sorted(december_ids),
        }
        sample: list[int] = []
        for members in groups.values():  # up to 9 of each kind, spread over the numbers, then the rest
            fresh = [g for g in members if g not in sample]
            step = max(len(fresh) // 9, 1)
            sample += fresh[::step][: min(9, SAMPLE - len(sample))]
        stored = {
            (row["run__month"], row["employee_id"]): row
            for row in Payslip.objects.filter(employee_id__in=sample, run__year=YEAR).values(
                "run__month", "employee_id", *COMPARED
            )
        }
        sample_mismatches = []
        months_compared = 0
        for g in sample:
            employee, ytd = employees[g], Ytd()
            for month in range(1, 13):
                first, last = month_bounds(YEAR, month)
                if not employed(employee, first, last):
                    if (month, g) in stored:
                        sample_mismatches.append({"employee": g, "month": month, "fields": ["paid_while_not_employed"]})
                    continue
                items = items_by_month[month].get(g, {})
                want = reference_slip(
                    employee,
                    YEAR,
                    month,
                    policy,
                    ytd,
                    additional=deductions_in(g, first, last),
                    earnings=items.get("earning", Decimal("0.00")),
                    after_tax=items.get("deduction", Decimal("0.00")),
                    bonus=items.get("bonus", Decimal("0.00")),
                )
                got = stored.get((month, g))
                months_compared += 1
                if got is None:
                    sample_mismatches.append({"employee": g, "month": month, "fields": ["missing"]})
                elif diff := same(got, want):
                    sample_mismatches.append({"employee": g, "month": month, "fields": diff})
                ytd = Ytd(
                    income=want["ytd_income"],
                    special=want["ytd_special"],
                    additional=want["ytd_additional"],
                    withheld=ytd.withheld + want["income_tax"],
                )
        expected_december = {g for g, e in employees.items() if employed(e, *month_bounds(YEAR, MEASURED_MONTH))}
        sample_check = {
            "employees": len(sample),
            "employees_per_group": {name: len(set(sample) & set(members)) for name, members in groups.items()},
            "payslips_compared": months_compared,
            "fields_compared": list(COMPARED),
            "mismatches": sample_mismatches[:20],
            "december_employees_as_expected": december_ids == expected_december,
            "match": not sample_mismatches and december_ids == expected_december,
        }
        print(f"sample check: {sample_check['match']} ({months_compared} payslips)", flush=True)

        # (b) The run's totals equal the sums of its payslips.
        december.refresh_from_db()
        sums = Payslip.objects.filter(run=december).aggregate(
            count=Count("id"),
            gross=Sum("gross"),
            bonus=Sum("bonus"),
            net=Sum("net"),
            tax=Sum("income_tax"),
            bonus_tax=Sum("bonus_tax"),
            pension=Sum("employee_pension"),
            medical=Sum("employee_medical"),
            unemployment=Sum("employee_unemployment"),
            fund=Sum("employee_housing_fund"),
            er_social=Sum("employer_social"),
            er_fund=Sum("employer_housing_fund"),
            after_tax=Sum("other_deductions"),
        )
        totals_check = {
            "employees": december.employees == sums["count"],
            "gross": december.gross == sums["gross"] + sums["bonus"],
            "net": december.net == sums["net"],
            "income_tax": december.income_tax == sums["tax"] + sums["bonus_tax"],
            "employee_contributions": december.employee_contributions
            == sums["pension"] + sums["medical"] + sums["unemployment"] + sums["fund"],
            "employer_contributions": december.employer_contributions == sums["er_social"] + sums["er_fund"],
            "gross_less_deductions_is_net": sums["gross"]
            + sums["bonus"]
            - (sums["pension"] + sums["medical"] + sums["unemployment"] + sums["fund"])
            - sums["tax"]
            - sums["bonus_tax"]
            - sums["after_tax"]
            == sums["net"],
        }
        totals_check["match"] = all(totals_check.values())
        run_figures = {
            "employees": december.employees,
            "gross": str(december.gross),
            "employee_contributions": str(december.employee_contributions),
            "employer_contributions": str(december.employer_contributions),
            "income_tax": str(december.income_tax),
            "net": str(december.net),
        }
        print(f"December totals check: {totals_check}; {run_figures}", flush=True)

        # 6. Baseline: the naive per-employee ORM loop over the same December inputs, into a
        # scratch draft run (another year, so the unique month does not clash), rolled back.
        first, last = month_bounds(YEAR, MEASURED_MONTH)
        zero = Decimal("0.00")
        baseline_counter = QueryCounter()
        with transaction.atomic():
            scratch = PayrollRun.objects.create(year=2099, month=MEASURED_MONTH)
            start = time.perf_counter()
            with connection.execute_wrapper(baseline_counter):
                people = Employee.objects.filter(hire_date__lte=last).filter(
                    Q(leave_date__isnull=True) | Q(leave_date__gte=first)
                )
                if args.baseline_sample:
                    people = people.order_by("pk")[: args.baseline_sample]
                computed = 0
                for employee in people:
                    row = (
                        SocialInsurancePolicy.objects.filter(
                            city=employee.social_insurance_city, effective_from__lte=last
                        )
                        .order_by("-effective_from")
                        .first()
                    )
                    own_policy = Policy(
                        base_floor=row.base_floor,
                        base_cap=row.base_cap,
                        pension=(row.pension_employer, row.pension_employee),
                        medical=(row.medical_employer, row.medical_employee),
                        unemployment=(row.unemployment_employer, row.unemployment_employee),
                        work_injury=(row.work_injury_employer, Decimal(0)),
                        housing_fund_floor=row.housing_fund_floor,
                        housing_fund_cap=row.housing_fund_cap,
                    )
                    additional = sum(
                        (
                            d.monthly_amount
                            for d in SpecialDeduction.objects.filter(employee=employee, start__lte=last).filter(
                                Q(end__isnull=True) | Q(end__gte=first)
                            )
                        ),
                        zero,
                    )
                    own_items: dict[str, Decimal] = defaultdict(lambda: zero)
                    for item in PayrollItem.objects.filter(run=december, employee=employee):
                        own_items[item.kind] += item.amount
                    before = Payslip.objects.filter(
                        employee=employee,
                        run__year=YEAR,
                        run__month__lt=MEASURED_MONTH,
                        run__status=PayrollRun.Status.APPROVED,
                    ).aggregate(
                        income=Sum("gross"),
                        pension=Sum("employee_pension"),
                        medical=Sum("employee_medical"),
                        unemployment=Sum("employee_unemployment"),
                        fund=Sum("employee_housing_fund"),
                        additional=Sum("special_additional"),
                        withheld=Sum("income_tax"),
                    )
                    values = reference_slip(
                        employee,
                        YEAR,
                        MEASURED_MONTH,
                        own_policy,
                        Ytd(
                            income=before["income"] or zero,
                            special=sum(
                                (before[k] or zero for k in ("pension", "medical", "unemployment", "fund")), zero
                            ),
                            additional=before["additional"] or zero,
                            withheld=before["withheld"] or zero,
                        ),
                        additional=additional,
                        earnings=own_items["earning"],
                        after_tax=own_items["deduction"],
                        bonus=own_items["bonus"],
                        bonus_separately=december.bonus_separately,
                    )
                    Payslip(run=scratch, employee=employee, **values).save()
                    computed += 1
                scratch_totals = scratch.payslips.aggregate(gross=Sum("gross"), bonus=Sum("bonus"), net=Sum("net"))
                scratch.employees = computed
                scratch.gross = (scratch_totals["gross"] or zero) + (scratch_totals["bonus"] or zero)
                scratch.net = scratch_totals["net"] or zero
                scratch.save(update_fields=["employees", "gross", "net"])
            baseline_seconds = time.perf_counter() - start
            # The baseline's payslips against the app's, field by field.
            app_rows = {
                row["employee_id"]: row for row in Payslip.objects.filter(run=december).values("employee_id", *COMPARED)
            }
            base_rows = {
                row["employee_id"]: row for row in Payslip.objects.filter(run=scratch).values("employee_id", *COMPARED)
            }
            baseline_mismatches = [
                {"employee": g, "fields": diff}
                for g, row in base_rows.items()
                if (diff := (same(row, app_rows[g]) if g in app_rows else ["missing_in_app_run"]))
            ]
            baseline_check = {
                "payslips_compared": len(base_rows),
                "mismatches": baseline_mismatches[:20],
                "mismatch_count": len(baseline_mismatches),
                "covers_whole_run": len(base_rows) == len(app_rows),
                "match": not baseline_mismatches,
            }
            transaction.set_rollback(True)
        assert not PayrollRun.objects.filter(year=2099).exists()
        extrapolated = baseline_seconds * december.employees / computed
        print(
            f"baseline (naive ORM loop): {computed} payslips in {baseline_seconds:.1f} s "
            f"({baseline_counter.count} queries), extrapolated to the run: {extrapolated:.1f} s; "
            f"same payslips as the app: {baseline_check['match']}",
            flush=True,
        )

        # 7. December reviewed and approved (posting its voucher), timed.
        t0 = time.perf_counter()
        december = payroll.payroll_run_review(actor=owner, run=december)
        t1 = time.perf_counter()
        december = payroll.payroll_run_approve(actor=owner, run=december)
        t2 = time.perf_counter()
        december_review_s, december_approve_s = t1 - t0, t2 - t1
        ledger_after_december = ledger_check(list(range(1, 13)))
        print(
            f"December review {december_review_s:.3f} s, approve {december_approve_s:.3f} s; "
            f"ledger: {ledger_after_december}",
            flush=True,
        )

        # 8. The payslip list, warm, as the app calls it, and through the API.
        def first_page() -> list[Payslip]:
            return list(selectors.payslip_list(actor=owner, run=december)[:PAGE])

        def whole_run() -> int:
            return len(list(selectors.payslip_list(actor=owner, run=december)))

        page_rows = first_page()
        assert len(page_rows) == PAGE, len(page_rows)
        assert page_rows[0].employee.number == "E00001", page_rows[0]
        page_times = timed(first_page, args.repeats)
        full_times = timed(whole_run, args.repeats)
        full_count = whole_run()
        with CaptureQueriesContext(connection) as captured:
            first_page()
        page_sql = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET ")]
        page_queries = len(page_sql)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {page_sql[0]}")
            page_plan = [row[0] for row in cursor.fetchall()]
        print(f"payslip_list first page: {summary(page_times)}; whole run ({full_count}): {summary(full_times)}")

        client = Client(HTTP_HOST=firm.host)
        client.force_login(owner)
        url = f"/api/v1/hr/payroll-runs/{december.pk}/payslips/"
        last_page = (december.employees + PAGE - 1) // PAGE

    def api_get(path: str) -> dict[str, Any]:
        response = client.get(path, secure=True)
        assert response.status_code == 200, (response.status_code, response.content[:500])
        return response.json()  # type: ignore[no-any-return]

    body = api_get(url)
    assert body["count"] == december.employees, body["count"]
    assert len(body["results"]) == PAGE, len(body["results"])
    assert body["results"][0]["employee_number"] == "E00001"
    api_times = timed(lambda: api_get(url), args.repeats)
    api_last_times = timed(lambda: api_get(f"{url}?page={last_page}"), args.repeats)
    print(f"API first page: {summary(api_times)}; last page ({last_page}): {summary(api_last_times)}", flush=True)

    compute_stats = summary(compute_times)
    cycle_s = december_create_s + compute_times[0] + december_review_s + december_approve_s
    page_stats, full_stats = summary(page_times), summary(full_times)
    run_meets = compute_stats["max_s"] < RUN_TARGET_S and cycle_s < RUN_TARGET_S
    page_meets = page_stats["max_s"] < PAGE_TARGET_S
    correctness_ok = (
        sample_check["match"]
        and totals_check["match"]
        and baseline_check["match"]
        and ledger_after_history["match"]
        and ledger_after_december["match"]
    )
    history_compute = [h["compute_s"] for h in history.values()]
    history_approve = [h["approve_s"] for h in history.values()]
    result = {
        "description": (
            f"a monthly payroll run (payroll_run_compute) for a firm with {december.employees:,} people paid in "
            f"December {YEAR} and a year of approved history (January-November through the real services), "
            "and the run's payslip list (selector and API); baseline: a naive per-employee ORM loop computing "
            "the same run"
        ),
        "server": "external (DATABASE_URL)" if external else "embedded (pgserver)",
        "code": code_version(),
        "data": {
            "employees": n,
            "paid_in_december": december.employees,
            "joined_during_year": joiners,
            "left_during_year": leavers,
            "with_special_deductions": with_deductions,
            "special_deduction_rows": len(deduction_rows),
            "departments": DEPARTMENTS,
            "approved_history_runs": len(history),
            "history_payslips": sum(h["employees"] for h in history.values()),
            "december_one_off_items": december_items,
            "december_year_end_bonuses": sum(1 for r in items_for(12, n) if r[1] == "bonus"),
            "social_insurance_policy": f"{policy_row.city} from {policy_row.effective_from}",
        },
        "timings_s": {
            "firm_setup": round(setup_seconds, 2),
            "employee_load": round(load_seconds, 2),
            "history_per_month": {f"{YEAR}-{m:02d}": h for m, h in history.items()},
            "history_compute": summary(history_compute),
            "history_approve": summary(history_approve),
            "december_create": round(december_create_s, 4),
            "december_review": round(december_review_s, 4),
            "december_approve": round(december_approve_s, 4),
            "whole_run": round(time.perf_counter() - wall_start, 1),
        },
        "figures": {
            "december_compute": {
                **compute_stats,
                "runs_s": [round(value, 3) for value in compute_times],
                "note": "the first compute writes the draft's payslips; the repeats delete and rewrite them",
                "queries": queries_per_compute[MEASURED_MONTH],
            },
            "december_full_cycle_s": round(cycle_s, 3),
            "december_full_cycle_note": "create + first compute + review + approve (voucher posted)",
            "queries_per_compute": queries_per_compute,
            "payslip_list_first_page": {
                **page_stats,
                "call": f"list(selectors.payslip_list(actor=owner, run=december)[:{PAGE}])",
                "queries": page_queries,
                "runs_s": [round(value, 4) for value in page_times],
                "plan_info_only": page_plan,
            },
            "payslip_list_whole_run": {
                **full_stats,
                "rows": full_count,
                "call": "len(list(selectors.payslip_list(actor=owner, run=december)))",
            },
            "api_payslips_first_page": {
                **summary(api_times),
                "call": f"GET {url} (django.test.Client, owner signed in, page size {PAGE})",
            },
            "api_payslips_last_page_info_only": {**summary(api_last_times), "page": last_page},
            "speedup_compute_p50_vs_naive_loop": round(extrapolated / compute_stats["p50_s"], 1),
        },
        "baseline": {
            "name": "naive per-employee ORM loop: per person the policy, deductions, items and the year's earlier "
            "payslips queried one by one, computed with apps.hr.tax / contributions, each payslip saved on its own "
            "(into a scratch draft run in a transaction rolled back afterwards)",
            "employees_computed": computed,
            "seconds": round(baseline_seconds, 2),
            "seconds_for_whole_run": round(extrapolated, 2),
            "extrapolated": computed != december.employees,
            "queries": baseline_counter.count,
            "would_meet_run_target": extrapolated < RUN_TARGET_S,
        },
        "target": {
            "december_compute_max_s_under": RUN_TARGET_S,
            "december_full_cycle_s_under": RUN_TARGET_S,
            "payslip_list_first_page_max_s_under": PAGE_TARGET_S,
        },
        "meets_target": run_meets and page_meets,
        "meets_target_detail": {"monthly_run": run_meets, "payslip_list": page_meets},
        "meets_target_note": "true only if every timed December compute, December's whole cycle and every warm "
        "first-page payslip_list call are under their targets",
        "correctness": {
            "ok": correctness_ok,
            "sample_recomputed_for_the_year": sample_check,
            "december_totals_equal_payslip_sums": totals_check,
            "december_figures": run_figures,
            "baseline_payslips_equal_app_payslips": baseline_check,
            "ledger_after_history": ledger_after_history,
            "ledger_after_december": ledger_after_december,
        },
        "notes": [
            "Employees and special deductions were loaded with set-based SQL (constraints and triggers on); the "
            "resident ID numbers are distinct 18-digit strings, not checksum-valid (the database does not check). "
            "The one-off items (overtime in June and December, year-end bonuses and after-tax deductions in "
            "December) were bulk-inserted into the draft runs with the lock triggers on.",
            "January-November went through payroll_run_create / compute / review / approve with the owner as "
            "actor; each approval posted one voucher through finance.interface.journal_entry_post.",
            "hr_payslip, hr_payrollrun and hr_payrollitem were ANALYZEd once after the history (as autovacuum "
            "would have done), before December.",
            "DEBUG=0 in this process: no query log. Query counts come from a connection execute_wrapper.",
            "The correctness sample recomputes each sampled person's whole year from the inputs with the pure "
            "functions in apps/hr/tax.py and contributions.py (no stored payslip is read), and compares every "
            "payslip field for every month, December included. The baseline's payslips (all of December if not "
            "sampled) are compared field by field with the app's as well.",
            "Bonuses are taxed separately (the default; the separate-bonus table runs to 2027-12-31).",
        ],
    }
    if "source" in result["code"]:
        result["notes"].append(
            f"Measured from a git archive snapshot of commit {result['code']['commit']} (BENCH_CODE_COMMIT) "
            "rather than a working tree that others were editing; the script is the same."
        )
    if args.no_write:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(f"written to {write_result('payroll', result)}")
    if not correctness_ok:
        raise SystemExit("correctness check failed; see the result above")


if __name__ == "__main__":
    main()
