"""Bring every firm schema that exists to the latest migration; one failure does not stop the rest."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_exists

from core.tenancy import use_public_schema
from tenants.models import Firm
from tenants.pool import pool_top_up
from tenants.services import firm_schema_lock


class Command(BaseCommand):
    help = (
        "Migrate the schema of every active or suspended firm (provisioning migrates its own). "
        "Prints a summary and exits non-zero naming any schema that failed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Provisioning migrates its own firm; failed firms are retried with firm_provision.
        firms = Firm.objects.filter(status__in=[Firm.Status.ACTIVE, Firm.Status.SUSPENDED]).order_by("pk")
        done, busy, failed = 0, 0, []
        for firm in firms.exclude(schema_name="public"):
            with firm_schema_lock(firm.schema_name) as acquired:
                if not acquired or not schema_exists(firm.schema_name):
                    busy += 1
                    continue
                try:
                    call_command(
                        "migrate_schemas", tenant=True, schema_name=firm.schema_name, interactive=False, verbosity=0
                    )
                except Exception as exc:
                    failed.append(f"{firm.schema_name} ({firm.slug}): {exc}")
                else:
                    done += 1
                finally:
                    use_public_schema()
        spares = pool_top_up(size=0)  # brings stale spares up to date, makes none
        self.stdout.write(
            f"firm schemas migrated: {done}, busy or missing: {busy}, failed: {len(failed)}, spares mended: {spares}"
        )
        if failed:
            raise CommandError("these schemas failed to migrate:\n  " + "\n  ".join(failed))
