"""Template helpers for the HR pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from apps.hr.models import Payslip

register = template.Library()


@register.filter
def tax_total(slip: Payslip) -> Decimal:
    """This month's income tax and the tax on a separately taxed year-end bonus."""
    return slip.income_tax + slip.bonus_tax
