"""Who may do what in finance: one check used by pages and the API alike.

Owners and administrators have every right. Others need a finance role: a viewer reads
reports, an approver also reviews and posts vouchers, an accountant does everything.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotAllowed

from .models import ModuleRole

VIEW = "view"
POST = "post"
PREPARE = "prepare"
MANAGE = "manage"

RIGHTS: dict[str, set[str]] = {
    ModuleRole.Role.VIEWER: {VIEW},
    ModuleRole.Role.APPROVER: {VIEW, POST},
    ModuleRole.Role.ACCOUNTANT: {VIEW, POST, PREPARE, MANAGE},
}
ALL_RIGHTS = {VIEW, POST, PREPARE, MANAGE}


def finance_rights(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if getattr(user, "can_manage_users", False):
        return set(ALL_RIGHTS)
    cached = getattr(user, "_finance_rights", None)
    if cached is None:
        role = ModuleRole.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
        cached = set(RIGHTS.get(role, set())) if role else set()
        user._finance_rights = cached
    return set(cached)


def can(user: Any, right: str) -> bool:
    return right in finance_rights(user)


def require(user: Any, right: str) -> None:
    if not can(user, right):
        messages = {
            VIEW: _("You have no access to finance. Ask the firm's owner for a finance role."),
            POST: _("Only approvers and accountants can post or reverse vouchers."),
            PREPARE: _("Only accountants can prepare vouchers."),
            MANAGE: _("Only accountants can change the chart of accounts, settings and periods."),
        }
        raise NotAllowed(messages[right], code="finance_permission_denied")
