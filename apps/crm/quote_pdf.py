"""A quote on paper: A4, Chinese in the standard CID font (as payslips and reports), the lines,
the totals and the total in capital numerals (大写金额)."""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from core.money import amount_in_words
from core.reports import FONT, ReportTable, table_pdf

from .models import Quote
from .quotes import rate_label

NOTE = ParagraphStyle("quote-note", fontName=FONT, fontSize=9, leading=13)
WORDS = ParagraphStyle("quote-words", fontName=FONT, fontSize=10, leading=14)


def _text(value: Any) -> str:
    """Text for reportlab paragraphs, which read markup: < and & stay characters."""
    return escape(str(value), quote=False)


def quote_filename(quote: Quote) -> str:
    return f"quote-{quote.number}.pdf"


def quote_pdf(quote: Quote, *, firm_name: str) -> bytes:
    lines = list(quote.lines.all())
    rows: list[list[Any]] = [
        [
            str(line.position),
            _text(line.product),
            f"{line.quantity.normalize():f}",
            line.unit_price,
            f"{line.discount.normalize():f}%",
            rate_label(line.vat_rate),
            line.net,
            line.vat,
        ]
        for line in lines
    ]
    totals = [
        (_("Amount before VAT"), quote.net_total, None),
        (_("VAT"), None, quote.vat_total),
        (_("Total with VAT"), quote.gross_total, None),
    ]
    bold = set()
    for label, net, vat in totals:
        bold.add(len(rows))
        rows.append(["", _text(label), "", None, "", "", net, vat])
    heading = [
        _text(firm_name),
        _text(_("Quote number: %(number)s") % {"number": quote.number}),
        _text(_("Customer: %(account)s") % {"account": quote.account.name}),
        _text(_("Date: %(date)s") % {"date": timezone.localtime(quote.created_at).date().isoformat()}),
    ]
    table = ReportTable(
        title=_text(_("Quote")),
        heading=heading,
        columns=["#", _("Product"), _("Quantity"), _("Unit price"), _("Discount"), _("VAT rate"), _("Net"), _("VAT")],
        rows=rows,
        bold_rows=bold,
        widths=(8, 62, 18, 22, 14, 14, 24, 22),
        money_from=2,
    )
    valid = (
        _("Valid until %(date)s.") % {"date": quote.valid_until.isoformat()}
        if quote.valid_until
        else _("No expiry date given.")
    )
    footer: list[Any] = [
        Spacer(1, 4 * mm),
        Paragraph(
            _text(_("Total in capital numerals (大写): %(words)s") % {"words": amount_in_words(quote.gross_total)}),
            WORDS,
        ),
        Spacer(1, 2 * mm),
        Paragraph(_text(valid), NOTE),
        Paragraph(_text(_("Prices in yuan (CNY); VAT at the rate shown on each line.")), NOTE),
    ]
    if quote.notes:
        footer += [Spacer(1, 2 * mm), Paragraph(_text(quote.notes).replace("\n", "<br/>"), NOTE)]
    return table_pdf(table, footer=footer)
