"""Keep cached entitlements honest: a change to a firm's subscription, payment terms or plan
drops the cached summary (cache invalidation only; no business rule lives here)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .entitlements import entitlement_invalidate, entitlement_invalidate_plan
from .models import BillingCustomer, Plan, Subscription


@receiver([post_save, post_delete], sender=Subscription)
@receiver([post_save, post_delete], sender=BillingCustomer)
def firm_billing_changed(sender: type[Any], instance: Subscription | BillingCustomer, **kwargs: Any) -> None:
    entitlement_invalidate(instance.firm_id)


@receiver([post_save, post_delete], sender=Plan)
def plan_changed(sender: type[Plan], instance: Plan, **kwargs: Any) -> None:
    entitlement_invalidate_plan(plan=instance)
