"""Attendance: web check-in and check-out, and the monthly summary (absence, lateness, overtime)
that payroll uses when the firm turns it on.

Pay rules are data: 21.75 paid days a month, 8 hours a day, overtime at 150% on working days,
200% on rest days and 300% on statutory holidays (劳动法 第四十四条).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, ValidationFailed

from . import permissions
from .leave import own_employee
from .models import AttendanceRecord, Employee, LeaveRequest, WorkSchedule
from .tax import ZERO, fen
from .workdays import day_kind, is_working_day, pay_rules


def schedule() -> WorkSchedule:
    found, _created = WorkSchedule.objects.get_or_create(id=1)
    return found


@transaction.atomic
def check_in(*, actor: Any, at: datetime | None = None) -> AttendanceRecord:
    """Start of the day; once a day."""
    employee = own_employee(actor)
    if employee is None:
        raise Conflict(_("Your account is not linked to an employee record; ask HR."), code="no_employee")
    at = at or timezone.now()
    day = timezone.localtime(at).date()
    try:
        with transaction.atomic():
            record = AttendanceRecord.objects.create(employee=employee, day=day, check_in=at)
    except IntegrityError:
        raise Conflict(_("You have checked in today already."), code="already_checked_in") from None
    audit_record(action="hr.checked_in", actor=actor, obj=record)
    return record


@transaction.atomic
def check_out(*, actor: Any, at: datetime | None = None) -> AttendanceRecord:
    """End of the day; checking out again moves the time (the last one counts)."""
    employee = own_employee(actor)
    if employee is None:
        raise Conflict(_("Your account is not linked to an employee record; ask HR."), code="no_employee")
    at = at or timezone.now()
    record = (
        AttendanceRecord.objects.select_for_update()
        .filter(employee=employee, day=timezone.localtime(at).date())
        .first()
    )
    if record is None or record.check_in is None:
        raise Conflict(_("Check in first."), code="not_checked_in")
    record.check_out = at
    record.save(update_fields=["check_out"])
    return record


def my_attendance(*, actor: Any) -> QuerySet[AttendanceRecord]:
    employee = own_employee(actor)
    if employee is None:
        return AttendanceRecord.objects.none()
    return AttendanceRecord.objects.filter(employee=employee).order_by("-day")


@dataclass
class MonthSummary:
    employee_id: int
    working_days: int = 0
    present: int = 0
    on_leave: int = 0
    unpaid_leave: int = 0
    absent: int = 0
    late: int = 0
    overtime_hours: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))

    def pay_adjustment(self, base_salary: Decimal) -> tuple[Decimal, Decimal]:
        """(overtime pay, deduction for unpaid absence and unpaid leave), rounded to the fen."""
        rules = pay_rules()
        daily = base_salary / Decimal(rules["monthly_pay_days"])
        hourly = daily / Decimal(rules["hours_per_day"])
        overtime = sum(
            (hourly * hours * Decimal(rules["overtime_rates"][kind]) for kind, hours in self.overtime_hours.items()),
            ZERO,
        )
        return fen(overtime), fen(daily * (self.absent + self.unpaid_leave))


def month_summaries(*, actor: Any, year: int, month: int, employees: list[Employee]) -> dict[int, MonthSummary]:
    """Per person: working days, present, on leave, absent (no record, no leave), late, overtime hours.

    Three queries for the whole firm, whatever its size. HR sees anyone; a manager the people
    who report to them.
    """
    if not permissions.can(actor, permissions.PEOPLE):
        team = {e.pk for e in team_members(actor=actor)}
        if not team or any(e.pk not in team for e in employees):
            permissions.require(actor, permissions.PEOPLE)
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    plan = schedule()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    records: dict[tuple[int, date], AttendanceRecord] = {
        (r.employee_id, r.day): r for r in AttendanceRecord.objects.filter(day__range=(first, last))
    }
    leave_days: dict[tuple[int, date], bool] = {}
    for request in LeaveRequest.objects.filter(
        status=LeaveRequest.Status.APPROVED, start__lte=last, end__gte=first
    ).select_related("leave_type"):
        day = max(request.start, first)
        while day <= min(request.end, last):
            leave_days[(request.employee_id, day)] = request.leave_type.paid
            day += timedelta(days=1)
    summaries: dict[int, MonthSummary] = {}
    for employee in employees:
        summary = MonthSummary(employee.pk)
        for day in days:
            employed = employee.hire_date <= day and (employee.leave_date is None or day <= employee.leave_date)
            if not employed:
                continue
            record = records.get((employee.pk, day))
            working = is_working_day(day)
            if working:
                summary.working_days += 1
                if (employee.pk, day) in leave_days:
                    summary.on_leave += 1
                    summary.unpaid_leave += 0 if leave_days[(employee.pk, day)] else 1
                elif record is None or record.check_in is None:
                    summary.absent += 1
                else:
                    summary.present += 1
                    start = timezone.make_aware(datetime.combine(day, plan.start))
                    if record.check_in > start + timedelta(minutes=plan.grace_minutes):
                        summary.late += 1
            if record is not None and record.check_in and record.check_out:
                summary.overtime_hours[day_kind(day)] += _overtime(record, day, plan, working)
        summaries[employee.pk] = summary
    return summaries


def _overtime(record: AttendanceRecord, day: date, plan: WorkSchedule, working: bool) -> Decimal:
    """Hours after the end of the working day, or every hour worked on a rest day or holiday,
    counted in whole half hours."""
    if record.check_in is None or record.check_out is None:
        return ZERO
    start = max(record.check_in, timezone.make_aware(datetime.combine(day, plan.end))) if working else record.check_in
    seconds = (record.check_out - start).total_seconds()
    halves = int(seconds // 1800) if seconds > 0 else 0
    return Decimal(halves) / 2


def team_members(*, actor: Any) -> QuerySet[Employee]:
    """Whose attendance this person may follow: everyone employed for HR, their reports for a
    manager, nobody otherwise."""
    if permissions.can(actor, permissions.PEOPLE):
        return Employee.objects.filter(status=Employee.Status.ACTIVE).select_related("department").order_by("number")
    own = own_employee(actor)
    if own is None:
        return Employee.objects.none()
    return (
        Employee.objects.filter(manager=own, status=Employee.Status.ACTIVE)
        .select_related("department")
        .order_by("number")
    )


def attendance_list(*, actor: Any, day: date) -> QuerySet[AttendanceRecord]:
    permissions.require(actor, permissions.PEOPLE)
    return AttendanceRecord.objects.filter(day=day).select_related("employee").order_by("employee__number")


@transaction.atomic
def work_schedule_update(
    *, actor: Any, start: time, end: time, grace_minutes: int, feeds_payroll: bool
) -> WorkSchedule:
    """HR sets the working hours that lateness and overtime are measured against, and whether
    the month's attendance changes pay."""
    permissions.require(actor, permissions.PEOPLE)
    if end <= start:
        raise ValidationFailed(_("Work ends after it starts."), fields={"end": [_("Work ends after it starts.")]})
    if not 0 <= grace_minutes <= 120:
        raise ValidationFailed(
            _("Between 0 and 120 minutes."), fields={"grace_minutes": [_("Between 0 and 120 minutes.")]}
        )
    plan = WorkSchedule.objects.select_for_update().get(pk=schedule().pk)
    plan.start, plan.end, plan.grace_minutes, plan.feeds_payroll = start, end, grace_minutes, feeds_payroll
    plan.save()
    audit_record(action="hr.work_schedule_updated", actor=actor, obj=plan, feeds_payroll=feeds_payroll)
    return plan
