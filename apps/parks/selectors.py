from __future__ import annotations

from django.db.models import QuerySet

from .models import Park


def park_list() -> QuerySet[Park]:
    return Park.objects.order_by("name")
