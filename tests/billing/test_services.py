"""Billing services against the in-repo Stripe fake (real stripe client over HTTP on 127.0.0.1):
checkout, portal, cancel, change of plan, seats and usage, and who may do them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing import services
from apps.billing.fake import StripeFake
from apps.billing.interface import seats_changed
from apps.billing.models import BillingCustomer, Plan, StripeEvent, Subscription, UsageRecord
from apps.billing.webhooks import event_process
from core.errors import Conflict, NotAllowed, ValidationFailed
from tenants.models import Firm
from tests.billing.entitlement_support import subscription_set


@pytest.fixture(autouse=True)
def _deliveries_flow(stripe_fake: StripeFake) -> None:
    # The fake lives for the whole session; another test may have held webhooks back.
    stripe_fake.hold_deliveries = False


def owner_of(firm: Firm) -> User:
    with schema_context(firm.schema_name):
        return User.objects.get(role="owner")


def member_of(firm: Firm, email: str = "member@alpha.example") -> User:
    with schema_context(firm.schema_name):
        return User.objects.create_user(email, "Sturdy-Password-2026", full_name="Member", role="member")


def process_received() -> None:
    """What the worker does: apply every stored, unprocessed event in arrival order."""
    for event_id in (
        StripeEvent.objects.filter(processed_at__isnull=True).order_by("id").values_list("event_id", flat=True)
    ):
        event_process(event_id=event_id)


def session_id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def subscribe(fake: StripeFake, firm: Firm, plan: str = "business", interval: str = "month") -> Subscription:
    """Trial → checkout → paid, through the fake's hosted page and its webhooks."""
    subscription_set(firm, plan="trial", status="trialing")
    url = services.checkout_start(actor=owner_of(firm), firm=firm, plan_code=plan, interval=interval)
    fake.checkout_complete(session_id(url))
    process_received()
    return Subscription.objects.get(firm=firm)


class WorkerKilled(Exception):
    pass


@transaction.atomic
def sync_then_die(firm_id: int) -> None:
    """The seat job's work reached Stripe, then the worker died before its commit."""
    services.seats_sync(firm_id=firm_id)
    raise WorkerKilled


@transaction.atomic
def flush_then_die() -> None:
    """The usage job sent its events, then the worker died before the rows were marked."""
    services.usage_flush()
    raise WorkerKilled


# --- checkout -------------------------------------------------------------------------------


def test_checkout_makes_a_customer_and_a_subscription_session_for_the_active_users(
    stripe_settings: StripeFake, firm_a: Firm
) -> None:
    fake = stripe_settings
    # given a firm on trial with its owner and one more active user (and one inactive)
    subscription_set(firm_a, plan="trial", status="trialing")
    member_of(firm_a)
    with schema_context(firm_a.schema_name):
        User.objects.create_user("gone@alpha.example", "x-Sturdy-2026", full_name="Gone", is_active=False)
    business = Plan.objects.get(code="business")
    # when the owner starts checkout for Business, monthly
    url = services.checkout_start(actor=owner_of(firm_a), firm=firm_a, plan_code="business", interval="month")
    # then the firm is a Stripe customer and the session bills two seats plus the metered usage
    customer = BillingCustomer.objects.get(firm=firm_a)
    assert fake.get(customer.stripe_customer_id)["metadata"]["firm_id"] == str(firm_a.pk)
    session = fake.checkout_sessions[session_id(url)]
    assert url.startswith(fake.base_url)
    assert session["customer"] == customer.stripe_customer_id
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(firm_a.pk)
    assert session["metadata"]["firm_id"] == str(firm_a.pk)
    assert session["_line_items"] == [
        {"price": business.stripe_price_month, "quantity": 2},
        {"price": business.stripe_metered_price, "quantity": None},
    ]
    assert session["success_url"] == f"{firm_a.url}settings/billing/?checkout=done"
    assert session["cancel_url"].startswith(f"{firm_a.url}settings/billing/")


def test_a_second_checkout_reuses_the_firms_customer(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    subscription_set(firm_a, plan="trial", status="trialing")
    owner = owner_of(firm_a)
    # when the owner starts checkout twice (changed their mind about the period)
    services.checkout_start(actor=owner, firm=firm_a, plan_code="business", interval="month")
    services.checkout_start(actor=owner, firm=firm_a, plan_code="business", interval="year")
    # then there is one customer, here and at Stripe
    assert BillingCustomer.objects.filter(firm=firm_a).count() == 1
    assert len(fake.customers) == 1


def test_a_member_may_not_start_checkout_and_nothing_is_made(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    subscription_set(firm_a, plan="trial", status="trialing")
    # when a member tries
    with pytest.raises(NotAllowed):
        services.checkout_start(actor=member_of(firm_a), firm=firm_a, plan_code="business", interval="month")
    # then nothing was made, here or at Stripe
    assert not BillingCustomer.objects.filter(firm=firm_a).exists()
    assert fake.customers == {}
    assert fake.checkout_sessions == {}


@pytest.mark.parametrize(("plan", "interval"), [("trial", "month"), ("gold", "month"), ("business", "week")])
def test_checkout_refuses_unknown_plans_and_periods(
    stripe_settings: StripeFake, firm_a: Firm, plan: str, interval: str
) -> None:
    subscription_set(firm_a, plan="trial", status="trialing")
    with pytest.raises(ValidationFailed):
        services.checkout_start(actor=owner_of(firm_a), firm=firm_a, plan_code=plan, interval=interval)
    assert stripe_settings.checkout_sessions == {}


def test_completed_checkout_makes_the_firm_active_on_the_plan(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    # when the owner pays on the fake's page and the webhooks are processed
    sub = subscribe(fake, firm_a, plan="business", interval="year")
    # then the mirror follows Stripe
    stripe_sub = fake.get(sub.stripe_subscription_id)
    assert sub.status == "active"
    assert sub.plan.code == "business"
    assert sub.interval == "year"
    assert sub.quantity == 1
    assert sub.stripe_seat_item_id
    assert sub.stripe_metered_item_id
    assert sub.current_period_end is not None
    assert int(sub.current_period_end.timestamp()) == stripe_sub["items"]["data"][0]["current_period_end"]
    assert sub.trial_end is None
    assert sub.last_event_at is not None
    assert StripeEvent.objects.filter(processed_at__isnull=True).count() == 0


def test_a_firm_with_a_running_subscription_cannot_check_out_again(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    subscribe(fake, firm_a)
    sessions = len(fake.checkout_sessions)
    with pytest.raises(Conflict):
        services.checkout_start(actor=owner_of(firm_a), firm=firm_a, plan_code="starter", interval="month")
    assert len(fake.checkout_sessions) == sessions


# --- invoice collection (Alipay / WeChat Pay) ---------------------------------------------


def test_invoice_payment_starts_a_send_invoice_subscription_with_alipay_and_wechat_pay(
    stripe_settings: StripeFake, firm_a: Firm
) -> None:
    # given a firm on trial that pays by invoice
    fake = stripe_settings
    subscription_set(firm_a, plan="trial", status="trialing")
    business = Plan.objects.get(code="business")
    # when the owner chooses invoice payment
    url = services.checkout_start(
        actor=owner_of(firm_a), firm=firm_a, plan_code="business", interval="month", payment="invoice"
    )
    # then Stripe holds a send_invoice subscription payable with Alipay or WeChat Pay within the due days
    customer = BillingCustomer.objects.get(firm=firm_a)
    assert customer.collection == "send_invoice"
    (created,) = [s for s in fake.subscriptions.values() if s["customer"] == customer.stripe_customer_id]
    assert created["collection_method"] == "send_invoice"
    assert created["days_until_due"] == 14
    assert created["payment_settings"]["payment_method_types"] == ["alipay", "wechat_pay"]
    seat_item = fake.items[created["_items"][0]]
    assert (seat_item["price"], seat_item["quantity"]) == (business.stripe_price_month, 1)
    # and an open invoice waits to be paid
    invoice = fake.invoices[created["latest_invoice"]]
    assert invoice["status"] == "open"
    assert invoice["due_date"] is not None
    # and the firm's mirror already shows the plan, and the page says what next
    sub = Subscription.objects.get(firm=firm_a)
    assert (sub.plan.code, sub.status, sub.stripe_seat_item_id) == ("business", "active", seat_item["id"])
    assert url.endswith("/settings/billing/?checkout=invoice")


def test_a_paid_invoice_moves_paid_through_for_invoice_customers(stripe_settings: StripeFake, firm_a: Firm) -> None:
    # given a firm paying by invoice
    subscription_set(firm_a, plan="business", status="active", paid_through=None)
    BillingCustomer.objects.create(
        firm=firm_a, stripe_customer_id="cus_pt", email="o@alpha.example", collection="send_invoice"
    )
    end = int(timezone.now().timestamp()) + 31 * 86400
    invoice = {
        "id": "in_pt_1",
        "status": "paid",
        "currency": "cny",
        "amount_due": 9900,
        "amount_paid": 9900,
        "collection_method": "send_invoice",
        "created": int(timezone.now().timestamp()),
        "lines": {"data": [{"period": {"start": end - 31 * 86400, "end": end}}]},
    }
    # when the paid invoice is mirrored
    row = services.invoice_mirror(firm=firm_a, invoice=invoice)
    # then the amounts are in yuan and access is paid up to the period's end
    assert str(row.amount_paid) == "99.00"
    sub = Subscription.objects.get(firm=firm_a)
    assert sub.paid_through == datetime.fromtimestamp(end, tz=UTC).date()


# --- portal, cancel, change -------------------------------------------------------------------


def test_the_portal_opens_for_the_firms_customer(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    subscribe(fake, firm_a)
    url = services.portal_start(actor=owner_of(firm_a), firm=firm_a)
    assert url.startswith(fake.base_url)


def test_the_portal_needs_a_customer_first(stripe_settings: StripeFake, firm_a: Firm) -> None:
    subscription_set(firm_a, plan="trial", status="trialing")
    with pytest.raises(Conflict):
        services.portal_start(actor=owner_of(firm_a), firm=firm_a)


def test_cancel_ends_the_subscription_at_the_period_end(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    sub = subscribe(fake, firm_a)
    # when the owner cancels
    services.subscription_cancel(actor=owner_of(firm_a), firm=firm_a)
    # then Stripe and the mirror agree: still active, ends at the period's end
    sub.refresh_from_db()
    assert fake.get(sub.stripe_subscription_id)["cancel_at_period_end"] is True
    assert (sub.status, sub.cancel_at_period_end) == ("active", True)
    # and the owner can take it back
    services.subscription_resume(actor=owner_of(firm_a), firm=firm_a)
    sub.refresh_from_db()
    assert sub.cancel_at_period_end is False


def test_a_member_cannot_cancel_and_nothing_changes(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    sub = subscribe(fake, firm_a)
    with pytest.raises(NotAllowed):
        services.subscription_cancel(actor=member_of(firm_a), firm=firm_a)
    assert fake.get(sub.stripe_subscription_id)["cancel_at_period_end"] is False
    sub.refresh_from_db()
    assert sub.cancel_at_period_end is False


def test_change_plan_moves_the_seat_item_to_the_new_price(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    sub = subscribe(fake, firm_a, plan="business")
    starter = Plan.objects.get(code="starter")
    # when the owner moves to Starter, yearly
    services.subscription_change_plan(actor=owner_of(firm_a), firm=firm_a, plan_code="starter", interval="year")
    # then the seat item has the new price at Stripe and the mirror shows the plan
    sub.refresh_from_db()
    assert fake.get(sub.stripe_seat_item_id)["price"]["id"] == starter.stripe_price_year
    assert (sub.plan.code, sub.interval) == ("starter", "year")
    # and moving to the same plan again is refused
    with pytest.raises(Conflict):
        services.subscription_change_plan(actor=owner_of(firm_a), firm=firm_a, plan_code="starter", interval="year")


# --- seats ------------------------------------------------------------------------------------


def test_seat_sync_sets_the_quantity_to_the_active_users(stripe_settings: StripeFake, firm_a: Firm) -> None:
    fake = stripe_settings
    sub = subscribe(fake, firm_a)
    # given two people join (the accounts code calls seats_changed)
    member_of(firm_a, "one@alpha.example")
    member_of(firm_a, "two@alpha.example")
    seats_changed(firm_id=firm_a.pk)
    # when the job runs
    services.seats_sync(firm_id=firm_a.pk)
    # then Stripe bills three seats and the mirror knows it is synced
    sub.refresh_from_db()
    assert fake.get(sub.stripe_seat_item_id)["quantity"] == 3
    assert (sub.quantity, sub.synced_quantity) == (3, 3)
    assert fake.quantity_changes(sub.stripe_seat_item_id) == 1


def test_a_retried_seat_sync_sends_the_same_key_and_counts_one_change(
    stripe_settings: StripeFake, firm_a: Firm
) -> None:
    fake = stripe_settings
    sub = subscribe(fake, firm_a)
    member_of(firm_a)
    seats_changed(firm_id=firm_a.pk)
    sub.refresh_from_db()
    keys: list[str] = []
    real = services.stripe_client

    def recording_client() -> Any:
        client = real()
        update = client.v1.subscription_items.update

        def spy(*args: Any, **kwargs: Any) -> Any:
            keys.append(kwargs["options"]["idempotency_key"])
            return update(*args, **kwargs)

        client.v1.subscription_items.update = spy  # type: ignore[method-assign]
        return client

    with mock.patch.object(services, "stripe_client", side_effect=recording_client):
        # given the worker dies after Stripe applied the change but before it committed
        with pytest.raises(WorkerKilled):
            sync_then_die(firm_a.pk)
        # when the job is retried
        services.seats_sync(firm_id=firm_a.pk)
    # then both attempts carried the same key and Stripe counted one change
    assert keys == [f"parksuite-seats-{sub.pk}-{sub.seat_version}"] * 2
    assert fake.quantity_changes(sub.stripe_seat_item_id) == 1
    sub.refresh_from_db()
    assert (sub.quantity, sub.synced_quantity) == (2, 2)


def test_seat_sync_without_a_stripe_subscription_does_nothing(stripe_settings: StripeFake, firm_a: Firm) -> None:
    subscription_set(firm_a, plan="trial", status="trialing")
    services.seats_sync(firm_id=firm_a.pk)
    assert stripe_settings.customers == {}


# --- usage ------------------------------------------------------------------------------------


def test_usage_is_reported_once_per_record(stripe_settings: StripeFake, firm_a: Firm, firm_b: Firm) -> None:
    fake = stripe_settings
    subscribe(fake, firm_a)
    customer = BillingCustomer.objects.get(firm=firm_a)
    # given usage of a paying firm and of a firm without a Stripe customer
    services.usage_record(firm=firm_a, quantity=3)
    services.usage_record(firm=firm_a, quantity=4)
    services.usage_record(firm=firm_b, quantity=50)
    # when the periodic job flushes twice
    assert services.usage_flush() == 2
    assert services.usage_flush() == 0
    # then Stripe counted 7 for firm A; firm B's row waits for a customer
    assert fake.meter_total(customer.stripe_customer_id, "parksuite_documents") == 7
    assert UsageRecord.objects.filter(firm=firm_a, sent_at__isnull=True).count() == 0
    assert UsageRecord.objects.filter(firm=firm_b, sent_at__isnull=True).count() == 1


def test_a_usage_flush_that_crashes_before_marking_resends_the_same_identifier(
    stripe_settings: StripeFake, firm_a: Firm
) -> None:
    fake = stripe_settings
    subscribe(fake, firm_a)
    customer = BillingCustomer.objects.get(firm=firm_a)
    record = services.usage_record(firm=firm_a, quantity=5)
    # given a flush whose marking is lost (the worker died before commit)
    with pytest.raises(WorkerKilled):
        flush_then_die()
    record.refresh_from_db()
    assert record.sent_at is None
    # when the next run sends it again
    assert services.usage_flush() == 1
    # then the same identifier went twice and Stripe counted it once
    assert record.identifier in fake.meter_events
    assert fake.meter_total(customer.stripe_customer_id, "parksuite_documents") == 5


def test_usage_is_counted_for_the_firm_whose_schema_is_in_use(firm_a: Firm) -> None:
    # when a document is made inside firm A's schema
    with schema_context(firm_a.schema_name):
        record = services.usage_record_here(quantity=1)
    # then the usage belongs to firm A
    assert record is not None
    assert record.firm_id == firm_a.pk
    # and nothing is counted in the public schema
    assert services.usage_record_here(quantity=1) is None


def test_usage_must_be_positive(firm_a: Firm) -> None:
    with pytest.raises(ValidationFailed):
        services.usage_record(firm=firm_a, quantity=0)
    assert not UsageRecord.objects.filter(firm=firm_a).exists()
