"""Billing services (writes). Stripe is called only from here and from jobs, never to decide
access on a request."""

from __future__ import annotations


def seats_sync(*, firm_id: int) -> None:
    """Placeholder until the Stripe flows land: nothing to sync without a Stripe subscription."""
    return None
