"""Reads for users and invitations, in the current schema."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.inputs import clean_search as clean_search

from .models import FirmExport, Invitation, User


def user_list(*, search: str = "") -> QuerySet[User]:
    users = User.objects.order_by("full_name", "email")
    search = clean_search(search)
    if search:
        users = users.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return users


def invitation_list(*, include_closed: bool = False) -> QuerySet[Invitation]:
    invitations = Invitation.objects.select_related("invited_by").order_by("-created_at")
    if not include_closed:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return invitations


def export_list(*, limit: int = 20) -> QuerySet[FirmExport]:
    """The firm's latest data exports, newest first."""
    return FirmExport.objects.select_related("requested_by").order_by("-created_at")[:limit]
