"""Quotes (报价单): lines priced in Decimal, VAT at the Chinese rates, numbers without gaps.

Writes check all their input before touching the database and run in one transaction, so bad
input leaves nothing behind. A quote's lines change only while it is a draft; once sent, the
customer holds that version. Another person's quote is simply not found (404).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed
from core.locks import advisory_key

from . import permissions
from .models import Account, Opportunity, Quote, QuoteLine

FEN = Decimal("0.01")
HUNDRED = Decimal(100)
# 增值税 rates a quote may carry: 13%, 9%, 6%, 0% (general taxpayers), 5% (simplified method,
# e.g. real estate), 3% and 1% (small-scale taxpayers). See /work/shared/REFERENCE-CN.md.
VAT_RATES: tuple[Decimal, ...] = tuple(Decimal(rate) for rate in ("0.13", "0.09", "0.06", "0.05", "0.03", "0.01", "0"))
DEFAULT_VAT_RATE = Decimal("0.13")
MAX_LINES = 200
MAX_PRODUCT = 200
MAX_NOTES = 5000
MAX_QUANTITY = Decimal("1e10")  # quantity: 14 digits, 4 of them decimals
MAX_AMOUNT = Decimal("1e12")  # amounts: 14 digits, 2 of them decimals
NUMBER_PREFIX = "BJ"  # 报价


def rate_label(rate: Decimal) -> str:
    """0.13 → ``13%``; 0 → ``0%``."""
    return f"{(rate * 100).normalize():f}%"


@dataclass(frozen=True)
class QuoteLineInput:
    """One line as a person or client typed it; the service checks and converts every value."""

    product: Any
    quantity: Any
    unit_price: Any
    discount: Any = "0"
    vat_rate: Any = DEFAULT_VAT_RATE


@dataclass(frozen=True)
class PricedLine:
    product: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    vat_rate: Decimal
    net: Decimal
    vat: Decimal


def line_amounts(
    quantity: Decimal, unit_price: Decimal, discount: Decimal, vat_rate: Decimal
) -> tuple[Decimal, Decimal]:
    """Net = quantity * price * (100 - discount) / 100, VAT = net * rate; each rounded half-up to the fen."""
    net = (quantity * unit_price * (HUNDRED - discount) / HUNDRED).quantize(FEN, rounding=ROUND_HALF_UP)
    vat = (net * vat_rate).quantize(FEN, rounding=ROUND_HALF_UP)
    return net, vat


# --- checking input --------------------------------------------------------------------------


def _decimal(value: Any, *, places: int) -> Decimal | str:
    """The value as a Decimal with at most ``places`` decimals, or the problem as a message."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        return _("enter a number")
    if not isinstance(value, (str, int, float, Decimal)):
        return _("enter a number")
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return _("enter a number")
    if not number.is_finite():
        return _("enter a number")
    if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        return _("at most %(places)d decimal places") % {"places": places}
    return number


def _field(line: Any, name: str, default: Any = None) -> Any:
    if isinstance(line, Mapping):
        return line.get(name, default)
    return getattr(line, name, default)


def _price_lines(lines: Any, errors: dict[str, list[str]]) -> list[PricedLine]:
    """Every line checked (all problems reported, each naming its line number) and priced."""
    if isinstance(lines, (str, bytes, Mapping)) or not isinstance(lines, Sequence):
        errors["lines"] = [_("Send the lines as a list.")]
        return []
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("A quote has at most %(limit)d lines.") % {"limit": MAX_LINES}]
        return []
    priced: list[PricedLine] = []
    for number, line in enumerate(lines, start=1):
        problems: dict[str, str] = {}
        if not isinstance(line, (Mapping, QuoteLineInput)):
            problems["line"] = _("send the line with its product, quantity, unit price, discount and VAT rate")
        else:
            product = _field(line, "product")
            if not isinstance(product, str) or not product.strip():
                problems["product"] = _("name the product")
            elif len(product.strip()) > MAX_PRODUCT:
                problems["product"] = _("the product has at most %(limit)d characters") % {"limit": MAX_PRODUCT}
            quantity = _decimal(_field(line, "quantity"), places=4)
            if isinstance(quantity, Decimal) and not Decimal(0) < quantity < MAX_QUANTITY:
                quantity = _("the quantity must be more than zero") if quantity <= 0 else _("the quantity is too large")
            if isinstance(quantity, str):
                problems["quantity"] = quantity
            price = _decimal(_field(line, "unit_price"), places=2)
            if isinstance(price, Decimal) and not Decimal(0) <= price < MAX_AMOUNT:
                price = _("the unit price cannot be negative") if price < 0 else _("the unit price is too large")
            if isinstance(price, str):
                problems["unit_price"] = price
            discount_value = _field(line, "discount", "0")
            discount = _decimal("0" if discount_value in (None, "") else discount_value, places=2)
            if isinstance(discount, Decimal) and not Decimal(0) <= discount <= HUNDRED:
                discount = _("the discount is a percentage from 0 to 100")
            if isinstance(discount, str):
                problems["discount"] = discount
            rate_value = _field(line, "vat_rate", DEFAULT_VAT_RATE)
            rate = _decimal(rate_value, places=3)
            if not isinstance(rate, Decimal) or rate not in VAT_RATES:
                problems["vat_rate"] = _("choose a VAT rate: %(rates)s") % {
                    "rates": ", ".join(rate_label(r) for r in VAT_RATES)
                }
        if (
            not problems
            and isinstance(quantity, Decimal)
            and isinstance(price, Decimal)
            and isinstance(discount, Decimal)
            and isinstance(rate, Decimal)
        ):
            net, vat = line_amounts(quantity, price, discount, rate)
            if net + vat >= MAX_AMOUNT:
                problems["unit_price"] = _("the line's amount is too large")
            else:
                priced.append(PricedLine(product.strip(), quantity, price, discount, rate, net, vat))
        for field, problem in problems.items():
            errors.setdefault("lines", []).append(
                _("Line %(number)d: %(problem)s") % {"number": number, "problem": problem}
            )
            errors.setdefault(f"lines.{number}.{field}", []).append(problem)
    if not errors.get("lines") and sum((p.net + p.vat for p in priced), Decimal(0)) >= MAX_AMOUNT:
        errors["lines"] = [_("The quote's total is too large.")]
    return priced


def _valid_until(value: Any, errors: dict[str, list[str]]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors["valid_until"] = [_("Enter a date like 2026-03-31.")]
            return None
    if not isinstance(value, date):
        errors["valid_until"] = [_("Enter a date like 2026-03-31.")]
        return None
    if value < timezone.localdate():
        errors["valid_until"] = [_("A quote cannot expire before today.")]
        return None
    return value


def _notes(value: Any, errors: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors["notes"] = [_("Enter the notes as text.")]
        return ""
    if len(value.strip()) > MAX_NOTES:
        errors["notes"] = [_("At most %(limit)s characters.") % {"limit": MAX_NOTES}]
    return value.strip()


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- writes ----------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    """The firm's next quote number of ``year`` (BJ2026-0001, ...), taken under a lock held to
    the end of the transaction: concurrent creates queue here, and a rollback gives the number
    back, so numbers never collide and never skip."""
    schema = getattr(connection, "schema_name", "public")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_key(f"crm.quote_number:{schema}:{year}")])
    prefix = f"{NUMBER_PREFIX}{year}-"
    last = (
        Quote.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")  # BJ2026-10000 comes after BJ2026-9999
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _write_lines(quote: Quote, priced: list[PricedLine]) -> None:
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            position=position,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            vat_rate=line.vat_rate,
            net=line.net,
            vat=line.vat,
        )
        for position, line in enumerate(priced, start=1)
    )
    quote.net_total = sum((line.net for line in priced), Decimal("0.00"))
    quote.vat_total = sum((line.vat for line in priced), Decimal("0.00"))
    quote.gross_total = quote.net_total + quote.vat_total


@transaction.atomic
def quote_create(
    *,
    actor: Any,
    account_id: Any,
    opportunity_id: Any = None,
    lines: Sequence[QuoteLineInput | Mapping[str, Any]],
    valid_until: Any = None,
    notes: Any = "",
) -> Quote:
    """A draft quote for one of the actor's accounts (and optionally its opportunity), numbered
    BJ<year>-<n> without gaps; totals are the sums of the lines rounded to the fen."""
    permissions.visible_owners(actor)
    errors: dict[str, list[str]] = {}
    account = None
    account_pk = _id(account_id)
    if account_pk is not None:
        account = permissions.scope(Account.objects.all(), actor).filter(pk=account_pk).first()
    if account is None:
        errors["account"] = [_("Choose one of your accounts.")]
    opportunity = None
    if opportunity_id not in (None, ""):
        opportunity_pk = _id(opportunity_id)
        if opportunity_pk is not None:
            opportunity = permissions.scope(Opportunity.objects.all(), actor).filter(pk=opportunity_pk).first()
        if opportunity is None:
            errors["opportunity"] = [_("Choose one of your opportunities.")]
        elif account is not None and opportunity.account_id != account.pk:
            errors["opportunity"] = [_("Choose an opportunity of this account.")]
    until = _valid_until(valid_until, errors)
    clean_notes = _notes(notes, errors)
    priced = _price_lines(lines, errors)
    if errors or account is None:
        raise ValidationFailed(_("The quote could not be saved."), fields=errors)
    quote = Quote(
        number=_next_number(timezone.localdate().year),
        account=account,
        opportunity=opportunity,
        valid_until=until,
        notes=clean_notes,
        owner=actor,
    )
    quote.save()
    _write_lines(quote, priced)
    quote.save(update_fields=["net_total", "vat_total", "gross_total", "updated_at"])
    audit_record(action="crm.quote_created", actor=actor, obj=quote, number=quote.number, total=str(quote.gross_total))
    return quote


def _quote_for_update(actor: Any, quote_id: Any) -> Quote:
    pk = _id(quote_id)
    quote = None
    if pk is not None:
        quote = permissions.scope(Quote.objects.select_for_update(of=("self",)), actor).filter(pk=pk).first()
    if quote is None:
        raise NotFound(_("No such quote."))
    return quote


@transaction.atomic
def quote_update_lines(*, actor: Any, quote_id: Any, lines: Sequence[QuoteLineInput | Mapping[str, Any]]) -> Quote:
    """Replace a draft's lines and totals; a sent quote is what the customer has, so it never changes."""
    quote = _quote_for_update(actor, quote_id)
    if quote.status != Quote.Status.DRAFT:
        raise Conflict(
            _("Quote %(number)s has been sent; its lines no longer change. Make a new quote instead.")
            % {"number": quote.number},
            code="quote_not_draft",
        )
    errors: dict[str, list[str]] = {}
    priced = _price_lines(lines, errors)
    if errors:
        raise ValidationFailed(_("The quote could not be saved."), fields=errors)
    before = str(quote.gross_total)
    quote.lines.all().delete()
    _write_lines(quote, priced)
    quote.save(update_fields=["net_total", "vat_total", "gross_total", "updated_at"])
    audit_record(action="crm.quote_lines_updated", actor=actor, obj=quote, total=[before, str(quote.gross_total)])
    return quote


# Which status each action leads to, and from which statuses it may start.
_MOVES = {
    "send": (Quote.Status.SENT, {Quote.Status.DRAFT}),
    "accept": (Quote.Status.ACCEPTED, {Quote.Status.SENT}),
    "decline": (Quote.Status.DECLINED, {Quote.Status.SENT}),
}


def _move(actor: Any, quote_id: Any, action: str) -> Quote:
    target, allowed = _MOVES[action]
    quote = _quote_for_update(actor, quote_id)
    if quote.status == target:
        return quote  # a repeated click changes nothing
    if quote.status not in allowed:
        messages = {
            "send": _("Only a draft quote can be sent; quote %(number)s is %(status)s."),
            "accept": _("Only a sent quote can be accepted; quote %(number)s is %(status)s."),
            "decline": _("Only a sent quote can be declined; quote %(number)s is %(status)s."),
        }
        raise Conflict(
            messages[action] % {"number": quote.number, "status": quote.get_status_display()},
            code="quote_status",
        )
    before = quote.status
    quote.status = target
    quote.save(update_fields=["status", "updated_at"])
    audit_record(action=f"crm.quote_{target}", actor=actor, obj=quote, status=[before, target])
    return quote


@transaction.atomic
def quote_send(*, actor: Any, quote_id: Any) -> Quote:
    """Draft → sent: from now on the lines are fixed."""
    return _move(actor, quote_id, "send")


@transaction.atomic
def quote_accept(*, actor: Any, quote_id: Any) -> Quote:
    """Sent → accepted: the customer said yes."""
    return _move(actor, quote_id, "accept")


@transaction.atomic
def quote_decline(*, actor: Any, quote_id: Any) -> Quote:
    """Sent → declined: the customer said no."""
    return _move(actor, quote_id, "decline")


# --- reads -----------------------------------------------------------------------------------


def quote_list(*, actor: Any, q: str = "", status: str = "", account_id: int | None = None) -> QuerySet[Quote]:
    """The quotes the actor sees, newest first; ``q`` searches number and account name."""
    quotes = permissions.scope(Quote.objects.select_related("account", "owner", "opportunity"), actor)
    search = (q or "").strip()[:100]
    if search:
        quotes = quotes.filter(Q(number__icontains=search) | Q(account__name__icontains=search))
    if status in Quote.Status.values:
        quotes = quotes.filter(status=status)
    if account_id:
        quotes = quotes.filter(account_id=account_id)
    return quotes


def quote_get(*, actor: Any, quote_id: Any) -> Quote:
    pk = _id(quote_id)
    quote = None
    if pk is not None:
        quote = (
            permissions.scope(Quote.objects.select_related("account", "owner", "opportunity"), actor)
            .prefetch_related("lines")
            .filter(pk=pk)
            .first()
        )
    if quote is None:
        raise NotFound(_("No such quote."))
    return quote


def quote_is_expired(quote: Quote) -> bool:
    """A sent quote past its validity: the customer can no longer hold us to it."""
    return (
        quote.status == Quote.Status.SENT and quote.valid_until is not None and quote.valid_until < timezone.localdate()
    )


# --- invoicing (finance) ---------------------------------------------------------------------


def can_invoice(user: Any) -> bool:
    """Whether the person may prepare invoices in finance (the button shows only then)."""
    from apps.finance import permissions as finance_permissions

    return finance_permissions.can(user, finance_permissions.PREPARE)


@transaction.atomic
def quote_invoice(*, actor: Any, quote_id: Any) -> Any:
    """An accepted quote becomes a draft customer invoice in finance, once: its number is the
    invoice's reference, and a second request is refused with a link to the first."""
    from apps.finance.interface import sales_invoice_by_reference, sales_invoice_draft

    quote = quote_get(actor=actor, quote_id=quote_id)
    Quote.objects.select_for_update().filter(pk=quote.pk).first()
    if quote.status != Quote.Status.ACCEPTED:
        raise Conflict(
            _("Only an accepted quote becomes an invoice; quote %(number)s is %(status)s.")
            % {"number": quote.number, "status": quote.get_status_display()},
            code="quote_status",
        )
    existing = sales_invoice_by_reference(quote.number)
    if existing is not None:
        raise Conflict(
            _("Quote %(number)s is already invoiced (invoice %(id)s).") % {"number": quote.number, "id": existing.pk},
            code="quote_invoiced",
            fields={"invoice": [str(existing.pk)]},
        )
    lines = [(line.product, line.quantity, line.net, line.vat_rate) for line in quote.lines.all()]
    invoice = sales_invoice_draft(
        actor=actor,
        partner_name=quote.account.name,
        partner_tax_id=quote.account.credit_code,
        day=timezone.localdate(),
        reference=quote.number,
        lines=lines,
    )
    audit_record(action="crm.quote_invoiced", actor=actor, obj=quote, invoice=invoice.pk)
    return invoice
