"""Restore a firm backup archive as a new firm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError
from tenants.backup import firm_restore


class Command(BaseCommand):
    help = "Restore <archive> into a new schema and firm at --as <new-slug>; checksums are verified."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--as", dest="new_slug", required=True, help="the restored firm's address")
        parser.add_argument("--name", default=None, help="the restored firm's name (default: as backed up)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            firm = firm_restore(path=options["archive"], new_slug=options["new_slug"], name=options["name"])
        except ApplicationError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(f"restored as {firm.slug} ({firm.schema_name}): {firm.url}")
