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


# Entitlements (apps/billing/entitlements.py): read from a cached per-firm summary.
from .entitlements import Entitlement as Entitlement  # noqa: E402
from .entitlements import SeatLimitReached as SeatLimitReached  # noqa: E402
from .entitlements import current_firm_id as current_firm_id  # noqa: E402
from .entitlements import entitlement_for as entitlement_for  # noqa: E402
from .entitlements import entitlement_invalidate as entitlement_invalidate  # noqa: E402
from .entitlements import seats_check as seats_check  # noqa: E402
from .entitlements import subscription_trial_ensure as subscription_trial_ensure  # noqa: E402


def usage_record_here(*, quantity: int = 1) -> None:
    """Count documents processed (metered billing) for the firm the connection is in; reported
    to Stripe later by the ``billing.flush_usage`` job."""
    from .services import usage_record_here as record

    record(quantity=quantity)
