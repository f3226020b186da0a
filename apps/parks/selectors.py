from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Park


def park_list() -> QuerySet[Park]:
    return Park.objects.order_by("name")


def park_list_for_admin(*, user: Any) -> QuerySet[Park]:
    """The parks a platform user administers."""
    if not getattr(user, "is_authenticated", False):
        return Park.objects.none()
    return Park.objects.filter(admins=user).order_by("name")
