"""Billing jobs. Billing rows live in the public schema, so these jobs stay there; each names
the firm it acts for in its log lines."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.task(queue="default", name="billing.sync_seats")
def sync_seats(*, firm_id: int) -> None:
    """Set the Stripe subscription's seat quantity to the firm's active users."""
    from .services import seats_sync

    seats_sync(firm_id=firm_id)
