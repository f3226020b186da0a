"""Document numbers without gaps: PO-2026-0001, per kind and year, taken under a row lock so
two people saving at once never get the same number (the caller's transaction holds it)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from .models import DocumentSequence

PREFIXES = {
    "purchase_order": "PO",
    "receipt": "GR",
    "bill": "BL",
    "purchase_return": "PR",
    "sales_order": "SO",
    "delivery": "DN",
    "invoice": "SI",
    "sales_return": "SR",
    "transfer": "TR",
    "stocktake": "ST",
}


def next_number(kind: str, day: date) -> str:
    """The next number of ``kind`` (a key of ``PREFIXES``) for ``day``'s year."""
    prefix = PREFIXES[kind]
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that saves the document")
    DocumentSequence.objects.get_or_create(kind=prefix, year=day.year)
    sequence = DocumentSequence.objects.select_for_update().get(kind=prefix, year=day.year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}-{day.year}-{sequence.last:04d}"
