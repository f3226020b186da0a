"""Attendance: check-in once a day, the monthly summary, and what it does to pay."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.hr import attendance, payroll
from apps.hr.leave import leave_request_create, leave_request_decide
from apps.hr.models import AttendanceRecord, Employee, Payslip, WorkSchedule
from core.errors import Conflict, NotAllowed
from tests.conftest import PASSWORD
from tests.hr.conftest import D, hire


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _person(owner: User) -> tuple[Employee, User]:
    employee = hire(owner, "A001", salary="21750", hired=date(2025, 1, 1))
    user = User.objects.create_user("worker@alpha.example", PASSWORD, full_name="Worker")
    employee.user = user
    employee.save()
    return employee, user


def test_checking_in_twice_or_out_before_in_is_refused(owner: User) -> None:
    _employee, user = _person(owner)

    with pytest.raises(Conflict):
        attendance.check_out(actor=user, at=_at(date(2026, 3, 2), 18))
    attendance.check_in(actor=user, at=_at(date(2026, 3, 2), 8, 55))
    with pytest.raises(Conflict):
        attendance.check_in(actor=user, at=_at(date(2026, 3, 2), 9, 30))
    record = attendance.check_out(actor=user, at=_at(date(2026, 3, 2), 18, 5))
    assert record.check_out is not None
    assert AttendanceRecord.objects.count() == 1


def _march(owner: User) -> Employee:
    """March 2026 has 22 working days. 20 present (one late), 1 sick day approved, 1 absent;
    2 hours after work on 3-4 and 4 hours on Saturday 3-7."""
    employee, user = _person(owner)
    sick = date(2026, 3, 10)
    absent = date(2026, 3, 11)
    day = date(2026, 3, 1)
    while day.month == 3:
        if day.weekday() < 5 and day not in (sick, absent):
            arrive = (9, 20) if day == date(2026, 3, 3) else (8, 50)
            leave_at = (20, 0) if day == date(2026, 3, 4) else (18, 0)
            AttendanceRecord.objects.create(
                employee=employee, day=day, check_in=_at(day, *arrive), check_out=_at(day, *leave_at)
            )
        day = date.fromordinal(day.toordinal() + 1)
    AttendanceRecord.objects.create(
        employee=employee, day=date(2026, 3, 7), check_in=_at(date(2026, 3, 7), 9), check_out=_at(date(2026, 3, 7), 13)
    )
    request = leave_request_create(actor=user, leave_type_code="sick", start=sick, end=sick)
    leave_request_decide(actor=owner, request=request, approve=True)
    return employee


def test_the_monthly_summary_counts_presence_leave_absence_lateness_and_overtime(owner: User) -> None:
    employee = _march(owner)

    summary = attendance.month_summaries(actor=owner, year=2026, month=3, employees=[employee])[employee.pk]

    assert (summary.working_days, summary.present, summary.on_leave, summary.absent, summary.late) == (22, 20, 1, 1, 1)
    assert dict(summary.overtime_hours) == {"working_day": D("2"), "rest_day": D("4")}
    # 21,750 a month: 1,000 a day, 125 an hour. Overtime 125 x 2 x 150% + 125 x 4 x 200% = 1,375.
    assert summary.pay_adjustment(D("21750")) == (D("1375.00"), D("1000.00"))


def test_attendance_feeds_payroll_only_when_the_firm_turns_it_on(owner: User) -> None:
    employee = _march(owner)
    run = payroll.payroll_run_create(actor=owner, year=2026, month=3)

    payroll.payroll_run_compute(actor=owner, run=run)
    assert Payslip.objects.get(run=run).gross == D("21750.00")

    WorkSchedule.objects.update_or_create(id=1, defaults={"feeds_payroll": True})
    payroll.payroll_run_compute(actor=owner, run=run)
    slip = Payslip.objects.get(run=run, employee=employee)
    assert (slip.overtime_pay, slip.absence_deduction, slip.gross) == (D("1375.00"), D("1000.00"), D("22125.00"))
    assert Decimal(slip.gross) == D("21750") + D("1375") - D("1000")


def test_a_manager_follows_the_teams_attendance_but_not_others(owner: User) -> None:
    boss = hire(owner, "M001", salary="20000", id_index=1)
    boss_user = User.objects.create_user("boss@alpha.example", PASSWORD, full_name="Boss")
    boss.user = boss_user
    boss.save()
    report = hire(owner, "S001", salary="9000", id_index=2)
    report.manager = boss
    report.save()
    stranger = hire(owner, "S002", salary="9000", id_index=3)

    team = list(attendance.team_members(actor=boss_user))
    summaries = attendance.month_summaries(actor=boss_user, year=2026, month=3, employees=team)

    assert [e.number for e in team] == ["S001"]
    assert list(summaries) == [report.pk]
    with pytest.raises(NotAllowed):
        attendance.month_summaries(actor=boss_user, year=2026, month=3, employees=[stranger])
