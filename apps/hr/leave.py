"""Leave: requests counted in working days (调休 included), statutory annual leave balances,
approval by the person's manager or HR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed

from . import permissions
from .models import Employee, LeaveRequest, LeaveType
from .workdays import CalendarMissing, annual_leave_for_year, working_days

OPEN = (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED)


@dataclass(frozen=True)
class AnnualBalance:
    year: int
    entitlement: int
    taken: int
    pending: int

    @property
    def remaining(self) -> int:
        return self.entitlement - self.taken - self.pending


def annual_balance(employee: Employee, year: int) -> AnnualBalance:
    entitlement = annual_leave_for_year(
        work_start=employee.work_start_date or employee.hire_date, hire_date=employee.hire_date, year=year
    )
    used = (
        LeaveRequest.objects.filter(employee=employee, leave_type__uses_annual_balance=True, start__year=year)
        .values("status")
        .annotate(days=Sum("days"))
    )
    by_status = {row["status"]: row["days"] or 0 for row in used}
    return AnnualBalance(
        year, entitlement, by_status.get(LeaveRequest.Status.APPROVED, 0), by_status.get(LeaveRequest.Status.PENDING, 0)
    )


def own_employee(actor: Any) -> Employee | None:
    user_id = getattr(actor, "pk", None)
    return Employee.objects.filter(user_id=user_id).first() if user_id is not None else None


@transaction.atomic
def leave_request_create(
    *, actor: Any, employee: Employee | None = None, leave_type_code: str, start: date, end: date, reason: str = ""
) -> LeaveRequest:
    """A person asks for leave (or HR records it for them); the working days are counted."""
    own = own_employee(actor)
    employee = employee or own
    if employee is None:
        raise Conflict(_("Your account is not linked to an employee record; ask HR."), code="no_employee")
    if employee != own:
        permissions.require(actor, permissions.PEOPLE)
    employee = Employee.objects.select_for_update().get(pk=employee.pk)  # one request at a time per person
    errors: dict[str, list[str]] = {}
    leave_type = LeaveType.objects.filter(code=leave_type_code).first()
    if leave_type is None:
        errors["leave_type"] = [_("Choose a kind of leave.")]
    if end < start:
        errors["end"] = [_("The last day cannot be before the first.")]
    elif start.year != end.year:
        errors["end"] = [_("Ask for each year's days separately.")]
    elif start < employee.hire_date or (employee.leave_date and end > employee.leave_date):
        errors["start"] = [_("The dates must fall within the employment.")]
    if len(reason or "") > 200:
        errors["reason"] = [_("At most 200 characters.")]
    if errors or leave_type is None:
        raise ValidationFailed(_("The leave request could not be saved."), fields=errors)
    try:
        days = working_days(start, end)
    except CalendarMissing:
        raise ValidationFailed(
            _("The holiday schedule for %(year)d is not published yet.") % {"year": start.year},
            fields={"start": [_("No calendar for this year yet.")]},
        ) from None
    if days == 0:
        raise ValidationFailed(_("These dates hold no working day."), fields={"start": [_("No working day.")]})
    if leave_type.max_days and days > leave_type.max_days:
        raise ValidationFailed(
            _("%(kind)s is at most %(n)d working days per request.")
            % {"kind": leave_type.name, "n": leave_type.max_days},
            fields={"end": [_("Too many days.")]},
        )
    overlap = LeaveRequest.objects.filter(employee=employee, status__in=OPEN, start__lte=end, end__gte=start).first()
    if overlap is not None:
        raise Conflict(
            _("These dates overlap the leave of %(start)s to %(end)s.") % {"start": overlap.start, "end": overlap.end},
            code="leave_overlap",
        )
    if leave_type.uses_annual_balance:
        balance = annual_balance(employee, start.year)
        if days > balance.remaining:
            raise ValidationFailed(
                _("Only %(n)d days of annual leave are left for %(year)d.")
                % {"n": balance.remaining, "year": start.year},
                code="annual_leave_exceeded",
                fields={"end": [_("More days than are left.")]},
            )
    request = LeaveRequest.objects.create(
        employee=employee, leave_type=leave_type, start=start, end=end, days=days, reason=(reason or "").strip()
    )
    audit_record(action="hr.leave_requested", actor=actor, obj=request, days=days, kind=leave_type.code)
    return request


def can_decide(actor: Any, request: LeaveRequest) -> bool:
    """The person's manager or HR, never the person themselves."""
    own = own_employee(actor)
    if own is not None and own.pk == request.employee_id:
        return False
    if permissions.can(actor, permissions.PEOPLE):
        return True
    return own is not None and request.employee.manager_id == own.pk


@transaction.atomic
def leave_request_decide(*, actor: Any, request: LeaveRequest, approve: bool, note: str = "") -> LeaveRequest:
    request = LeaveRequest.objects.select_for_update().select_related("employee").get(pk=request.pk)
    if not can_decide(actor, request):
        raise NotFound(_("No such leave request."))
    if request.status != LeaveRequest.Status.PENDING:
        raise Conflict(_("This request was decided already."), code="leave_decided")
    request.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = (note or "").strip()[:200]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(action="hr.leave_decided", actor=actor, obj=request, status=request.status)
    return request


@transaction.atomic
def leave_request_cancel(*, actor: Any, request: LeaveRequest) -> LeaveRequest:
    """The person withdraws a request that has not started yet."""
    request = LeaveRequest.objects.select_for_update().get(pk=request.pk)
    own = own_employee(actor)
    if own is None or own.pk != request.employee_id:
        raise NotFound(_("No such leave request."))
    if request.status not in OPEN or request.start <= timezone.localdate():
        raise Conflict(_("Only leave that has not started can be cancelled."), code="leave_started")
    request.status = LeaveRequest.Status.CANCELLED
    request.save(update_fields=["status"])
    return request


def leave_requests(*, actor: Any, status: str = "") -> QuerySet[LeaveRequest]:
    """HR sees everyone's, a manager their team's and their own, everyone else their own."""
    requests = LeaveRequest.objects.select_related("employee", "leave_type")
    if not permissions.can(actor, permissions.PEOPLE):
        own = own_employee(actor)
        if own is None:
            return requests.none()
        requests = requests.filter(Q(employee=own) | Q(employee__manager=own))
    if status in LeaveRequest.Status.values:
        requests = requests.filter(status=status)
    return requests.order_by("-start", "-id")


def leave_request_get(*, actor: Any, request_id: Any) -> LeaveRequest:
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such leave request.")) from None
    request = leave_requests(actor=actor).filter(pk=pk).first()
    if request is None:
        raise NotFound(_("No such leave request."))
    return request


def leave_type_list() -> QuerySet[LeaveType]:
    return LeaveType.objects.order_by("pk")


def my_leave_requests(*, actor: Any) -> QuerySet[LeaveRequest]:
    own = own_employee(actor)
    return leave_requests(actor=actor).filter(employee=own) if own else LeaveRequest.objects.none()


def leave_calendar(*, actor: Any, first: date, last: date) -> QuerySet[LeaveRequest]:
    """Approved leave overlapping the days, scoped like ``leave_requests``."""
    return leave_requests(actor=actor, status=LeaveRequest.Status.APPROVED).filter(start__lte=last, end__gte=first)


def leave_requests_to_decide(*, actor: Any) -> QuerySet[LeaveRequest]:
    """Pending requests the actor may decide, in one query (the rule of ``can_decide``)."""
    own = own_employee(actor)
    pending = leave_requests(actor=actor, status=LeaveRequest.Status.PENDING)
    if own is not None:
        pending = pending.exclude(employee=own)
    if not permissions.can(actor, permissions.PEOPLE):
        pending = pending.filter(employee__manager=own) if own else pending.none()
    return pending
