"""An in-repo, stateful fake of the Stripe endpoints ParkSuite uses (API 2026-10-28.endive),
spoken to by the real stripe-python client over HTTP on 127.0.0.1. Tests start it from
tests/billing/conftest.py; ``manage.py stripe_fake`` runs it for the demo (platform/run)."""

from .server import StripeFake
from .state import API_VERSION, Delivery, StripeError, StripeState

__all__ = ["API_VERSION", "Delivery", "StripeError", "StripeFake", "StripeState"]
