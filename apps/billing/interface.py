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


def park_membership_changed(*, firm_id: int) -> None:
    """Call (inside the transaction) after a firm joined or left a park: a park's sponsorship
    starts or ends for it. Implemented with the park sponsorship flow."""


def park_sponsored_cost(*, park_id: int) -> dict[str, object]:
    """What the park's sponsorship costs: {"currency": "CNY", "firms": n, "monthly": Decimal,
    "by_month": [("2026-11", Decimal), ...]} (most recent 12 months). Implemented with the park
    sponsorship flow."""
    from decimal import Decimal

    return {"currency": "CNY", "firms": 0, "monthly": Decimal(0), "by_month": []}
