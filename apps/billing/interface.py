"""What other apps may use of billing: the entitlement summary (read from a cache, never from
Stripe) and the signal that a firm's seats changed (synced to Stripe by a job)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import Subscription


def seats_changed(*, firm_id: int) -> None:
    """Call after users were added, activated or deactivated: the seat count is synced to
    Stripe by a job after the transaction commits (one key per change, so a retry counts once)."""
    updated = Subscription.objects.filter(firm_id=firm_id).update(seat_version=F("seat_version") + 1)
    if not updated:
        return

    def enqueue() -> None:
        from .jobs import sync_seats

        sync_seats.defer(firm_id=firm_id)

    transaction.on_commit(enqueue)
