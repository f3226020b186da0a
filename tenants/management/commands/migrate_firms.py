"""The fleet migrator: every firm schema and every spare to the latest migration."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.readiness import schemas_missing_migrations
from tenants.fleet import SchemaResult, fleet_migrate, fleet_schemas


class Command(BaseCommand):
    help = (
        "Migrate every lagging firm schema and spare (found with one query), several at a time. "
        "One failure does not stop the rest; the summary names it and the exit code is non-zero. "
        "Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jobs", type=int, default=min(4, os.cpu_count() or 1), help="schemas migrated at once (processes)"
        )
        parser.add_argument("--dry-run", action="store_true", help="only list the lagging schemas")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jobs"] < 1:
            raise CommandError("--jobs must be 1 or more.")
        if options["dry_run"]:
            schemas = fleet_schemas()
            lagging = schemas_missing_migrations(schemas)
            self.stdout.write(f"{len(lagging)} of {len(schemas)} schemas lag: {' '.join(lagging) or '-'}")
            return

        def progress(done: int, total: int, result: SchemaResult) -> None:
            detail = (
                f"{result.applied} applied" if result.outcome == "migrated" else f"{result.outcome}: {result.error}"
            )
            self.stdout.write(f"[{done}/{total}] {result.schema}: {detail} ({result.seconds:.2f}s)")

        report = fleet_migrate(jobs=options["jobs"], progress=progress)
        self.stdout.write(
            f"checked {report.checked} schemas, {report.lagging} lagging, "
            f"{report.lagging - len(report.failed)} migrated, {len(report.failed)} not, in {report.seconds:.2f}s"
        )
        if report.failed:
            names = "\n  ".join(f"{r.schema}: {r.outcome} {r.error}" for r in report.failed)
            raise CommandError(f"these schemas are not migrated (run again once fixed):\n  {names}")
