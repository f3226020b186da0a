"""Template helpers for the finance pages: amounts as accountants read them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

from apps.finance.charts import rate_label
from core.money import amount_in_words

register = template.Library()

FEN = Decimal("0.01")


@register.filter
def money(value: Any, blank_zero: str = "") -> str:
    """12345.6 → ``12,345.60``; negatives keep their minus sign. ``money:"blank"`` leaves zero empty."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    if amount == 0:
        return "" if blank_zero else "0.00"
    return f"{amount:,.2f}"


@register.filter
def in_words(value: Any) -> str:
    """The amount in Chinese capital numerals (大写金额)."""
    try:
        return amount_in_words(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return ""


@register.filter
def level_class(level: Any) -> str:
    """Indentation class for an account's level in the chart (1 to 6)."""
    try:
        number = int(level)
    except (TypeError, ValueError):
        number = 1
    return f"level-{max(1, min(number, 6))}"


@register.filter
def normalize(value: Any) -> str:
    """A quantity or unit price without trailing zeros: 2.5000 → ``2.5``, 100.0000 → ``100``."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    return f"{number.normalize():f}"


@register.filter
def rate(value: Any) -> str:
    """A VAT rate as a percentage (0.13 → ``13%``); none means exempt (免税)."""
    return rate_label(None if value is None or value == "" else Decimal(str(value)))
