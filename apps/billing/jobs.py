"""Billing jobs. Billing rows live in the public schema, so these jobs stay there; each names
the firm it acts for in its log lines."""

from __future__ import annotations

import logging

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)

# Stripe may be briefly unreachable: try again with growing pauses (about an hour in all).
STRIPE_RETRY = RetryStrategy(max_attempts=8, exponential_wait=2)


@app.task(queue="default", name="billing.sync_seats", retry=STRIPE_RETRY)
def sync_seats(*, firm_id: int) -> None:
    """Set the Stripe subscription's seat quantity to the firm's active users."""
    from .services import seats_sync

    seats_sync(firm_id=firm_id)


@app.task(queue="default", name="billing.sync_park_sponsorship", retry=STRIPE_RETRY)
def sync_park_sponsorship(*, sponsorship_id: int) -> None:
    """Bring the park's Stripe subscription in line with the firms it sponsors now."""
    from .sponsorship import park_sponsorship_sync

    park_sponsorship_sync(sponsorship_id=sponsorship_id)


@app.task(queue="default", name="billing.sync_sponsored_coupon", retry=STRIPE_RETRY)
def sync_sponsored_coupon(*, firm_id: int) -> None:
    """Put the park's coupon on the firm's subscription, or take an ended park's coupon off."""
    from .sponsorship import sponsored_coupon_sync

    sponsored_coupon_sync(firm_id=firm_id)


@app.task(queue="default", name="billing.process_event", retry=STRIPE_RETRY)
def process_event(*, event_id: str) -> None:
    """Apply a received Stripe webhook event to the local mirror."""
    from .webhooks import event_failed, event_process

    try:
        event_process(event_id=event_id)
    except Exception as exc:
        event_failed(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
        logger.exception("Stripe event %s could not be processed", event_id)
        raise


@app.periodic(cron="*/10 * * * *")
@app.task(queue="default", name="billing.flush_usage", queueing_lock="billing.flush_usage")
def flush_usage(timestamp: int) -> None:
    """Every ten minutes, report the metered usage recorded since to Stripe's meter events."""
    from .services import usage_flush

    usage_flush()


@app.periodic(cron="13 9 * * *")
@app.task(queue="default", name="billing.dunning_reminders")
def dunning_reminders(timestamp: int) -> None:
    """Every morning, remind the owners of firms whose payment is overdue how many days of
    full access they have left."""
    from .models import Subscription
    from .webhooks import dunning_mail

    overdue = Subscription.objects.filter(status=Subscription.Status.PAST_DUE, past_due_since__isnull=False)
    for firm_id in overdue.values_list("firm_id", flat=True):
        dunning_mail(firm_id=firm_id)
