"""Provision firms now, in this process (the worker normally does it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError
from tenants.models import Firm
from tenants.services import firm_provision, firm_provisioning_retry


class Command(BaseCommand):
    help = "Provision a firm (by slug or id) now, or retry every failed firm with --retry-failed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("firms", nargs="*", help="slugs or ids")
        parser.add_argument("--retry-failed", action="store_true", help="send failed firms back to provisioning")
        parser.add_argument("--queue", action="store_true", help="enqueue for the worker instead of running here")

    def handle(self, *args: Any, **options: Any) -> None:
        firms = (
            list(Firm.objects.exclude(schema_name="public").filter(status=Firm.Status.FAILED))
            if options["retry_failed"]
            else []
        )
        for ref in options["firms"]:
            firm = Firm.objects.filter(slug=ref).first() or (
                Firm.objects.filter(pk=ref).first() if ref.isdigit() else None
            )
            if firm is None:
                raise CommandError(f"No firm with slug or id {ref!r}.")
            firms.append(firm)
        if not firms:
            self.stdout.write("Nothing to provision.")
            return
        failures = 0
        for firm in firms:
            try:
                if firm.status == Firm.Status.FAILED or options["queue"]:
                    firm_provisioning_retry(firm_id=firm.pk)
                if not options["queue"]:
                    firm_provision(firm_id=firm.pk)
            except ApplicationError as exc:
                failures += 1
                self.stderr.write(f"{firm.slug}: {exc.detail}")
            except Exception as exc:
                failures += 1
                self.stderr.write(f"{firm.slug}: failed: {exc}")
            else:
                firm.refresh_from_db()
                self.stdout.write(f"{firm.slug}: {firm.status}")
        if failures:
            raise CommandError(f"{failures} firm(s) could not be provisioned.")
