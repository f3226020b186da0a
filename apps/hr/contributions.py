"""Social insurance and housing fund (五险一金): the base clamped to the city's floor and cap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .tax import ZERO, fen


@dataclass(frozen=True)
class Policy:
    """A city's rates (employer, employee) and bases, in force from a date (editable data)."""

    base_floor: Decimal
    base_cap: Decimal
    pension: tuple[Decimal, Decimal]
    medical: tuple[Decimal, Decimal]
    unemployment: tuple[Decimal, Decimal]
    work_injury: tuple[Decimal, Decimal]
    housing_fund_floor: Decimal
    housing_fund_cap: Decimal


@dataclass(frozen=True)
class Contributions:
    base: Decimal
    housing_fund_base: Decimal
    employee_pension: Decimal
    employee_medical: Decimal
    employee_unemployment: Decimal
    employee_housing_fund: Decimal
    employer_pension: Decimal
    employer_medical: Decimal
    employer_unemployment: Decimal
    employer_work_injury: Decimal
    employer_housing_fund: Decimal

    @property
    def employee_social(self) -> Decimal:
        return self.employee_pension + self.employee_medical + self.employee_unemployment

    @property
    def employee_total(self) -> Decimal:
        """专项扣除: what the employee pays, deducted before tax."""
        return self.employee_social + self.employee_housing_fund

    @property
    def employer_social(self) -> Decimal:
        return self.employer_pension + self.employer_medical + self.employer_unemployment + self.employer_work_injury

    @property
    def employer_total(self) -> Decimal:
        return self.employer_social + self.employer_housing_fund


def clamp(value: Decimal, floor: Decimal, cap: Decimal) -> Decimal:
    return min(max(value, floor), cap)


def contributions(*, declared_base: Decimal, housing_fund_rate: Decimal, policy: Policy) -> Contributions:
    """Each item is rounded to the fen; the housing fund uses the same rate on both sides."""
    if declared_base <= 0:
        zero = ZERO
        return Contributions(zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero)
    base = clamp(declared_base, policy.base_floor, policy.base_cap)
    fund_base = clamp(declared_base, policy.housing_fund_floor, policy.housing_fund_cap)
    return Contributions(
        base=base,
        housing_fund_base=fund_base,
        employee_pension=fen(base * policy.pension[1]),
        employee_medical=fen(base * policy.medical[1]),
        employee_unemployment=fen(base * policy.unemployment[1]),
        employee_housing_fund=fen(fund_base * housing_fund_rate),
        employer_pension=fen(base * policy.pension[0]),
        employer_medical=fen(base * policy.medical[0]),
        employer_unemployment=fen(base * policy.unemployment[0]),
        employer_work_injury=fen(base * policy.work_injury[0]),
        employer_housing_fund=fen(fund_base * housing_fund_rate),
    )
