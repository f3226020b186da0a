"""Who may do what in HR: one check for pages and the API.

Owners and administrators have every right. HR staff manage people; the payroll role also
sees and computes pay; approving a payroll (which posts it to the ledger) is for owners and
administrators. Everyone else sees only their own payslips.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotAllowed

from .models import HrRole

PEOPLE = "people"
PAYROLL = "payroll"
APPROVE = "approve"

RIGHTS: dict[str, set[str]] = {HrRole.Role.HR: {PEOPLE}, HrRole.Role.PAYROLL: {PEOPLE, PAYROLL}}


def hr_rights(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if getattr(user, "can_manage_users", False):
        return {PEOPLE, PAYROLL, APPROVE}
    cached = getattr(user, "_hr_rights", None)
    if cached is None:
        role = HrRole.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
        cached = set(RIGHTS.get(role, set())) if role else set()
        user._hr_rights = cached
    return set(cached)


def can(user: Any, right: str) -> bool:
    return right in hr_rights(user)


def require(user: Any, right: str) -> None:
    if not can(user, right):
        messages = {
            PEOPLE: _("Only HR staff can do this. Ask the firm's owner for an HR role."),
            PAYROLL: _("Only the payroll role sees and computes pay."),
            APPROVE: _("Only the firm's owner or an administrator approves payroll."),
        }
        raise NotAllowed(messages[right], code="hr_permission_denied")
