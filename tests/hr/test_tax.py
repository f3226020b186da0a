"""累计预扣法 over whole years for several people, against figures worked out by hand.

Each profile lists the month's wages, the employee's social insurance and housing fund, and
the 专项附加扣除; the expected tax for each month was computed on paper from the table in
国家税务总局公告2018年第61号 (see the comment on each profile).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.hr.contributions import Policy, contributions
from apps.hr.tax import YearToDate, bonus_separate_tax, cumulative_withholding

D = Decimal


def _run_year(*, wages: list[str], special: str, additional: str, first_month: int = 1) -> list[Decimal]:
    """Withhold month by month, carrying the year-to-date figures forward like a payroll would."""
    taxes: list[Decimal] = []
    income = special_total = additional_total = withheld = D(0)
    for index, wage in enumerate(wages):
        month = first_month + index
        income += D(wage)
        special_total += D(special)
        additional_total += D(additional)
        result = cumulative_withholding(
            YearToDate(
                income=income, months=index + 1, special=special_total, additional=additional_total, withheld=withheld
            ),
            day=date(2026, month, 28),
        )
        taxes.append(result.this_month)
        withheld += result.this_month
    return taxes


PROFILES = {
    # 10,000 - 5,000 - 2,000 - 1,500 = 1,500 a month; 18,000 by December stays at 3%: 45 a month.
    "steady_3_percent": ({"wages": ["10000"] * 12, "special": "2000", "additional": "1500"}, ["45.00"] * 12),
    # 30,000 - 5,000 - 4,000 - 2,000 = 19,000 a month. Cumulative 19,000 (3%: 570); 38,000 crosses
    # 36,000 (10% - 2,520 = 1,280, so 710); 57,000..133,000 at 10% (1,900 each); 152,000 crosses
    # 144,000 (20% - 16,920 = 13,480, so 2,700); then 3,800 a month. Year: 28,680.
    "crosses_two_brackets": (
        {"wages": ["30000"] * 12, "special": "4000", "additional": "2000"},
        [
            "570.00",
            "710.00",
            "1900.00",
            "1900.00",
            "1900.00",
            "1900.00",
            "1900.00",
            "2700.00",
            "3800.00",
            "3800.00",
            "3800.00",
            "3800.00",
        ],
    ),
    # Joins in July: the basic deduction counts six months, not twelve. 8,000 - 5,000 - 1,600 = 1,400
    # a month at 3% = 42.
    "joins_in_july": ({"wages": ["8000"] * 6, "special": "1600", "additional": "0", "first_month": 7}, ["42.00"] * 6),
    # Below the threshold all year: 5,500 - 5,000 - 1,100 < 0.
    "below_threshold": ({"wages": ["5500"] * 12, "special": "1100", "additional": "0"}, ["0.00"] * 12),
    # A raise in May from 12,000 to 20,000; deductions stay 2,400. Jan-Apr: 12,000 - 5,000 - 2,400
    # = 4,600 a month (3%: 138). From May 12,600 a month: cumulative 31,000 (3%: 930, so 930 - 552
    # = 378); June 43,600 (10% - 2,520 = 1,840, so 910); then 1,260 a month up to December's
    # 119,200 (10% - 2,520 = 9,400). Year: 9,400.
    "raise_in_may": (
        {"wages": ["12000"] * 4 + ["20000"] * 8, "special": "2400", "additional": "0"},
        [
            "138.00",
            "138.00",
            "138.00",
            "138.00",
            "378.00",
            "910.00",
            "1260.00",
            "1260.00",
            "1260.00",
            "1260.00",
            "1260.00",
            "1260.00",
        ],
    ),
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_cumulative_withholding_over_a_year_matches_the_hand_computed_figures(profile: str) -> None:
    arguments, expected = PROFILES[profile]

    taxes = _run_year(**arguments)  # type: ignore[arg-type]

    assert taxes == [D(x) for x in expected]


def test_a_year_of_withholding_sums_to_the_annual_tax() -> None:
    raise_arguments, _ = PROFILES["raise_in_may"]
    assert sum(_run_year(**raise_arguments)) == D("9400.00")  # type: ignore[arg-type]
    arguments, _expected = PROFILES["crosses_two_brackets"]
    assert sum(_run_year(**arguments)) == D("28680.00")  # type: ignore[arg-type]
    # The same as the annual table applied once to 228,000: 228,000 x 20% - 16,920.
    assert D("228000") * D("0.20") - D("16920") == D("28680")


def test_withholding_never_goes_negative_when_income_drops() -> None:
    # Two high months, then unpaid leave: the cumulative tax falls below what was withheld.
    first = cumulative_withholding(YearToDate(income=D("50000"), months=1), day=date(2026, 1, 31))
    later = cumulative_withholding(
        YearToDate(income=D("50000"), months=3, withheld=first.this_month), day=date(2026, 3, 31)
    )
    assert first.this_month == D("1980.00")  # 45,000 taxable: 10% - 2,520
    assert later.this_month == D("0.00")


@pytest.mark.parametrize(
    ("bonus", "tax", "rate"),
    [
        ("36000", "1080.00", "0.03"),  # 3,000 a month: 3%
        ("36001", "3390.10", "0.10"),  # 3,000.08 a month: 10% - 210, the well-known cliff
        ("144000", "14190.00", "0.10"),  # 12,000 a month: 10% - 210
        ("1200000", "524840.00", "0.45"),  # 100,000 a month: 45% - 15,160
    ],
)
def test_a_year_end_bonus_taxed_separately(bonus: str, tax: str, rate: str) -> None:
    result = bonus_separate_tax(D(bonus), day=date(2026, 12, 31))

    assert result is not None
    assert (result.tax, result.rate) == (D(tax), D(rate))


def test_separate_bonus_taxation_ends_after_2027() -> None:
    assert bonus_separate_tax(D("36000"), day=date(2028, 1, 31)) is None


def test_a_bonus_combined_with_december_wages_is_taxed_cumulatively() -> None:
    # The steady profile withheld 45 x 11 = 495 by November; December adds 10,000 wages and a
    # 36,000 bonus: cumulative taxable 18,000 + 36,000 = 54,000, 10% - 2,520 = 2,880, so 2,385.
    result = cumulative_withholding(
        YearToDate(income=D("156000"), months=12, special=D("24000"), additional=D("18000"), withheld=D("495")),
        day=date(2026, 12, 31),
    )
    assert result.this_month == D("2385.00")
    # Taxed separately instead, the same bonus costs 1,080 and December's wages the usual 45.
    separate = bonus_separate_tax(D("36000"), day=date(2026, 12, 31))
    assert separate is not None
    assert separate.tax + D("45.00") == D("1125.00")


CHENGDU = Policy(
    base_floor=D("4071"),
    base_cap=D("20355"),
    pension=(D("0.16"), D("0.08")),
    medical=(D("0.075"), D("0.02")),
    unemployment=(D("0.006"), D("0.004")),
    work_injury=(D("0.002"), D("0")),
    housing_fund_floor=D("2100"),
    housing_fund_cap=D("27000"),
)


@pytest.mark.parametrize(
    ("declared", "base", "employee_social"),
    [
        ("3000", "4071", "423.38"),  # below the floor: 4,071 x 10.4% = 423.384
        ("10000", "10000", "1040.00"),  # inside: 10,000 x (8% + 2% + 0.4%)
        ("50000", "20355", "2116.92"),  # above the cap: 20,355 x 10.4% = 2,116.92
    ],
)
def test_the_social_insurance_base_is_clamped_to_the_floor_and_cap(
    declared: str, base: str, employee_social: str
) -> None:
    result = contributions(declared_base=D(declared), housing_fund_rate=D("0.12"), policy=CHENGDU)

    assert result.base == D(base)
    assert result.employee_social == D(employee_social)


def test_the_housing_fund_has_its_own_floor_and_cap() -> None:
    high = contributions(declared_base=D("50000"), housing_fund_rate=D("0.12"), policy=CHENGDU)
    low = contributions(declared_base=D("1800"), housing_fund_rate=D("0.05"), policy=CHENGDU)

    assert (high.housing_fund_base, high.employee_housing_fund, high.employer_housing_fund) == (
        D("27000"),
        D("3240.00"),
        D("3240.00"),
    )
    assert (low.housing_fund_base, low.employee_housing_fund) == (D("2100"), D("105.00"))
