"""Template helpers for the HR pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from apps.hr.attendance import MonthSummary
from apps.hr.forms import leave_type_label
from apps.hr.models import LeaveType, Payslip

register = template.Library()


@register.filter
def tax_total(slip: Payslip) -> Decimal:
    """This month's income tax and the tax on a separately taxed year-end bonus."""
    return slip.income_tax + slip.bonus_tax


@register.filter
def overtime(summary: MonthSummary, kind: str) -> Decimal:
    """Overtime hours of one kind ('working_day', 'rest_day', 'holiday'), zero if none."""
    return summary.overtime_hours.get(kind, Decimal(0))


@register.filter
def leave_name(leave_type: LeaveType) -> str:
    return leave_type_label(leave_type)
