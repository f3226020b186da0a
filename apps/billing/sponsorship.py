"""Park sponsorship (writes): a park pays for a plan for the firms of the park.

Two ways, chosen per sponsorship (``ParkSponsorship.mode``):

* park_billed: the park is a Stripe customer of its own (``ParkBillingCustomer``) with one
  subscription per sponsorship, on the plan's monthly seat price, whose quantity is
  ``seats_per_firm`` times the firms sponsored. The park gets one invoice per period (paid by bank
  transfer, Alipay or WeChat Pay, like any invoice customer); the firms it covered are the
  ``SponsoredFirm`` rows. A sponsored firm's own ``Subscription`` row shows the sponsored plan,
  active, ``quantity = seats_per_firm``, ``sponsored_by = park`` and no Stripe subscription of
  its own; a firm that was paying for itself has its own subscription cancelled (the park pays
  from then on). More seats than the park sponsors cannot be bought meanwhile.
* coupon: the firm keeps paying for itself; the park's Stripe coupon is put on the firm's own
  subscription (or on its checkout while it is still on trial).

When a firm leaves (the park, or the sponsorship ends): a park_billed firm goes back to the
platform's trial, for the trial's full length counted from that day, so it has time to choose
its own plan; the park's seat quantity drops with proration. A coupon firm keeps its own
subscription without the coupon.

The local rows change at once, inside the caller's transaction, so access follows the
membership immediately. Stripe is brought in line by jobs after the commit
(``billing.sync_park_sponsorship``, ``billing.sync_sponsored_coupon``), with idempotency keys
derived from local state, so a retried job is one change at Stripe. Nothing here enters a
firm's schema: every row read or written is in the public schema.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tenants.models import Firm

from .entitlements import DEFAULT_TRIAL_DAYS, DEFAULT_TRIAL_SEATS, TRIAL_PLAN_CODE, entitlement_invalidate
from .models import ParkBillingCustomer, ParkSponsorship, Plan, SponsoredFirm, SponsorshipMode, Subscription
from .services import INVOICE_PAYMENT_METHODS, _get, _id, _is_live, _money, _seat_price, _stamp, _subscription_row
from .stripe_client import stripe_client

logger = logging.getLogger(__name__)

# Parks pay their sponsorship invoice within this many days.
PARK_DAYS_UNTIL_DUE = 30
# A firm that is closed (or never came to life) is not sponsored, even while in a park.
UNSPONSORED_FIRM_STATUSES = (Firm.Status.CLOSED, Firm.Status.FAILED)
TERMINAL_STATUSES = ("canceled", "incomplete_expired")
CENT = Decimal("0.01")


def defer_park_sync(sponsorship_id: int) -> None:
    def enqueue() -> None:
        from .jobs import sync_park_sponsorship

        sync_park_sponsorship.defer(sponsorship_id=sponsorship_id)

    transaction.on_commit(enqueue)


def defer_coupon_sync(firm_id: int) -> None:
    def enqueue() -> None:
        from .jobs import sync_sponsored_coupon

        sync_sponsored_coupon.defer(firm_id=firm_id)

    transaction.on_commit(enqueue)


def _active_sponsorship(firm: Firm) -> ParkSponsorship | None:
    if not firm.park_id or firm.status in UNSPONSORED_FIRM_STATUSES:
        return None
    return ParkSponsorship.objects.select_related("plan", "park").filter(park_id=firm.park_id, is_active=True).first()


# ---------------------------------------------------------------------------------------------
# Membership: called inside the transaction that changed it


@transaction.atomic
def sponsorship_membership_sync(*, firm_id: int) -> SponsoredFirm | None:
    """A firm is sponsored exactly while it is in a park whose sponsorship is active: start or
    end its sponsorship to match (a no-op when nothing changed). Returns the open stretch."""
    firm = Firm.objects.select_for_update().filter(pk=firm_id).first()
    if firm is None:
        return None
    sponsorship = _active_sponsorship(firm)
    current = (
        SponsoredFirm.objects.select_for_update(of=("self",))
        .select_related("sponsorship")
        .filter(firm_id=firm.pk, ended_at__isnull=True)
        .first()
    )
    if current is not None and (sponsorship is None or current.sponsorship_id != sponsorship.pk):
        _sponsored_firm_end(current, firm=firm)
        current = None
    if sponsorship is not None and current is None:
        current = _sponsored_firm_start(firm=firm, sponsorship=sponsorship)
    return current


def _sponsored_firm_start(*, firm: Firm, sponsorship: ParkSponsorship) -> SponsoredFirm:
    now = timezone.now()
    sub = _subscription_row(firm)
    plan = sponsorship.plan
    if sponsorship.mode == SponsorshipMode.PARK_BILLED:
        seats = sponsorship.seats_per_firm
        # The firm's own running subscription would bill it a second time: it is cancelled.
        replaced = sub.stripe_subscription_id if _is_live(sub) else ""
        row = SponsoredFirm.objects.create(
            sponsorship=sponsorship,
            firm=firm,
            mode=sponsorship.mode,
            seats=seats,
            monthly_cost=(plan.price_month * seats).quantize(CENT, rounding=ROUND_HALF_UP),
            started_at=now,
            replaced_subscription_id=replaced,
        )
        sub.plan = plan
        sub.status = Subscription.Status.ACTIVE
        sub.interval = Subscription.Interval.MONTH
        sub.quantity = seats
        sub.synced_quantity = 0
        sub.stripe_subscription_id = ""
        sub.stripe_seat_item_id = ""
        sub.stripe_metered_item_id = ""
        sub.current_period_end = sponsorship.current_period_end
        sub.cancel_at_period_end = False
        sub.trial_end = None
        sub.paid_through = None
        sub.past_due_since = None
        sub.last_event_at = None
        ParkSponsorship.objects.filter(pk=sponsorship.pk).update(seat_version=F("seat_version") + 1)
        defer_park_sync(sponsorship.pk)
    else:
        row = SponsoredFirm.objects.create(
            sponsorship=sponsorship,
            firm=firm,
            mode=sponsorship.mode,
            seats=sub.quantity,
            started_at=now,
        )
        defer_coupon_sync(firm.pk)
    sub.sponsored_by_id = sponsorship.park_id
    sub.sponsorship_mode = sponsorship.mode
    sub.save()
    entitlement_invalidate(firm.pk, schema_name=firm.schema_name)
    logger.info(
        "park %s sponsors firm %s (%s, plan %s)",
        sponsorship.park_id,
        firm.slug,
        sponsorship.mode,
        plan.code,
        extra={"schema": firm.schema_name},
    )
    return row


def _sponsored_firm_end(row: SponsoredFirm, *, firm: Firm) -> None:
    now = timezone.now()
    row.ended_at = now
    row.save(update_fields=["ended_at"])
    sponsorship = row.sponsorship
    sub = Subscription.objects.select_for_update().filter(firm_id=firm.pk).first()
    if row.mode == SponsorshipMode.PARK_BILLED:
        if sub is not None and sub.sponsorship_mode == SponsorshipMode.PARK_BILLED:
            # Back to the platform's trial, counted from today: time to choose a plan of its own.
            trial = Plan.objects.filter(code=TRIAL_PLAN_CODE).first()
            if trial is not None:
                sub.plan = trial
            sub.status = Subscription.Status.TRIALING
            sub.trial_end = now + timedelta(days=(trial.trial_days if trial else 0) or DEFAULT_TRIAL_DAYS)
            sub.quantity = (trial.seat_limit if trial else None) or DEFAULT_TRIAL_SEATS
            sub.interval = Subscription.Interval.MONTH
            sub.current_period_end = None
            sub.cancel_at_period_end = False
        ParkSponsorship.objects.filter(pk=sponsorship.pk).update(seat_version=F("seat_version") + 1)
        defer_park_sync(sponsorship.pk)
    else:
        defer_coupon_sync(firm.pk)
    if sub is not None and sub.sponsored_by_id == sponsorship.park_id:
        sub.sponsored_by = None
        sub.sponsorship_mode = ""
        sub.save()
    entitlement_invalidate(firm.pk, schema_name=firm.schema_name)
    logger.info(
        "park %s no longer sponsors firm %s (%s)",
        sponsorship.park_id,
        firm.slug,
        row.mode,
        extra={"schema": firm.schema_name},
    )


@transaction.atomic
def sponsorship_apply(*, sponsorship_id: int) -> int:
    """After an operator started or ended a sponsorship: start or end it for every firm of the
    park (ending it also cancels the park's subscription). Returns the firms looked at."""
    sponsorship = ParkSponsorship.objects.select_for_update().filter(pk=sponsorship_id).first()
    if sponsorship is None:
        return 0
    if not sponsorship.is_active and sponsorship.ended_at is None:
        sponsorship.ended_at = timezone.now()
        sponsorship.save(update_fields=["ended_at"])
    firm_ids = set(Firm.objects.filter(park_id=sponsorship.park_id).values_list("pk", flat=True))
    firm_ids |= set(
        SponsoredFirm.objects.filter(sponsorship=sponsorship, ended_at__isnull=True).values_list("firm_id", flat=True)
    )
    for firm_id in sorted(firm_ids):
        sponsorship_membership_sync(firm_id=firm_id)
    # The park's subscription ends (or the coupon's terms are read) even without member firms.
    defer_park_sync(sponsorship.pk)
    return len(firm_ids)


def checkout_discounts(*, sub: Subscription) -> list[dict[str, str]]:
    """The park's coupon for a checkout or a new subscription of a coupon-sponsored firm."""
    if sub.sponsorship_mode != SponsorshipMode.COUPON:
        return []
    row = (
        SponsoredFirm.objects.select_related("sponsorship")
        .filter(firm_id=sub.firm_id, ended_at__isnull=True, mode=SponsorshipMode.COUPON)
        .first()
    )
    coupon = row.sponsorship.stripe_coupon_id if row is not None else ""
    return [{"coupon": coupon}] if coupon else []


# ---------------------------------------------------------------------------------------------
# Jobs: bring Stripe in line with the local rows


def _park_customer_ensure(sponsorship: ParkSponsorship) -> ParkBillingCustomer:
    """The park's Stripe customer, created once (a retry of the creation is the same customer)."""
    customer = ParkBillingCustomer.objects.filter(park_id=sponsorship.park_id).first()
    if customer is not None:
        return customer
    park = sponsorship.park
    email = park.admins.order_by("pk").values_list("email", flat=True).first() or ""
    params: dict[str, Any] = {
        "name": park.name,
        "metadata": {"park_id": str(park.pk)},
        "preferred_locales": ["zh"],
    }
    if email:
        params["email"] = email
    created = stripe_client().v1.customers.create(
        params=cast(Any, params), options={"idempotency_key": f"parksuite-park-customer-{park.pk}"}
    )
    customer = ParkBillingCustomer.objects.create(park=park, stripe_customer_id=created.id, email=email)
    logger.info("created Stripe customer %s for park %s", created.id, park.pk)
    return customer


def _park_subscription_find(customer: ParkBillingCustomer, sponsorship: ParkSponsorship) -> Any:
    """A running park subscription made for this sponsorship whose creation was never recorded
    here (the job died after Stripe answered): it is adopted rather than made twice."""
    found = stripe_client().v1.subscriptions.list(
        params={"customer": customer.stripe_customer_id, "status": "all", "limit": 100}
    )
    for candidate in _get(found, "data", []) or []:
        metadata = _get(candidate, "metadata") or {}
        if _get(metadata, "parksuite_sponsorship") == str(sponsorship.pk) and (
            _get(candidate, "status") not in TERMINAL_STATUSES
        ):
            return candidate
    return None


def park_subscription_mirror(
    *, sponsorship: ParkSponsorship, stripe_sub: Any, event_created: datetime | None = None
) -> ParkSponsorship:
    """Copy the park's Stripe subscription (freshly read) into the sponsorship row."""
    sponsorship.stripe_subscription_id = _id(stripe_sub)
    sponsorship.stripe_status = str(_get(stripe_sub, "status", sponsorship.stripe_status))
    seat_price = sponsorship.plan.stripe_price_month
    for item in _get(_get(stripe_sub, "items"), "data", []) or []:
        if _id(_get(item, "price")) == seat_price or not sponsorship.stripe_seat_item_id:
            sponsorship.stripe_seat_item_id = _id(item)
            sponsorship.billed_quantity = int(_get(item, "quantity", 0) or 0)
            sponsorship.current_period_end = _stamp(_get(item, "current_period_end")) or sponsorship.current_period_end
    if event_created and (sponsorship.last_event_at is None or event_created > sponsorship.last_event_at):
        sponsorship.last_event_at = event_created
    sponsorship.save()
    return sponsorship


def _cancel_once(subscription_id: str, *, key: str) -> Any:
    """End a Stripe subscription now unless it has ended already (prorated: unused time is
    credited). Returns it as Stripe has it afterwards."""
    client = stripe_client()
    current = client.v1.subscriptions.retrieve(subscription_id)
    if _get(current, "status") in TERMINAL_STATUSES:
        return current
    return client.v1.subscriptions.cancel(
        subscription_id, params=cast(Any, {"prorate": True}), options={"idempotency_key": key}
    )


@transaction.atomic
def park_sponsorship_sync(*, sponsorship_id: int) -> ParkSponsorship | None:
    """Make the park's Stripe subscription bill ``seats_per_firm`` times the firms sponsored now
    (created on the first firm, prorated on every change, cancelled when the sponsorship ends),
    and cancel the own subscriptions of firms the park now pays for."""
    sponsorship = (
        ParkSponsorship.objects.select_for_update(of=("self",))
        .select_related("park", "plan")
        .filter(pk=sponsorship_id)
        .first()
    )
    if sponsorship is None:
        return None
    if sponsorship.mode == SponsorshipMode.COUPON:
        _coupon_terms_ensure(sponsorship)
        return sponsorship
    open_firms = SponsoredFirm.objects.filter(sponsorship=sponsorship, ended_at__isnull=True).count()
    wanted = sponsorship.seats_per_firm * open_firms if sponsorship.is_active else 0
    if not sponsorship.stripe_subscription_id and wanted > 0:
        customer = _park_customer_ensure(sponsorship)
        stripe_sub = _park_subscription_find(customer, sponsorship)
        if stripe_sub is None:
            park = sponsorship.park
            metadata = {
                "park_id": str(park.pk),
                "parksuite_sponsorship": str(sponsorship.pk),
                "plan": sponsorship.plan.code,
            }
            stripe_sub = stripe_client().v1.subscriptions.create(
                params=cast(
                    Any,
                    {
                        "customer": customer.stripe_customer_id,
                        "items": [
                            {"price": _seat_price(sponsorship.plan, Subscription.Interval.MONTH), "quantity": wanted}
                        ],
                        "collection_method": "send_invoice",
                        "days_until_due": PARK_DAYS_UNTIL_DUE,
                        "payment_settings": {"payment_method_types": INVOICE_PAYMENT_METHODS},
                        "description": f"ParkSuite: {park.name}",
                        "metadata": metadata,
                    },
                ),
                options={"idempotency_key": f"parksuite-park-subscription-{sponsorship.pk}-{sponsorship.seat_version}"},
            )
            logger.info("park %s: sponsorship subscription %s created", park.pk, _id(stripe_sub))
        park_subscription_mirror(sponsorship=sponsorship, stripe_sub=stripe_sub)
    running = bool(sponsorship.stripe_subscription_id) and sponsorship.stripe_status not in TERMINAL_STATUSES
    if running and not sponsorship.is_active:
        ended = _cancel_once(
            sponsorship.stripe_subscription_id, key=f"parksuite-park-subscription-end-{sponsorship.pk}"
        )
        park_subscription_mirror(sponsorship=sponsorship, stripe_sub=ended)
        logger.info("park %s: sponsorship subscription %s ended", sponsorship.park_id, ended.id)
    elif running and wanted != sponsorship.billed_quantity and sponsorship.stripe_seat_item_id:
        key = f"parksuite-park-seats-{sponsorship.pk}-{sponsorship.seat_version}"
        item = stripe_client().v1.subscription_items.update(
            sponsorship.stripe_seat_item_id,
            params={"quantity": wanted, "proration_behavior": "create_prorations"},
            options={"idempotency_key": key},
        )
        sponsorship.billed_quantity = int(_get(item, "quantity", wanted) or 0)
        sponsorship.save(update_fields=["billed_quantity"])
        logger.info("park %s: %s sponsored seats billed (key %s)", sponsorship.park_id, wanted, key)
    _replaced_subscriptions_cancel(sponsorship)
    return sponsorship


def _replaced_subscriptions_cancel(sponsorship: ParkSponsorship) -> None:
    rows = (
        SponsoredFirm.objects.select_for_update()
        .filter(sponsorship=sponsorship, replaced_cancelled_at__isnull=True)
        .exclude(replaced_subscription_id="")
    )
    for row in rows:
        _cancel_once(row.replaced_subscription_id, key=f"parksuite-sponsored-replaces-{row.pk}")
        row.replaced_cancelled_at = timezone.now()
        row.save(update_fields=["replaced_cancelled_at"])
        logger.info(
            "firm %s: own subscription %s cancelled, park %s pays",
            row.firm_id,
            row.replaced_subscription_id,
            sponsorship.park_id,
        )


def _coupon_terms_ensure(sponsorship: ParkSponsorship) -> None:
    """Read the coupon's terms once (what the park's cost figures are estimated with)."""
    if not sponsorship.stripe_coupon_id:
        logger.warning("park %s: coupon sponsorship %s has no coupon id", sponsorship.park_id, sponsorship.pk)
        return
    if sponsorship.coupon_percent_off is not None or sponsorship.coupon_amount_off is not None:
        return
    coupon = stripe_client().v1.coupons.retrieve(sponsorship.stripe_coupon_id)
    percent = _get(coupon, "percent_off")
    if percent is not None:
        sponsorship.coupon_percent_off = Decimal(str(percent)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    else:
        sponsorship.coupon_amount_off = _money(_get(coupon, "amount_off", 0), str(_get(coupon, "currency", "cny")))
    sponsorship.save(update_fields=["coupon_percent_off", "coupon_amount_off"])


def _discounts_of(stripe_sub: Any) -> list[tuple[str, str]]:
    """(discount id, coupon id) of a subscription read with ``expand=["discounts"]``."""
    pairs = []
    for discount in _get(stripe_sub, "discounts", []) or []:
        pairs.append((_id(discount), _id(_get(discount, "coupon"))))
    return pairs


@transaction.atomic
def sponsored_coupon_sync(*, firm_id: int) -> None:
    """Take the coupons of ended park sponsorships off the firm's subscriptions and put the
    current park's coupon on its running one (read first: what is already right is left)."""
    sub = Subscription.objects.select_for_update().filter(firm_id=firm_id).first()
    rows = list(
        SponsoredFirm.objects.select_for_update(of=("self",))
        .select_related("sponsorship")
        .filter(firm_id=firm_id, mode=SponsorshipMode.COUPON)
        .filter(coupon_removed_at__isnull=True)
        .order_by("started_at", "pk")
    )
    client = stripe_client()
    own = sub.stripe_subscription_id if sub is not None and _is_live(sub) else ""
    for row in rows:
        if row.ended_at is None:
            continue
        coupon = row.sponsorship.stripe_coupon_id
        for subscription_id in {row.coupon_subscription_id, own} - {""}:
            stripe_sub = client.v1.subscriptions.retrieve(subscription_id, params={"expand": ["discounts"]})
            if _get(stripe_sub, "status") in TERMINAL_STATUSES:
                continue
            discounts = _discounts_of(stripe_sub)
            if not any(coupon_id == coupon for _discount, coupon_id in discounts):
                continue
            kept = [{"discount": discount} for discount, coupon_id in discounts if coupon_id != coupon]
            client.v1.subscriptions.update(
                subscription_id,
                params=cast(Any, {"discounts": kept or ""}),
                options={"idempotency_key": f"parksuite-coupon-off-{row.pk}-{subscription_id}"},
            )
            logger.info("firm %s: park coupon %s taken off %s", firm_id, coupon, subscription_id)
        row.coupon_removed_at = timezone.now()
        row.save(update_fields=["coupon_removed_at"])
    current = next((row for row in rows if row.ended_at is None), None)
    if current is None:
        return
    _coupon_terms_ensure(current.sponsorship)
    coupon = current.sponsorship.stripe_coupon_id
    if not own or not coupon or current.coupon_subscription_id == own:
        return
    stripe_sub = client.v1.subscriptions.retrieve(own, params={"expand": ["discounts"]})
    discounts = _discounts_of(stripe_sub)
    if not any(coupon_id == coupon for _discount, coupon_id in discounts):
        client.v1.subscriptions.update(
            own,
            params=cast(Any, {"discounts": [*({"discount": d} for d, _c in discounts), {"coupon": coupon}]}),
            options={"idempotency_key": f"parksuite-coupon-on-{current.pk}-{own}"},
        )
        logger.info("firm %s: park coupon %s put on %s", firm_id, coupon, own)
    current.coupon_subscription_id = own
    current.save(update_fields=["coupon_subscription_id"])
