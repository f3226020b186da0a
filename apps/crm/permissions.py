"""Who sees which CRM records: one rule for pages and the API alike.

Owners and administrators see everything. A sales manager sees their own records and those of
the people who report to them (``SalesRole.manager``). Everyone else sees their own records
and the leads in the public pool. Another person's record is simply not found (404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotAllowed

from .models import SalesRole


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def sees_all(user: Any) -> bool:
    return _signed_in(user) and bool(getattr(user, "can_manage_users", False))


def visible_owners(user: Any) -> set[int] | None:
    """Ids of the people whose records ``user`` sees; None means everyone's."""
    if not _signed_in(user):
        raise NotAllowed(_("Sign in to use the CRM."), code="crm_permission_denied")
    if sees_all(user):
        return None
    cached = getattr(user, "_crm_owners", None)
    if cached is None:
        cached = {user.pk}
        if SalesRole.objects.filter(user_id=user.pk, role=SalesRole.Role.MANAGER).exists():
            cached |= set(SalesRole.objects.filter(manager_id=user.pk).values_list("user_id", flat=True))
        user._crm_owners = cached
    return set(cached)


def scope(queryset: QuerySet[Any], user: Any, *, pool: bool = False) -> QuerySet[Any]:
    """``queryset`` narrowed to what ``user`` sees (``pool``: unowned rows too, for leads)."""
    owners = visible_owners(user)
    if owners is None:
        return queryset
    condition = Q(owner_id__in=owners)
    if pool:
        condition |= Q(owner__isnull=True)
    return queryset.filter(condition)


def manages_settings(user: Any) -> None:
    if not sees_all(user):
        raise NotAllowed(
            _("Only the firm's owner or an administrator changes CRM settings."), code="crm_permission_denied"
        )
