"""Leave counted in working days with 调休, statutory annual leave, approval by manager or HR."""

from __future__ import annotations

from datetime import date

import pytest

from apps.accounts.models import User
from apps.hr.leave import annual_balance, leave_request_create, leave_request_decide, leave_requests
from apps.hr.models import LeaveRequest
from apps.hr.workdays import annual_leave_for_year, statutory_annual_leave, working_days
from core.errors import Conflict, NotFound, ValidationFailed
from tests.conftest import PASSWORD
from tests.hr.conftest import hire


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        # Spring Festival 2026: 2-15..2-23 off, Saturdays 2-14 and 2-28 are working days.
        (date(2026, 2, 9), date(2026, 2, 27), 10),
        # National Day 2026: 10-1..10-7 off, Saturday 10-10 works, Sunday 9-20 works.
        (date(2026, 9, 28), date(2026, 10, 11), 6),
        (date(2026, 9, 20), date(2026, 9, 20), 1),
        # An ordinary week of 2025 and the 2025 May Day with its Sunday 4-27 working day.
        (date(2025, 3, 3), date(2025, 3, 9), 5),
        (date(2025, 4, 27), date(2025, 5, 5), 4),  # Sun 4-27 works, then Mon-Wed; 5-1..5-5 off
    ],
)
def test_working_days_follow_the_announced_holidays_and_adjusted_days(start: date, end: date, days: int) -> None:
    assert working_days(start, end) == days


@pytest.mark.parametrize(("years", "days"), [(0, 0), (1, 5), (9, 5), (10, 10), (19, 10), (20, 15), (35, 15)])
def test_statutory_annual_leave_by_years_of_work(years: int, days: int) -> None:
    assert statutory_annual_leave(years) == days


def test_a_new_joiner_gets_the_share_of_the_year_left() -> None:
    # Working since 2010 (16 years by the end of 2026: 10 days); joins 2026-07-01, 184 days left:
    # 184 / 365 x 10 = 5.04, rounded down to 5.
    assert annual_leave_for_year(work_start=date(2010, 3, 1), hire_date=date(2026, 7, 1), year=2026) == 5
    assert annual_leave_for_year(work_start=date(2010, 3, 1), hire_date=date(2020, 7, 1), year=2026) == 10


def _linked(owner: User, number: str, email: str, *, id_index: int, manager: object = None) -> tuple[object, User]:
    employee = hire(owner, number, salary="9000", hired=date(2020, 1, 1), id_index=id_index)
    employee.work_start_date = date(2012, 1, 1)  # 14 years: 10 days a year
    employee.manager = manager  # type: ignore[assignment]
    user = User.objects.create_user(email, PASSWORD, full_name=number)
    employee.user = user
    employee.save()
    return employee, user


def test_a_request_is_approved_by_the_manager_and_not_by_the_person(owner: User) -> None:
    boss, boss_user = _linked(owner, "M001", "boss@alpha.example", id_index=0)
    staff, staff_user = _linked(owner, "S001", "staff@alpha.example", id_index=1, manager=boss)

    request = leave_request_create(
        actor=staff_user, leave_type_code="annual", start=date(2026, 2, 9), end=date(2026, 2, 27), reason="回家过年"
    )

    assert request.days == 10
    with pytest.raises(NotFound):
        leave_request_decide(actor=staff_user, request=request, approve=True)
    leave_request_decide(actor=boss_user, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == LeaveRequest.Status.APPROVED
    assert annual_balance(staff, 2026).remaining == 0  # type: ignore[arg-type]
    assert list(leave_requests(actor=boss_user)) == [request]


def test_more_annual_leave_than_is_left_overlaps_and_no_working_day_are_refused(owner: User) -> None:
    _staff, staff_user = _linked(owner, "S001", "staff@alpha.example", id_index=1)
    leave_request_create(actor=staff_user, leave_type_code="annual", start=date(2026, 3, 2), end=date(2026, 3, 6))

    with pytest.raises(ValidationFailed) as too_many:
        leave_request_create(actor=staff_user, leave_type_code="annual", start=date(2026, 4, 7), end=date(2026, 4, 17))
    assert too_many.value.code == "annual_leave_exceeded"  # 5 pending, 9 asked, 10 a year
    with pytest.raises(Conflict):
        leave_request_create(actor=staff_user, leave_type_code="sick", start=date(2026, 3, 5), end=date(2026, 3, 5))
    with pytest.raises(ValidationFailed):
        leave_request_create(
            actor=staff_user, leave_type_code="personal", start=date(2026, 10, 1), end=date(2026, 10, 4)
        )
    with pytest.raises(ValidationFailed):
        leave_request_create(actor=staff_user, leave_type_code="annual", start=date(2027, 1, 4), end=date(2027, 1, 5))
    assert LeaveRequest.objects.count() == 1


def test_colleagues_do_not_see_each_others_leave(owner: User) -> None:
    _a, a_user = _linked(owner, "S001", "a@alpha.example", id_index=1)
    _b, b_user = _linked(owner, "S002", "b@alpha.example", id_index=2)
    leave_request_create(actor=a_user, leave_type_code="sick", start=date(2026, 3, 2), end=date(2026, 3, 2))

    assert list(leave_requests(actor=b_user)) == []
    assert leave_requests(actor=owner).count() == 1
