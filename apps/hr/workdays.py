"""Working days (with 调休) and statutory annual leave, from data announced year by year."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from typing import Any

from .tax import DATA


class CalendarMissing(LookupError):
    """The year's holiday schedule is not in the data yet."""


@cache
def _data() -> dict[str, Any]:
    return json.loads((DATA / "holidays.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    row = _data()["years"].get(str(year))
    if row is None:
        raise CalendarMissing(year)
    return frozenset(map(date.fromisoformat, row["off"])), frozenset(map(date.fromisoformat, row["work"]))


@cache
def _statutory(year: int) -> frozenset[date]:
    row = _data()["years"].get(str(year))
    if row is None:
        raise CalendarMissing(year)
    return frozenset(map(date.fromisoformat, row.get("statutory", [])))


def day_kind(day: date) -> str:
    """'working_day', 'rest_day' or 'holiday' (a statutory holiday): what overtime pays on it."""
    if day in _statutory(day.year):
        return "holiday"
    return "working_day" if is_working_day(day) else "rest_day"


def pay_rules() -> dict[str, Any]:
    return _data()["pay_rules"]  # type: ignore[no-any-return]


def known_years() -> list[int]:
    return sorted(int(year) for year in _data()["years"])


def is_working_day(day: date) -> bool:
    off, work = _year(day.year)
    if day in off:
        return False
    if day in work:
        return True
    return day.weekday() < 5


def working_days(start: date, end: date) -> int:
    """Working days from ``start`` to ``end``, both included."""
    count, day = 0, start
    while day <= end:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


def full_years(start: date, on: date) -> int:
    years = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
    return max(years, 0)


def statutory_annual_leave(years_of_work: int) -> int:
    """5 days after one year of cumulative work, 10 after ten, 15 after twenty (职工带薪年休假条例)."""
    days = 0
    for threshold, entitlement in _data()["annual_leave"]["tiers"]:
        if years_of_work >= threshold:
            days = entitlement
    return days


def annual_leave_for_year(*, work_start: date, hire_date: date, year: int) -> int:
    """The year's entitlement, by the years of work completed by the end of the year. A person who
    joins during the year gets the share of the calendar days left, rounded down to whole days
    (企业职工带薪年休假实施办法, article 5)."""
    year_end = date(year, 12, 31)
    entitlement = statutory_annual_leave(full_years(work_start, year_end))
    if hire_date.year < year:
        return entitlement
    if hire_date.year > year:
        return 0
    remaining = (year_end - hire_date).days + 1
    return remaining * entitlement // 365  # the regulation divides by 365 in every year
