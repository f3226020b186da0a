"""Receivables and payables pages: invoices, credit notes, receipts and payments, aging, VAT.

Same rules as the ledger pages (``views``): reads through selectors, writes through the
services in ``invoicing``, service errors shown next to the fields and lines they name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotAllowed
from core.forms import add_service_errors

from . import banking, invoicing, permissions, selectors, services
from .forms import (
    MIN_INVOICE_LINES,
    AdvanceForm,
    AsOfForm,
    BaseLineFormSet,
    CreditNoteForm,
    FapiaoForm,
    InvoiceForm,
    PaymentForm,
    PaymentPartnerForm,
    account_choices,
    invoice_line_formset,
    rate_choices,
)
from .invoicing import AllocationInput, FapiaoInput
from .models import Invoice, Payment
from .views import _forbidden, _language, _page, _query_without_page, finance_page, reported

INVOICE_DIRECTIONS = Invoice.Direction.values
PAGE_SIZE = 50


def _direction(value: str | None, *, default: str = Invoice.Direction.SALES) -> str:
    return value if value in INVOICE_DIRECTIONS else default


def _invoice_direction_of(payment_direction: str) -> str:
    return Invoice.Direction.SALES if payment_direction == Payment.Direction.RECEIPT else Invoice.Direction.PURCHASE


def _bank_choices() -> list[tuple[str, str]]:
    return account_choices(banking.bank_accounts(), language=_language(), blank=False)


# --- invoices ----------------------------------------------------------------------------


@finance_page(permissions.VIEW)
def invoice_list(request: HttpRequest) -> HttpResponse:
    direction = _direction(request.GET.get("direction"))
    status = request.GET.get("status", "")
    status = status if status in Invoice.Status.values else ""
    open_only = request.GET.get("open") == "1"
    search = selectors.clean_search(request.GET.get("q"))
    invoices = selectors.invoice_list(
        actor=request.user, direction=direction, status=status, search=search, open_only=open_only
    )
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "invoices",
        "page": page,
        "direction": direction,
        "directions": Invoice.Direction.choices,
        "status": status,
        "statuses": Invoice.Status.choices,
        "open_only": open_only,
        "search": search,
        "query": _query_without_page(request),
    }
    return _page(request, "finance/invoice_list.html", context)


def _put_invoice_errors(
    exc: ApplicationError, form: InvoiceForm, fapiao: FapiaoForm, lines: BaseLineFormSet, filled: list[Any]
) -> list[str]:
    """Service field keys: ``partner_tax_id``, ``fapiao.number``, ``lines.2.vat_rate``, ``lines``."""
    rest = lines.add_service_errors(exc, filled)
    for key, field_messages in exc.fields.items():
        head, _dot, tail = key.partition(".")
        for message in field_messages:
            if head == "fapiao":
                fapiao.add_error(tail if tail in fapiao.fields else None, message)
            elif head != "lines":
                form.add_error(key if key in form.fields else None, message)
    return rest


@finance_page(permissions.PREPARE)
@require_http_methods(["GET", "POST"])
def invoice_new(request: HttpRequest) -> HttpResponse:
    direction = _direction(request.POST.get("direction") or request.GET.get("direction"))
    today = timezone.localdate()
    # Sales use the firm's own rates; a supplier may be either kind of taxpayer.
    taxpayer = services.ledger_settings().taxpayer if direction == Invoice.Direction.SALES else None
    rates = rate_choices(invoicing.vat_rates(taxpayer=taxpayer, day=today))
    accounts = account_choices(selectors.postable_accounts(), language=_language())
    data = request.POST or None
    form = InvoiceForm(data, initial={"direction": direction, "date": today})
    fapiao = FapiaoForm(data, prefix="fapiao")
    lines: BaseLineFormSet = invoice_line_formset(extra=MIN_INVOICE_LINES)(
        data, prefix="lines", form_kwargs={"accounts": accounts, "rates": rates}
    )
    error_detail, line_errors = "", []
    if request.method == "POST":
        post_it = request.POST.get("action") == "post"
        if post_it and not permissions.can(request.user, permissions.POST):
            return _forbidden(request, _("Only approvers and accountants can post invoices."))
        if form.is_valid() and fapiao.is_valid() and lines.is_valid():
            filled = lines.filled_forms()
            values = form.cleaned_data
            try:
                with transaction.atomic():
                    invoice = invoicing.invoice_create(
                        actor=request.user,
                        direction=values["direction"],
                        partner_name=values["partner_name"],
                        partner_tax_id=values["partner_tax_id"],
                        day=values["date"],
                        due_date=values["due_date"],
                        reference=values["reference"],
                        lines=[line.line_input() for line in filled],  # type: ignore[attr-defined]
                        fapiao=fapiao.fapiao_input(),
                    )
                    if post_it:
                        invoice = invoicing.invoice_post(actor=request.user, invoice=invoice)
            except NotAllowed:
                raise
            except ApplicationError as exc:
                error_detail = exc.detail
                line_errors = _put_invoice_errors(exc, form, fapiao, lines, filled)
            else:
                if post_it:
                    messages.success(
                        request,
                        _("The invoice is posted with voucher %(number)s.")
                        % {"number": invoice.voucher.display_number if invoice.voucher else ""},
                    )
                else:
                    messages.success(request, _("The draft invoice is saved."))
                return redirect("finance:invoice_detail", invoice_id=invoice.pk)
        else:
            error_detail = _("Please correct the fields and lines marked below.")
            line_errors.extend(str(error) for error in lines.non_form_errors())
    context = {
        "nav": "invoices",
        "direction": direction,
        "directions": Invoice.Direction.choices,
        "form": form,
        "fapiao": fapiao,
        "lines": lines,
        "error_detail": error_detail,
        "line_errors": line_errors,
        "fapiao_open": bool(request.POST.get("fapiao-type") or fapiao.errors),
    }
    return _page(request, "finance/invoice_form.html", context, status=400 if request.method == "POST" else 200)


@finance_page(permissions.VIEW)
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoicing.invoice_get(actor=request.user, invoice_id=invoice_id)
    lines = list(invoice.lines.all())
    context = {
        "nav": "invoices",
        "invoice": invoice,
        "lines": lines,
        "credit_notes": list(invoice.credit_notes.all()),
        "allocations": list(invoice.allocations.select_related("payment").order_by("created_at")),
        "language": _language(),
        "can_credit": invoice.status == Invoice.Status.POSTED and invoice.total > 0,
    }
    return _page(request, "finance/invoice_detail.html", context)


@finance_page(permissions.POST)
@require_POST
def invoice_post(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoicing.invoice_get(actor=request.user, invoice_id=invoice_id)
    with reported(request) as outcome:
        invoice = invoicing.invoice_post(actor=request.user, invoice=invoice)
    if outcome.ok:
        messages.success(
            request,
            _("The invoice is posted with voucher %(number)s.")
            % {"number": invoice.voucher.display_number if invoice.voucher else ""},
        )
    return redirect("finance:invoice_detail", invoice_id=invoice.pk)


@finance_page(permissions.PREPARE)
@require_http_methods(["GET", "POST"])
def invoice_delete(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoicing.invoice_get(actor=request.user, invoice_id=invoice_id)
    if request.method == "POST":
        try:
            invoicing.invoice_delete(actor=request.user, invoice=invoice)
        except NotAllowed:
            raise
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect("finance:invoice_detail", invoice_id=invoice.pk)
        messages.success(request, _("The draft invoice is deleted."))
        return redirect(f"{reverse('finance:invoice_list')}?direction={invoice.direction}")
    return _page(request, "finance/invoice_delete.html", {"nav": "invoices", "invoice": invoice})


@finance_page(permissions.POST)
@require_http_methods(["GET", "POST"])
def invoice_credit_note(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoicing.invoice_get(actor=request.user, invoice_id=invoice_id)
    form = CreditNoteForm(request.POST or None, initial={"date": max(timezone.localdate(), invoice.date)})
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        number = values["fapiao_number"].strip()
        fapiao = FapiaoInput(
            type=(invoice.fapiao_type or Invoice.FapiaoType.ORDINARY) if number else "",
            code=values["fapiao_code"],
            number=number,
            date=values["fapiao_date"],
            seller_tax_id=invoice.seller_tax_id,
            buyer_tax_id=invoice.buyer_tax_id,
        )
        try:
            credit = invoicing.invoice_credit_note(
                actor=request.user, invoice=invoice, day=values["date"], reason=values["reason"], fapiao=fapiao
            )
        except NotAllowed:
            raise
        except ApplicationError as exc:
            renamed = {key.replace("fapiao.", "fapiao_"): value for key, value in exc.fields.items()}
            form.add_error(None, exc.detail)
            for key, field_messages in renamed.items():
                for message in field_messages:
                    if key in form.fields:
                        form.add_error(key, message)
        else:
            messages.success(
                request,
                _("The credit note is posted with voucher %(number)s.")
                % {"number": credit.voucher.display_number if credit.voucher else ""},
            )
            return redirect("finance:invoice_detail", invoice_id=credit.pk)
    context = {"nav": "invoices", "invoice": invoice, "form": form}
    return _page(request, "finance/invoice_credit_note.html", context, status=400 if form.errors else 200)


# --- receipts and payments ---------------------------------------------------------------


@finance_page(permissions.VIEW)
def payment_list(request: HttpRequest) -> HttpResponse:
    direction = request.GET.get("direction", "")
    direction = direction if direction in Payment.Direction.values else ""
    search = selectors.clean_search(request.GET.get("q"))
    payments = selectors.payment_list(actor=request.user, direction=direction, search=search)
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "payments",
        "page": page,
        "direction": direction,
        "directions": Payment.Direction.choices,
        "search": search,
        "query": _query_without_page(request),
        "language": _language(),
    }
    return _page(request, "finance/payment_list.html", context)


def _open_invoices(request: HttpRequest, *, direction: str, partner: str) -> list[Invoice]:
    """The partner's posted invoices with something still open, oldest due first."""
    if not partner:
        return []
    invoices = selectors.invoice_list(
        actor=request.user, direction=direction, status=Invoice.Status.POSTED, search=partner, open_only=True
    )
    chosen = [invoice for invoice in invoices[:500] if invoice.partner_name == partner and invoice.open_amount > 0]
    return sorted(chosen, key=lambda invoice: (invoice.due_date, invoice.pk))


def _partners(request: HttpRequest, direction: str) -> list[str]:
    report = selectors.aging(actor=request.user, direction=direction, as_of=timezone.localdate())
    return [row.partner for row in report.rows]


@finance_page(permissions.POST)
@require_http_methods(["GET", "POST"])
def payment_new(request: HttpRequest) -> HttpResponse:
    """Step one (GET without a partner) chooses whose invoices to settle; step two records it."""
    source = request.POST if request.method == "POST" else request.GET
    direction = source.get("direction", "")
    partner = (source.get("partner_name") or source.get("partner") or "").strip()
    chooser = PaymentPartnerForm(
        {"direction": direction, "partner": partner} if partner else None,
        initial={"direction": direction or Payment.Direction.RECEIPT},
    )
    if not partner or direction not in Payment.Direction.values:
        partners = {d: _partners(request, _invoice_direction_of(d)) for d in Payment.Direction.values}
        context = {"nav": "payments", "chooser": chooser, "partners": partners, "step": 1}
        return _page(request, "finance/payment_form.html", context)

    invoices = _open_invoices(request, direction=_invoice_direction_of(direction), partner=partner)
    form = PaymentForm(
        request.POST or None,
        banks=_bank_choices(),
        initial={"direction": direction, "partner_name": partner, "date": timezone.localdate()},
    )
    typed = {invoice.pk: request.POST.get(f"allocate-{invoice.pk}", "").strip() for invoice in invoices}
    row_errors: dict[int, list[str]] = {}
    error_detail, other_errors = "", []
    if request.method == "POST" and form.is_valid():
        chosen = [(invoice, typed[invoice.pk]) for invoice in invoices if typed[invoice.pk]]
        values = form.cleaned_data
        try:
            payment = invoicing.payment_record(
                actor=request.user,
                direction=direction,
                partner_name=partner,
                day=values["date"],
                amount=values["amount"],
                bank_account_code=values["bank_account"],
                allocations=[AllocationInput(invoice.pk, amount) for invoice, amount in chosen],
                reference=values["reference"],
            )
        except NotAllowed:
            raise
        except ApplicationError as exc:
            error_detail = exc.detail
            for key, field_messages in exc.fields.items():
                parts = key.split(".")
                if parts[0] == "allocations" and len(parts) > 1 and parts[1].isdigit():
                    position = int(parts[1]) - 1
                    if 0 <= position < len(chosen):
                        row_errors.setdefault(chosen[position][0].pk, []).extend(field_messages)
                        continue
                if key in form.fields and key not in ("direction", "partner_name"):
                    for message in field_messages:
                        form.add_error(key, message)
                else:
                    other_errors.extend(field_messages)
        else:
            messages.success(request, _payment_message(payment))
            return redirect("finance:payment_detail", payment_id=payment.pk)
    elif request.method == "POST":
        error_detail = _("Please correct the fields marked below.")
    rows = [(invoice, typed[invoice.pk], row_errors.get(invoice.pk, [])) for invoice in invoices]
    context = {
        "nav": "payments",
        "step": 2,
        "form": form,
        "direction": direction,
        "direction_label": Payment.Direction(direction).label,
        "partner": partner,
        "rows": rows,
        "open_total": sum((invoice.open_amount for invoice in invoices), Decimal(0)),
        "error_detail": error_detail,
        "other_errors": other_errors,
    }
    return _page(request, "finance/payment_form.html", context, status=400 if request.method == "POST" else 200)


def _payment_message(payment: Payment) -> str:
    if payment.unallocated:
        return _("%(amount)s recorded; %(advance)s is kept as an advance.") % {
            "amount": f"{payment.amount:,.2f}",
            "advance": f"{payment.unallocated:,.2f}",
        }
    return _("%(amount)s recorded and allocated.") % {"amount": f"{payment.amount:,.2f}"}


def _payment_get(request: HttpRequest, payment_id: int) -> Payment:
    return selectors.payment_get(actor=request.user, payment_id=payment_id)


@finance_page(permissions.VIEW)
@require_http_methods(["GET", "POST"])
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    """The payment, its allocations, and (with an advance left) a form to apply it."""
    payment = _payment_get(request, payment_id)
    invoices = (
        _open_invoices(request, direction=_invoice_direction_of(payment.direction), partner=payment.partner_name)
        if payment.unallocated > 0
        else []
    )
    choices = [
        (invoice.pk, f"{invoice.date:%Y-%m-%d} {invoice.reference or invoice.pk} · {invoice.open_amount:,.2f}")
        for invoice in invoices
    ]
    form = AdvanceForm(
        request.POST or None, invoices=choices, initial={"date": max(timezone.localdate(), payment.date)}
    )
    if request.method == "POST":
        if not permissions.can(request.user, permissions.POST):
            return _forbidden(request, _("Only approvers and accountants can apply advances."))
        if form.is_valid():
            invoice = next(inv for inv in invoices if inv.pk == form.cleaned_data["invoice"])
            try:
                invoicing.payment_allocate(
                    actor=request.user,
                    payment=payment,
                    invoice=invoice,
                    amount=form.cleaned_data["amount"],
                    day=form.cleaned_data["date"],
                )
            except NotAllowed:
                raise
            except ApplicationError as exc:
                add_service_errors(form, exc)
                if exc.fields:
                    form.add_error(None, exc.detail)
            else:
                messages.success(request, _("The advance is applied to the invoice."))
                return redirect("finance:payment_detail", payment_id=payment.pk)
    context = {
        "nav": "payments",
        "payment": payment,
        "allocations": list(payment.allocations.select_related("invoice").order_by("created_at")),
        "form": form if invoices else None,
        "language": _language(),
    }
    return _page(request, "finance/payment_detail.html", context, status=400 if form.errors else 200)


# --- reports -----------------------------------------------------------------------------


@finance_page(permissions.VIEW)
def aging(request: HttpRequest) -> HttpResponse:
    direction = _direction(request.GET.get("direction"))
    form = AsOfForm(request.GET if "as_of" in request.GET else None, initial={"as_of": timezone.localdate()})
    as_of = timezone.localdate()
    if form.is_valid() and form.cleaned_data["as_of"]:
        as_of = form.cleaned_data["as_of"]
    report = selectors.aging(actor=request.user, direction=direction, as_of=as_of)
    context = {
        "nav": "aging",
        "report": report,
        "form": form,
        "direction": direction,
        "directions": [
            (Invoice.Direction.SALES, _("Receivables (应收账款)")),
            (Invoice.Direction.PURCHASE, _("Payables (应付账款)")),
        ],
        "as_of": as_of,
    }
    return _page(request, "finance/aging.html", context, status=400 if form.errors else 200)


@finance_page(permissions.VIEW)
def vat_summary(request: HttpRequest) -> HttpResponse:
    periods = list(selectors.period_list(actor=request.user))
    period = None
    label = request.GET.get("period", "").strip()
    if label:
        try:
            period = selectors.period_by_label(label, default_latest=False)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
    if period is None and periods:
        period = periods[0]
    report = selectors.vat_summary(actor=request.user, period=period) if period is not None else None
    try:
        taxpayer = services.ledger_settings().get_taxpayer_display()
    except ApplicationError:
        taxpayer = ""
    context = {"nav": "vat", "periods": periods, "period": period, "report": report, "taxpayer": taxpayer}
    return _page(request, "finance/vat_summary.html", context)
