"""Shared helpers for the entitlement tests: the seeded plans and a firm's subscription put in a
given state (inside the test's transaction, so everything rolls back)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing.models import MODULES, BillingCustomer, Plan, Subscription
from tenants.models import Firm
from tests.conftest import PASSWORD

PLANS: dict[str, dict[str, Any]] = {
    "trial": {"name": "试用版", "name_en": "Trial", "modules": list(MODULES), "seat_limit": 5, "trial_days": 14},
    "starter": {"name": "入门版", "name_en": "Starter", "modules": ["crm", "finance"], "seat_limit": None},
    "business": {"name": "商业版", "name_en": "Business", "modules": list(MODULES), "seat_limit": None},
}
PRICES = {"trial": Decimal(0), "starter": Decimal(49), "business": Decimal(99)}


def plans_ensure() -> dict[str, Plan]:
    """The seeded catalogue (a transactional test elsewhere may have flushed it)."""
    plans = {}
    for position, (code, fields) in enumerate(PLANS.items()):
        plan, _created = Plan.objects.get_or_create(
            code=code,
            defaults={
                **fields,
                "price_month": PRICES[code],
                "price_year": PRICES[code] * 10,
                "position": position,
            },
        )
        plans[code] = plan
    return plans


def subscription_set(
    firm: Firm, *, plan: str | None = None, collection: str | None = None, **fields: Any
) -> Subscription:
    """Put the firm's subscription in a state (saved, so the signal drops the cached entitlement)."""
    plans = plans_ensure()
    subscription = Subscription.objects.filter(firm=firm).first()
    if subscription is None:
        subscription = Subscription(
            firm=firm,
            plan=plans["trial"],
            quantity=5,
            trial_end=timezone.now() + timedelta(days=14),
        )
    if plan is not None:
        subscription.plan = plans[plan]
    for name, value in fields.items():
        setattr(subscription, name, value)
    subscription.save()
    if collection is not None:
        BillingCustomer.objects.update_or_create(
            firm=firm,
            defaults={
                "stripe_customer_id": f"cus_test_{firm.pk}",
                "email": f"billing{firm.pk}@example.com",
                "collection": collection,
            },
        )
    return subscription


def member_client(firm: Firm, email: str, *, role: str = User.Role.MEMBER) -> Client:
    """A signed-in user of the firm (English), created in the firm's schema."""
    with schema_context(firm.schema_name):
        User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], role=role, language="en")
    client = Client(HTTP_HOST=firm.host)
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def active_users(firm: Firm) -> int:
    with schema_context(firm.schema_name):
        return User.objects.filter(is_active=True).count()
