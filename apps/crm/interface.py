"""What other modules may use of the CRM: customer accounts and won deals, as plain data.

The supply chain links its customers to CRM accounts by id and turns a won opportunity into a
sales order. Nothing here changes CRM data, and what a person may see follows the CRM's own
rules (``permissions.scope``): an account or deal they cannot see is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import permissions
from .models import Account, Opportunity, Quote, Stage


@dataclass(frozen=True)
class AccountBrief:
    id: int
    name: str
    credit_code: str
    address: str


@dataclass(frozen=True)
class DealLine:
    product: str
    quantity: Decimal
    unit_price: Decimal  # before VAT, after the line's discount
    vat_rate: Decimal


@dataclass(frozen=True)
class WonDeal:
    id: int
    name: str
    amount: Decimal
    account: AccountBrief
    # The lines of the deal's accepted quote (else its latest quote); empty without a quote.
    lines: tuple[DealLine, ...]


def _brief(account: Account) -> AccountBrief:
    return AccountBrief(account.pk, account.name, account.credit_code, account.address)


def account_search(*, actor: Any, query: str = "", limit: int = 20) -> list[AccountBrief]:
    """Accounts the person sees whose name contains ``query``, by name."""
    accounts = permissions.scope(Account.objects.all(), actor)
    if query.strip():
        accounts = accounts.filter(name__icontains=query.strip()[:100])
    return [_brief(account) for account in accounts.order_by("name", "id")[: max(1, min(limit, 100))]]


def account_get(*, actor: Any, account_id: int) -> AccountBrief | None:
    account = permissions.scope(Account.objects.all(), actor).filter(pk=account_id).first()
    return _brief(account) if account else None


def won_deals(*, actor: Any, limit: int = 50) -> list[tuple[int, str, str]]:
    """(id, deal name, account name) of won opportunities the person sees, newest first."""
    deals = permissions.scope(Opportunity.objects.filter(stage__kind=Stage.Kind.WON), actor).select_related("account")
    return [(deal.pk, deal.name, deal.account.name) for deal in deals.order_by("-closed_at", "-id")[:limit]]


def won_deal_get(*, actor: Any, opportunity_id: int) -> WonDeal | None:
    """A won opportunity with its quote's lines; None when it is not won or not visible."""
    deal = (
        permissions.scope(Opportunity.objects.filter(stage__kind=Stage.Kind.WON), actor)
        .select_related("account")
        .filter(pk=opportunity_id)
        .first()
    )
    if deal is None:
        return None
    quotes = Quote.objects.filter(opportunity=deal).prefetch_related("lines")
    quote = quotes.filter(status=Quote.Status.ACCEPTED).order_by("-id").first() or quotes.order_by("-id").first()
    lines: tuple[DealLine, ...] = ()
    if quote is not None:
        lines = tuple(
            DealLine(line.product, line.quantity, (line.net / line.quantity).quantize(Decimal("0.0001")), line.vat_rate)
            for line in quote.lines.all()
            if line.quantity
        )
    return WonDeal(deal.pk, deal.name, deal.amount, _brief(deal.account), lines)


def is_sales_manager(user: Any) -> bool:
    """Whether the person manages a sales team in the CRM of the schema we are in."""
    from .models import SalesRole

    return bool(
        getattr(user, "is_authenticated", False)
        and SalesRole.objects.filter(user_id=user.pk, role=SalesRole.Role.MANAGER).exists()
    )


PLATFORM_ORIGIN_PREFIX = "park-collab-"


def lead_create_from_platform(
    *,
    origin_ref: str,
    name: str,
    company: str = "",
    email: str = "",
    mobile: str = "",
    source: str = "",
    notes: str = "",
) -> int:
    """A lead the platform makes (a park collaboration request) in the public pool (公海) of the
    firm whose schema we are in; the id of the lead. The same ``origin_ref`` always gives the same
    lead, so a retried job never makes a second one. A mobile or email that is not valid is left
    out (the notes still carry what was sent)."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email
    from django.db import IntegrityError, connection, transaction
    from django.utils import timezone

    from apps.audit.services import audit_record
    from core.errors import ValidationFailed

    from .models import Lead
    from .services import normalize_mobile

    if getattr(connection, "schema_name", "public") == "public" or not origin_ref:
        raise RuntimeError("lead_create_from_platform runs inside a firm's schema, with an origin")
    existing = Lead.objects.filter(origin_ref=origin_ref).values_list("pk", flat=True).first()
    if existing is not None:
        return existing
    try:
        mobile = normalize_mobile(mobile)
    except ValidationFailed:
        mobile = ""
    email = (email or "").strip().lower()[:254]
    try:
        if email:
            validate_email(email)
    except DjangoValidationError:
        email = ""
    lead = Lead(
        name=" ".join((name or "").split())[:100] or (company or "")[:100] or "—",
        company=(company or "").strip()[:200],
        mobile=mobile,
        email=email,
        source=(source or "").strip()[:60],
        notes=(notes or "").strip()[:5000],
        origin_ref=origin_ref[:64],
        last_activity_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        # Another run of the same job made it a moment ago: that one is the lead.
        return int(Lead.objects.filter(origin_ref=origin_ref).values_list("pk", flat=True).get())
    audit_record(action="crm.lead_created_by_platform", obj=lead, origin=origin_ref)
    return int(lead.pk)
