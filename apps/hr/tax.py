"""Individual income tax on wages (累计预扣法) and the separately taxed year-end bonus.

Pure functions over effective-dated tables in ``data/iit.json``; nothing here touches the
database, so the method is tested month by month against figures worked out by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Bracket:
    upper: Decimal | None  # None: no upper bound
    rate: Decimal
    quick_deduction: Decimal


@cache
def _tables() -> dict[str, Any]:
    return json.loads((DATA / "iit.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _in_force(rows: list[dict[str, Any]], day: date) -> dict[str, Any] | None:
    for row in rows:
        if date.fromisoformat(row["from"]) <= day and (row["to"] is None or day <= date.fromisoformat(row["to"])):
            return row
    return None


def _brackets(row: dict[str, Any]) -> tuple[Bracket, ...]:
    return tuple(
        Bracket(Decimal(upper) if upper is not None else None, Decimal(rate), Decimal(quick))
        for upper, rate, quick in row["brackets"]
    )


def cumulative_table(day: date) -> tuple[Decimal, tuple[Bracket, ...]]:
    """The monthly basic deduction and the cumulative annual brackets in force on ``day``."""
    row = _in_force(_tables()["cumulative"], day)
    if row is None:
        raise ValueError(f"no IIT table in force on {day}")
    return Decimal(row["monthly_exemption"]), _brackets(row)


def bonus_table(day: date) -> tuple[Bracket, ...] | None:
    """The monthly brackets for a separately taxed year-end bonus, or None once the policy ends."""
    row = _in_force(_tables()["bonus_separate"], day)
    return _brackets(row) if row else None


def bracket_for(amount: Decimal, brackets: tuple[Bracket, ...]) -> Bracket:
    for bracket in brackets:
        if bracket.upper is None or amount <= bracket.upper:
            return bracket
    return brackets[-1]


@dataclass(frozen=True)
class YearToDate:
    """Everything from January (or the month the person joined) up to and including this month."""

    income: Decimal  # cumulative wages subject to tax
    months: int  # months employed by this employer this year, this one included
    special: Decimal = ZERO  # 专项扣除: the employee's social insurance and housing fund
    additional: Decimal = ZERO  # 专项附加扣除
    other: Decimal = ZERO  # other deductions allowed by law
    tax_free: Decimal = ZERO  # tax-free income
    reliefs: Decimal = ZERO  # tax reliefs
    withheld: Decimal = ZERO  # tax already withheld this year, before this month


@dataclass(frozen=True)
class Withholding:
    taxable: Decimal  # cumulative taxable income (never below zero)
    basic_deduction: Decimal  # 5,000 x months
    rate: Decimal
    quick_deduction: Decimal
    cumulative_tax: Decimal
    this_month: Decimal


def cumulative_withholding(ytd: YearToDate, *, day: date) -> Withholding:
    """This month's tax: tax on the year-to-date taxable income, less what was already withheld.

    A negative result withholds nothing this month; the difference is settled later in the year
    or at the annual reconciliation (汇算清缴).
    """
    monthly_exemption, brackets = cumulative_table(day)
    basic = monthly_exemption * ytd.months
    taxable = ytd.income - ytd.tax_free - basic - ytd.special - ytd.additional - ytd.other
    taxable = max(taxable, ZERO)
    bracket = bracket_for(taxable, brackets)
    cumulative_tax = max(fen(taxable * bracket.rate - bracket.quick_deduction), ZERO)
    this_month = max(cumulative_tax - ytd.reliefs - ytd.withheld, ZERO)
    return Withholding(fen(taxable), basic, bracket.rate, bracket.quick_deduction, cumulative_tax, fen(this_month))


@dataclass(frozen=True)
class BonusTax:
    monthly_equivalent: Decimal
    rate: Decimal
    quick_deduction: Decimal
    tax: Decimal


def bonus_separate_tax(bonus: Decimal, *, day: date) -> BonusTax | None:
    """全年一次性奖金 taxed on its own: rate from bonus / 12, tax = bonus x rate - quick deduction."""
    brackets = bonus_table(day)
    if brackets is None:
        return None
    monthly = bonus / 12
    bracket = bracket_for(monthly, brackets)
    return BonusTax(
        fen(monthly),
        bracket.rate,
        bracket.quick_deduction,
        max(fen(bonus * bracket.rate - bracket.quick_deduction), ZERO),
    )
