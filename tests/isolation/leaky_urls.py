"""The firm URL configuration plus two deliberately bad routes, to show the isolation sweep
failing: one reads every firm's accounts (unscoped), one takes a parameter the sweep has no
value for (uncovered). Used only by tests/isolation/test_every_route.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django_tenants.utils import schema_context, schema_exists

from config.urls_tenant import urlpatterns as tenant_urlpatterns


def everyones_accounts(request: HttpRequest, **kwargs: Any) -> JsonResponse:
    """A "park-wide" list that forgets whose request this is."""
    from apps.crm.models import Account
    from tenants.models import Firm

    names: list[str] = []
    for firm in Firm.objects.exclude(schema_name="public"):
        if not schema_exists(firm.schema_name):  # a sweep's stand-in firm (public rows only)
            continue
        with schema_context(firm.schema_name):
            names += list(Account.objects.values_list("name", flat=True))
    return JsonResponse({"accounts": names})


urlpatterns = [
    *tenant_urlpatterns,
    path("leak/everyone/", everyones_accounts),
    path("leak/<int:mystery_id>/", everyones_accounts),
]
