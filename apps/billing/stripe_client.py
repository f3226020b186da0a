"""The one way ParkSuite talks to Stripe: a ``stripe.StripeClient`` with the pinned API version
and the base address from settings (Stripe itself, or the in-repo fake on 127.0.0.1)."""

from __future__ import annotations

import stripe
from django.conf import settings

# stripe-python 16.1.0's own version; requests and webhooks are read in this shape.
API_VERSION = "2026-10-28.endive"


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise RuntimeError("STRIPE_SECRET_KEY is not set (platform/run starts the Stripe fake when it is missing)")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=API_VERSION,
        base_addresses={"api": settings.STRIPE_API_BASE, "files": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )
