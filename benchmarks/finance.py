"""Ledger reports over 1,000,000 voucher lines: maintained balances against a scan of the lines.

One firm, provisioned the normal way (sign-up + provisioning), gets 24 accounting periods
(2025-01 ... 2026-12) and 250,000 posted vouchers of 4 balanced lines each (1,000,000 lines)
on the leaf accounts of its default chart, loaded with set-based SQL. The loading session
runs with ``session_replication_role = replica`` (triggers off, the ledger's own balance and
immutability triggers included); one query then checks that every voucher balances and
points at real leaf accounts. ``services.balances_rebuild()`` builds the balances table
(timed), 100 vouchers are then posted through the real service path (voucher_create +
voucher_post, triggers on), and the maintained balances are checked against a direct
aggregation over the lines and against a second rebuild.

Measured, warm, for the 1st, 12th, 13th and 24th period, as the app calls them (inside the
firm's schema, as its owner): selectors.trial_balance, balance_sheet and income_statement.
Baseline in the same run: a plain aggregation over the voucher lines (the naive trial balance),
and, for information, the reports' own aggregate computed over the lines instead of the
balances.

    .venv/bin/python benchmarks/finance.py [--vouchers 250000] [--repeats 10]

Target: each report under 1 s for any period (worst max over the periods measured).
AR aging over 100,000 open items is part of the issue's target but AR does not exist yet:
not measured.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from _harness import ROOT, _dsn, fresh_cache_url, recreate_database, server_url, summary, write_result

DATABASE = "parksuite_bench_finance"
SLUG = "finance-bench"
OWNER_EMAIL = "owner@finance-bench.example"
PASSWORD = "Bench-Password-2026"  # noqa: S105  (benchmark data)
LINES_PER_VOUCHER = 4
PERIODS = [(year, month) for year in (2025, 2026) for month in range(1, 13)]
MEASURED_PERIODS = [1, 12, 13, 24]  # 1-based positions in PERIODS: first, year end, year start, last
SERVICE_POSTINGS = 100

# Set-based load. Amounts are in fen, derived from the voucher's serial g so that the data is
# the same on every run: two debit lines (a, b) and two credit lines (c, a + b - c), 0 < c < a + b.
LOAD_SQL = """
CREATE TEMP TABLE bench_voucher ON COMMIT DROP AS
SELECT g, p, number, per_period,
       a, b, ((a + b) * (20 + (g * 31) %% 60)) / 100 AS c
  FROM (SELECT g, p,
               row_number() OVER (PARTITION BY p ORDER BY g)::int AS number,
               count(*) OVER (PARTITION BY p)::int AS per_period,
               100 + (g * 7919) %% 500000 AS a,
               100 + (g * 104729) %% 200000 AS b
          FROM (SELECT g, (g * %(periods)s / %(n)s)::int AS p
                  FROM generate_series(0::bigint, %(n)s - 1) AS g) AS serial) AS numbered;

CREATE TEMP TABLE bench_period ON COMMIT DROP AS
SELECT p.id, p.year, p.month, p.year * 12 + p.month - 1 AS period_index,
       (row_number() OVER (ORDER BY p.year, p.month) - 1)::int AS p
  FROM finance_period p;

INSERT INTO finance_voucher
       (id, period_id, date, number, status, kind, summary, attachments, source, source_id,
        idempotency_key, reversal_of_id, total, created_by_id, created_at, posted_by_id, posted_at)
SELECT v.g + 1, bp.id,
       make_date(bp.year, bp.month, LEAST(28, 1 + ((v.number - 1) * 28) / v.per_period)),
       v.number, 'posted', 'manual', 'bench voucher ' || v.g, 0, '', '',
       NULL, NULL, v.a / 100.0 + v.b / 100.0, %(owner)s, now(), %(owner)s,
       make_date(bp.year, bp.month, LEAST(28, 1 + ((v.number - 1) * 28) / v.per_period))::timestamptz
  FROM bench_voucher v JOIN bench_period bp ON bp.p = v.p
 ORDER BY v.g;

INSERT INTO finance_voucherline
       (id, voucher_id, line_no, account_id, summary, debit, credit, partner, department, project,
        date, period_index)
SELECT v.g * 4 + ln, v.g + 1, ln,
       (%(leaves)s::bigint[])[1 + (v.g * (ARRAY[17, 29, 37, 41])[ln] + ln * 7) %% %(k)s],
       'bench line',
       CASE ln WHEN 1 THEN v.a / 100.0 WHEN 2 THEN v.b / 100.0 ELSE 0 END,
       CASE ln WHEN 3 THEN v.c / 100.0 WHEN 4 THEN (v.a + v.b - v.c) / 100.0 ELSE 0 END,
       '', '', '',
       make_date(bp.year, bp.month, LEAST(28, 1 + ((v.number - 1) * 28) / v.per_period)),
       bp.period_index
  FROM bench_voucher v JOIN bench_period bp ON bp.p = v.p
 CROSS JOIN generate_series(1, 4) AS ln
 ORDER BY v.g, ln;

UPDATE finance_period p SET last_number = counts.n
  FROM (SELECT period_id, max(number) AS n FROM finance_voucher GROUP BY period_id) AS counts
 WHERE counts.period_id = p.id;

SELECT setval(pg_get_serial_sequence('finance_voucher', 'id'), (SELECT max(id) FROM finance_voucher));
SELECT setval(pg_get_serial_sequence('finance_voucherline', 'id'), (SELECT max(id) FROM finance_voucherline));
"""

# Since the load ran without triggers (and so without foreign-key checks), one query checks
# what they would have: every voucher balances, has >= 2 lines and the right total, and every
# line points at a voucher and at a leaf account.
VERIFY_SQL = """
SELECT (SELECT count(*) FROM finance_voucher) AS vouchers,
       (SELECT count(*) FROM finance_voucher v
          LEFT JOIN (SELECT voucher_id, sum(debit) AS dr, sum(credit) AS cr, count(*) AS n
                       FROM finance_voucherline GROUP BY voucher_id) l ON l.voucher_id = v.id
         WHERE l.voucher_id IS NULL OR l.dr <> l.cr OR l.dr <> v.total OR l.n < 2) AS unbalanced,
       (SELECT count(*) FROM finance_voucherline l
         WHERE NOT EXISTS (SELECT 1 FROM finance_voucher v WHERE v.id = l.voucher_id)
            OR NOT EXISTS (SELECT 1 FROM finance_account a WHERE a.id = l.account_id AND a.is_leaf)) AS orphans,
       (SELECT count(*) FROM finance_voucherline) AS lines,
       (SELECT sum(debit) FROM finance_voucherline) AS total_debit,
       (SELECT sum(credit) FROM finance_voucherline) AS total_credit
"""

# The naive trial balance: aggregate every line up to the period.
BASELINE_SQL = """
SELECT account_id, sum(debit), sum(credit)
  FROM finance_voucherline
 WHERE period_index <= %(p)s
 GROUP BY account_id
"""

# What selectors._account_totals computes, but over the lines (posted vouchers) instead of the
# balances: the report query an implementation without maintained balances would run.
LINES_REPORT_SQL = """
SELECT l.account_id,
       COALESCE(SUM(l.debit - l.credit) FILTER (WHERE l.period_index < %(p)s), 0),
       COALESCE(SUM(l.debit - l.credit) FILTER (WHERE l.period_index < %(y)s), 0),
       COALESCE(SUM(l.debit) FILTER (WHERE l.period_index = %(p)s), 0),
       COALESCE(SUM(l.credit) FILTER (WHERE l.period_index = %(p)s), 0),
       COALESCE(SUM(l.debit) FILTER (WHERE l.period_index >= %(y)s), 0),
       COALESCE(SUM(l.credit) FILTER (WHERE l.period_index >= %(y)s), 0),
       COALESCE(SUM(l.debit - l.credit) FILTER (WHERE l.period_index = %(p)s AND v.kind <> 'closing'), 0),
       COALESCE(SUM(l.debit - l.credit) FILTER (WHERE l.period_index >= %(y)s AND v.kind <> 'closing'), 0)
  FROM finance_voucherline l JOIN finance_voucher v ON v.id = l.voucher_id
 WHERE v.status = 'posted' AND l.period_index <= %(p)s
 GROUP BY l.account_id
"""


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    fn()  # warm-up (plans, caches, buffers), not counted
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vouchers", type=int, default=250_000, help="vouchers of 4 lines each")
    parser.add_argument("--repeats", type=int, default=10, help="timed runs per report and period (after a warm-up)")
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
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import psycopg2
    from django.core.management import call_command
    from django.db import DatabaseError, connection, transaction
    from django.utils import translation
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.finance import selectors, services
    from apps.finance.models import Account, AccountBalance, Period, Voucher, VoucherLine
    from tenants.services import SignupInput, firm_provision, signup_create

    translation.activate("en")

    # 1. A fresh database, migrated, with one firm provisioned the normal way.
    setup_start = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    signup = signup_create(
        SignupInput(
            firm_name="Finance Bench Ltd.",
            slug=SLUG,
            owner_name="Bench Owner",
            email=OWNER_EMAIL,
            password=PASSWORD,
            language="en",
        )
    )
    schema = firm_provision(firm_id=signup.firm.pk).schema_name
    setup_seconds = time.perf_counter() - setup_start
    print(f"firm provisioned in schema {schema} ({setup_seconds:.1f} s)", flush=True)

    with schema_context(schema):
        owner = User.objects.get(role=User.Role.OWNER)
        leaves = list(Account.objects.filter(is_leaf=True, is_active=True).order_by("code"))
        owner_id = owner.pk
        Period.objects.bulk_create(Period(year=year, month=month) for year, month in PERIODS)

    # 2. The bulk load, in a session of its own with triggers off.
    load = psycopg2.connect(_dsn(database))
    load_start = time.perf_counter()
    with load, load.cursor() as cursor:
        cursor.execute(f'SET search_path TO "{schema}", public')
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            LOAD_SQL,
            {
                "n": args.vouchers,
                "periods": len(PERIODS),
                "owner": owner_id,
                "leaves": [account.pk for account in leaves],
                "k": len(leaves),
            },
        )
    load_seconds = time.perf_counter() - load_start
    load.autocommit = True
    with load.cursor() as cursor:
        cursor.execute(f'SET search_path TO "{schema}", public')
        start = time.perf_counter()
        cursor.execute("VACUUM ANALYZE finance_voucher, finance_voucherline, finance_period")
        vacuum_seconds = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(VERIFY_SQL)
        vouchers, unbalanced, orphans, lines, total_debit, total_credit = cursor.fetchone()
        verify_seconds = time.perf_counter() - start
    load.close()
    print(
        f"loaded {vouchers:,} vouchers / {lines:,} lines in {load_seconds:.1f} s "
        f"(VACUUM ANALYZE {vacuum_seconds:.1f} s)\n"
        f"verify ({verify_seconds:.1f} s): unbalanced or malformed vouchers = {unbalanced}, "
        f"lines without voucher or leaf account = {orphans}, total debit {total_debit} = credit {total_credit}",
        flush=True,
    )
    assert vouchers == args.vouchers, vouchers
    assert lines == LINES_PER_VOUCHER * args.vouchers, lines
    assert unbalanced == 0, unbalanced
    assert orphans == 0, orphans
    assert total_debit == total_credit

    with schema_context(schema):
        # 3. Build the balances from the posted lines.
        start = time.perf_counter()
        balance_rows = services.balances_rebuild()
        rebuild_seconds = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE finance_accountbalance")
        print(f"balances_rebuild: {balance_rows:,} balance rows in {rebuild_seconds:.2f} s", flush=True)

        # 4. The real write path on top, triggers on: maintained balances must stay exact.
        codes = [account.code for account in leaves]
        posting_times = []
        for i in range(SERVICE_POSTINGS):
            year, month = PERIODS[i % len(PERIODS)]
            amount = Decimal(1000 + 37 * i) / 100
            entry = [
                services.EntryLine(account_code=codes[(3 * i) % len(codes)], debit=amount),
                services.EntryLine(account_code=codes[(3 * i + 1) % len(codes)], debit=amount * 2),
                services.EntryLine(account_code=codes[(3 * i + 2) % len(codes)], credit=amount * 3),
            ]
            start = time.perf_counter()
            voucher = services.voucher_create(
                actor=owner, day=date(year, month, 28), summary=f"service posting {i}", lines=entry
            )
            services.voucher_post(actor=owner, voucher=voucher)
            posting_times.append(time.perf_counter() - start)
        assert Voucher.objects.filter(status=Voucher.Status.POSTED).count() == args.vouchers + SERVICE_POSTINGS
        assert Voucher.objects.filter(period__year=2026, period__month=12).order_by("-number").first().number == (
            Period.objects.get(year=2026, month=12).last_number
        )
        print(f"{SERVICE_POSTINGS} vouchers posted through the services: {summary(posting_times)}", flush=True)

        periods = list(Period.objects.order_by("year", "month"))
        by_id = {account.pk: account.code for account in Account.objects.all()}

        def check_trial_balance(period: Period) -> dict[str, Any]:
            tb = selectors.trial_balance(actor=owner, period=period, include_empty=True)
            with connection.cursor() as cursor:
                cursor.execute(LINES_REPORT_SQL, {"p": period.index, "y": period.year * 12})
                direct = {by_id[row[0]]: row for row in cursor.fetchall()}
            mismatches = []
            for row in tb.rows:
                if not row.is_leaf:
                    continue
                zero = Decimal(0)
                _, opening, _, debit, credit, ytd_debit, ytd_credit, _, _ = direct.get(row.code, (None, *[zero] * 8))
                got = (
                    row.opening_debit - row.opening_credit,
                    row.debit,
                    row.credit,
                    row.closing_debit - row.closing_credit,
                    row.ytd_debit,
                    row.ytd_credit,
                )
                want = (opening, debit, credit, opening + debit - credit, ytd_debit, ytd_credit)
                if got != want:
                    mismatches.append(row.code)
            leaf_rows = sum(1 for row in tb.rows if row.is_leaf)
            return {
                "period": period.label,
                "leaf_accounts_compared": leaf_rows,
                "accounts_with_lines": len(direct),
                "mismatches": mismatches,
                "trial_balance_balanced": tb.balanced,
                "period_debit_total": str(tb.totals.debit),
            }

        checks = [check_trial_balance(periods[n - 1]) for n in MEASURED_PERIODS]
        for check in checks:
            print(f"trial balance vs direct aggregation over lines: {check}", flush=True)

        # The maintained balances after the service postings equal a rebuild from scratch.
        def balance_snapshot() -> list[tuple[Any, ...]]:
            return list(
                AccountBalance.objects.order_by("account_id", "period_id", "closing").values_list(
                    "account_id", "period_id", "period_index", "closing", "debit", "credit"
                )
            )

        maintained = balance_snapshot()
        start = time.perf_counter()
        services.balances_rebuild()
        rebuild_again_seconds = time.perf_counter() - start
        rebuilt = balance_snapshot()
        maintained_equals_rebuild = maintained == rebuilt
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE finance_accountbalance")
        print(
            f"maintained balances == rebuilt balances: {maintained_equals_rebuild} "
            f"({len(rebuilt):,} rows; second rebuild {rebuild_again_seconds:.2f} s)",
            flush=True,
        )
        assert maintained_equals_rebuild

        # The load session's trigger switch was its own: here the ledger's triggers still refuse
        # to change a loaded (posted) voucher.
        try:
            with transaction.atomic():
                Voucher.objects.filter(pk=1).update(summary="changed")
            triggers_active = False
        except DatabaseError:
            triggers_active = True
        print(f"immutability trigger refuses to change a loaded voucher: {triggers_active}", flush=True)
        assert triggers_active
        assert all(not c["mismatches"] and c["trial_balance_balanced"] for c in checks)

        # 5. The reports, warm, as the app calls them.
        reports: dict[str, Callable[[Period], Any]] = {
            "trial_balance": lambda period: selectors.trial_balance(actor=owner, period=period),
            "balance_sheet": lambda period: selectors.balance_sheet(actor=owner, period=period),
            "income_statement": lambda period: selectors.income_statement(actor=owner, period=period),
        }
        figures: dict[str, Any] = {}
        for name, report in reports.items():
            per_period = {}
            for n in MEASURED_PERIODS:
                period = periods[n - 1]
                per_period[period.label] = summary(timed(partial(report, period), args.repeats))
                print(f"{name} {period.label}: {per_period[period.label]}", flush=True)
            figures[name] = {
                "per_period": per_period,
                "worst_p50_s": max(s["p50_s"] for s in per_period.values()),
                "worst_p95_s": max(s["p95_s"] for s in per_period.values()),
                "worst_max_s": max(s["max_s"] for s in per_period.values()),
            }
        sheets_balanced = all(
            selectors.balance_sheet(actor=owner, period=periods[n - 1]).checks["balanced"] for n in MEASURED_PERIODS
        )

        # 6. Baselines in the same run: aggregating the lines instead of reading the balances.
        def raw(sql: str, period: Period) -> Callable[[], Any]:
            def run() -> Any:
                with connection.cursor() as cursor:
                    cursor.execute(sql, {"p": period.index, "y": period.year * 12})
                    return cursor.fetchall()

            return run

        baseline: dict[str, Any] = {}
        for key, sql in (
            ("plain_aggregation_over_lines", BASELINE_SQL),
            ("report_aggregate_over_lines", LINES_REPORT_SQL),
        ):
            per_period = {}
            for n in MEASURED_PERIODS:
                period = periods[n - 1]
                per_period[period.label] = summary(timed(raw(sql, period), args.repeats))
                print(f"baseline {key} {period.label}: {per_period[period.label]}", flush=True)
            baseline[key] = {
                "per_period": per_period,
                "worst_p50_s": max(s["p50_s"] for s in per_period.values()),
                "worst_max_s": max(s["max_s"] for s in per_period.values()),
            }
        baseline["plain_aggregation_over_lines"]["sql"] = " ".join(BASELINE_SQL.split())
        baseline["report_aggregate_over_lines"]["sql"] = "selectors._account_totals' aggregate over voucher lines"

        # For information (no target): an account's detail ledger for one month.
        ledger_account = Account.objects.get(code="1002")
        ledger = {
            period.label: summary(
                timed(
                    partial(selectors.account_ledger, actor=owner, account=ledger_account, period=period), args.repeats
                )
            )
            for period in (periods[0], periods[-1])
        }
        counts = {
            "periods": Period.objects.count(),
            "leaf_accounts_used": len(leaves),
            "vouchers": Voucher.objects.count(),
            "voucher_lines": VoucherLine.objects.count(),
            "balance_rows": AccountBalance.objects.count(),
        }

    worst = {name: figures[name]["worst_max_s"] for name in reports}
    speedup = baseline["plain_aggregation_over_lines"]["worst_p50_s"] / max(f["worst_p50_s"] for f in figures.values())
    meets = all(value < 1.0 for value in worst.values())
    baseline_under_target = all(b["worst_max_s"] < 1.0 for b in baseline.values())
    result = {
        "description": (
            f"ledger reports (selectors, as the app calls them, warm) over {counts['voucher_lines']:,} posted "
            f"voucher lines in {counts['periods']} periods, read from the maintained per-period balances; "
            "baseline: aggregating the voucher lines"
        ),
        "server": "external (DATABASE_URL)" if external else "embedded (pgserver)",
        "data": {
            **counts,
            "lines_per_voucher": LINES_PER_VOUCHER,
            "period_range": f"{PERIODS[0][0]}-{PERIODS[0][1]:02d} .. {PERIODS[-1][0]}-{PERIODS[-1][1]:02d}",
            "service_postings_on_top": SERVICE_POSTINGS,
        },
        "timings_s": {
            "firm_setup": round(setup_seconds, 2),
            "bulk_load": round(load_seconds, 2),
            "vacuum_analyze": round(vacuum_seconds, 2),
            "verify_query": round(verify_seconds, 2),
            "balances_rebuild": round(rebuild_seconds, 2),
            "balances_rebuild_second": round(rebuild_again_seconds, 2),
            "service_post_per_voucher": summary(posting_times),
            "whole_run": round(time.perf_counter() - wall_start, 1),
        },
        "repeats_per_period": args.repeats,
        "periods_measured": [periods[n - 1].label for n in MEASURED_PERIODS],
        "figures": {
            **figures,
            "speedup_p50_vs_plain_aggregation": round(speedup, 1),
            "ar_aging": {
                "measured": False,
                "reason": "AR/AP (open items) is not built yet; the target's AR aging over 100,000 open "
                "items is left out until it exists",
            },
            "account_ledger_1002_info_only": ledger,
        },
        "baseline": baseline,
        "target": {
            "trial_balance_max_s_under": 1.0,
            "balance_sheet_max_s_under": 1.0,
            "income_statement_max_s_under": 1.0,
            "ar_aging_100k_open_items_s_under": "1.0 (not measured: AR does not exist yet)",
        },
        "meets_target": meets,
        "meets_target_note": "judged on the worst max over the periods measured, for the three reports only",
        "baseline_would_meet_target_too": baseline_under_target,
        "correctness": {
            "bulk_load_verified": {
                "vouchers": vouchers,
                "unbalanced_or_malformed_vouchers": unbalanced,
                "lines_without_voucher_or_leaf_account": orphans,
                "total_debit": str(total_debit),
                "total_credit": str(total_credit),
            },
            "trial_balance_equals_direct_aggregation": checks,
            "maintained_balances_equal_rebuild_after_service_postings": maintained_equals_rebuild,
            "balance_sheets_balanced": sheets_balanced,
        },
        "notes": [
            "The bulk load ran with session_replication_role = replica in its own session: the ledger's "
            "triggers (balance at commit, immutability) and the foreign-key checks were off for it only. "
            "The verify query above checks afterwards that every voucher balances, has at least two lines "
            "and a total equal to its debits, and that every line points at a voucher and a leaf account.",
            "The 100 service postings ran with every trigger on, through voucher_create + voucher_post.",
            "All vouchers are manual (no closing vouchers); amounts and accounts are deterministic.",
            "AR aging is not measured: AR/AP does not exist yet.",
            "The baselines scan every line, so they grow with the ledger; the reports read one row per "
            "account and period and stay flat. baseline_would_meet_target_too says whether, at this size "
            "and on this machine, scanning the lines would also have stayed under 1 s.",
        ],
    }
    if args.no_write:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(f"written to {write_result('finance', result)}")


if __name__ == "__main__":
    main()
