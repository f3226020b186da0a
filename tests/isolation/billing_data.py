"""Firm A's billing records for the isolation sweep: an invoice whose number shows the marker
(the billing page of firm B must never show it). The billing routes take no URL parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from tenants.models import Firm

from .sweep import MARKER


def data(firm: Firm) -> dict[str, Any]:
    from apps.billing.models import BillingInvoice, UsageRecord

    BillingInvoice.objects.get_or_create(
        stripe_invoice_id="in_isolation_alpha",
        defaults={
            "firm": firm,
            "number": f"{MARKER}-INVOICE",
            "status": "open",
            "amount_due": Decimal("99.00"),
            "hosted_invoice_url": f"https://invoice.example/{MARKER}",
            "created": timezone.now(),
        },
    )
    UsageRecord.objects.create(firm=firm, event_name="parksuite_documents", quantity=4321, occurred_at=timezone.now())
    return {}
