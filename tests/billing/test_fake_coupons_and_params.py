"""The Stripe fake's coupons and discounts, and its refusal of parameters Stripe does not know
(the real API answers 400 ``parameter_unknown``), through the real stripe-python client."""

from __future__ import annotations

from typing import Any, cast

import pytest
import stripe

from apps.billing.fake import StripeFake
from apps.billing.models import Plan
from apps.billing.stripe_client import stripe_client
from tests.billing.entitlement_support import plans_ensure


@pytest.fixture
def business_price(stripe_settings: StripeFake) -> str:
    plans_ensure()
    stripe_settings.plans_sync()
    return Plan.objects.get(code="business").stripe_price_month


def test_an_unknown_parameter_is_refused_like_stripe_and_nothing_is_made(stripe_settings: StripeFake) -> None:
    # when a customer is created with a parameter Stripe does not have
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client().v1.customers.create(params=cast(Any, {"email": "a@alpha.example", "emial": "typo"}))
    # then the answer is Stripe's, naming the parameter, and no customer exists
    assert refused.value.http_status == 400
    assert refused.value.code == "parameter_unknown"
    assert refused.value.param == "emial"
    assert "Received unknown parameter: emial" in str(refused.value)
    assert stripe_settings.customers == {}


def test_an_unknown_parameter_on_a_subscription_update_changes_nothing(
    stripe_settings: StripeFake, business_price: str
) -> None:
    client = stripe_client()
    customer = client.v1.customers.create(params={"email": "a@alpha.example"})
    sub = client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": business_price, "quantity": 2}],
            "collection_method": "send_invoice",
            "days_until_due": 14,
        }
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.update(sub.id, params=cast(Any, {"quantity": 3, "description": "x"}))
    assert refused.value.param == "quantity"
    assert stripe_settings.get(sub.id)["description"] is None
    assert stripe_settings.get(sub.id)["items"]["data"][0]["quantity"] == 2


def test_a_coupon_on_a_subscription_discounts_its_invoices_and_can_be_taken_off(
    stripe_settings: StripeFake, business_price: str
) -> None:
    fake = stripe_settings
    client = stripe_client()
    # given a 25 percent coupon and a subscription of 2 Business seats (99 CNY each) carrying it
    coupon = client.v1.coupons.create(params={"id": "PARK25", "percent_off": 25, "duration": "forever"})
    assert (coupon.id, coupon.percent_off) == ("PARK25", 25)
    customer = client.v1.customers.create(params={"email": "a@alpha.example"})
    sub = client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": business_price, "quantity": 2}],
            "collection_method": "send_invoice",
            "days_until_due": 14,
            "discounts": [{"coupon": "PARK25"}],
        }
    )
    # then its first invoice takes a quarter off, and the discount reads back expanded
    invoice = client.v1.invoices.retrieve(str(sub.latest_invoice))
    assert (invoice.subtotal, invoice.total, invoice.amount_due) == (19800, 14850, 14850)
    assert [entry.amount for entry in invoice.total_discount_amounts or []] == [4950]
    read = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["discounts"]})
    assert [discount.coupon.id for discount in read.discounts] == ["PARK25"]  # type: ignore[union-attr]
    # when the discounts are cleared
    client.v1.subscriptions.update(sub.id, params={"discounts": ""})
    # then the subscription has none
    assert fake.subscription_coupons(sub.id) == []


def test_an_unknown_coupon_is_refused_and_the_subscription_keeps_its_discounts(
    stripe_settings: StripeFake, business_price: str
) -> None:
    client = stripe_client()
    customer = client.v1.customers.create(params={"email": "a@alpha.example"})
    client.v1.coupons.create(params={"id": "KEEP", "amount_off": 1000, "currency": "cny", "duration": "once"})
    sub = client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": business_price, "quantity": 1}],
            "collection_method": "send_invoice",
            "days_until_due": 14,
            "discounts": [{"coupon": "KEEP"}],
        }
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.update(sub.id, params={"discounts": [{"coupon": "NOPE"}]})
    assert refused.value.code == "resource_missing"
    assert refused.value.param == "discounts[0][coupon]"
    assert stripe_settings.subscription_coupons(sub.id) == ["KEEP"]


def test_a_coupon_needs_exactly_one_of_percent_or_amount(stripe_settings: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client().v1.coupons.create(
            params={"id": "BOTH", "percent_off": 10, "amount_off": 100, "currency": "cny"}
        )
    assert stripe_settings.coupons == {}


def test_the_demo_fake_registers_the_coupons_of_park_sponsorships_once(stripe_settings: StripeFake) -> None:
    from apps.billing.models import ParkSponsorship
    from apps.parks.models import Park

    # given a coupon sponsorship and a park-billed one
    plans = plans_ensure()
    coupon_park = Park.objects.create(name="甲园区")
    billed_park = Park.objects.create(name="乙园区")
    ParkSponsorship.objects.create(park=coupon_park, plan=plans["business"], mode="coupon", stripe_coupon_id="JIA20")
    ParkSponsorship.objects.create(park=billed_park, plan=plans["business"], mode="park_billed")
    # when the demo's fake starts (twice)
    first = stripe_settings.coupons_sync()
    again = stripe_settings.coupons_sync()
    # then the coupon exists once, and nothing else was made
    assert (first, again) == (["JIA20"], [])
    assert list(stripe_settings.coupons) == ["JIA20"]
    assert stripe_client().v1.coupons.retrieve("JIA20").percent_off == 20
