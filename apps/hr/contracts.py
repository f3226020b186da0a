"""Labour contracts and the reminders HR gets before fixed terms and probations end."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from core.errors import Conflict, ValidationFailed

from . import permissions
from .models import Employee, EmploymentContract, HrRole

REMIND_DAYS = 30


@transaction.atomic
def contract_add(
    *,
    actor: Any,
    employee: Employee,
    kind: str,
    start: date,
    end: date | None = None,
    signed_on: date | None = None,
    note: str = "",
) -> EmploymentContract:
    permissions.require(actor, permissions.PEOPLE)
    errors: dict[str, list[str]] = {}
    if kind not in EmploymentContract.Kind.values:
        errors["kind"] = [_("Choose a contract type.")]
    if kind == EmploymentContract.Kind.FIXED and end is None:
        errors["end"] = [_("A fixed-term contract has an end date.")]
    if end is not None and end < start:
        errors["end"] = [_("The end cannot be before the start.")]
    if len(note or "") > 200:
        errors["note"] = [_("At most 200 characters.")]
    if errors:
        raise ValidationFailed(_("The contract could not be saved."), fields=errors)
    clash = (
        EmploymentContract.objects.filter(employee=employee, start__lte=end or date.max).exclude(end__lt=start).first()
    )
    if clash is not None:
        raise Conflict(
            _("This overlaps the contract from %(start)s.") % {"start": clash.start}, code="contract_overlap"
        )
    contract = EmploymentContract.objects.create(
        employee=employee, kind=kind, start=start, end=end, signed_on=signed_on, note=(note or "").strip()
    )
    audit_record(action="hr.contract_added", actor=actor, obj=employee, kind=kind, end=str(end or ""))
    return contract


def _renewed() -> Exists:
    return Exists(EmploymentContract.objects.filter(employee=OuterRef("employee"), start__gt=OuterRef("start")))


def contracts_expiring(
    *, actor: Any | None = None, within_days: int = REMIND_DAYS, today: date | None = None
) -> QuerySet[EmploymentContract]:
    """Fixed terms of people still employed that end within the days given and were not renewed."""
    if actor is not None:
        permissions.require(actor, permissions.PEOPLE)
    today = today or timezone.localdate()
    return (
        EmploymentContract.objects.filter(
            end__gte=today, end__lte=today + timedelta(days=within_days), employee__status=Employee.Status.ACTIVE
        )
        .exclude(_renewed())
        .select_related("employee")
        .order_by("end")
    )


def probations_ending(*, actor: Any, within_days: int = REMIND_DAYS, today: date | None = None) -> QuerySet[Employee]:
    permissions.require(actor, permissions.PEOPLE)
    today = today or timezone.localdate()
    return Employee.objects.filter(
        status=Employee.Status.ACTIVE, probation_end__gte=today, probation_end__lte=today + timedelta(days=within_days)
    ).order_by("probation_end")


def contract_reminders_send(*, today: date | None = None) -> int:
    """Mail owners, administrators and HR staff once about each contract ending within 30 days."""
    due = list(contracts_expiring(today=today).filter(reminded_at__isnull=True))
    if not due:
        return 0
    hr_users = HrRole.objects.values_list("user_id", flat=True)
    recipients = sorted(
        User.objects.filter(is_active=True)
        .filter(role__in=[User.Role.OWNER, User.Role.ADMIN])
        .values_list("email", flat=True)
        .union(User.objects.filter(is_active=True, pk__in=hr_users).values_list("email", flat=True))
    )
    lines = [
        _("%(number)s %(name)s: %(kind)s contract ends on %(end)s")
        % {"number": c.employee.number, "name": c.employee.name, "kind": c.get_kind_display(), "end": c.end}
        for c in due
    ]
    send_mail(
        subject=_("%(n)d labour contracts end within 30 days") % {"n": len(due)},
        message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    EmploymentContract.objects.filter(pk__in=[c.pk for c in due]).update(reminded_at=timezone.now())
    return len(due)


def contract_list(*, actor: Any, employee: Employee) -> QuerySet[EmploymentContract]:
    permissions.require(actor, permissions.PEOPLE)
    return EmploymentContract.objects.filter(employee=employee).order_by("-start")
