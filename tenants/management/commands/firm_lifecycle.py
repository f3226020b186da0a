"""Operators change a firm's state from the command line; every change is recorded."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError
from tenants import lifecycle
from tenants.models import Firm


class Command(BaseCommand):
    help = "suspend | reactivate | close | cancel-close | rename | purge-due a firm (by slug)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["suspend", "reactivate", "close", "cancel-close", "rename", "purge-due"])
        parser.add_argument("slug", nargs="?", help="the firm's current address (slug)")
        parser.add_argument("--reason", default="", help="why (required to suspend)")
        parser.add_argument("--to", dest="new_slug", default="", help="the new address, with rename")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        actor = f"{getpass.getuser()} (operator, command line)"
        if action == "purge-due":
            purged = lifecycle.firm_purge_due()
            self.stdout.write(f"purged {len(purged)} firm(s): {', '.join(purged) or '-'}")
            return
        firm = Firm.objects.filter(slug=options["slug"] or "").exclude(schema_name="public").first()
        if firm is None:
            raise CommandError(f"No firm with the address {options['slug']!r}.")
        try:
            if action == "suspend":
                firm = lifecycle.firm_suspend(firm_id=firm.pk, actor=actor, reason=options["reason"])
            elif action == "reactivate":
                firm = lifecycle.firm_reactivate(firm_id=firm.pk, actor=actor, reason=options["reason"])
            elif action == "close":
                firm = lifecycle.firm_close_request(
                    firm_id=firm.pk, actor=actor, confirm_slug=firm.slug, reason=options["reason"]
                )
            elif action == "cancel-close":
                firm = lifecycle.firm_close_cancel(firm_id=firm.pk, actor=actor)
            else:
                firm = lifecycle.firm_slug_change(firm_id=firm.pk, new_slug=options["new_slug"], actor=actor)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(f"{firm.slug}: {firm.status}")
