"""Quote pages: the list, a new quote with its lines, the quote itself (send, accept, decline
after a confirmation, PDF) and editing a draft's lines.

The pages parse what was typed and hand it to apps/crm/quotes.py unchanged: the service checks
everything, and its errors come back next to the fields and lines they name.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from core.money import amount_in_words
from core.pages import reported

from . import quotes, selectors
from .models import Quote
from .views import crm_page, crm_render, paged

LINE_FIELDS = ("product", "quantity", "unit_price", "discount", "vat_rate")
BLANK_ROWS = 5  # rows a new quote starts with; "Add more lines" gives as many again
MAX_ROWS = quotes.MAX_LINES + BLANK_ROWS
MAX_CHOICES = 1000  # firms are small; a select longer than this is no help anyway
_ROW_KEY = re.compile(r"^line-(\d{1,4})-(?:product|quantity|unit_price|discount|vat_rate)$")


def _vat_choices() -> list[tuple[str, str]]:
    return [(str(rate), quotes.rate_label(rate)) for rate in quotes.VAT_RATES]


def _blank_row() -> dict[str, str]:
    return {"product": "", "quantity": "", "unit_price": "", "discount": "0", "vat_rate": str(quotes.DEFAULT_VAT_RATE)}


def _row_indexes(data: QueryDict) -> list[int]:
    return sorted({int(match.group(1)) for key in data if (match := _ROW_KEY.match(key))})


def _blank_after(data: QueryDict, rows: list[dict[str, str]]) -> int:
    """Empty rows to show again: "Add more lines" keeps the ones there and adds as many again."""
    if "more" in data:
        return max(len(_row_indexes(data)) - len(rows), 0) + BLANK_ROWS
    return max(BLANK_ROWS - len(rows), 1)


def _typed_rows(data: QueryDict) -> list[dict[str, str]]:
    """The rows the form sent, in order, without the ones left empty."""
    indexes = _row_indexes(data)
    rows = []
    for index in indexes[:MAX_ROWS]:
        row = {field: (data.get(f"line-{index}-{field}") or "").strip() for field in LINE_FIELDS}
        if row["product"] or row["quantity"] or row["unit_price"]:
            rows.append(row)
    return rows


def _line_inputs(rows: list[dict[str, str]]) -> list[quotes.QuoteLineInput]:
    return [
        quotes.QuoteLineInput(
            product=row["product"],
            quantity=row["quantity"],
            unit_price=row["unit_price"],
            discount=row["discount"] or "0",
            vat_rate=row["vat_rate"],
        )
        for row in rows
    ]


def _editor_rows(rows: list[dict[str, str]], errors: dict[str, list[str]], *, blank: int) -> list[dict[str, Any]]:
    """Rows for the editor: the typed ones first (so "Line 2" in an error is the second row), each
    with its errors, then ``blank`` empty ones."""
    shown = [*rows, *(_blank_row() for _index in range(blank))]
    return [
        {
            "index": index,
            "number": index + 1,
            **row,
            "errors": {field: errors.get(f"lines.{index + 1}.{field}", []) for field in (*LINE_FIELDS, "line")},
        }
        for index, row in enumerate(shown[:MAX_ROWS])
    ]


def _editor_context(rows: list[dict[str, str]], errors: dict[str, list[str]], *, blank: int) -> dict[str, Any]:
    return {
        "rows": _editor_rows(rows, errors, blank=blank),
        "line_errors": errors.get("lines", []),
        "vat_choices": _vat_choices(),
        "blank_row": {"index": "__index__", "number": "", **_blank_row(), "errors": {}},
    }


@crm_page
def quote_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    status = request.GET.get("status") or ""
    found = quotes.quote_list(actor=request.user, q=q, status=status)
    context = {
        "nav": "quotes",
        "q": q,
        "status": status if status in Quote.Status.values else "",
        "statuses": Quote.Status.choices,
        **paged(request, found),
    }
    return crm_render(request, "crm/quotes/list.html", context)


@crm_page
@require_http_methods(["GET", "POST"])
def quote_new(request: HttpRequest) -> HttpResponseBase:
    source = request.POST if request.method == "POST" else request.GET
    values = {field: (source.get(field) or "").strip() for field in ("account", "opportunity", "valid_until", "notes")}
    rows: list[dict[str, str]] = []
    errors: dict[str, list[str]] = {}
    blank = BLANK_ROWS
    status = 200
    if request.method == "POST":
        rows = _typed_rows(request.POST)
        blank = _blank_after(request.POST, rows)
        if "more" not in request.POST:
            quote: Quote | None = None
            with reported(request) as outcome:
                quote = quotes.quote_create(
                    actor=request.user,
                    account_id=values["account"],
                    opportunity_id=values["opportunity"] or None,
                    lines=_line_inputs(rows),
                    valid_until=values["valid_until"] or None,
                    notes=values["notes"],
                )
            if outcome.ok and quote is not None:
                messages.success(request, _("Quote %(number)s is saved as a draft.") % {"number": quote.number})
                return redirect("crm:quote_detail", quote.pk)
            errors = outcome.error.fields if isinstance(outcome.error, ApplicationError) else {}
            status = 400
    context = {
        "nav": "quotes",
        "values": values,
        "errors": errors,
        "accounts": list(selectors.account_list(actor=request.user)[:MAX_CHOICES]),
        "opportunities": list(selectors.opportunity_list(actor=request.user, open_only=True)[:MAX_CHOICES]),
        **_editor_context(rows, errors, blank=blank),
    }
    return crm_render(request, "crm/quotes/new.html", context, status=status)


@crm_page
def quote_detail(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = quotes.quote_get(actor=request.user, quote_id=quote_id)
    context = {
        "nav": "quotes",
        "quote": quote,
        "lines": [{"line": line, "rate": quotes.rate_label(line.vat_rate)} for line in quote.lines.all()],
        "in_words": amount_in_words(quote.gross_total),
        "expired": quotes.quote_is_expired(quote),
        "is_draft": quote.status == Quote.Status.DRAFT,
        "is_sent": quote.status == Quote.Status.SENT,
    }
    if quote.status == Quote.Status.ACCEPTED and quotes.can_invoice(request.user):
        from apps.finance.interface import sales_invoice_by_reference

        context.update(can_invoice=True, invoice=sales_invoice_by_reference(quote.number))
    return crm_render(request, "crm/quotes/detail.html", context)


@crm_page
@require_POST
def quote_invoice(request: HttpRequest, quote_id: int) -> HttpResponse:
    """An accepted quote → a draft customer invoice in finance (once)."""
    with reported(request) as outcome:
        invoice = quotes.quote_invoice(actor=request.user, quote_id=quote_id)
    if not outcome.ok:
        return redirect("crm:quote_detail", quote_id)
    messages.success(request, _("A draft invoice is made from the quote; check it and post it in finance."))
    return redirect("finance:invoice_detail", invoice.pk)


@crm_page
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, quote_id: int) -> HttpResponseBase:
    """A draft's lines, replaced as a whole; a sent quote goes back to its page with the reason."""
    quote = quotes.quote_get(actor=request.user, quote_id=quote_id)
    if quote.status != Quote.Status.DRAFT:
        messages.error(
            request, _("Quote %(number)s has been sent; its lines no longer change.") % {"number": quote.number}
        )
        return redirect("crm:quote_detail", quote.pk)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        rows = _typed_rows(request.POST)
        blank = _blank_after(request.POST, rows)
        if "more" not in request.POST:
            with reported(request) as outcome:
                quotes.quote_update_lines(actor=request.user, quote_id=quote.pk, lines=_line_inputs(rows))
            if outcome.ok:
                messages.success(request, _("The lines of quote %(number)s are saved.") % {"number": quote.number})
                return redirect("crm:quote_detail", quote.pk)
            errors = outcome.error.fields if isinstance(outcome.error, ApplicationError) else {}
            status = 400
    else:
        rows = [
            {
                "product": line.product,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": f"{line.unit_price:f}",
                "discount": f"{line.discount.normalize():f}",
                "vat_rate": str(next((r for r in quotes.VAT_RATES if r == line.vat_rate), line.vat_rate)),
            }
            for line in quote.lines.all()
        ]
        blank = 1
    context = {"nav": "quotes", "quote": quote, "errors": errors, **_editor_context(rows, errors, blank=blank)}
    return crm_render(request, "crm/quotes/edit.html", context, status=status)


def _moved(request: HttpRequest, quote_id: int, action: str) -> HttpResponse:
    change = {"send": quotes.quote_send, "accept": quotes.quote_accept, "decline": quotes.quote_decline}[action]
    with reported(request) as outcome:
        quote = change(actor=request.user, quote_id=quote_id)
    if outcome.ok:
        done = {
            "send": _("Quote %(number)s is marked as sent; its lines are now fixed."),
            "accept": _("Quote %(number)s is accepted."),
            "decline": _("Quote %(number)s is declined."),
        }
        messages.success(request, done[action] % {"number": quote.number})
    return redirect("crm:quote_detail", quote_id)


@crm_page
@require_POST
def quote_send(request: HttpRequest, quote_id: int) -> HttpResponse:
    return _moved(request, quote_id, "send")


@crm_page
@require_POST
def quote_accept(request: HttpRequest, quote_id: int) -> HttpResponse:
    return _moved(request, quote_id, "accept")


@crm_page
@require_http_methods(["GET", "POST"])
def quote_decline(request: HttpRequest, quote_id: int) -> HttpResponse:
    """Declining is final, so the page asks first."""
    if request.method == "POST":
        return _moved(request, quote_id, "decline")
    quote = quotes.quote_get(actor=request.user, quote_id=quote_id)
    if quote.status != Quote.Status.SENT:
        messages.error(request, _("Only a sent quote can be declined."))
        return redirect("crm:quote_detail", quote.pk)
    return crm_render(request, "crm/quotes/decline.html", {"nav": "quotes", "quote": quote})
