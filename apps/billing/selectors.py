"""Billing reads for the firm's billing page: everything comes from the local mirror, never
from Stripe (Stripe is called only when a person clicks a button)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from math import ceil

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy

from tenants.models import Firm

from .models import BillingCustomer, BillingInvoice, Plan, Subscription, UsageRecord
from .services import seats_in_use

MODULE_LABELS = {
    "crm": _lazy("CRM"),
    "hr": _lazy("HR and payroll"),
    "finance": _lazy("Finance"),
    "supply_chain": _lazy("Supply chain"),
}


def plan_label(plan: Plan | None) -> str:
    """The plan's name in the language of the page (Chinese name, English name for English)."""
    if plan is None:
        return ""
    language = get_language() or ""
    return plan.name_en if language.startswith("en") and plan.name_en else plan.name


@dataclass(frozen=True)
class PlanChoice:
    plan: Plan
    label: str
    modules: list[str]
    unit_price: str
    is_current: bool


@dataclass(frozen=True)
class BillingOverview:
    firm: Firm
    subscription: Subscription | None
    plan: Plan | None
    plan_label: str
    customer: BillingCustomer | None
    seats_used: int
    seats_allowed: int | None
    trial_days_left: int | None
    is_paid: bool
    is_past_due: bool
    grace_days_left: int | None
    is_suspended: bool
    next_invoice_at: datetime | None
    next_invoice_amount: Decimal | None
    usage_this_period: int
    usage_included: int
    period_start: datetime
    invoices: list[BillingInvoice]
    plans: list[PlanChoice]
    test_mode: bool


SUSPENDED = (
    Subscription.Status.UNPAID,
    Subscription.Status.CANCELED,
    Subscription.Status.INCOMPLETE_EXPIRED,
)


def _months_before(moment: datetime, months: int) -> datetime:
    month = moment.month - months
    year = moment.year
    while month < 1:
        month += 12
        year -= 1
    day = min(moment.day, monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _period_start(sub: Subscription | None) -> datetime:
    now = timezone.now()
    if sub is not None and sub.current_period_end and sub.stripe_subscription_id:
        months = 12 if sub.interval == Subscription.Interval.YEAR else 1
        start = _months_before(sub.current_period_end, months)
        if start <= now:
            return start
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def billing_overview(*, firm: Firm) -> BillingOverview:
    """The firm's plan, status, seats, next invoice, usage this period and invoices."""
    sub = Subscription.objects.select_related("plan").filter(firm=firm).first()
    plan = sub.plan if sub is not None else None
    customer = BillingCustomer.objects.filter(firm=firm).first()
    now = timezone.now()
    seats_used = seats_in_use(firm=firm)
    status = sub.status if sub is not None else ""
    is_paid = bool(sub and sub.stripe_subscription_id)
    seats_allowed: int | None = None
    if plan is not None:
        seats_allowed = plan.seat_limit if plan.seat_limit else (sub.quantity if sub and is_paid else None)
    trial_days_left = None
    if sub is not None and status == Subscription.Status.TRIALING and sub.trial_end:
        trial_days_left = max(ceil((sub.trial_end - now).total_seconds() / 86400), 0)
    grace_days_left = None
    if sub is not None and status == Subscription.Status.PAST_DUE:
        since = sub.past_due_since or now
        grace_days_left = max(settings.BILLING_GRACE_DAYS - (now - since).days, 0)
    period_start = _period_start(sub)
    usage = (
        UsageRecord.objects.filter(firm=firm, occurred_at__gte=period_start).aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    next_at = None
    next_amount = None
    if sub is not None and plan is not None and is_paid and status not in SUSPENDED and not sub.cancel_at_period_end:
        next_at = sub.current_period_end
        price = plan.price_year if sub.interval == Subscription.Interval.YEAR else plan.price_month
        overage = max(usage - plan.included_units, 0) * plan.unit_price
        next_amount = (price * sub.quantity + overage).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    invoices = list(BillingInvoice.objects.filter(firm=firm).order_by("-created", "-id")[:24])
    plans = [
        PlanChoice(
            plan=choice,
            label=plan_label(choice),
            modules=[str(MODULE_LABELS.get(code, code)) for code in choice.modules],
            unit_price=f"{choice.unit_price.normalize():f}",
            is_current=bool(is_paid and plan is not None and choice.pk == plan.pk),
        )
        for choice in Plan.objects.filter(is_active=True, is_public=True, trial_days=0).order_by("position", "code")
    ]
    return BillingOverview(
        firm=firm,
        subscription=sub,
        plan=plan,
        plan_label=plan_label(plan),
        customer=customer,
        seats_used=seats_used,
        seats_allowed=seats_allowed,
        trial_days_left=trial_days_left,
        is_paid=is_paid,
        is_past_due=status == Subscription.Status.PAST_DUE,
        grace_days_left=grace_days_left,
        is_suspended=status in SUSPENDED,
        next_invoice_at=next_at,
        next_invoice_amount=next_amount,
        usage_this_period=int(usage),
        usage_included=plan.included_units if plan is not None else 0,
        period_start=period_start,
        invoices=invoices,
        plans=plans,
        test_mode=bool(settings.STRIPE_TEST_MODE),
    )
