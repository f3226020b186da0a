"""Stripe webhooks: receive (verified by the view, stored once, acknowledged at once) and
process (in a job). Processing re-reads the subscription from Stripe, so duplicates and
events arriving out of order leave the mirror at Stripe's current state; an event older
than the last one applied to a subscription is skipped without a call.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from tenants.models import Firm

from .models import (
    BillingCustomer,
    ParkBillingCustomer,
    ParkSponsorship,
    Plan,
    SponsoredFirm,
    SponsorshipMode,
    StripeEvent,
    Subscription,
)
from .services import _get, _id, _stamp, invoice_mirror, subscription_mirror
from .stripe_client import stripe_client

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.subscription.pending_update_applied",
    "customer.subscription.pending_update_expired",
}
INVOICE_EVENTS = {
    "invoice.created",
    "invoice.finalized",
    "invoice.updated",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.overdue",
}


@transaction.atomic
def event_receive(*, event: dict[str, Any]) -> bool:
    """Store a verified event (the webhook's JSON body, as sent) once and queue its processing
    with the same commit. Returns False for a duplicate (nothing else happens)."""
    event_id = str(_get(event, "id", ""))
    _stored, created = StripeEvent.objects.get_or_create(
        event_id=event_id,
        defaults={
            "type": str(_get(event, "type", "")),
            "created": _stamp(_get(event, "created")) or timezone.now(),
            "payload": event,
        },
    )
    if not created:
        logger.info("Stripe event %s received again: ignored", event_id)
        return False

    def enqueue() -> None:
        from .jobs import process_event

        process_event.defer(event_id=event_id)

    transaction.on_commit(enqueue)
    return True


@transaction.atomic
def event_process(*, event_id: str) -> StripeEvent | None:
    """Apply one stored event. Processing it twice is harmless: it is marked when done."""
    event = StripeEvent.objects.select_for_update().filter(event_id=event_id).first()
    if event is None or event.processed_at is not None:
        return event
    obj = _get(_get(event.payload, "data"), "object", {}) or {}
    if event.type in SUBSCRIPTION_EVENTS:
        _on_subscription(event, obj)
    elif event.type == "checkout.session.completed":
        _on_checkout_completed(event, obj)
    elif event.type in INVOICE_EVENTS:
        _on_invoice(event, obj)
    else:
        logger.info("Stripe event %s of type %s: nothing to do", event.event_id, event.type)
    event.processed_at = timezone.now()
    event.error = ""
    event.save(update_fields=["processed_at", "error"])
    return event


def event_failed(*, event_id: str, error: str) -> None:
    """Note why processing failed (the job retries; the admin shows the error)."""
    StripeEvent.objects.filter(event_id=event_id, processed_at__isnull=True).update(error=error[:5000])


# ---------------------------------------------------------------------------------------------


def _firm_for(*, subscription_id: str = "", customer_id: str = "", metadata: Any = None) -> Firm | None:
    if subscription_id:
        sub = Subscription.objects.select_related("firm").filter(stripe_subscription_id=subscription_id).first()
        if sub is not None:
            return sub.firm
    firm_id = str(_get(metadata, "firm_id", "") or "")
    if firm_id.isdigit():
        firm = Firm.objects.filter(pk=int(firm_id)).first()
        if firm is not None:
            return firm
    if customer_id:
        customer = BillingCustomer.objects.select_related("firm").filter(stripe_customer_id=customer_id).first()
        if customer is not None:
            return customer.firm
    return None


def _locked_row(firm: Firm) -> Subscription:
    sub = Subscription.objects.select_for_update().select_related("firm", "plan").filter(firm=firm).first()
    if sub is not None:
        return sub
    plan = Plan.objects.filter(trial_days__gt=0).order_by("position").first() or Plan.objects.order_by("position")[0]
    return Subscription.objects.create(firm=firm, plan=plan, status=Subscription.Status.INCOMPLETE)


def _refresh_subscription(*, firm: Firm, subscription_id: str, event: StripeEvent) -> Subscription | None:
    sub = _locked_row(firm)
    if sub.sponsorship_mode == SponsorshipMode.PARK_BILLED or _replaced_by_sponsorship(subscription_id):
        # The park pays for the firm: news of a subscription of the firm's own (cancelled when
        # the park took over) must not replace what the park sponsors.
        logger.info(
            "firm %s: event %s is about subscription %s, which a park sponsorship replaced: ignored",
            firm.slug,
            event.event_id,
            subscription_id,
            extra={"schema": firm.schema_name},
        )
        return None
    if sub.stripe_subscription_id and sub.stripe_subscription_id != subscription_id and _is_running(sub):
        # Another subscription of the firm still runs: an old one's news must not replace it.
        logger.warning(
            "firm %s: event %s is about subscription %s, the firm's is %s: ignored",
            firm.slug,
            event.event_id,
            subscription_id,
            sub.stripe_subscription_id,
            extra={"schema": firm.schema_name},
        )
        return None
    if sub.last_event_at is not None and event.created < sub.last_event_at:
        logger.info(
            "firm %s: Stripe event %s (%s) is older than the last one applied: skipped",
            firm.slug,
            event.event_id,
            event.type,
            extra={"schema": firm.schema_name},
        )
        return sub
    fresh = stripe_client().v1.subscriptions.retrieve(subscription_id)
    return subscription_mirror(sub=sub, stripe_sub=fresh, event_created=event.created)


def _replaced_by_sponsorship(subscription_id: str) -> bool:
    return bool(subscription_id) and SponsoredFirm.objects.filter(replaced_subscription_id=subscription_id).exists()


def _park_sponsorship_for(*, subscription_id: str, metadata: Any) -> ParkSponsorship | None:
    """The park sponsorship a Stripe subscription bills (park_billed), if it is one."""
    if subscription_id:
        found = ParkSponsorship.objects.filter(stripe_subscription_id=subscription_id).first()
        if found is not None:
            return found
    marked = str(_get(metadata, "parksuite_sponsorship", "") or "")
    return ParkSponsorship.objects.filter(pk=int(marked)).first() if marked.isdigit() else None


def _on_park_subscription(event: StripeEvent, sponsorship: ParkSponsorship, subscription_id: str) -> None:
    """The park's own subscription changed (status, period, seats): mirror it on the sponsorship.
    The firms it covers keep their access whatever the park's payment state; operators follow
    up on an unpaid park invoice."""
    from .sponsorship import park_subscription_mirror

    locked = ParkSponsorship.objects.select_for_update().select_related("plan").get(pk=sponsorship.pk)
    if locked.stripe_subscription_id and locked.stripe_subscription_id != subscription_id:
        logger.warning("park sponsorship %s: event %s about another subscription: ignored", locked.pk, event.event_id)
        return
    if locked.last_event_at is not None and event.created < locked.last_event_at:
        return
    fresh = stripe_client().v1.subscriptions.retrieve(subscription_id)
    park_subscription_mirror(sponsorship=locked, stripe_sub=fresh, event_created=event.created)


def _is_running(sub: Subscription) -> bool:
    return sub.status not in (
        Subscription.Status.CANCELED,
        Subscription.Status.INCOMPLETE_EXPIRED,
        Subscription.Status.INCOMPLETE,
    )


def _on_subscription(event: StripeEvent, obj: Any) -> None:
    subscription_id = _id(obj)
    sponsorship = _park_sponsorship_for(subscription_id=subscription_id, metadata=_get(obj, "metadata"))
    if sponsorship is not None:
        _on_park_subscription(event, sponsorship, subscription_id)
        return
    firm = _firm_for(
        subscription_id=subscription_id, customer_id=_id(_get(obj, "customer")), metadata=_get(obj, "metadata")
    )
    if firm is None:
        logger.warning("Stripe event %s: no firm for subscription %s", event.event_id, subscription_id)
        return
    _refresh_subscription(firm=firm, subscription_id=subscription_id, event=event)


def _on_checkout_completed(event: StripeEvent, obj: Any) -> None:
    reference = str(_get(obj, "client_reference_id", "") or "")
    metadata = _get(obj, "metadata") or ({"firm_id": reference} if reference.isdigit() else None)
    firm = _firm_for(customer_id=_id(_get(obj, "customer")), metadata=metadata)
    subscription_id = _id(_get(obj, "subscription"))
    if firm is None or not subscription_id:
        logger.warning("Stripe event %s: checkout without a firm or subscription", event.event_id)
        return
    sub = _locked_row(firm)
    if sub.sponsorship_mode == SponsorshipMode.PARK_BILLED:
        _checkout_after_park_took_over(firm, subscription_id)
        return
    if sub.stripe_subscription_id != subscription_id:
        sub.stripe_subscription_id = subscription_id
        # A new subscription starts its own event history.
        sub.last_event_at = None
        sub.save(update_fields=["stripe_subscription_id", "last_event_at", "updated_at"])
    logger.info(
        "firm %s completed checkout: subscription %s",
        firm.slug,
        subscription_id,
        extra={"schema": firm.schema_name},
    )
    _refresh_subscription(firm=firm, subscription_id=subscription_id, event=event)
    if sub.sponsorship_mode == SponsorshipMode.COUPON:
        from .sponsorship import defer_coupon_sync

        # The coupon went with the checkout; the job notes it (or puts it on if it did not).
        defer_coupon_sync(firm.pk)


def _checkout_after_park_took_over(firm: Firm, subscription_id: str) -> None:
    """A checkout started before the firm's park began paying for it was completed after: the
    park pays, so that subscription is cancelled like any the firm had (by the park's job)."""
    from .sponsorship import defer_park_sync

    row = SponsoredFirm.objects.select_for_update().filter(firm=firm, ended_at__isnull=True).first()
    if row is None:
        return
    if row.replaced_subscription_id and row.replaced_subscription_id != subscription_id:
        logger.warning(
            "firm %s: checkout subscription %s while the park pays and %s is being cancelled: left to operators",
            firm.slug,
            subscription_id,
            row.replaced_subscription_id,
            extra={"schema": firm.schema_name},
        )
        return
    row.replaced_subscription_id = subscription_id
    row.replaced_cancelled_at = None
    row.save(update_fields=["replaced_subscription_id", "replaced_cancelled_at"])
    defer_park_sync(row.sponsorship_id)
    logger.info(
        "firm %s completed a checkout while its park pays: subscription %s will be cancelled",
        firm.slug,
        subscription_id,
        extra={"schema": firm.schema_name},
    )


def _invoice_subscription_id(invoice: Any) -> str:
    details = _get(_get(invoice, "parent"), "subscription_details")
    return _id(_get(details, "subscription")) or _id(_get(invoice, "subscription"))


def _on_invoice(event: StripeEvent, obj: Any) -> None:
    firm = _firm_for(
        subscription_id=_invoice_subscription_id(obj), customer_id=_id(_get(obj, "customer")), metadata=None
    )
    if firm is None:
        if ParkBillingCustomer.objects.filter(stripe_customer_id=_id(_get(obj, "customer"))).exists():
            # A park's sponsorship invoice: Stripe collects it; the park's figures come from the
            # sponsorship ledger, so there is nothing to mirror.
            logger.info("Stripe event %s: park invoice %s", event.event_id, _id(obj))
            return
        logger.warning("Stripe event %s: no firm for invoice %s", event.event_id, _id(obj))
        return
    client = stripe_client()
    invoice = client.v1.invoices.retrieve(_id(obj))
    row = invoice_mirror(firm=firm, invoice=invoice)
    subscription_id = _invoice_subscription_id(invoice)
    if event.type in ("invoice.payment_failed", "invoice.overdue"):
        sub = Subscription.objects.select_for_update().filter(firm=firm).first()
        if sub is not None and (
            sub.sponsorship_mode == SponsorshipMode.PARK_BILLED or _replaced_by_sponsorship(subscription_id)
        ):
            sub = None  # the park pays for the firm: an old subscription's failure is no dunning
        stale = sub is not None and sub.last_event_at is not None and event.created < sub.last_event_at
        # Only news that is still true counts: a late failure of an invoice paid since is history.
        if sub is not None and row.status == "open" and not stale:
            if sub.past_due_since is None:
                sub.past_due_since = timezone.now()
                sub.save(update_fields=["past_due_since", "updated_at"])
            logger.info(
                "firm %s: payment of invoice %s failed",
                firm.slug,
                row.stripe_invoice_id,
                extra={"schema": firm.schema_name},
            )
            url = row.hosted_invoice_url
            transaction.on_commit(lambda: dunning_mail(firm_id=firm.pk, invoice_url=url, first=True))
    if subscription_id and event.type in ("invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed"):
        # The subscription's status follows the payment: read it now rather than wait for its event.
        _refresh_subscription(firm=firm, subscription_id=subscription_id, event=event)


# ---------------------------------------------------------------------------------------------
# Dunning mail


def dunning_mail(*, firm_id: int, invoice_url: str = "", first: bool = False) -> int:
    """Mail the firm's owners that a payment failed, in the firm's language, with the days of
    access left. Returns the number of mails sent; a mail failure is logged, not raised."""
    from apps.accounts.models import User

    firm = Firm.objects.filter(pk=firm_id).first()
    sub = Subscription.objects.filter(firm_id=firm_id).select_related("plan").first()
    if firm is None or sub is None:
        return 0
    with schema_context(firm.schema_name):
        recipients = list(User.objects.filter(role="owner", is_active=True).values_list("email", flat=True))
    if not recipients:
        return 0
    since = sub.past_due_since or timezone.now()
    days_left = max(settings.BILLING_GRACE_DAYS - (timezone.now() - since).days, 0)
    with translation.override(firm.language):
        context = {
            "firm": firm,
            "days_left": days_left,
            "invoice_url": invoice_url,
            "billing_url": f"{firm.url}settings/billing/",
            "first": first,
        }
        subject = _("ParkSuite: the payment for %(firm)s failed") % {"firm": firm.name}
        body = render_to_string("billing/email/payment_failed.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("could not mail the dunning notice to firm %s", firm.slug)
        return 0
    logger.info("dunning mail sent to firm %s (%s days left)", firm.slug, days_left, extra={"schema": firm.schema_name})
    return len(recipients)
