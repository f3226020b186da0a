"""Fill the warm pool of spare schemas now (the worker does it after each claim)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tenants.models import SpareSchema
from tenants.pool import pool_top_up


class Command(BaseCommand):
    help = "Bring the pool of spare schemas to PARKSUITE_POOL_SIZE (or --size), mending stale ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=None, help="target number of ready spares")

    def handle(self, *args: Any, **options: Any) -> None:
        size = settings.PARKSUITE_POOL_SIZE if options["size"] is None else options["size"]
        if size < 0:
            self.stderr.write("--size must be 0 or more.")
            return
        changed = pool_top_up(size=size)
        ready = SpareSchema.objects.filter(ready=True).count()
        self.stdout.write(f"spares made or mended: {changed}; ready now: {ready} (target {size})")
