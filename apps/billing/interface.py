"""What other apps may use of billing: the entitlement summary (read from a cache, never from
Stripe), the signal that a firm's seats changed (synced to Stripe by a job), and park
sponsorship: membership changes, and the park's sponsored firms and their cost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from .models import Subscription

if TYPE_CHECKING:
    # A frozen dataclass (apps.billing.selectors.SponsoredFirmInfo); imported lazily at run time
    # so that importing this interface stays cheap for the apps that do it at module level.
    from .selectors import SponsoredFirmInfo


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
    """Call (inside the transaction) after a firm joined or left a park: the park's active
    sponsorship starts for it, or the one it had ends. Local rows change at once; Stripe follows
    in a job after the commit. Reads and writes public-schema rows only."""
    from .sponsorship import sponsorship_membership_sync

    sponsorship_membership_sync(firm_id=firm_id)


def park_sponsored_cost(*, park_id: int) -> dict[str, object]:
    """What the park's sponsorship costs: {"currency": "CNY", "firms": n, "monthly": Decimal,
    "by_month": [("2026-11", Decimal), ...]} (the last 12 months, oldest first), read from the
    public-schema billing mirror only."""
    from .selectors import park_sponsored_cost as cost

    return cost(park_id=park_id)


def park_sponsored_firms(*, park_id: int) -> list[SponsoredFirmInfo]:
    """The firms the park sponsors now, with seats and monthly cost (public schema only)."""
    from .selectors import park_sponsored_firms as firms

    return firms(park_id=park_id)
