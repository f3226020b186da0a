"""The whole life of a paying firm, through the real stripe client, the Stripe fake's hosted
checkout and its signed webhooks, with the access checks at each step:

trial → checkout → active → add seats → payment fails → past_due (banner, dunning mail) →
unpaid (read-only; a GET and the export still work) → invoice paid → active again.

Then duplicate, reordered, stale and badly signed webhooks leave the state correct.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.accounts.models import User
from apps.accounts.services import invitation_accept, invitation_create
from apps.billing import services, webhooks
from apps.billing.fake import StripeFake
from apps.billing.models import StripeEvent, Subscription
from apps.billing.webhooks import event_process
from tenants.models import Firm
from tests.billing.entitlement_support import subscription_set

Runner = Callable[[], None]


@pytest.fixture(autouse=True)
def _deliveries_flow_again(stripe_fake: StripeFake) -> Iterator[None]:
    # The fake lives for the whole session: webhooks flow unless a test holds them back.
    stripe_fake.hold_deliveries = False
    yield
    stripe_fake.hold_deliveries = False


@pytest.fixture
def run_worker(django_capture_on_commit_callbacks: Any) -> Runner:
    """What the job worker does: process every stored, unprocessed event in arrival order
    (after-commit work, such as the dunning mail, runs as it would after the job's commit)."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            pending = StripeEvent.objects.filter(processed_at__isnull=True).order_by("id")
            for event_id in pending.values_list("event_id", flat=True):
                event_process(event_id=event_id)

    return run


def mirror(firm: Firm) -> Subscription:
    return Subscription.objects.select_related("plan").get(firm=firm)


def rename(client: Client, name: str) -> int:
    """A change on a firm page (the firm profile form): refused when the firm is read-only."""
    return client.post("/settings/", {"name": name}).status_code


def banner(client: Client) -> str:
    match = re.search(r'data-billing-banner="([a-z_]+)"', client.get("/").content.decode())
    return match.group(1) if match else ""


def all_delivered(fake: StripeFake) -> None:
    assert fake.deliveries, "the fake sent no webhooks"
    assert {delivery.status for delivery in fake.deliveries} == {200}


@pytest.mark.django_db
def test_the_whole_life_of_a_paying_firm(
    stripe_settings: StripeFake,
    firm_a: Firm,
    owner_a_client: Client,
    run_worker: Runner,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    fake = stripe_settings
    settings.BILLING_GRACE_DAYS = 7

    # 1. Trial: full access, plans on offer.
    subscription_set(firm_a, plan="trial", status="trialing")
    assert rename(owner_a_client, "Alpha 试用") == 302
    assert 'id="choose-business"' in owner_a_client.get("/settings/billing/").content.decode()

    # 2. Checkout from the billing page, paid on the fake's hosted page.
    response = owner_a_client.post(
        "/settings/billing/checkout/", {"plan": "business", "interval": "month", "payment": "card"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(fake.base_url)
    fake.checkout_complete(response["Location"].rsplit("/", 1)[-1])
    all_delivered(fake)
    # the webhooks are stored and acknowledged; a job applies them
    assert StripeEvent.objects.filter(processed_at__isnull=True).count() == len(fake.deliveries)
    run_worker()
    sub = mirror(firm_a)
    assert (sub.status, sub.plan.code, sub.quantity) == ("active", "business", 1)
    stripe_sub_id = sub.stripe_subscription_id
    page = owner_a_client.get("/settings/billing/?checkout=done").content.decode()
    assert 'id="current-plan">Business<' in page
    assert 'id="checkout-done"' in page
    assert rename(owner_a_client, "Alpha 付费") == 302
    assert banner(owner_a_client) == ""

    # 3. Seats: two colleagues accept invitations; the seat job syncs the quantity to Stripe.
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role="owner")
        for email in ("one@alpha.example", "two@alpha.example"):
            _invitation, token = invitation_create(actor=owner, email=email, role="member", accept_url_base=firm_a.url)
            with django_capture_on_commit_callbacks(execute=True):
                invitation_accept(token=token, full_name=email, password="Sturdy-Password-2026", language="en")
    assert ProcrastinateJob.objects.filter(task_name="billing.sync_seats", args__firm_id=firm_a.pk).exists()
    services.seats_sync(firm_id=firm_a.pk)
    sub = mirror(firm_a)
    assert fake.get(sub.stripe_seat_item_id)["quantity"] == 3
    assert (sub.quantity, sub.synced_quantity) == (3, 3)
    fake.deliver_pending()  # the quantity change's customer.subscription.updated
    run_worker()
    assert mirror(firm_a).quantity == 3

    # 4. The renewal payment fails: past_due, full access with a banner, the owner is mailed.
    mail.outbox.clear()
    fake.invoice_fail(stripe_sub_id)
    all_delivered(fake)
    run_worker()
    sub = mirror(firm_a)
    assert sub.status == "past_due"
    assert sub.past_due_since is not None
    assert banner(owner_a_client) == "past_due"
    assert rename(owner_a_client, "Alpha 逾期") == 302  # still full access in the grace period
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@alpha.example"]
    assert "failed" in mail.outbox[0].subject
    assert "/settings/billing/" in mail.outbox[0].body

    # 5. Stripe gives up: unpaid → read-only. A GET and the export still work.
    fake.subscription_set_status(stripe_sub_id, "unpaid")
    run_worker()
    assert mirror(firm_a).status == "unpaid"
    with schema_context(firm_a.schema_name):
        name_before = Firm.objects.get(pk=firm_a.pk).name
    assert rename(owner_a_client, "Alpha 停用") == 403
    assert Firm.objects.get(pk=firm_a.pk).name == name_before
    assert owner_a_client.get("/").status_code == 200
    assert owner_a_client.get("/crm/").status_code == 200
    assert owner_a_client.post("/settings/export/").status_code == 302
    assert owner_a_client.get("/settings/billing/").status_code == 200
    assert banner(owner_a_client) == "suspended"

    # 6. The open invoice is paid: active again, writes work, no banner.
    fake.invoice_pay_open(stripe_sub_id)
    all_delivered(fake)
    run_worker()
    sub = mirror(firm_a)
    assert sub.status == "active"
    assert sub.past_due_since is None
    assert rename(owner_a_client, "Alpha 恢复") == 302
    assert banner(owner_a_client) == ""
    assert sub.plan.code == "business"
    page = owner_a_client.get("/settings/billing/").content.decode()
    assert page.count("<tr>") >= 3  # header + the invoices (checkout, failed-then-paid)


# --- webhooks that arrive twice, late, out of order or forged --------------------------------


def paying_firm(fake: StripeFake, firm: Firm, owner: User, run_worker: Runner) -> Subscription:
    subscription_set(firm, plan="trial", status="trialing")
    url = services.checkout_start(actor=owner, firm=firm, plan_code="business", interval="month")
    fake.checkout_complete(url.rsplit("/", 1)[-1])
    run_worker()
    return mirror(firm)


@pytest.fixture
def owner_a(firm_a: Firm) -> User:
    with schema_context(firm_a.schema_name):
        return User.objects.get(role="owner")


def test_a_duplicate_webhook_is_stored_and_applied_once(
    stripe_settings: StripeFake, firm_a: Firm, owner_a: User, run_worker: Runner
) -> None:
    fake = stripe_settings
    sub = paying_firm(fake, firm_a, owner_a, run_worker)
    fake.invoice_fail(sub.stripe_subscription_id)
    run_worker()
    events = StripeEvent.objects.count()
    failed = fake.events("invoice.payment_failed")[-1]["id"]
    mail.outbox.clear()
    # when Stripe sends the failure again
    delivery = fake.resend(failed)
    run_worker()
    # then it is acknowledged, not stored again, and no second mail goes out
    assert delivery.status == 200
    assert StripeEvent.objects.count() == events
    assert mail.outbox == []
    assert mirror(firm_a).status == "past_due"


def test_processing_an_event_twice_is_harmless(
    stripe_settings: StripeFake, firm_a: Firm, owner_a: User, run_worker: Runner
) -> None:
    fake = stripe_settings
    sub = paying_firm(fake, firm_a, owner_a, run_worker)
    event = StripeEvent.objects.filter(type="checkout.session.completed").get()
    before = Subscription.objects.filter(pk=sub.pk).values().get()
    # when the job runs again for an event already applied (a retried job)
    event_process(event_id=event.event_id)
    # then nothing changes
    assert Subscription.objects.filter(pk=sub.pk).values().get() == before


def test_events_delivered_in_reverse_order_leave_stripes_current_state(
    stripe_settings: StripeFake, firm_a: Firm, owner_a: User, run_worker: Runner
) -> None:
    fake = stripe_settings
    sub = paying_firm(fake, firm_a, owner_a, run_worker)
    # given a failure and then a payment, whose webhooks are held back
    fake.hold_deliveries = True
    fake.invoice_fail(sub.stripe_subscription_id)
    fake.invoice_pay_open(sub.stripe_subscription_id)
    held = list(fake.pending)
    assert len(held) >= 4
    mail.outbox.clear()
    # when they arrive newest first
    fake.deliver(list(reversed(held)))
    run_worker()
    # then the firm is active as Stripe says, with no overdue state and no dunning mail
    sub = mirror(firm_a)
    assert sub.status == "active"
    assert sub.past_due_since is None
    assert mail.outbox == []


def test_an_event_older_than_the_last_applied_is_skipped_without_calling_stripe(
    stripe_settings: StripeFake, firm_a: Firm, owner_a: User, run_worker: Runner
) -> None:
    fake = stripe_settings
    sub = paying_firm(fake, firm_a, owner_a, run_worker)
    fake.hold_deliveries = True
    fake.subscription_set_status(sub.stripe_subscription_id, "past_due")
    fake.subscription_set_status(sub.stripe_subscription_id, "active")
    older, newer = fake.pending[-2], fake.pending[-1]
    # given the newer event was applied
    fake.deliver([newer])
    run_worker()
    last = mirror(firm_a).last_event_at
    # when the older one arrives late
    fake.deliver([older])
    with mock.patch.object(webhooks, "stripe_client", side_effect=AssertionError("Stripe called")):
        run_worker()
    # then it is marked processed and changes nothing
    sub = mirror(firm_a)
    assert sub.status == "active"
    assert sub.last_event_at == last
    assert StripeEvent.objects.get(event_id=older).processed_at is not None


@pytest.mark.parametrize("signature", ["bad", "stale"])
def test_badly_signed_or_stale_webhooks_are_refused_and_change_nothing(
    stripe_settings: StripeFake, firm_a: Firm, owner_a: User, run_worker: Runner, signature: str
) -> None:
    fake = stripe_settings
    sub = paying_firm(fake, firm_a, owner_a, run_worker)
    fake.hold_deliveries = True
    fake.subscription_set_status(sub.stripe_subscription_id, "unpaid")
    event_id = fake.pending[-1]
    events = StripeEvent.objects.count()
    # when the event arrives forged or replayed late
    delivery = fake.resend(event_id, signature=signature)
    run_worker()
    # then it is refused and nothing is stored or changed
    assert delivery.status == 400
    assert StripeEvent.objects.count() == events
    assert mirror(firm_a).status == "active"
