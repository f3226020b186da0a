"""Back up one firm (or all) into portable archives."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError
from tenants.backup import firm_backup
from tenants.models import Firm


class Command(BaseCommand):
    help = "Write a backup archive of the firm at <slug> (or of every live firm with --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?")
        parser.add_argument("--all", action="store_true", help="every live firm")
        parser.add_argument("--out", type=Path, default=None, help="directory (default PARKSUITE_BACKUP_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] == bool(options["slug"]):
            raise CommandError("Name one firm's slug, or give --all.")
        slugs = [options["slug"]]
        if options["all"]:
            live = Firm.objects.filter(
                status__in=[Firm.Status.ACTIVE, Firm.Status.SUSPENDED, Firm.Status.CLOSED], purged_at__isnull=True
            ).exclude(schema_name="public")
            slugs = list(live.values_list("slug", flat=True))
        failures = 0
        for slug in slugs:
            try:
                result = firm_backup(slug=slug, directory=options["out"])
            except ApplicationError as exc:
                if not options["all"]:
                    raise CommandError(exc.detail) from None
                failures += 1
                self.stderr.write(f"{slug}: {exc.detail}")
            except subprocess.CalledProcessError as exc:
                if not options["all"]:
                    raise CommandError(f"pg_dump failed: {exc.stderr!r}") from None
                failures += 1
                self.stderr.write(f"{slug}: pg_dump failed: {exc.stderr!r}")
            else:
                tables = result.manifest["tables"]
                rows = sum(t["rows"] for t in tables.values())
                self.stdout.write(f"{slug}: {result.path} ({len(tables)} tables, {rows} rows)")
        if failures:
            raise CommandError(f"{failures} firm(s) could not be backed up.")
