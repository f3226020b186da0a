"""Park sponsorship against the in-repo Stripe fake: a park billed for its firms (one park
subscription whose seats follow the firms sponsored), or a park coupon on each firm's own
subscription; joining and leaving; the jobs run twice change Stripe once; the park's cost
figures read the public-schema mirror only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.accounts.models import User
from apps.billing import selectors, services
from apps.billing.entitlements import entitlement_for
from apps.billing.fake import StripeFake
from apps.billing.interface import park_membership_changed, park_sponsored_cost
from apps.billing.models import (
    BillingInvoice,
    ParkBillingCustomer,
    ParkSponsorship,
    Plan,
    SponsoredFirm,
    StripeEvent,
    Subscription,
)
from apps.billing.sponsorship import park_sponsorship_sync, sponsored_coupon_sync, sponsorship_apply
from apps.billing.webhooks import event_process
from apps.parks.models import Park
from core.errors import Conflict
from core.tenancy import use_public_schema
from tenants.models import Firm
from tests.billing.entitlement_support import plans_ensure, subscription_set

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _deliveries_flow(stripe_fake: StripeFake) -> Iterator[None]:
    # The fake lives for the whole session; another test may have held webhooks back.
    stripe_fake.hold_deliveries = False
    yield
    stripe_fake.hold_deliveries = False


@pytest.fixture
def park(db: None) -> Park:
    use_public_schema()
    return Park.objects.create(name="天府软件园", name_en="Tianfu Software Park", city="成都")


@pytest.fixture
def other_park(db: None) -> Park:
    use_public_schema()
    return Park.objects.create(name="成都高新综合保税区", name_en="Chengdu Hi-tech Bonded Zone", city="成都")


def sponsor(park: Park, *, mode: str = "park_billed", plan: str = "business", seats: int = 5, coupon: str = "") -> Any:
    plans_ensure()
    return ParkSponsorship.objects.create(
        park=park, plan=Plan.objects.get(code=plan), mode=mode, seats_per_firm=seats, stripe_coupon_id=coupon
    )


def move(firm: Firm, park: Park | None, *, capture: Any = None) -> Firm:
    """What the onboarding code does: set the firm's park, then tell billing (same transaction)."""
    with transaction.atomic():
        Firm.objects.filter(pk=firm.pk).update(park=park, park_joined_at=timezone.now() if park else None)
        park_membership_changed(firm_id=firm.pk)
    firm.refresh_from_db()
    return firm


def mirror(firm: Firm) -> Subscription:
    return Subscription.objects.select_related("plan", "sponsored_by").get(firm=firm)


def owner_of(firm: Firm) -> User:
    with schema_context(firm.schema_name):
        return User.objects.get(role="owner")


def process_received() -> None:
    """What the worker does with webhooks: apply every stored, unprocessed event in order."""
    for event_id in (
        StripeEvent.objects.filter(processed_at__isnull=True).order_by("id").values_list("event_id", flat=True)
    ):
        event_process(event_id=event_id)


def subscribe(fake: StripeFake, firm: Firm, plan: str = "business") -> Subscription:
    """Trial, then checkout paid on the fake's page: the firm pays for itself."""
    subscription_set(firm, plan="trial", status="trialing")
    url = services.checkout_start(actor=owner_of(firm), firm=firm, plan_code=plan, interval="month")
    fake.checkout_complete(url.rstrip("/").rsplit("/", 1)[-1])
    process_received()
    return mirror(firm)


def park_subscription(fake: StripeFake, sponsorship: ParkSponsorship) -> dict[str, Any]:
    sponsorship.refresh_from_db()
    return fake.get(sponsorship.stripe_subscription_id)


def jobs(task_name: str, **args: Any) -> int:
    found = ProcrastinateJob.objects.filter(task_name=task_name)
    for key, value in args.items():
        found = found.filter(**{f"args__{key}": value})
    return found.count()


class WorkerKilled(Exception):
    pass


# --- park_billed: joining ------------------------------------------------------------------


def test_joining_a_park_billed_park_sponsors_the_firm_at_once_and_stripe_waits_for_the_job(
    stripe_settings: StripeFake, firm_a: Firm, park: Park, django_capture_on_commit_callbacks: Any
) -> None:
    fake = stripe_settings
    # given a park that pays for 5 seats of Business for each of its firms, and a firm on trial
    sponsorship = sponsor(park, seats=5)
    subscription_set(firm_a, plan="trial", status="trialing")
    assert entitlement_for(firm_a).plan_code == "trial"  # cached now
    # when the firm joins the park
    with django_capture_on_commit_callbacks(execute=True):
        move(firm_a, park)
    # then its subscription shows the sponsored plan, active, 5 seats, paid by the park
    sub = mirror(firm_a)
    assert (sub.plan.code, sub.status, sub.quantity) == ("business", "active", 5)
    assert (sub.sponsored_by_id, sub.sponsorship_mode) == (park.pk, "park_billed")
    assert sub.trial_end is None
    assert sub.stripe_subscription_id == ""
    # and its cached entitlement follows at once: every module, the sponsored seats as the limit
    entitlement = entitlement_for(firm_a)
    assert (entitlement.plan_code, entitlement.access, entitlement.seat_limit) == ("business", "full", 5)
    assert {"crm", "hr", "finance", "supply_chain"} <= set(entitlement.modules)
    # and Stripe is left to the job queued after the commit
    assert fake.customers == {}
    assert jobs("billing.sync_park_sponsorship", sponsorship_id=sponsorship.pk) == 1
    assert SponsoredFirm.objects.filter(firm=firm_a, sponsorship=sponsorship, ended_at__isnull=True).count() == 1


def test_the_sponsorship_job_bills_the_park_once_even_when_it_runs_twice(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    sponsorship = sponsor(park, seats=5)
    move(firm_a, park)
    # when the job runs, then runs again (a retry)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # then the park is one Stripe customer with one subscription for 5 Business seats, by invoice
    customer = ParkBillingCustomer.objects.get(park=park)
    assert list(fake.customers) == [customer.stripe_customer_id]
    assert fake.customers[customer.stripe_customer_id]["metadata"] == {"park_id": str(park.pk)}
    (stripe_sub,) = fake.subscriptions.values()
    assert stripe_sub["customer"] == customer.stripe_customer_id
    assert stripe_sub["collection_method"] == "send_invoice"
    assert stripe_sub["metadata"]["parksuite_sponsorship"] == str(sponsorship.pk)
    shown = park_subscription(fake, sponsorship)
    (item,) = shown["items"]["data"]
    assert (item["price"]["id"], item["quantity"]) == (Plan.objects.get(code="business").stripe_price_month, 5)
    # and the sponsorship mirrors it
    assert (sponsorship.billed_quantity, sponsorship.stripe_status) == (5, "active")
    assert sponsorship.stripe_seat_item_id == item["id"]
    # and the park has one open invoice for the period, the firm none
    assert [i["customer"] for i in fake.invoices.values()] == [customer.stripe_customer_id]
    assert not BillingInvoice.objects.filter(firm=firm_a).exists()


def test_a_second_firm_joining_adds_its_seats_to_the_park_subscription_once(
    stripe_settings: StripeFake, firm_a: Firm, firm_b: Firm, park: Park
) -> None:
    fake = stripe_settings
    sponsorship = sponsor(park, seats=5)
    move(firm_a, park)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # when a second firm joins and the job runs twice
    move(firm_b, park)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # then the park pays for 10 seats on the same subscription, changed once, prorated
    assert len(fake.subscriptions) == 1
    sponsorship.refresh_from_db()
    assert sponsorship.billed_quantity == 10
    assert fake.get(sponsorship.stripe_seat_item_id)["quantity"] == 10
    assert fake.quantity_changes(sponsorship.stripe_seat_item_id) == 1
    assert fake.quantity_change_log[-1]["proration_behavior"] == "create_prorations"


def test_a_job_that_died_after_stripe_answered_does_not_bill_the_park_twice(
    stripe_settings: StripeFake, firm_a: Firm, firm_b: Firm, park: Park
) -> None:
    fake = stripe_settings
    sponsorship = sponsor(park, seats=5)
    move(firm_a, park)

    @transaction.atomic
    def sync_then_die() -> None:
        park_sponsorship_sync(sponsorship_id=sponsorship.pk)
        raise WorkerKilled

    # given the job created the park's subscription at Stripe, then died before its commit
    with pytest.raises(WorkerKilled):
        sync_then_die()
    assert len(fake.subscriptions) == 1
    # and meanwhile another firm joined (so the retry's request differs)
    move(firm_b, park)
    # when the job runs again
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # then the subscription made before is adopted and brought to 10 seats: still one
    assert len(fake.subscriptions) == 1
    assert len(fake.customers) == 1
    sponsorship.refresh_from_db()
    assert sponsorship.stripe_subscription_id == next(iter(fake.subscriptions))
    assert sponsorship.billed_quantity == 10


def test_the_billing_page_says_sponsored_by_the_park_and_offers_no_checkout(
    firm_a: Firm, park: Park, owner_a_client: Client
) -> None:
    # given firm A sponsored by its park (no Stripe call may happen on the page)
    sponsor(park, seats=5)
    move(firm_a, park)
    with mock.patch("apps.billing.services.stripe_client", side_effect=AssertionError("Stripe called")):
        # when the owner opens the billing page
        response = owner_a_client.get("/settings/billing/")
    # then it names the park and the sponsored seats, and offers neither checkout nor plan change
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-sponsored="park_billed"' in page
    assert "Sponsored by Tianfu Software Park" in page
    assert "Your park pays for 5 seats of the Business plan." in page
    assert 'id="sponsored-no-checkout"' in page
    assert "billing/checkout/" not in page
    assert "billing/change/" not in page
    assert "billing/cancel/" not in page


def test_a_park_billed_firm_cannot_start_a_checkout_and_nothing_is_made(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    sponsor(park)
    move(firm_a, park)
    before = mirror(firm_a)
    # when the owner tries to buy a plan anyway
    with pytest.raises(Conflict) as refused:
        services.checkout_start(actor=owner_of(firm_a), firm=firm_a, plan_code="starter", interval="month")
    # then it is refused with a clear code, and nothing was made here or at Stripe
    assert refused.value.code == "sponsored_by_park"
    assert fake.checkout_sessions == {}
    assert fake.customers == {}
    after = mirror(firm_a)
    assert (after.plan_id, after.status, after.quantity) == (before.plan_id, before.status, before.quantity)


def test_a_firm_paying_for_itself_has_its_subscription_cancelled_when_the_park_pays(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    # given a firm paying for Starter itself
    own = subscribe(fake, firm_a, plan="starter").stripe_subscription_id
    sponsorship = sponsor(park, plan="business", seats=5)
    # when it joins a park that pays for Business, and the job runs
    move(firm_a, park)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # then its own subscription is cancelled at Stripe (once)
    assert fake.subscriptions[own]["status"] == "canceled"
    assert len(fake.events("customer.subscription.deleted")) == 1
    # and when Stripe's webhooks about it arrive, the firm stays on what the park sponsors
    fake.deliver_pending()
    process_received()
    sub = mirror(firm_a)
    assert (sub.plan.code, sub.status, sub.quantity, sub.sponsored_by_id) == ("business", "active", 5, park.pk)
    assert sub.stripe_subscription_id == ""
    assert entitlement_for(firm_a).access == "full"


def test_the_parks_subscription_webhooks_update_the_sponsorship_not_the_firms(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    sponsorship = sponsor(park, seats=5)
    move(firm_a, park)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    firm_row = mirror(firm_a)
    # when Stripe reports that the park's invoice failed and its subscription is past due
    fake.deliver_pending()
    fake.invoice_fail(park_subscription(fake, sponsorship)["id"])
    process_received()
    # then the sponsorship shows it, every event was handled, and the firm keeps full access
    sponsorship.refresh_from_db()
    assert sponsorship.stripe_status == "past_due"
    assert sponsorship.current_period_end is not None
    assert not StripeEvent.objects.filter(processed_at__isnull=True).exists()
    after = mirror(firm_a)
    assert (after.status, after.past_due_since, after.updated_at) == ("active", None, firm_row.updated_at)
    assert entitlement_for(firm_a).access == "full"


# --- park_billed: leaving ------------------------------------------------------------------


def test_leaving_a_park_billed_park_gives_the_firm_a_fresh_trial_and_the_park_fewer_seats(
    stripe_settings: StripeFake, firm_a: Firm, firm_b: Firm, park: Park
) -> None:
    fake = stripe_settings
    sponsorship = sponsor(park, seats=5)
    move(firm_a, park)
    move(firm_b, park)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    assert entitlement_for(firm_a).plan_code == "business"  # cached now
    # when firm A leaves the park and the job runs
    move(firm_a, None)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # then firm A is back on the platform's trial, for the trial's length from today
    sub = mirror(firm_a)
    assert (sub.plan.code, sub.status, sub.sponsored_by_id, sub.sponsorship_mode) == ("trial", "trialing", None, "")
    assert sub.trial_end is not None
    assert timedelta(days=13, hours=23) < sub.trial_end - timezone.now() <= timedelta(days=14)
    entitlement = entitlement_for(firm_a)
    assert (entitlement.plan_code, entitlement.access, entitlement.seat_limit) == ("trial", "full", 5)
    # and its sponsored stretch is closed, firm B's still open
    assert SponsoredFirm.objects.get(firm=firm_a).ended_at is not None
    assert SponsoredFirm.objects.get(firm=firm_b).ended_at is None
    # and the park now pays for firm B's 5 seats only
    sponsorship.refresh_from_db()
    assert sponsorship.billed_quantity == 5
    assert fake.get(sponsorship.stripe_seat_item_id)["quantity"] == 5
    # and the page offers the firm its own plans again
    assert selectors.billing_overview(firm=firm_a).is_park_billed is False


def test_ending_the_sponsorship_ends_it_for_every_firm_and_cancels_the_park_subscription(
    stripe_settings: StripeFake, firm_a: Firm, firm_b: Firm, park: Park
) -> None:
    fake = stripe_settings
    sponsorship = sponsor(park, seats=5)
    move(firm_a, park)
    move(firm_b, park)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # when an operator ends the sponsorship and the job runs
    ParkSponsorship.objects.filter(pk=sponsorship.pk).update(is_active=False)
    sponsorship_apply(sponsorship_id=sponsorship.pk)
    park_sponsorship_sync(sponsorship_id=sponsorship.pk)
    # then both firms are on trial, still in the park, and the park's subscription is cancelled
    for firm in (firm_a, firm_b):
        firm.refresh_from_db()
        assert firm.park_id == park.pk
        assert (mirror(firm).status, mirror(firm).sponsored_by_id) == ("trialing", None)
    assert not SponsoredFirm.objects.filter(ended_at__isnull=True).exists()
    sponsorship.refresh_from_db()
    assert sponsorship.ended_at is not None
    assert sponsorship.stripe_status == "canceled"
    assert fake.subscriptions[sponsorship.stripe_subscription_id]["status"] == "canceled"


def test_starting_a_sponsorship_applies_it_to_the_parks_firms(
    stripe_settings: StripeFake, firm_a: Firm, firm_b: Firm, park: Park, other_park: Park
) -> None:
    # given firm A in the park and firm B in another park, before the park sponsors anyone
    move(firm_a, park)
    move(firm_b, other_park)
    # when an operator starts a sponsorship for the park
    sponsorship = sponsor(park, seats=3)
    sponsorship_apply(sponsorship_id=sponsorship.pk)
    # then firm A is sponsored and firm B is not
    assert (mirror(firm_a).sponsored_by_id, mirror(firm_a).quantity) == (park.pk, 3)
    assert mirror(firm_b).sponsored_by_id is None
    assert list(SponsoredFirm.objects.values_list("firm_id", flat=True)) == [firm_a.pk]


def test_telling_billing_twice_about_one_membership_is_one_sponsorship(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    sponsorship = sponsor(park)
    move(firm_a, park)
    # when billing hears about the same membership again
    park_membership_changed(firm_id=firm_a.pk)
    # then nothing more happened
    assert SponsoredFirm.objects.filter(firm=firm_a).count() == 1
    sponsorship.refresh_from_db()
    assert sponsorship.seat_version == 1


def test_moving_to_another_sponsoring_park_ends_one_sponsorship_and_starts_the_other(
    stripe_settings: StripeFake, firm_a: Firm, park: Park, other_park: Park
) -> None:
    first = sponsor(park, plan="business", seats=5)
    second = sponsor(other_park, plan="starter", seats=2)
    move(firm_a, park)
    # when the firm moves to the other park
    move(firm_a, other_park)
    # then the other park sponsors it on its terms, and the first stretch is closed
    sub = mirror(firm_a)
    assert (sub.plan.code, sub.quantity, sub.sponsored_by_id) == ("starter", 2, other_park.pk)
    assert SponsoredFirm.objects.get(sponsorship=first).ended_at is not None
    assert SponsoredFirm.objects.get(sponsorship=second).ended_at is None


# --- no sponsorship --------------------------------------------------------------------------


def test_joining_a_park_without_a_sponsorship_changes_nothing(
    stripe_settings: StripeFake, firm_a: Firm, park: Park, django_capture_on_commit_callbacks: Any
) -> None:
    fake = stripe_settings
    # given a firm on trial and a park that sponsors nobody (an ended sponsorship does not count)
    before = subscription_set(firm_a, plan="trial", status="trialing")
    ended = sponsor(park)
    ParkSponsorship.objects.filter(pk=ended.pk).update(is_active=False)
    # when the firm joins the park, and later leaves it
    with django_capture_on_commit_callbacks(execute=True):
        move(firm_a, park)
        move(firm_a, None)
    # then its subscription is untouched, no sponsorship was recorded and no job was queued
    after = mirror(firm_a)
    assert (after.plan_id, after.status, after.trial_end, after.quantity, after.updated_at) == (
        before.plan_id,
        before.status,
        before.trial_end,
        before.quantity,
        before.updated_at,
    )
    assert after.sponsored_by_id is None
    assert not SponsoredFirm.objects.exists()
    assert jobs("billing.sync_park_sponsorship") == jobs("billing.sync_sponsored_coupon") == 0
    assert fake.customers == {}


# --- coupon ----------------------------------------------------------------------------------


def test_a_park_coupon_goes_on_the_firms_own_subscription_once(
    stripe_settings: StripeFake, firm_a: Firm, park: Park, django_capture_on_commit_callbacks: Any
) -> None:
    fake = stripe_settings
    # given a firm paying for Business itself and a park whose coupon takes 20 percent off
    own = subscribe(fake, firm_a).stripe_subscription_id
    fake.coupon_create({"id": "TIANFU20", "percent_off": "20", "duration": "forever"})
    sponsorship = sponsor(park, mode="coupon", coupon="TIANFU20")
    # when the firm joins and the coupon job runs twice
    with django_capture_on_commit_callbacks(execute=True):
        move(firm_a, park)
    assert jobs("billing.sync_sponsored_coupon", firm_id=firm_a.pk) == 1
    sponsored_coupon_sync(firm_id=firm_a.pk)
    sponsored_coupon_sync(firm_id=firm_a.pk)
    # then its own subscription carries the coupon once, and it still pays for itself
    assert fake.subscription_coupons(own) == ["TIANFU20"]
    sub = mirror(firm_a)
    assert (sub.stripe_subscription_id, sub.status, sub.plan.code) == (own, "active", "business")
    assert (sub.sponsored_by_id, sub.sponsorship_mode) == (park.pk, "coupon")
    # and the coupon's terms are mirrored for the park's figures
    sponsorship.refresh_from_db()
    assert sponsorship.coupon_percent_off == Decimal("20.000")
    assert SponsoredFirm.objects.get(firm=firm_a).coupon_subscription_id == own


def test_the_next_invoice_of_a_coupon_firm_is_discounted_and_mirrored(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    own = subscribe(fake, firm_a).stripe_subscription_id
    fake.coupon_create({"id": "HALF", "percent_off": "50", "duration": "forever"})
    sponsor(park, mode="coupon", coupon="HALF")
    move(firm_a, park)
    sponsored_coupon_sync(firm_id=firm_a.pk)
    fake.deliver_pending()
    process_received()
    # when the subscription renews
    fake.clock_advance(32)
    process_received()
    # then the renewal invoice takes half off the seats and the mirror records the discount
    renewal = BillingInvoice.objects.filter(firm=firm_a).order_by("-created").first()
    assert renewal is not None
    stripe_invoice = fake.get(renewal.stripe_invoice_id)
    assert stripe_invoice["subtotal"] == 9900
    assert stripe_invoice["total"] == 4950
    assert (renewal.amount_due, renewal.discount_amount, renewal.status) == (Decimal("49.50"), Decimal("49.50"), "paid")
    assert fake.get(own)["status"] == "active"


def test_a_coupon_firm_on_trial_gets_the_coupon_at_checkout(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    fake.coupon_create({"id": "TIANFU20", "percent_off": "20", "duration": "forever"})
    sponsor(park, mode="coupon", coupon="TIANFU20")
    subscription_set(firm_a, plan="trial", status="trialing")
    move(firm_a, park)
    # when the owner checks out while sponsored
    url = services.checkout_start(actor=owner_of(firm_a), firm=firm_a, plan_code="business", interval="month")
    session_id = url.rstrip("/").rsplit("/", 1)[-1]
    # then the checkout carries the park's coupon, and so does the subscription it makes
    assert fake.checkout_sessions[session_id]["_coupons"] == ["TIANFU20"]
    fake.checkout_complete(session_id)
    process_received()
    sub = mirror(firm_a)
    assert fake.subscription_coupons(sub.stripe_subscription_id) == ["TIANFU20"]
    assert (sub.status, sub.sponsored_by_id, sub.sponsorship_mode) == ("active", park.pk, "coupon")
    # and the coupon job notes it without another change at Stripe
    updates = len(fake.events("customer.subscription.updated"))
    sponsored_coupon_sync(firm_id=firm_a.pk)
    assert len(fake.events("customer.subscription.updated")) == updates
    assert SponsoredFirm.objects.get(firm=firm_a).coupon_subscription_id == sub.stripe_subscription_id


def test_a_coupon_firm_paying_by_invoice_gets_the_coupon_on_its_first_invoice(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    fake.coupon_create({"id": "TIANFU20", "percent_off": "20", "duration": "forever"})
    sponsor(park, mode="coupon", coupon="TIANFU20")
    subscription_set(firm_a, plan="trial", status="trialing")
    move(firm_a, park)
    # when the owner starts paying Business by invoice (Alipay / WeChat Pay)
    services.checkout_start(
        actor=owner_of(firm_a), firm=firm_a, plan_code="business", interval="month", payment="invoice"
    )
    # then the subscription carries the coupon and its first invoice is 20 percent off
    sub = mirror(firm_a)
    assert fake.subscription_coupons(sub.stripe_subscription_id) == ["TIANFU20"]
    first = fake.get(fake.subscriptions[sub.stripe_subscription_id]["latest_invoice"])
    assert (first["subtotal"], first["amount_due"]) == (9900, 7920)


def test_leaving_a_coupon_park_takes_the_coupon_off_and_the_firm_keeps_paying(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    fake = stripe_settings
    own = subscribe(fake, firm_a).stripe_subscription_id
    fake.coupon_create({"id": "TIANFU20", "percent_off": "20", "duration": "forever"})
    sponsor(park, mode="coupon", coupon="TIANFU20")
    move(firm_a, park)
    sponsored_coupon_sync(firm_id=firm_a.pk)
    # when the firm leaves the park and the job runs twice
    move(firm_a, None)
    sponsored_coupon_sync(firm_id=firm_a.pk)
    sponsored_coupon_sync(firm_id=firm_a.pk)
    # then the coupon is off, its own subscription runs on, and nothing says "sponsored"
    assert fake.subscription_coupons(own) == []
    sub = mirror(firm_a)
    assert (sub.stripe_subscription_id, sub.status, sub.plan.code) == (own, "active", "business")
    assert (sub.sponsored_by_id, sub.sponsorship_mode) == (None, "")
    assert SponsoredFirm.objects.get(firm=firm_a).coupon_removed_at is not None


def test_the_billing_page_names_the_parks_coupon(firm_a: Firm, park: Park, owner_a_client: Client) -> None:
    sponsor(park, mode="coupon", coupon="TIANFU20")
    subscription_set(firm_a, plan="trial", status="trialing")
    move(firm_a, park)
    with mock.patch("apps.billing.services.stripe_client", side_effect=AssertionError("Stripe called")):
        page = owner_a_client.get("/settings/billing/").content.decode()
    assert 'data-sponsored="coupon"' in page
    assert "Tianfu Software Park gives its firms a discount" in page
    assert 'id="choose-business"' in page  # the firm still buys its own plan


def test_a_coupon_sponsorship_needs_a_coupon_and_a_paid_plan(park: Park) -> None:
    from django.core.exceptions import ValidationError

    plans_ensure()
    sponsorship = ParkSponsorship(park=park, plan=Plan.objects.get(code="trial"), mode="coupon")
    with pytest.raises(ValidationError) as refused:
        sponsorship.full_clean()
    assert {"stripe_coupon_id", "plan"} <= set(refused.value.message_dict)
    assert not ParkSponsorship.objects.exists()


# --- the park's figures ----------------------------------------------------------------------


def local(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=SHANGHAI)


def test_park_sponsored_cost_counts_park_billed_firms_pro_rata_per_month(
    firm_a: Firm, firm_b: Firm, park: Park, other_park: Park
) -> None:
    # given a park paying 5 Business seats (99 CNY each) for firm A since 1 August, and for
    # firm B from 16 to 30 September (half of September)
    sponsorship = sponsor(park, seats=5)
    SponsoredFirm.objects.create(
        sponsorship=sponsorship,
        firm=firm_a,
        mode="park_billed",
        seats=5,
        monthly_cost=Decimal("495.00"),
        started_at=local(2026, 8, 1),
    )
    SponsoredFirm.objects.create(
        sponsorship=sponsorship,
        firm=firm_b,
        mode="park_billed",
        seats=5,
        monthly_cost=Decimal("495.00"),
        started_at=local(2026, 9, 16),
        ended_at=local(2026, 10, 1),
    )
    # when the figures are read on 20 November 2026
    cost = selectors.park_sponsored_cost(park_id=park.pk, now=local(2026, 11, 20))
    # then one firm is sponsored now for 495 CNY a month, and each month costs its share
    assert (cost["currency"], cost["firms"], cost["monthly"]) == ("CNY", 1, Decimal("495.00"))
    by_month = dict(cost["by_month"])  # type: ignore[call-overload]
    assert list(by_month) == [f"{year}-{month:02d}" for year, month in [(2025, 12), *((2026, m) for m in range(1, 12))]]
    assert by_month["2026-07"] == Decimal("0.00")
    assert by_month["2026-08"] == Decimal("495.00")
    assert by_month["2026-09"] == Decimal("742.50")
    assert by_month["2026-10"] == Decimal("495.00")
    assert by_month["2026-11"] == Decimal("495.00")
    # and another park's figures hold none of it
    other = selectors.park_sponsored_cost(park_id=other_park.pk, now=local(2026, 11, 20))
    assert (other["firms"], other["monthly"]) == (0, Decimal("0.00"))
    assert {amount for _month, amount in other["by_month"]} == {Decimal("0.00")}  # type: ignore[attr-defined]


def test_park_sponsored_cost_counts_coupon_discounts_on_paid_invoices_while_sponsored(firm_b: Firm, park: Park) -> None:
    # given firm B paying for 2 Business seats itself with the park's 10 percent coupon since 1 October
    sponsorship = sponsor(park, mode="coupon", coupon="TIANFU10")
    ParkSponsorship.objects.filter(pk=sponsorship.pk).update(coupon_percent_off=Decimal("10"))
    subscription_set(
        firm_b, plan="business", status="active", quantity=2, stripe_subscription_id="sub_b", trial_end=None
    )
    SponsoredFirm.objects.create(
        sponsorship=sponsorship, firm=firm_b, mode="coupon", seats=2, started_at=local(2026, 10, 1)
    )
    for created, discount, status in [
        (local(2026, 9, 20), "10.00", "paid"),  # before the park's coupon: not the park's cost
        (local(2026, 10, 5), "19.80", "paid"),
        (local(2026, 11, 5), "19.80", "paid"),
        (local(2026, 11, 6), "19.80", "open"),  # not paid: nothing given yet
    ]:
        BillingInvoice.objects.create(
            firm=firm_b,
            stripe_invoice_id=f"in_{created:%m%d}",
            status=status,
            amount_due=Decimal("178.20"),
            discount_amount=Decimal(discount),
            created=created,
        )
    # when the figures are read
    cost = selectors.park_sponsored_cost(park_id=park.pk, now=local(2026, 11, 20))
    # then the months hold the discounts given, and the monthly estimate is 10 percent of 198 CNY
    by_month = dict(cost["by_month"])  # type: ignore[call-overload]
    assert (by_month["2026-09"], by_month["2026-10"], by_month["2026-11"]) == (
        Decimal("0.00"),
        Decimal("19.80"),
        Decimal("19.80"),
    )
    assert (cost["firms"], cost["monthly"]) == (1, Decimal("19.80"))
    (info,) = selectors.park_sponsored_firms(park_id=park.pk)
    assert (info.firm_id, info.mode, info.seats, info.monthly) == (firm_b.pk, "coupon", 2, Decimal("19.80"))


def test_park_sponsored_cost_from_joining_reads_only_public_billing_tables(
    stripe_settings: StripeFake, firm_a: Firm, park: Park
) -> None:
    # given firm A sponsored by the park (joined through billing's interface)
    sponsor(park, seats=4)
    move(firm_a, park)
    # when the console reads the figures
    with CaptureQueriesContext(connection) as queries:
        cost = park_sponsored_cost(park_id=park.pk)
    # then they count the firm at 4 seats at 99 CNY, read from public tables only, in a few queries
    assert (cost["firms"], cost["monthly"]) == (1, Decimal("396.00"))
    assert dict(cost["by_month"])[f"{timezone.localtime():%Y-%m}"] > 0  # type: ignore[call-overload]
    statements = [query["sql"] for query in queries.captured_queries]
    paths = [sql for sql in statements if "search_path" in sql.lower()]
    assert all(sql.split("=", 1)[1].strip().strip("'\"") == "public" for sql in paths), paths
    assert not any(firm_a.schema_name in sql for sql in statements)
    assert len(statements) - len(paths) <= 4
    assert getattr(connection, "schema_name", "") == "public"


# --- operators ---------------------------------------------------------------------------------


def test_an_operator_starting_and_ending_a_sponsorship_in_the_admin_applies_it(
    stripe_settings: StripeFake, firm_a: Firm, park: Park, rf: Any
) -> None:
    from django.contrib import admin

    from apps.billing.admin import ParkSponsorshipAdmin

    model_admin = ParkSponsorshipAdmin(ParkSponsorship, admin.site)
    request = rf.post("/admin/")
    move(firm_a, park)
    plans_ensure()
    # when an operator saves a new sponsorship for the park
    sponsorship = ParkSponsorship(park=park, plan=Plan.objects.get(code="business"), seats_per_firm=4)
    model_admin.save_model(request, sponsorship, mock.Mock(changed_data=["park", "plan"]), change=False)
    # then the park's firm is sponsored at once, and the terms can no longer be edited
    assert (mirror(firm_a).sponsored_by_id, mirror(firm_a).quantity) == (park.pk, 4)
    assert {"plan", "mode", "seats_per_firm", "stripe_coupon_id"} <= set(
        model_admin.get_readonly_fields(request, sponsorship)
    )
    # when the operator unticks "active"
    sponsorship.is_active = False
    model_admin.save_model(request, sponsorship, mock.Mock(changed_data=["is_active"]), change=True)
    # then it ends for the firm, and an ended sponsorship cannot be switched on again
    assert mirror(firm_a).sponsored_by_id is None
    assert "is_active" in model_admin.get_readonly_fields(request, sponsorship)


# --- the park console ----------------------------------------------------------------------


def test_the_park_console_lists_the_sponsored_firms_and_what_they_cost(
    stripe_settings: StripeFake, firm_a: Firm, firm_b: Firm, park: Park
) -> None:
    from tests.parks.conftest import park_admin_client

    # given a park paying for 5 seats of Business per firm, with firm A in it and firm B outside
    sponsor(park, seats=5)
    subscription_set(firm_a, plan="trial", status="trialing")
    move(firm_a, park)
    admin = User.objects.create_user("admin@sponsor.example", "Park-Admin-Pass-2026", role="park_admin", language="en")
    park.admins.add(admin)
    monthly = Plan.objects.get(code="business").price_month * 5

    # when its administrator opens the console
    page = park_admin_client(admin).get("/park/").content.decode()

    # then the sponsored firms are listed with how, plan, seats and monthly cost
    table = page[page.index('id="sponsored-firm-table"') :]
    assert firm_a.name in table
    assert firm_b.name not in table
    assert "The park is billed" in table
    assert f"{monthly:,.2f} CNY" in table
    assert 'id="sponsored-firms">1<' in page
