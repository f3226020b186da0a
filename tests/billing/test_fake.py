"""The Stripe fake, spoken to by the real stripe-python client over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
import stripe

from apps.billing.fake import StripeFake
from apps.billing.models import Plan
from apps.billing.stripe_client import API_VERSION, stripe_client

from .conftest import FAKE_WEBHOOK_SECRET

Received = list[stripe.Event]


@pytest.fixture(autouse=True)
def received(stripe_settings: StripeFake) -> Received:
    """Webhooks delivered to a receiver that checks them as ParkSuite's view would (these tests
    are about the fake, so they do not depend on the view)."""
    events: Received = []

    def receive(body: bytes, signature: str) -> int:
        try:
            events.append(stripe.Webhook.construct_event(body, signature, FAKE_WEBHOOK_SECRET))
        except stripe.SignatureVerificationError:
            return 400
        return 200

    stripe_settings.webhook_target = receive
    return events


def _any(value: Any) -> Any:
    return value


def _no_redirect() -> urllib.request.OpenerDirector:
    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), Keep)


def _open(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    assert url.startswith("http://127.0.0.1:")  # the fake only, never the internet
    method = "POST" if data is not None else "GET"
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310
    try:
        with _no_redirect().open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _subscribe(fake: StripeFake, *, trial_days: int | None = None) -> tuple[str, stripe.checkout.Session]:
    client = stripe_client()
    customer = client.v1.customers.create(params={"email": "owner@alpha.example", "metadata": {"firm_id": "1"}})
    prices = fake.plans_sync()["business"]
    params: Any = {
        "mode": "subscription",
        "customer": customer.id,
        "client_reference_id": "1",
        "line_items": [{"price": prices["month"], "quantity": 3}, {"price": prices["metered"]}],
        "success_url": "http://alpha-firm.localhost:8000/billing/done/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://alpha-firm.localhost:8000/billing/",
        "payment_method_types": ["card"],
        "metadata": {"firm_id": "1"},
        "subscription_data": {"metadata": {"firm_id": "1"}},
    }
    if trial_days:
        params["subscription_data"]["trial_period_days"] = trial_days
    session = client.v1.checkout.sessions.create(params=params)
    return customer.id, session


def _active_subscription(fake: StripeFake) -> stripe.Subscription:
    customer_id, session = _subscribe(fake)
    fake.checkout_complete(session.id)
    return stripe_client().v1.subscriptions.retrieve(fake.subscription_for(customer_id=customer_id))


def test_customer_is_created_read_and_updated(stripe_settings: StripeFake) -> None:
    # given the real client pointed at the fake
    client = stripe_client()
    # when a customer is created and then changed
    customer = client.v1.customers.create(params={"email": "a@alpha.example", "name": "Alpha"})
    client.v1.customers.update(customer.id, params={"email": "billing@alpha.example", "metadata": {"firm": "a"}})
    # then reading it back shows the change in Stripe's shape
    read = client.v1.customers.retrieve(customer.id)
    assert read.id.startswith("cus_")
    assert read.object == "customer"
    assert read.email == "billing@alpha.example"
    assert _any(read.metadata)["firm"] == "a"
    assert read.livemode is False


def test_checkout_page_is_labelled_test_mode_and_paying_redirects_with_the_session_id(
    stripe_settings: StripeFake, received: Received
) -> None:
    # given an open checkout session
    _customer, session = _subscribe(stripe_settings)
    assert session.url == f"{stripe_settings.base_url}/c/pay/{session.id}"
    # when the browser opens the hosted page
    status, _, page = _open(session.url)
    # then it is clearly a test-mode page without inline script
    assert status == 200
    assert "Test mode — Stripe fake" in page
    assert "<script" not in page
    assert 'method="post"' in page
    # when "Pay" is pressed
    status, headers, _ = _open(session.url, data=b"")
    # then the browser goes to the success URL with the session id filled in
    assert status == 303
    assert headers["Location"] == f"http://alpha-firm.localhost:8000/billing/done/?session={session.id}"
    stripe_settings.deliver_pending()  # the page ran in the fake's thread; deliver in this one
    assert [e.type for e in received] == [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
        "invoice.payment_succeeded",
    ]
    completed = stripe_client().v1.checkout.sessions.retrieve(session.id)
    assert completed.status == "complete"
    assert completed.subscription == received[1].data.object.id


def test_completed_checkout_makes_an_active_subscription_shaped_like_the_pinned_api(
    stripe_settings: StripeFake, received: Received
) -> None:
    # given a checkout for 3 seats and the metered documents price
    customer_id, session = _subscribe(stripe_settings)
    # when it is completed
    stripe_settings.checkout_complete(session.id)
    # then the subscription has its items with per-item periods (API 2026) and a paid invoice
    client = stripe_client()
    sub = client.v1.subscriptions.retrieve(
        stripe_settings.subscription_for(customer_id=customer_id), params={"expand": ["latest_invoice"]}
    )
    assert sub.status == "active"
    assert sub.metadata["firm_id"] == "1"
    seats, metered = sub["items"].data
    assert seats.id.startswith("si_")
    assert seats.quantity == 3
    assert seats.price.id == "price_fake_business_month"
    assert seats.current_period_end > seats.current_period_start
    assert metered.price.recurring.usage_type == "metered"
    invoice: Any = sub.latest_invoice
    assert invoice.status == "paid"
    assert invoice.currency == "cny"
    assert invoice.amount_paid == 3 * 9900
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.hosted_invoice_url.startswith(stripe_settings.base_url)
    assert received[0].data.object.client_reference_id == "1"


def test_a_trial_checkout_starts_trialing_with_nothing_to_pay(stripe_settings: StripeFake) -> None:
    # given a checkout with 14 trial days
    customer_id, session = _subscribe(stripe_settings, trial_days=14)
    # when it is completed
    stripe_settings.checkout_complete(session.id)
    # then the subscription is trialing and the first invoice is zero
    sub = stripe_settings.get(stripe_settings.subscription_for(customer_id=customer_id))
    assert sub["status"] == "trialing"
    assert sub["trial_end"] - sub["trial_start"] == 14 * 86400
    assert stripe_settings.get(sub["latest_invoice"])["amount_due"] == 0


def test_webhooks_are_signed_so_construct_event_accepts_them_and_bad_or_stale_ones_fail(
    stripe_settings: StripeFake,
) -> None:
    # given webhooks captured raw
    raw: list[tuple[bytes, str]] = []

    def capture(body: bytes, signature: str) -> int:
        raw.append((body, signature))
        return 200

    stripe_settings.webhook_target = capture
    _customer, session = _subscribe(stripe_settings)
    # when checkout completes
    stripe_settings.checkout_complete(session.id)
    # then each delivery verifies with the webhook secret and is a proper event
    body, signature = raw[0]
    event = stripe.Webhook.construct_event(body, signature, FAKE_WEBHOOK_SECRET)
    assert event.id.startswith("evt_")
    assert event.object == "event"
    assert event.api_version == API_VERSION
    assert event.livemode is False
    assert event.type == "checkout.session.completed"
    assert event.data.object.id == session.id
    # and a badly signed or stale resend is refused by the same check
    raw.clear()
    stripe_settings.resend(event.id, signature="bad")
    stripe_settings.resend(event.id, signature="stale")
    for bad_body, bad_signature in raw:
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(bad_body, bad_signature, FAKE_WEBHOOK_SECRET)
    assert [d.signature for d in stripe_settings.deliveries[-2:]] == ["bad", "stale"]


def test_retried_seat_update_with_the_same_idempotency_key_counts_one_change(
    stripe_settings: StripeFake, received: Received
) -> None:
    # given an active subscription with 3 seats
    sub = _active_subscription(stripe_settings)
    seat_item = sub["items"].data[0].id
    received.clear()
    client = stripe_client()
    # when the same seat sync is sent twice with one key
    for _ in range(2):
        client.v1.subscriptions.update(
            sub.id,
            params={"items": [{"id": seat_item, "quantity": 4}], "proration_behavior": "create_prorations"},
            options={"idempotency_key": "parksuite-seats-1-v1"},
        )
    stripe_settings.deliver_pending()
    # then the fake applied one change and sent one webhook
    assert stripe_settings.quantity_changes(seat_item) == 1
    assert [e.type for e in received] == ["customer.subscription.updated"]
    assert _any(received[0].data.previous_attributes)["items"]["data"][0]["quantity"] == 3
    assert client.v1.subscription_items.retrieve(seat_item).quantity == 4


def test_reusing_an_idempotency_key_with_other_parameters_is_refused(stripe_settings: StripeFake) -> None:
    # given an update sent with a key
    sub = _active_subscription(stripe_settings)
    seat_item = sub["items"].data[0].id
    client = stripe_client()
    client.v1.subscription_items.update(
        seat_item, params={"quantity": 4}, options={"idempotency_key": "parksuite-seats-1-v2"}
    )
    # when the key is reused for another quantity
    with pytest.raises(stripe.IdempotencyError):
        client.v1.subscription_items.update(
            seat_item, params={"quantity": 9}, options={"idempotency_key": "parksuite-seats-1-v2"}
        )
    # then nothing more changed
    assert stripe_settings.quantity_changes(seat_item) == 1
    assert stripe_settings.get(seat_item)["quantity"] == 4


def test_a_meter_event_identifier_is_counted_once(stripe_settings: StripeFake) -> None:
    # given a customer
    client = stripe_client()
    customer = client.v1.customers.create(params={"email": "a@alpha.example"})
    params: Any = {
        "event_name": "parksuite_documents",
        "payload": {"stripe_customer_id": customer.id, "value": "12"},
        "identifier": "parksuite-usage-41",
    }
    # when the same usage row is flushed twice, and another once
    first = client.v1.billing.meter_events.create(params=params)
    again = client.v1.billing.meter_events.create(params=params)
    other: Any = {**params, "identifier": "parksuite-usage-42"}
    client.v1.billing.meter_events.create(params=other)
    # then the repeat answers the first event and is not counted
    assert first.object == "billing.meter_event"
    assert again.identifier == first.identifier
    assert again.timestamp == first.timestamp
    assert stripe_settings.meter_total(customer.id, "parksuite_documents") == 24


def test_a_wrong_api_key_is_refused_with_401(stripe_settings: StripeFake) -> None:
    # given a client with a key the fake does not know
    client = stripe.StripeClient("sk_test_wrong", base_addresses={"api": stripe_settings.base_url})
    # when it asks for anything, then Stripe's authentication error comes back
    with pytest.raises(stripe.AuthenticationError) as caught:
        client.v1.customers.create(params={"email": "a@alpha.example"})
    assert caught.value.http_status == 401
    # and nothing was created
    assert stripe_settings.customers == {}


def test_an_unknown_id_is_404_in_stripes_error_shape(stripe_settings: StripeFake) -> None:
    # given the real client
    client = stripe_client()
    # when an unknown subscription is read, then the client raises Stripe's error
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.retrieve("sub_missing")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    # and the raw answer has Stripe's shape
    status, _, body = _open(
        f"{stripe_settings.base_url}/v1/invoices/in_missing", headers={"Authorization": "Bearer sk_test_parksuite_fake"}
    )
    assert status == 404
    assert json.loads(body) == {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": "No such invoice: 'in_missing'",
            "param": "id",
        }
    }


def test_bad_parameters_are_400_naming_the_parameter(stripe_settings: StripeFake) -> None:
    # given an active subscription
    sub = _active_subscription(stripe_settings)
    metered_item = sub["items"].data[1].id
    # when a quantity is set on the metered item, then Stripe's 400 names the parameter
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client().v1.subscriptions.update(sub.id, params={"items": [{"id": metered_item, "quantity": 2}]})
    assert caught.value.http_status == 400
    assert caught.value.param == "items[0][quantity]"
    assert stripe_settings.quantity_changes(metered_item) == 0


def test_a_failed_invoice_makes_the_subscription_past_due_and_paying_it_reactivates(
    stripe_settings: StripeFake, received: Received
) -> None:
    # given an active subscription
    sub = _active_subscription(stripe_settings)
    received.clear()
    # when its invoice fails
    failed = stripe_settings.invoice_fail(sub.id)
    # then it is past due, with the webhooks Stripe sends
    assert [e.type for e in received] == ["invoice.payment_failed", "customer.subscription.updated"]
    assert received[1].data.object.status == "past_due"
    assert failed["status"] == "open"
    # when the invoice is paid through the API
    received.clear()
    paid = stripe_client().v1.invoices.pay(failed["id"])
    stripe_settings.deliver_pending()
    # then the subscription is active again
    assert paid.status == "paid"
    assert [e.type for e in received] == ["invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"]
    assert received[-1].data.object.status == "active"


def test_dunning_statuses_and_paying_the_open_invoice(stripe_settings: StripeFake, received: Received) -> None:
    # given a subscription whose payment failed and which went unpaid
    sub = _active_subscription(stripe_settings)
    stripe_settings.invoice_fail(sub.id)
    received.clear()
    stripe_settings.subscription_set_status(sub.id, "unpaid")
    assert received[-1].data.object.status == "unpaid"
    # when the open invoice is paid (control helper)
    stripe_settings.invoice_pay_open(sub.id)
    # then it is active again; a cancel ends it with customer.subscription.deleted
    assert stripe_settings.get(sub.id)["status"] == "active"
    stripe_settings.subscription_set_status(sub.id, "canceled")
    assert received[-1].type == "customer.subscription.deleted"
    assert received[-1].data.object.status == "canceled"


def test_advancing_the_clock_renews_card_subscriptions_and_invoices_send_invoice_ones(
    stripe_settings: StripeFake, received: Received
) -> None:
    # given a card subscription and one paying by invoice (Alipay / WeChat Pay) within 7 days
    card = _active_subscription(stripe_settings)
    by_invoice = _active_subscription(stripe_settings)
    client = stripe_client()
    client.v1.subscriptions.update(
        by_invoice.id,
        params={
            "collection_method": "send_invoice",
            "days_until_due": 7,
            "payment_settings": {"payment_method_types": ["alipay", "wechat_pay"]},
        },
    )
    period_end = card["items"].data[0].current_period_end
    received.clear()
    # when the clock passes the period end
    stripe_settings.clock_advance(32)
    # then the card renewal is paid and the invoice one is open, then overdue (past_due)
    assert stripe_client().v1.subscriptions.retrieve(card.id)["items"].data[0].current_period_start == period_end
    card_invoices = client.v1.invoices.list(params={"subscription": card.id}).data
    assert [i.status for i in card_invoices] == ["paid", "paid"]
    assert card_invoices[0].billing_reason == "subscription_cycle"
    open_invoice = client.v1.invoices.list(params={"subscription": by_invoice.id, "limit": 1}).data[0]
    assert open_invoice.status == "open"
    assert open_invoice.due_date == open_invoice.created + 7 * 86400
    assert stripe_settings.get(by_invoice.id)["status"] == "active"
    stripe_settings.clock_advance(8)
    assert stripe_settings.get(by_invoice.id)["status"] == "past_due"
    assert "invoice.finalized" in [e.type for e in received]
    # and paying on the hosted invoice page makes it active again
    status, _, _ = _open(f"{open_invoice.hosted_invoice_url}/pay", data=b"")
    assert status == 303
    assert stripe_settings.get(by_invoice.id)["status"] == "active"


def test_portal_cancel_at_period_end_ends_the_subscription_when_the_period_ends(
    stripe_settings: StripeFake, received: Received
) -> None:
    # given an active subscription and a portal session
    sub = _active_subscription(stripe_settings)
    portal = stripe_client().v1.billing_portal.sessions.create(
        params={"customer": str(sub.customer), "return_url": "http://alpha-firm.localhost:8000/billing/"}
    )
    status, _, page = _open(portal.url)
    assert status == 200
    assert "Cancel at period end" in page
    received.clear()
    # when the customer cancels at period end on the portal page
    status, _, _ = _open(f"{portal.url}/cancel", data=f"subscription={sub.id}".encode())
    stripe_settings.deliver_pending()
    # then the subscription says so, and ends when the clock passes the period end
    assert status == 303
    assert [e.type for e in received] == ["customer.subscription.updated"]
    assert received[0].data.object.cancel_at_period_end is True
    stripe_settings.clock_advance(32)
    assert received[-1].type == "customer.subscription.deleted"
    assert stripe_settings.get(sub.id)["status"] == "canceled"
    assert stripe_client().v1.subscriptions.list(params={"customer": str(sub.customer)}).data == []


def test_held_events_can_be_sent_in_any_order_and_again(stripe_settings: StripeFake, received: Received) -> None:
    # given events held back
    stripe_settings.hold_deliveries = True
    sub = _active_subscription(stripe_settings)
    stripe_settings.invoice_fail(sub.id)
    stripe_settings.invoice_pay_open(sub.id)
    assert received == []
    updates = [e["id"] for e in stripe_settings.events("customer.subscription.updated")]
    # when they are delivered newest first and the newest once more
    stripe_settings.deliver(reversed(updates))
    stripe_settings.resend(updates[-1])
    # then the receiver saw that order, and event times tell the true order
    assert [e.id for e in received] == [*reversed(updates), updates[-1]]
    created = [e["created"] for e in stripe_settings.events()]
    assert created == sorted(created)
    assert len(set(created)) == len(created)


def test_plan_prices_are_registered_and_filled_into_empty_plan_fields(stripe_settings: StripeFake) -> None:
    # given the seeded plans (the fixture already ran plans_sync)
    business = Plan.objects.get(code="business")
    # then their price ids are the fake's, with the plan's amounts
    assert business.stripe_price_month == "price_fake_business_month"
    price = stripe_settings.get(business.stripe_price_month)
    assert price["unit_amount"] == 9900
    assert price["currency"] == "cny"
    metered = stripe_settings.get(business.stripe_metered_price)
    assert metered["recurring"]["usage_type"] == "metered"
    assert metered["tiers"][0]["up_to"] == business.included_units


def test_control_endpoints_answer_over_http(stripe_settings: StripeFake) -> None:
    # given an active subscription
    sub = _active_subscription(stripe_settings)
    post: Callable[[str, bytes], tuple[int, dict[str, str], str]] = lambda path, data: _open(  # noqa: E731
        stripe_settings.base_url + path, data=data
    )
    # when the demo fails its invoice and reads the state over HTTP
    status, _, _ = post(f"/_fake/subscriptions/{sub.id}/fail_invoice", b"")
    _, _, state = _open(stripe_settings.base_url + "/_fake/state")
    # then the state shows it
    assert status == 200
    assert json.loads(state)["subscriptions"][sub.id] == "past_due"
