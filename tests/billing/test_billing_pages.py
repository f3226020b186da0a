"""The firm's billing page: owners and admins only, read from the local mirror (no Stripe call
on a page view), nothing of another firm, test mode labelled, cancellation confirmed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing.models import BillingCustomer, BillingInvoice, Subscription, UsageRecord
from tenants.models import Firm
from tests.billing.entitlement_support import plans_ensure, subscription_set
from tests.conftest import PASSWORD

URL = "/settings/billing/"


@pytest.fixture(autouse=True)
def no_stripe() -> Iterator[mock.MagicMock]:
    """Any Stripe call from these pages would fail the test: pages read the mirror only."""
    with mock.patch("apps.billing.services.stripe_client", side_effect=AssertionError("Stripe called")) as patched:
        yield patched


def user_client(firm: Firm, *, role: str, email: str) -> Client:
    with schema_context(firm.schema_name):
        User.objects.create_user(email, PASSWORD, full_name=role.title(), role=role, language="en")
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def member_a_client(firm_a: Firm) -> Client:
    return user_client(firm_a, role="member", email="member@alpha.example")


@pytest.fixture
def admin_a_client(firm_a: Firm) -> Client:
    return user_client(firm_a, role="admin", email="admin@alpha.example")


def active_business(firm: Firm, **fields: Any) -> Subscription:
    values: dict[str, Any] = {
        "status": "active",
        "stripe_subscription_id": f"sub_{firm.slug}",
        "stripe_seat_item_id": f"si_{firm.slug}",
        "quantity": 3,
        "current_period_end": timezone.now() + timedelta(days=20),
        "trial_end": None,
    }
    values.update(fields)
    return subscription_set(firm, plan="business", **values)


def test_the_owner_sees_plan_status_seats_and_trial_days(owner_a_client: Client, firm_a: Firm) -> None:
    # given a firm on its trial with five days left
    subscription_set(firm_a, plan="trial", status="trialing", trial_end=timezone.now() + timedelta(days=5))
    # when the owner opens the billing page
    response = owner_a_client.get(URL)
    # then plan, status, days left and seats are shown, and plans to choose from
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="current-plan">Trial<' in text
    assert "5 days left" in text
    assert "of 5" in text  # seats used of the trial's five
    assert 'id="choose-business"' in text
    assert 'id="choose-starter"' in text


def test_an_admin_may_open_the_billing_page(admin_a_client: Client, firm_a: Firm) -> None:
    # given a firm on trial
    subscription_set(firm_a, plan="trial", status="trialing")
    # when an administrator opens the page
    response = admin_a_client.get(URL)
    # then it is shown
    assert response.status_code == 200


def test_a_member_is_refused_the_billing_page(member_a_client: Client, firm_a: Firm) -> None:
    # given a member of the firm
    subscription_set(firm_a, plan="trial", status="trialing")
    # when the member opens the page
    response = member_a_client.get(URL)
    # then it is refused with a page that says why
    assert response.status_code == 403
    assert b'data-code="billing_not_allowed"' in response.content
    assert b"owner or an administrator can manage billing" in response.content


@pytest.mark.parametrize("path", ["checkout/", "portal/", "change/", "cancel/", "resume/"])
def test_a_member_cannot_start_any_billing_action_and_nothing_changes(
    member_a_client: Client, firm_a: Firm, path: str
) -> None:
    # given a firm with a running subscription
    sub = active_business(firm_a)
    before = Subscription.objects.filter(pk=sub.pk).values().get()
    # when a member posts a billing action
    response = member_a_client.post(URL + path, {"plan": "starter", "interval": "month", "payment": "card"})
    # then it is refused, Stripe is not called, and nothing changed
    assert response.status_code == 403
    assert Subscription.objects.filter(pk=sub.pk).values().get() == before
    assert not BillingCustomer.objects.filter(firm=firm_a).exists()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client_a: Client, firm_a: Firm) -> None:
    # when an anonymous visitor opens the page
    response = client_a.get(URL)
    # then they are asked to sign in
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_paying_firm_sees_next_invoice_usage_invoices_and_actions(owner_a_client: Client, firm_a: Firm) -> None:
    # given a paying firm with usage this period and an open invoice
    sub = active_business(firm_a, quantity=3)
    BillingCustomer.objects.create(firm=firm_a, stripe_customer_id="cus_alpha", email="owner@alpha.example")
    now = timezone.now()
    UsageRecord.objects.create(firm=firm_a, event_name="parksuite_documents", quantity=7, occurred_at=now)
    UsageRecord.objects.create(firm=firm_a, event_name="parksuite_documents", quantity=5, occurred_at=now)
    BillingInvoice.objects.create(
        firm=firm_a,
        stripe_invoice_id="in_alpha_1",
        number="ALPHA-0001",
        status="open",
        amount_due=Decimal("297.00"),
        hosted_invoice_url="https://invoice.example/in_alpha_1",
        created=now,
    )
    # when the owner opens the page
    response = owner_a_client.get(URL)
    text = response.content.decode()
    # then the mirror's facts are there
    assert 'id="current-plan">Business<' in text
    assert "3 of 3" in text or "of 3" in text
    assert f"about {Decimal('99.00') * sub.quantity:.2f} CNY" in text  # 3 seats x 99, usage within quota
    assert 'id="usage">12<' in text
    assert "ALPHA-0001" in text
    assert "https://invoice.example/in_alpha_1" in text
    # and the paying firm's actions: portal, change plan, cancel
    assert 'id="portal-button"' in text
    assert "Switch to Starter" in text
    assert 'href="/settings/billing/cancel/"' in text
    assert 'id="choose-business"' not in text


def test_the_page_shows_nothing_of_another_firm(owner_a_client: Client, firm_a: Firm, firm_b: Firm) -> None:
    # given invoices and usage of both firms
    now = timezone.now()
    subscription_set(firm_a, plan="trial", status="trialing")
    active_business(firm_b)
    for firm, number in ((firm_a, "ALPHA-INV-1"), (firm_b, "BETA-INV-SECRET")):
        BillingInvoice.objects.create(
            firm=firm, stripe_invoice_id=f"in_{number}", number=number, status="paid", created=now
        )
    UsageRecord.objects.create(firm=firm_b, event_name="parksuite_documents", quantity=999, occurred_at=now)
    # when firm A's owner opens the page
    text = owner_a_client.get(URL).content.decode()
    # then only firm A's rows are there
    assert "ALPHA-INV-1" in text
    assert "BETA-INV-SECRET" not in text
    assert 'id="usage">0<' in text


def test_a_session_of_one_firm_does_not_open_the_other_firms_billing_page(owner_a_client: Client, firm_b: Firm) -> None:
    # given firm A's signed-in owner
    # when the same browser asks firm B's host for its billing page
    response = owner_a_client.get(URL, HTTP_HOST=firm_b.host)
    # then it is not shown (sessions are per host)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_test_mode_is_clearly_labelled(owner_a_client: Client, firm_a: Firm, settings: Any) -> None:
    # given the site in Stripe test mode
    settings.STRIPE_TEST_MODE = True
    subscription_set(firm_a, plan="trial", status="trialing")
    # when the owner opens the page
    text = owner_a_client.get(URL).content.decode()
    # then the page says so
    assert 'data-test-mode="1"' in text
    assert "no real money is charged" in text


def test_live_mode_has_no_test_label(owner_a_client: Client, firm_a: Firm, settings: Any) -> None:
    settings.STRIPE_TEST_MODE = False
    subscription_set(firm_a, plan="trial", status="trialing")
    assert 'data-test-mode="1"' not in owner_a_client.get(URL).content.decode()


def test_a_past_due_firm_sees_the_days_of_grace_left(owner_a_client: Client, firm_a: Firm, settings: Any) -> None:
    # given a payment that failed two days ago and seven days of grace
    settings.BILLING_GRACE_DAYS = 7
    active_business(firm_a, status="past_due", past_due_since=timezone.now() - timedelta(days=2, hours=1))
    # when the owner opens the page
    text = owner_a_client.get(URL).content.decode()
    # then the notice says how long everything keeps working
    assert 'data-billing-state="past_due"' in text
    assert "5 more days" in text


def test_an_unpaid_firm_is_told_it_is_read_only_and_may_choose_a_plan(owner_a_client: Client, firm_a: Firm) -> None:
    # given a subscription Stripe gave up on
    active_business(firm_a, status="unpaid")
    # when the owner opens the page
    response = owner_a_client.get(URL)
    text = response.content.decode()
    # then the page still opens, says why, and offers plans
    assert response.status_code == 200
    assert 'data-billing-state="suspended"' in text


def test_cancelling_asks_for_confirmation_first(owner_a_client: Client, firm_a: Firm) -> None:
    # given a running subscription
    sub = active_business(firm_a)
    # when the owner follows the cancel link
    response = owner_a_client.get(URL + "cancel/")
    # then a confirmation page explains what happens, and nothing changed yet
    assert response.status_code == 200
    assert 'id="confirm-cancel"' in response.content.decode()
    sub.refresh_from_db()
    assert sub.cancel_at_period_end is False


def test_the_settings_tabs_link_to_billing_for_owners_only(
    owner_a_client: Client, member_a_client: Client, firm_a: Firm
) -> None:
    # when the owner and a member open the firm settings
    owner_page = owner_a_client.get("/settings/").content.decode()
    member_page = member_a_client.get("/settings/").content.decode()
    # then only the owner sees the billing tab
    assert 'href="/settings/billing/"' in owner_page
    assert 'href="/settings/billing/"' not in member_page


def test_the_billing_page_runs_a_bounded_number_of_queries(
    owner_a_client: Client, firm_a: Firm, django_assert_max_num_queries: Any
) -> None:
    # given a paying firm with many invoices
    active_business(firm_a)
    now = timezone.now()
    BillingInvoice.objects.bulk_create(
        BillingInvoice(firm=firm_a, stripe_invoice_id=f"in_many_{i}", status="paid", created=now) for i in range(40)
    )
    owner_a_client.get(URL)  # warm the session and entitlement caches
    # when the page is opened
    with django_assert_max_num_queries(20):
        response = owner_a_client.get(URL)
    # then it shows at most the latest 24 invoices
    assert response.status_code == 200
    assert response.content.decode().count("in_many_") == 0  # ids are not shown; rows are
    assert response.content.decode().count("<tr>") == 24 + 1


def test_plans_must_exist(firm_a: Firm) -> None:
    # the catalogue these pages rely on is seeded
    assert set(plans_ensure()) >= {"trial", "starter", "business"}
