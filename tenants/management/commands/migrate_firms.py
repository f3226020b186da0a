"""Bring every firm schema that exists to the latest migration; one failure does not stop the rest."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_exists

from core.tenancy import use_public_schema
from tenants.models import Firm


class Command(BaseCommand):
    help = (
        "Migrate every firm schema that exists (firms still waiting for their schema are left to "
        "provisioning). Prints a summary and exits non-zero naming any schema that failed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        firms = Firm.objects.exclude(schema_name="public").exclude(status=Firm.Status.CLOSED).order_by("pk")
        done, skipped, failed = 0, 0, []
        for firm in firms:
            if not schema_exists(firm.schema_name):
                skipped += 1
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
        self.stdout.write(f"firm schemas migrated: {done}, without a schema yet: {skipped}, failed: {len(failed)}")
        if failed:
            raise CommandError("these schemas failed to migrate:\n  " + "\n  ".join(failed))
