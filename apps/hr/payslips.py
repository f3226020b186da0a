"""Payslips that explain themselves: the cumulative tax computation line by line, as HTML
and PDF, and the bank transfer file of a run."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.reports import ReportTable, safe_cell, table_pdf

from .models import PayrollRun, Payslip


@dataclass(frozen=True)
class Line:
    label: str
    amount: Decimal | None
    note: str = ""
    total: bool = False


def pay_lines(slip: Payslip) -> list[Line]:
    lines = [
        Line(_("Base salary"), slip.base_salary),
        Line(_("Allowances"), slip.allowances),
    ]
    if slip.other_earnings:
        lines.append(Line(_("Other earnings"), slip.other_earnings))
    lines += [
        Line(_("Gross pay"), slip.gross, total=True),
        Line(
            _("Pension insurance"),
            -slip.employee_pension,
            _("Contribution base %(base)s") % {"base": f"{slip.contribution_base:,.2f}"},
        ),
        Line(_("Medical insurance"), -slip.employee_medical),
        Line(_("Unemployment insurance"), -slip.employee_unemployment),
        Line(_("Housing fund"), -slip.employee_housing_fund),
        Line(_("Income tax withheld this month"), -slip.income_tax),
    ]
    if slip.bonus:
        lines += [Line(_("Year-end bonus"), slip.bonus), Line(_("Tax on the year-end bonus"), -slip.bonus_tax)]
    if slip.other_deductions:
        lines.append(Line(_("Other deductions"), -slip.other_deductions))
    lines.append(Line(_("Net pay"), slip.net, total=True))
    return lines


def tax_lines(slip: Payslip) -> list[Line]:
    """累计预扣法, step by step, so the person sees why this month's tax is what it is."""
    months = slip.ytd_months
    return [
        Line(_("Income from January (or your first month) to this month"), slip.ytd_income),
        Line(
            ngettext(
                "Less: basic deduction, 5,000 × %(months)d month",  # noqa: RUF001 - shown to people
                "Less: basic deduction, 5,000 × %(months)d months",  # noqa: RUF001
                months,
            )
            % {"months": months},
            -slip.ytd_basic_deduction,
        ),
        Line(_("Less: your social insurance and housing fund this year"), -slip.ytd_special),
        Line(_("Less: special additional deductions this year"), -slip.ytd_additional),
        Line(_("Taxable income so far this year"), slip.ytd_taxable, total=True),
        Line(
            _("Tax so far: taxable income × %(rate)s%% - quick deduction %(quick)s")  # noqa: RUF001
            % {"rate": f"{slip.tax_rate * 100:.0f}", "quick": f"{slip.quick_deduction:,.2f}"},
            slip.ytd_tax,
        ),
        Line(_("Less: tax already withheld this year"), -slip.withheld_before),
        Line(_("Tax withheld this month"), slip.income_tax, total=True),
        Line(
            _("The rate climbs as the year's income grows, so later months can withhold more for the same pay."),
            None,
        ),
    ]


def payslip_pdf(slip: Payslip, *, firm_name: str) -> bytes:
    rows: list[list[object]] = []
    bold: set[int] = set()
    for section, lines in ((_("Pay"), pay_lines(slip)), (_("How the income tax was worked out"), tax_lines(slip))):
        bold.add(len(rows))
        rows.append([section, "", None])
        for line in lines:
            if line.total:
                bold.add(len(rows))
            rows.append([line.label, line.note, line.amount])
    table = ReportTable(
        title=_("Payslip %(month)s") % {"month": slip.run.label},
        heading=[firm_name, f"{slip.employee.number} {slip.employee.name}"],
        columns=[_("Item"), _("Note"), _("Amount")],
        rows=rows,
        bold_rows=bold,
        widths=(110, 40, 36),
        money_from=2,
    )
    return table_pdf(table)


def bank_file(run: PayrollRun, slips: list[Payslip]) -> bytes:
    """The run's transfers as CSV (UTF-8 with BOM, for Excel and bank portals): one row per person."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Employee number"), _("Name"), _("Bank"), _("Account"), _("Amount"), _("Memo")])
    for slip in slips:
        if slip.net <= 0:
            continue
        writer.writerow(
            [
                safe_cell(slip.employee.number),
                safe_cell(slip.employee.name),
                safe_cell(slip.employee.bank_name),
                safe_cell(slip.employee.bank_account),
                f"{slip.net:.2f}",
                safe_cell(_("Salary %(month)s") % {"month": run.label}),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
