"""Entitlements: status → access, the cached per-firm summary, its invalidation, and the
acceptance rule that a request adds no Stripe call and no billing query once the cache is warm."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing import entitlements as ent
from apps.billing.interface import entitlement_for, entitlement_invalidate
from apps.billing.models import BillingCustomer, Plan, Subscription
from tenants.models import Firm
from tests.billing.entitlement_support import plans_ensure, subscription_set

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
INVOICE = BillingCustomer.Collection.INVOICE


# --- status → access (pure rules) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "access"),
    [
        ("active", "full"),
        ("unpaid", "suspended"),
        ("canceled", "suspended"),
        ("incomplete_expired", "suspended"),
        ("incomplete", "suspended"),
        ("paused", "suspended"),
    ],
)
def test_status_decides_access(status: str, access: str) -> None:
    # when access is derived from a card subscription's status
    result = ent.access_for(status=status, now=NOW)
    # then
    assert result.access == access
    assert result.banner == ("" if access == "full" else "suspended")


def test_a_trial_is_full_until_it_ends_with_a_banner_in_its_last_days() -> None:
    # given a trial ending in ten days, in two days, and yesterday
    early = ent.access_for(status="trialing", now=NOW, trial_end=NOW + timedelta(days=10))
    late = ent.access_for(status="trialing", now=NOW, trial_end=NOW + timedelta(days=2))
    over = ent.access_for(status="trialing", now=NOW, trial_end=NOW - timedelta(days=1))
    # then
    assert (early.access, early.banner) == ("full", "")
    assert early.changes_at == NOW + timedelta(days=7)  # when the banner appears
    assert (late.access, late.banner) == ("full", "trial_ending")
    assert (over.access, over.banner) == ("suspended", "trial_ended")


def test_past_due_keeps_full_access_with_a_banner_for_the_grace_period(settings: Any) -> None:
    # given a grace period of seven days
    settings.BILLING_GRACE_DAYS = 7
    # when the payment failed three days ago, and eight days ago
    recent = ent.access_for(status="past_due", now=NOW, past_due_since=NOW - timedelta(days=3))
    old = ent.access_for(status="past_due", now=NOW, past_due_since=NOW - timedelta(days=8))
    # then
    assert (recent.access, recent.banner) == ("grace", "past_due")
    assert recent.grace_until == NOW + timedelta(days=4)
    assert recent.changes_at == recent.grace_until
    assert (old.access, old.banner) == ("suspended", "suspended")


def test_invoice_collection_follows_the_paid_through_date(settings: Any) -> None:
    # given an invoice-paying firm and a grace period of seven days
    settings.BILLING_GRACE_DAYS = 7
    today = NOW.date()

    def access(paid_through: date, status: str = "active") -> ent.Access:
        return ent.access_for(status=status, now=NOW, paid_through=paid_through, collection=INVOICE)

    # then: paid up → full; within the grace period → full with a banner; later → suspended
    assert access(today).access == "full"
    assert (access(today - timedelta(days=7)).access, access(today - timedelta(days=7)).banner) == (
        "grace",
        "invoice_due",
    )
    assert access(today - timedelta(days=8)).access == "suspended"
    # the status's own dunning does not cut off a firm that paid ahead
    assert access(today + timedelta(days=30), status="past_due").access == "full"
    # but a cancelled subscription is over, whatever was paid
    assert access(today + timedelta(days=30), status="canceled").access == "suspended"


# --- the cached summary -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_firm_is_on_the_trial_from_provisioning(firm_a: Firm) -> None:
    # given firm_a as the session fixture provisioned it
    subscription = Subscription.objects.select_related("plan").get(firm=firm_a)
    # then it has the trial subscription: all modules, five seats, fourteen days
    assert subscription.plan.code == "trial"
    assert subscription.status == Subscription.Status.TRIALING
    assert subscription.quantity == 5
    assert subscription.trial_end is not None
    entitlement = entitlement_for(firm_a)
    assert entitlement.access == "full"
    assert entitlement.modules == {"crm", "hr", "finance", "supply_chain"}
    assert entitlement.seat_limit == 5


@pytest.mark.django_db
def test_the_summary_is_computed_once_then_read_from_the_cache(
    firm_a: Firm, django_assert_num_queries: Callable[..., Any]
) -> None:
    # given a firm on the starter plan
    subscription_set(firm_a, plan="starter", status="active")
    cache.clear()
    # when the entitlement is read twice: one billing query, then no query at all
    with CaptureQueriesContext(connection) as queries:
        first = entitlement_for(firm_a)
    with django_assert_num_queries(0):
        second = entitlement_for(firm_a)
    # then
    assert len([q for q in queries.captured_queries if "billing_" in q["sql"]]) == 1
    assert first == second
    assert first.plan_code == "starter"
    assert first.modules == {"crm", "finance"}
    assert first.seat_limit is None  # card subscriptions pay per active user


@pytest.mark.django_db
def test_the_cache_key_carries_the_firms_schema_and_firms_do_not_share_it(firm_a: Firm, firm_b: Firm) -> None:
    # given firm_a on starter and firm_b on business, both cached
    subscription_set(firm_a, plan="starter", status="active")
    subscription_set(firm_b, plan="business", status="active")
    assert entitlement_for(firm_a).plan_code == "starter"
    assert entitlement_for(firm_b).plan_code == "business"
    # then each sits under its own schema's key, whichever schema reads it
    with schema_context(firm_a.schema_name):
        cached = cache.get(ent.entitlement_cache_key(firm_a.schema_name))
    assert cached is not None
    assert cached.plan_code == "starter"
    with schema_context(firm_b.schema_name):
        assert cache.get(ent.entitlement_cache_key(firm_b.schema_name)).plan_code == "business"
    with schema_context(firm_b.schema_name):
        assert entitlement_for(firm_a).plan_code == "starter"


@pytest.mark.django_db
def test_a_plan_change_drops_the_cached_summary(firm_a: Firm, firm_b: Firm) -> None:
    # given firm_a on the trial, cached (in the public schema, as a webhook job runs)
    subscription_set(firm_a, plan="trial", status="trialing")
    with schema_context(firm_a.schema_name):
        assert entitlement_for(firm_a).has_module("hr")
    # when its subscription moves to starter (saved from the public schema)
    subscription_set(firm_a, plan="starter", status="active")
    # then the firm's next request sees the new plan
    with schema_context(firm_a.schema_name):
        entitlement = entitlement_for(firm_a)
    assert entitlement.plan_code == "starter"
    assert not entitlement.has_module("hr")


@pytest.mark.django_db
def test_an_operator_editing_a_plan_drops_the_summaries_of_its_firms(firm_a: Firm, firm_b: Firm) -> None:
    # given firm_a on starter and firm_b on business, both cached
    subscription_set(firm_a, plan="starter", status="active")
    subscription_set(firm_b, plan="business", status="active")
    entitlement_for(firm_a)
    before_b = entitlement_for(firm_b)
    # when an operator adds HR to the starter plan
    starter = Plan.objects.get(code="starter")
    starter.modules = ["crm", "hr", "finance"]
    starter.save()
    # then firm_a's summary has it at once; firm_b's was untouched (still the cached object)
    assert entitlement_for(firm_a).has_module("hr")
    with schema_context(firm_b.schema_name):
        assert cache.get(ent.entitlement_cache_key(firm_b.schema_name)) == before_b


@pytest.mark.django_db
def test_paid_through_changes_are_seen_at_once(firm_a: Firm) -> None:
    # given an invoice-paying firm whose paid-through date passed long ago
    today = timezone.localdate()
    subscription_set(
        firm_a, plan="business", status="active", collection=INVOICE, paid_through=today - timedelta(days=30)
    )
    assert entitlement_for(firm_a).access == "suspended"
    # when the invoice is paid and the date moves on
    subscription_set(firm_a, paid_through=today + timedelta(days=365))
    # then
    assert entitlement_for(firm_a).access == "full"


@pytest.mark.django_db
def test_without_a_subscription_a_firm_is_on_the_trial_from_its_activation(firm_a: Firm) -> None:
    # given a firm without a subscription row, activated three days ago, then twenty days ago
    plans_ensure()
    Subscription.objects.filter(firm=firm_a).delete()
    firm_a.activated_at = timezone.now() - timedelta(days=3)
    recent = ent.entitlement_compute(firm=firm_a)[0]
    firm_a.activated_at = timezone.now() - timedelta(days=20)
    expired = ent.entitlement_compute(firm=firm_a)[0]
    # then
    assert (recent.plan_code, recent.access, recent.seat_limit) == ("trial", "full", 5)
    assert expired.access == "suspended"
    assert expired.banner == "trial_ended"


@pytest.mark.django_db
def test_invalidate_from_the_public_schema_clears_the_firms_key(firm_a: Firm) -> None:
    # given a cached entitlement read on the firm's host
    subscription_set(firm_a, plan="trial", status="trialing")
    with schema_context(firm_a.schema_name):
        entitlement_for(firm_a)
        assert cache.get(ent.entitlement_cache_key(firm_a.schema_name)) is not None
    # when it is invalidated from the public schema
    assert connection.schema_name == "public"  # type: ignore[attr-defined]
    entitlement_invalidate(firm_a.pk)
    # then
    with schema_context(firm_a.schema_name):
        assert cache.get(ent.entitlement_cache_key(firm_a.schema_name)) is None


# --- acceptance: no Stripe call and no billing query on a warm request ----------------------


class CountingCache:
    """The real cache, counting the entitlement lookups made through it."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
        self.lookups.append(key)
        return cache.get(key, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(cache, name)


def _no_stripe(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("Stripe was called on a request")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/crm/", "/api/v1/crm/accounts/"])
def test_a_warm_request_makes_no_stripe_call_and_no_billing_query(
    owner_a_client: Client, firm_a: Firm, path: str
) -> None:
    # given a paying firm, Stripe made unreachable, and the caches warmed by a first request
    subscription_set(firm_a, plan="business", status="active")
    counting = CountingCache()
    with (
        mock.patch("apps.billing.stripe_client.stripe_client", _no_stripe),
        mock.patch("stripe.StripeClient", _no_stripe),
        mock.patch.object(ent, "cache", counting),
    ):
        assert owner_a_client.get(path).status_code == 200
        counting.lookups.clear()
        # when the same page is requested again
        with CaptureQueriesContext(connection) as queries:
            response = owner_a_client.get(path)
    # then it works, read the entitlement from the cache once, and never touched billing tables
    assert response.status_code == 200
    assert counting.lookups == [ent.entitlement_cache_key(firm_a.schema_name)]
    billing_queries = [q["sql"] for q in queries.captured_queries if "billing_" in q["sql"]]
    assert billing_queries == []


@pytest.mark.django_db
def test_a_cold_request_reads_billing_once(owner_a_client: Client, firm_a: Firm) -> None:
    # given a paying firm and an empty entitlement cache
    subscription_set(firm_a, plan="business", status="active")
    owner_a_client.get("/")
    entitlement_invalidate(firm_a.pk)
    # when a page is requested
    with CaptureQueriesContext(connection) as queries:
        assert owner_a_client.get("/").status_code == 200
    # then one query reads the subscription, its plan and its payment terms
    billing_queries = [q["sql"] for q in queries.captured_queries if "billing_" in q["sql"]]
    assert len(billing_queries) == 1


# --- operators edit the catalogue in the admin ------------------------------------------------


@pytest.mark.django_db
def test_operators_edit_a_plans_modules_in_the_admin_and_its_firms_see_it(firm_a: Firm) -> None:
    from tests.tenants.test_lifecycle import _operator_client

    # given firm_a on Starter (no HR), cached
    subscription_set(firm_a, plan="starter", status="active")
    assert not entitlement_for(firm_a).has_module("hr")
    operator = _operator_client()
    starter = Plan.objects.get(code="starter")
    url = f"/admin/billing/plan/{starter.pk}/change/"
    # when the operator ticks HR on the plan's form
    form = operator.get(url)
    saved = operator.post(
        url,
        {
            "code": "starter",
            "name": starter.name,
            "name_en": starter.name_en,
            "position": starter.position,
            "is_public": "on",
            "is_active": "on",
            "modules": ["finance", "hr", "crm"],
            "seat_limit": "",
            "trial_days": 0,
            "storage_quota_mb": starter.storage_quota_mb,
            "price_month": "49.00",
            "price_year": "490.00",
            "stripe_price_month": starter.stripe_price_month,
            "stripe_price_year": starter.stripe_price_year,
            "meter_event_name": starter.meter_event_name,
            "stripe_metered_price": starter.stripe_metered_price,
            "included_units": starter.included_units,
            "unit_price": str(starter.unit_price),
        },
    )
    # then the plan keeps the catalogue's order and firm_a has HR at once
    assert form.status_code == 200
    assert 'type="checkbox" name="modules" value="hr"' in form.content.decode()
    assert saved.status_code == 302, saved.content.decode()[:3000]
    starter.refresh_from_db()
    assert starter.modules == ["crm", "hr", "finance"]
    assert entitlement_for(firm_a).has_module("hr")


@pytest.mark.django_db
def test_the_admin_lists_the_billing_mirror_read_only(firm_a: Firm) -> None:
    from tests.tenants.test_lifecycle import _operator_client

    # given an operator
    subscription_set(firm_a, plan="business", status="active", collection=INVOICE)
    operator = _operator_client()
    # when the billing lists are opened
    pages = {
        name: operator.get(f"/admin/billing/{name}/")
        for name in (
            "plan",
            "subscription",
            "billingcustomer",
            "billinginvoice",
            "stripeevent",
            "usagerecord",
            "parksponsorship",
        )
    }
    # then they render, and the Stripe mirror offers no "add"
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert operator.get("/admin/billing/billingcustomer/add/").status_code == 403
    assert operator.get("/admin/billing/stripeevent/add/").status_code == 403
    subscription = Subscription.objects.get(firm=firm_a)
    assert operator.get(f"/admin/billing/subscription/{subscription.pk}/change/").status_code == 200
