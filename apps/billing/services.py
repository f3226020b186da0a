"""Billing services (writes). Stripe is called only from here and from jobs, never to decide
access on a request: pages read the local mirror, and a person's click starts a Stripe call.

Every Stripe call goes through ``stripe_client()``. Calls that change money carry an
idempotency key derived from local state, so a retried job is one change at Stripe.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from tenants.models import Firm

from .models import BillingCustomer, BillingInvoice, Plan, SponsorshipMode, Subscription, UsageRecord
from .stripe_client import stripe_client

logger = logging.getLogger(__name__)

# Documents processed (vouchers posted, ...): the metered component of the paid plans.
DOCUMENTS_EVENT = "parksuite_documents"
# Alipay and WeChat Pay cannot renew a subscription on their own: those firms pay invoices.
INVOICE_PAYMENT_METHODS = ["alipay", "wechat_pay"]
PAYMENTS = ("card", "invoice")
SEAT_ROLES = ("owner", "admin", "member")


# ---------------------------------------------------------------------------------------------
# Helpers


def _require_manager(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "can_manage_users", False):
        raise NotAllowed(_("Only the firm's owner or an administrator can manage billing."), code="billing_not_allowed")


def _stamp(value: Any) -> datetime | None:
    """A Stripe Unix timestamp as an aware UTC datetime."""
    if value in (None, "", 0):
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def _money(minor_units: Any, currency: str = "cny") -> Decimal:
    """Stripe amounts are in the currency's minor unit (fen for CNY)."""
    zero_decimal = currency.lower() in {"jpy", "krw", "vnd", "clp", "pyg", "ugx", "xaf", "xof"}
    amount = Decimal(int(minor_units or 0))
    if not zero_decimal:
        amount = amount / 100
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """Read a field of a StripeObject or a plain dict (webhook payloads) alike."""
    if obj is None:
        return default
    try:
        value = obj[key]
    except (KeyError, TypeError, AttributeError):
        return default
    return default if value is None else value


def _id(value: Any) -> str:
    """An expandable field: an id, or the expanded object carrying it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(_get(value, "id", ""))


def seats_in_use(*, firm: Firm) -> int:
    """Active people of the firm (owner, admins, members): what seats are paid for."""
    from apps.accounts.models import User

    with schema_context(firm.schema_name):
        return User.objects.filter(is_active=True, role__in=SEAT_ROLES).count()


def _plan_for(*, plan_code: str) -> Plan:
    plan = Plan.objects.filter(code=plan_code, is_active=True).first()
    if plan is None or plan.trial_days:
        raise ValidationFailed(
            _("Choose one of the plans on offer."), code="plan_unknown", fields={"plan": [_("Unknown plan.")]}
        )
    return plan


def _seat_price(plan: Plan, interval: str) -> str:
    if interval not in Subscription.Interval.values:
        raise ValidationFailed(
            _("Choose monthly or yearly billing."),
            code="interval_unknown",
            fields={"interval": [_("Unknown billing period.")]},
        )
    price = plan.stripe_price_month if interval == Subscription.Interval.MONTH else plan.stripe_price_year
    if not price:
        raise Conflict(
            _("The plan %(plan)s has no price in Stripe yet. Please contact ParkSuite.") % {"plan": plan.name},
            code="plan_not_priced",
        )
    return price


def _billing_url(firm: Firm, base_url: str | None) -> str:
    base = (base_url or firm.url).rstrip("/")
    return f"{base}/settings/billing/"


def _locale(firm: Firm) -> str:
    return "zh" if firm.language.startswith("zh") else "en"


def _customer_ensure(*, firm: Firm, email: str) -> BillingCustomer:
    """The firm's Stripe customer, created once (a retry of the creation is the same customer)."""
    customer = BillingCustomer.objects.filter(firm=firm).first()
    if customer is not None:
        return customer
    created = stripe_client().v1.customers.create(
        params={
            "email": email,
            "name": firm.name,
            "metadata": {"firm_id": str(firm.pk), "firm_slug": firm.slug},
            "preferred_locales": [_locale(firm)],
        },
        options={"idempotency_key": f"parksuite-customer-{firm.pk}"},
    )
    customer = BillingCustomer.objects.create(firm=firm, stripe_customer_id=created.id, email=email)
    logger.info("created Stripe customer %s for firm %s", created.id, firm.slug, extra={"schema": firm.schema_name})
    return customer


def _subscription_row(firm: Firm, plan: Plan | None = None) -> Subscription:
    """The firm's mirror row, created on the trial plan if the firm has none yet."""
    sub = Subscription.objects.select_for_update().filter(firm=firm).first()
    if sub is not None:
        return sub
    trial = plan or Plan.objects.filter(trial_days__gt=0).order_by("position").first()
    if trial is None:
        raise NotFound(_("No plan is set up."), code="plan_missing")
    return Subscription.objects.create(firm=firm, plan=trial, status=Subscription.Status.TRIALING)


def _line_items(plan: Plan, seat_price: str, seats: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"price": seat_price, "quantity": seats}]
    if plan.stripe_metered_price:
        items.append({"price": plan.stripe_metered_price})
    return items


def _refuse_if_park_billed(sub: Subscription) -> None:
    if sub.sponsorship_mode == SponsorshipMode.PARK_BILLED:
        raise Conflict(
            _(
                "Your park pays for your plan, so there is nothing to buy or change here. "
                "For more seats or another plan, contact your park."
            ),
            code="sponsored_by_park",
        )


def _is_live(sub: Subscription) -> bool:
    """A Stripe subscription that still runs (a new checkout would make a second one)."""
    return bool(sub.stripe_subscription_id) and sub.status not in (
        Subscription.Status.CANCELED,
        Subscription.Status.INCOMPLETE_EXPIRED,
        Subscription.Status.INCOMPLETE,
    )


# ---------------------------------------------------------------------------------------------
# The mirror: what Stripe says about a subscription, stored for access decisions and pages


def _plan_by_price() -> dict[str, tuple[Plan, str]]:
    prices: dict[str, tuple[Plan, str]] = {}
    for plan in Plan.objects.all():
        if plan.stripe_price_month:
            prices[plan.stripe_price_month] = (plan, Subscription.Interval.MONTH)
        if plan.stripe_price_year:
            prices[plan.stripe_price_year] = (plan, Subscription.Interval.YEAR)
    return prices


def subscription_mirror(*, sub: Subscription, stripe_sub: Any, event_created: datetime | None = None) -> Subscription:
    """Copy a Stripe subscription (freshly read) into the local row: status, plan, seats,
    period end, cancellation and trial end. Applying the same state twice changes nothing."""
    prices = _plan_by_price()
    metered_prices = set(Plan.objects.exclude(stripe_metered_price="").values_list("stripe_metered_price", flat=True))
    sub.stripe_subscription_id = _id(stripe_sub)
    previous_status = sub.status
    sub.status = str(_get(stripe_sub, "status", sub.status))
    items = _get(_get(stripe_sub, "items"), "data", []) or []
    period_ends: list[int] = []
    for item in items:
        price = _get(item, "price")
        price_id = _id(price)
        recurring = _get(price, "recurring")
        if price_id in prices:
            sub.plan, sub.interval = prices[price_id]
            sub.stripe_seat_item_id = _id(item)
            sub.quantity = int(_get(item, "quantity", sub.quantity) or 0)
        elif price_id in metered_prices or _get(recurring, "usage_type") == "metered":
            sub.stripe_metered_item_id = _id(item)
        else:
            logger.warning(
                "subscription %s of firm %s has an unknown price %s",
                sub.stripe_subscription_id,
                sub.firm.slug,
                price_id,
                extra={"schema": sub.firm.schema_name},
            )
        if _get(item, "current_period_end"):
            period_ends.append(int(_get(item, "current_period_end")))
    if period_ends:
        sub.current_period_end = _stamp(max(period_ends))
    sub.cancel_at_period_end = bool(_get(stripe_sub, "cancel_at_period_end", False))
    sub.trial_end = _stamp(_get(stripe_sub, "trial_end"))
    if sub.status == Subscription.Status.PAST_DUE:
        sub.past_due_since = sub.past_due_since or timezone.now()
    elif sub.status in (Subscription.Status.ACTIVE, Subscription.Status.TRIALING):
        sub.past_due_since = None
    if event_created and (sub.last_event_at is None or event_created > sub.last_event_at):
        sub.last_event_at = event_created
    sub.save()
    if previous_status != sub.status:
        logger.info(
            "firm %s subscription %s: %s → %s",
            sub.firm.slug,
            sub.stripe_subscription_id,
            previous_status,
            sub.status,
            extra={"schema": sub.firm.schema_name},
        )
    return sub


def invoice_mirror(*, firm: Firm, invoice: Any) -> BillingInvoice:
    """Copy a Stripe invoice into the local list; for firms paying by invoice, a paid invoice
    moves "paid through" to the end of the period it pays for."""
    currency = str(_get(invoice, "currency", "cny"))
    row, _created = BillingInvoice.objects.update_or_create(
        stripe_invoice_id=_id(invoice),
        defaults={
            "firm": firm,
            "number": _get(invoice, "number", "") or "",
            "status": _get(invoice, "status", "") or "",
            "currency": currency,
            "amount_due": _money(_get(invoice, "amount_due", 0), currency),
            "amount_paid": _money(_get(invoice, "amount_paid", 0), currency),
            "discount_amount": _money(
                sum(int(_get(entry, "amount", 0) or 0) for entry in _get(invoice, "total_discount_amounts", []) or []),
                currency,
            ),
            "hosted_invoice_url": _get(invoice, "hosted_invoice_url", "") or "",
            "period_start": _stamp(_get(invoice, "period_start")),
            "period_end": _stamp(_get(invoice, "period_end")),
            "due_date": _stamp(_get(invoice, "due_date")),
            "created": _stamp(_get(invoice, "created")) or timezone.now(),
        },
    )
    if row.status == "paid" and _get(invoice, "collection_method") == "send_invoice":
        line_ends = [
            int(_get(_get(line, "period"), "end", 0) or 0) for line in _get(_get(invoice, "lines"), "data", []) or []
        ]
        covered = _stamp(max(line_ends, default=0) or _get(invoice, "period_end"))
        sub = Subscription.objects.select_for_update().filter(firm=firm).first()
        if sub is not None and covered is not None:
            covered_day = covered.date()
            if sub.paid_through is None or covered_day > sub.paid_through:
                sub.paid_through = covered_day
                sub.save(update_fields=["paid_through", "updated_at"])
                logger.info(
                    "firm %s paid through %s", firm.slug, covered_day.isoformat(), extra={"schema": firm.schema_name}
                )
    return row


# ---------------------------------------------------------------------------------------------
# What owners and admins do from the billing page


@transaction.atomic
def checkout_start(
    *,
    actor: Any,
    firm: Firm,
    plan_code: str,
    interval: str,
    payment: str = "card",
    base_url: str | None = None,
) -> str:
    """Start paying for a plan: by card through Stripe Checkout (returns its address), or by
    invoice for Alipay / WeChat Pay (the subscription starts at once; returns the billing page)."""
    _require_manager(actor)
    if payment not in PAYMENTS:
        raise ValidationFailed(
            _("Choose card or invoice payment."), code="payment_unknown", fields={"payment": [_("Unknown.")]}
        )
    plan = _plan_for(plan_code=plan_code)
    seat_price = _seat_price(plan, interval)
    sub = _subscription_row(firm)
    _refuse_if_park_billed(sub)
    if _is_live(sub):
        raise Conflict(_("The firm already has a subscription. Change its plan instead."), code="already_subscribed")
    from .sponsorship import checkout_discounts

    # A park's coupon applies from the first invoice.
    discounts = checkout_discounts(sub=sub)
    seats = max(seats_in_use(firm=firm), 1)
    customer = _customer_ensure(firm=firm, email=actor.email)
    billing_url = _billing_url(firm, base_url)
    metadata = {"firm_id": str(firm.pk), "plan": plan.code, "interval": interval}
    client = stripe_client()
    if payment == "card":
        if customer.collection != BillingCustomer.Collection.AUTOMATIC:
            customer.collection = BillingCustomer.Collection.AUTOMATIC
            customer.save(update_fields=["collection"])
        session = client.v1.checkout.sessions.create(
            params=cast(
                Any,
                {
                    "mode": "subscription",
                    "customer": customer.stripe_customer_id,
                    "client_reference_id": str(firm.pk),
                    "line_items": _line_items(plan, seat_price, seats),
                    "success_url": f"{billing_url}?checkout=done",
                    "cancel_url": f"{billing_url}?checkout=cancelled",
                    "metadata": metadata,
                    "subscription_data": {"metadata": metadata},
                    "locale": _locale(firm),
                    **({"discounts": discounts} if discounts else {}),
                },
            )
        )
        audit_record(action="billing.checkout_started", actor=actor, object_type="billing.plan", object_id=plan.code)
        logger.info("checkout %s started for firm %s", session.id, firm.slug, extra={"schema": firm.schema_name})
        return str(session.url)
    customer.collection = BillingCustomer.Collection.INVOICE
    customer.save(update_fields=["collection"])
    created = client.v1.subscriptions.create(
        params=cast(
            Any,
            {
                "customer": customer.stripe_customer_id,
                "items": _line_items(plan, seat_price, seats),
                "collection_method": "send_invoice",
                "days_until_due": customer.days_until_due,
                "payment_settings": {"payment_method_types": INVOICE_PAYMENT_METHODS},
                "metadata": metadata,
                **({"discounts": discounts} if discounts else {}),
            },
        ),
        options={"idempotency_key": f"parksuite-invoice-subscription-{firm.pk}-{sub.pk}-{plan.code}-{interval}"},
    )
    subscription_mirror(sub=sub, stripe_sub=created)
    if discounts:
        from .sponsorship import defer_coupon_sync

        defer_coupon_sync(firm.pk)
    audit_record(
        action="billing.invoice_subscription_started", actor=actor, object_type="billing.plan", object_id=plan.code
    )
    return f"{billing_url}?checkout=invoice"


def portal_start(*, actor: Any, firm: Firm, base_url: str | None = None) -> str:
    """The Stripe customer portal for cards, invoices and cancellation: returns its address."""
    _require_manager(actor)
    customer = BillingCustomer.objects.filter(firm=firm).first()
    if customer is None:
        raise Conflict(_("Choose a plan first: there is nothing to manage yet."), code="no_billing_customer")
    session = stripe_client().v1.billing_portal.sessions.create(
        params={
            "customer": customer.stripe_customer_id,
            "return_url": _billing_url(firm, base_url),
            "locale": _locale(firm),
        }
    )
    return str(session.url)


def _live_subscription(firm: Firm) -> Subscription:
    sub = Subscription.objects.select_for_update().select_related("plan", "firm").filter(firm=firm).first()
    if sub is not None:
        _refuse_if_park_billed(sub)
    if sub is None or not _is_live(sub):
        raise Conflict(_("The firm has no paid subscription yet. Choose a plan first."), code="no_subscription")
    return sub


@transaction.atomic
def subscription_cancel(*, actor: Any, firm: Firm) -> Subscription:
    """Cancel at the end of the paid period: access stays until then."""
    _require_manager(actor)
    sub = _live_subscription(firm)
    updated = stripe_client().v1.subscriptions.update(sub.stripe_subscription_id, params={"cancel_at_period_end": True})
    subscription_mirror(sub=sub, stripe_sub=updated)
    audit_record(action="billing.subscription_cancelled", actor=actor, obj=sub, at_period_end=True)
    return sub


@transaction.atomic
def subscription_resume(*, actor: Any, firm: Firm) -> Subscription:
    """Take back a cancellation that has not happened yet."""
    _require_manager(actor)
    sub = _live_subscription(firm)
    updated = stripe_client().v1.subscriptions.update(
        sub.stripe_subscription_id, params={"cancel_at_period_end": False}
    )
    subscription_mirror(sub=sub, stripe_sub=updated)
    audit_record(action="billing.subscription_resumed", actor=actor, obj=sub)
    return sub


@transaction.atomic
def subscription_change_plan(*, actor: Any, firm: Firm, plan_code: str, interval: str) -> Subscription:
    """Move the subscription to another plan or billing period; Stripe prorates the change."""
    _require_manager(actor)
    plan = _plan_for(plan_code=plan_code)
    seat_price = _seat_price(plan, interval)
    sub = _live_subscription(firm)
    if sub.plan_id == plan.pk and sub.interval == interval:
        raise Conflict(_("The firm is already on this plan."), code="plan_unchanged")
    if not sub.stripe_seat_item_id:
        raise Conflict(_("The subscription is not fully set up yet. Try again in a minute."), code="no_seat_item")
    client = stripe_client()
    client.v1.subscription_items.update(
        sub.stripe_seat_item_id, params={"price": seat_price, "proration_behavior": "create_prorations"}
    )
    if plan.stripe_metered_price and sub.stripe_metered_item_id:
        old_metered = Plan.objects.filter(pk=sub.plan_id).values_list("stripe_metered_price", flat=True).first()
        if old_metered != plan.stripe_metered_price:
            client.v1.subscription_items.update(sub.stripe_metered_item_id, params={"price": plan.stripe_metered_price})
    fresh = client.v1.subscriptions.retrieve(sub.stripe_subscription_id)
    old_plan = sub.plan.code
    subscription_mirror(sub=sub, stripe_sub=fresh)
    audit_record(action="billing.plan_changed", actor=actor, obj=sub, old=old_plan, new=plan.code, interval=interval)
    return sub


# ---------------------------------------------------------------------------------------------
# Seats and usage (jobs)


@transaction.atomic
def seats_sync(*, firm_id: int) -> None:
    """Set the Stripe seat quantity to the firm's active users, prorated. The idempotency key
    names the local seat version, so a retry of one change is one change at Stripe."""
    sub = Subscription.objects.select_for_update().select_related("firm").filter(firm_id=firm_id).first()
    if sub is None or not sub.stripe_subscription_id or not sub.stripe_seat_item_id or not _is_live(sub):
        return
    seats = max(seats_in_use(firm=sub.firm), 1)
    if seats == sub.quantity == sub.synced_quantity:
        return
    key = f"parksuite-seats-{sub.pk}-{sub.seat_version}"
    item = stripe_client().v1.subscription_items.update(
        sub.stripe_seat_item_id,
        params={"quantity": seats, "proration_behavior": "create_prorations"},
        options={"idempotency_key": key},
    )
    sub.quantity = int(_get(item, "quantity", seats) or seats)
    sub.synced_quantity = sub.quantity
    sub.save(update_fields=["quantity", "synced_quantity", "updated_at"])
    logger.info(
        "firm %s seats synced to %s (key %s)", sub.firm.slug, sub.quantity, key, extra={"schema": sub.firm.schema_name}
    )


def usage_record(
    *, firm: Firm | int, quantity: int, event_name: str = DOCUMENTS_EVENT, occurred_at: datetime | None = None
) -> UsageRecord:
    """Count metered usage into the outbox; a periodic job reports it to Stripe."""
    if quantity <= 0:
        raise ValidationFailed(_("Usage must be a positive number."), code="usage_not_positive")
    firm_id = firm if isinstance(firm, int) else firm.pk
    return UsageRecord.objects.create(
        firm_id=firm_id, event_name=event_name, quantity=quantity, occurred_at=occurred_at or timezone.now()
    )


def usage_record_here(*, quantity: int = 1, event_name: str = DOCUMENTS_EVENT) -> UsageRecord | None:
    """Count usage for the firm whose schema the connection is in (no-op in public)."""
    tenant = getattr(connection, "tenant", None)
    firm_id = tenant.pk if isinstance(tenant, Firm) else None
    if firm_id is None:
        schema = getattr(connection, "schema_name", "public")
        if schema == "public":
            return None
        firm_id = Firm.objects.filter(schema_name=schema).values_list("pk", flat=True).first()
        if firm_id is None:
            return None
    return usage_record(firm=firm_id, quantity=quantity, event_name=event_name)


def usage_flush(*, limit: int = 500) -> int:
    """Report unsent usage to Stripe's meter events, one row at a time. The row's identifier
    goes with it, so a crash between sending and marking resends what Stripe counts once."""
    sent = 0
    candidates = list(
        UsageRecord.objects.filter(sent_at__isnull=True, firm__billing_customer__isnull=False)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    client = stripe_client() if candidates else None
    for pk in candidates:
        try:
            with transaction.atomic():
                record = (
                    UsageRecord.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=pk, sent_at__isnull=True)
                    .first()
                )
                if record is None:
                    continue
                customer_id = BillingCustomer.objects.get(firm_id=record.firm_id).stripe_customer_id
                client = client or stripe_client()
                client.v1.billing.meter_events.create(
                    params={
                        "event_name": record.event_name,
                        "payload": {
                            "stripe_customer_id": customer_id,
                            "value": str(record.quantity),
                        },
                        "identifier": record.identifier,
                        "timestamp": int(record.occurred_at.timestamp()),
                    }
                )
                record.sent_at = timezone.now()
                record.attempts += 1
                record.last_error = ""
                record.save(update_fields=["sent_at", "attempts", "last_error"])
                sent += 1
        except Exception as exc:
            # The row stays unsent; the next run sends it again with the same identifier.
            UsageRecord.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=str(exc)[:2000])
            logger.warning("usage record %s not sent: %s", pk, exc)
    if sent:
        logger.info("reported %s usage records to Stripe", sent)
    return sent
