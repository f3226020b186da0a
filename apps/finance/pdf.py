"""The voucher (记账凭证) as a PDF; report tables are written by ``core.reports``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from core.money import amount_in_words
from core.reports import CELL, PDF_TYPE, ReportTable, table_pdf

from .models import Voucher

__all__ = ["PDF_TYPE", "table_pdf", "voucher_pdf"]


def voucher_pdf(voucher: Voucher, *, firm_name: str) -> bytes:
    """记账凭证: the lines, the total in capital numerals and who prepared and posted it."""
    lines = list(voucher.lines.all())
    columns = [_("Summary (摘要)"), _("Account (会计科目)"), _("Debit (借方金额)"), _("Credit (贷方金额)")]
    rows: list[list[Any]] = [
        [line.summary, f"{line.account.code} {line.account.name}", line.debit or None, line.credit or None]
        for line in lines
    ]
    total = sum((line.debit for line in lines), Decimal(0))
    rows.append([_("Total (合计)") + f": {amount_in_words(total)}", "", total, total])
    people = Paragraph(
        "　　".join(
            [
                f"{_('Prepared by (制单)')}: {_name(voucher.created_by) or _('System')}",
                f"{_('Reviewed by (审核)')}: {_name(voucher.posted_by)}",
                f"{_('Booked by (记账)')}: {_name(voucher.posted_by)}",
            ]
        ),
        CELL,
    )
    number = _("记 No. %(number)s") % {"number": f"{voucher.number:04d}" if voucher.number else "—"}
    subtitle = [
        firm_name,
        f"{voucher.date.isoformat()}  |  {number}  |  {_('Attachments (附单据): %(n)s') % {'n': voucher.attachments}}",
    ]
    table = ReportTable(
        title=_("Accounting voucher (记账凭证)"),
        heading=subtitle,
        columns=columns,
        rows=rows,
        bold_rows={len(rows) - 1},
        widths=(58, 62, 33, 33),
        money_from=2,
    )
    return table_pdf(table, footer=[Spacer(1, 4 * mm), people])


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "full_name", "") or getattr(user, "email", ""))
