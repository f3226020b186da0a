"""The billing banner of the page shell, from the entitlement the middleware attached (no
further cache lookup or query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .middleware import BILLING_PATH


def billing(request: HttpRequest) -> dict[str, Any]:
    entitlement = getattr(request, "entitlement", None)
    if entitlement is None:
        return {}
    user = getattr(request, "user", None)
    can_manage = bool(user is not None and user.is_authenticated and getattr(user, "can_manage_users", False))
    return {
        "entitlement": entitlement,
        "billing_banner": entitlement.banner,
        "billing_url": BILLING_PATH,
        "can_manage_billing": can_manage,
    }
