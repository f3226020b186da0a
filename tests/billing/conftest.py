"""Billing tests talk to the in-repo Stripe fake (apps/billing/fake), never to the internet.

How to use it
-------------
``stripe_fake`` (session): the fake's HTTP server on 127.0.0.1 (a free port), started once.
``stripe_settings`` (function): points settings at it (``STRIPE_SECRET_KEY="sk_test_parksuite_fake"``,
``STRIPE_API_BASE=<fake url>``, ``STRIPE_WEBHOOK_SECRET="whsec_parksuite_fake"``), resets the fake's
state, registers a price for every Plan (filling empty ``Plan.stripe_price_*`` inside the test's
transaction) and sends webhooks to the Django test client: a POST of the raw JSON body with
``HTTP_STRIPE_SIGNATURE`` to ``/billing/webhooks/stripe/`` on the public host ``localhost``.
It returns the same fake object. Use it in every test that calls Stripe::

    def test_checkout_makes_the_firm_active(stripe_settings, firm_a):
        fake = stripe_settings
        # given a checkout session created by the service under test (real stripe client)
        session = checkout_start(...)
        # when the owner pays on the fake's hosted page
        fake.checkout_complete(session_id)          # emits and delivers the webhooks
        # then ...
        assert [d.status for d in fake.deliveries] == [200, 200, 200, 200]

Webhook delivery in tests happens in the test's thread (the test client must see the test's
transaction). Control helpers (``checkout_complete``, ``invoice_fail``, ``invoice_pay``,
``subscription_set_status``, ``clock_advance``) deliver what they emit at once. Events emitted by
API calls your code makes (``subscriptions.update`` -> ``customer.subscription.updated``) wait
until you call ``fake.deliver_pending()``. Set ``fake.hold_deliveries = True`` to keep everything
pending, then ``fake.deliver([...ids in any order...])``, ``fake.resend(event_id)`` (a duplicate),
``fake.resend(event_id, signature="bad")`` or ``signature="stale"`` (timestamp older than the
tolerance). Every delivery returns/records a ``Delivery(event_id, type, status, signature)``.

State accessors: ``fake.events(type=None)`` (every event sent, oldest first), ``fake.get(obj_id)``
(any object as Stripe would render it), ``fake.quantity_changes(item_id)`` (quantity changes
applied to a subscription item: a retried update with the same Idempotency-Key counts once),
``fake.meter_total(customer_id, event_name)``, ``fake.now()`` (the fake clock, Unix seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from apps.billing.fake import StripeFake

FAKE_SECRET_KEY = "sk_test_parksuite_fake"
FAKE_WEBHOOK_SECRET = "whsec_parksuite_fake"
WEBHOOK_PATH = "/billing/webhooks/stripe/"


@pytest.fixture(scope="session")
def stripe_fake() -> Iterator[StripeFake]:
    """The Stripe fake on a free port of 127.0.0.1 for the whole session."""
    fake = StripeFake(api_key=FAKE_SECRET_KEY, webhook_secret=FAKE_WEBHOOK_SECRET)
    fake.start(host="127.0.0.1", port=0)
    yield fake
    fake.stop()


@pytest.fixture
def stripe_webhook_client() -> Client:
    """The client the fake's webhooks are posted with (public host; request errors raise)."""
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def stripe_settings(
    settings: Any, stripe_fake: StripeFake, stripe_webhook_client: Client, db: None
) -> Iterator[StripeFake]:
    """Settings pointed at a freshly reset fake whose webhooks reach the Django test client."""
    settings.STRIPE_SECRET_KEY = FAKE_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = FAKE_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_fake.base_url
    stripe_fake.reset()

    def post_to_django(body: bytes, signature: str) -> int:
        response = stripe_webhook_client.post(
            WEBHOOK_PATH, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        return response.status_code

    stripe_fake.webhook_target = post_to_django
    stripe_fake.plans_sync()
    yield stripe_fake
    stripe_fake.webhook_target = None
    stripe_fake.reset()
