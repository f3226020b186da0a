"""Deploying a tenant migration to 300 firms: our fleet migrator against django-tenants.

Sets up 600 firm schemas (two sets of 300, identical: one migrated schema with 1,000 rows in
a table, copied with pg_dump), then applies one new tenant migration (a column and an index
on that populated table):
  - set A with django-tenants' ``migrate_schemas --tenant`` (standard executor): the baseline;
  - set B with ``migrate_firms`` (tenants/fleet.py), several schemas at a time;
and finally times ``migrate_firms`` again when nothing is left to do.

    .venv/bin/python benchmarks/fleet_migrate.py [--firms 300] [--rows 1000] [--jobs 2]

Target: at least 5x faster than the baseline; a no-op run over 300 schemas under 5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from _harness import ROOT, recreate_database, server_url, write_result

TEMPLATE = "t_benchtemplate00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firms", type=int, default=300)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    database = recreate_database(server_url(), "parksuite_bench_fleet")
    os.environ.update(DATABASE_URL=database, DJANGO_SETTINGS_MODULE="benchmarks.settings_fleet", LOG_LEVEL="WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from core.pgtools import run_pg
    from core.readiness import schemas_missing_migrations
    from tenants.fleet import fleet_migrate
    from tenants.models import Firm

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)

    # One firm schema, migrated for real, one migration short, with a populated table.
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{TEMPLATE}"')
    call_command("migrate_schemas", tenant=True, schema_name=TEMPLATE, interactive=False, verbosity=0)
    call_command(
        "migrate_schemas", "fleetbench", "0001", tenant=True, schema_name=TEMPLATE, interactive=False, verbosity=0
    )
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{TEMPLATE}".fleetbench_item (name, quantity) '
            "SELECT 'item ' || n, n FROM generate_series(1, %s) AS n",
            [args.rows],
        )
    dump = run_pg("pg_dump", "--no-owner", "--no-privileges", f"--schema={TEMPLATE}").stdout.decode()

    names = [f"t_bench{n:010d}" for n in range(2 * args.firms)]
    setup_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "fleet.sql"
        with script.open("w") as out:
            for name in names:
                out.write(dump.replace(TEMPLATE, name))
        run_pg("psql", "--quiet", "--set", "ON_ERROR_STOP=1", "--file", str(script), timeout=3600)
    setup_seconds = time.perf_counter() - setup_start
    set_a, set_b = names[: args.firms], names[args.firms :]

    def register(schemas: list[str]) -> None:
        Firm.objects.exclude(schema_name="public").delete()
        Firm.objects.bulk_create(
            Firm(schema_name=s, name=s, slug=f"bench-{s[-6:]}", status=Firm.Status.ACTIVE) for s in schemas
        )

    register(set_a)
    assert len(schemas_missing_migrations(set_a)) == args.firms
    start = time.perf_counter()
    call_command("migrate_schemas", tenant=True, executor="standard", interactive=False, verbosity=0)
    baseline = time.perf_counter() - start
    connection.set_schema_to_public()
    assert schemas_missing_migrations(set_a) == [], "the baseline left schemas behind"

    register(set_b)
    assert len(schemas_missing_migrations(set_b)) == args.firms
    report = fleet_migrate(jobs=args.jobs)
    ours = report.seconds
    assert not report.failed, report.failed
    assert schemas_missing_migrations(set_b) == [], "the fleet migrator left schemas behind"

    noop = fleet_migrate(jobs=args.jobs)
    assert noop.lagging == 0

    speedup = baseline / ours
    write_result(
        "fleet_migrate",
        {
            "description": "one new tenant migration (AddField + index on a populated table) over N firm schemas",
            "firms": args.firms,
            "rows_per_firm": args.rows,
            "jobs": args.jobs,
            "setup_seconds": round(setup_seconds, 2),
            "figures": {
                "fleet_migrator_s": round(ours, 3),
                "fleet_migrator_noop_s": round(noop.seconds, 3),
                "speedup": round(speedup, 2),
            },
            "baseline": {"django_tenants_migrate_schemas_standard_s": round(baseline, 3)},
            "target": {"speedup_at_least": 5, "noop_s_under": 5},
            "meets_target": speedup >= 5 and noop.seconds < 5,
        },
    )


if __name__ == "__main__":
    main()
