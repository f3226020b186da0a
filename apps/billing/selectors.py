"""Billing reads for the firm's billing page: everything comes from the local mirror, never
from Stripe (Stripe is called only when a person clicks a button)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from math import ceil

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy

from tenants.models import Firm

from .models import (
    BillingCustomer,
    BillingInvoice,
    ParkSponsorship,
    Plan,
    SponsoredFirm,
    SponsorshipMode,
    Subscription,
    UsageRecord,
)
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
    # The park sponsoring the firm ("" if none), and how (SponsorshipMode, "" if none).
    sponsor_name: str = ""
    sponsorship_mode: str = ""

    @property
    def is_park_billed(self) -> bool:
        return self.sponsorship_mode == SponsorshipMode.PARK_BILLED

    @property
    def has_park_coupon(self) -> bool:
        return self.sponsorship_mode == SponsorshipMode.COUPON


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


def _park_label(park: object) -> str:
    """The park's name in the language of the page."""
    if park is None:
        return ""
    name_en = str(getattr(park, "name_en", "") or "")
    language = get_language() or ""
    return name_en if language.startswith("en") and name_en else str(getattr(park, "name", ""))


def billing_overview(*, firm: Firm) -> BillingOverview:
    """The firm's plan, status, seats, next invoice, usage this period and invoices."""
    sub = Subscription.objects.select_related("plan", "sponsored_by").filter(firm=firm).first()
    plan = sub.plan if sub is not None else None
    customer = BillingCustomer.objects.filter(firm=firm).first()
    now = timezone.now()
    seats_used = seats_in_use(firm=firm)
    status = sub.status if sub is not None else ""
    is_paid = bool(sub and sub.stripe_subscription_id)
    seats_allowed: int | None = None
    park_billed = bool(sub and sub.sponsorship_mode == SponsorshipMode.PARK_BILLED)
    if plan is not None:
        bought = sub is not None and (is_paid or park_billed)
        seats_allowed = plan.seat_limit if plan.seat_limit else (sub.quantity if sub is not None and bought else None)
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
        sponsor_name=_park_label(sub.sponsored_by) if sub is not None and sub.sponsorship_mode else "",
        sponsorship_mode=sub.sponsorship_mode if sub is not None else "",
    )


# ---------------------------------------------------------------------------------------------
# Park sponsorship figures (the park console): public-schema billing rows only, never a firm's
# schema, never Stripe.

CENT = Decimal("0.01")
# Firms whose own subscription is paid for (a coupon saves them money only then).
PAYING = (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)


@dataclass(frozen=True)
class SponsoredFirmInfo:
    """A firm the park sponsors now: how, on which plan, for how many seats, since when, and
    what it costs the park a month (park_billed: seats times price; coupon: the discount estimated
    on the firm's own subscription)."""

    firm_id: int
    firm_name: str
    mode: str
    plan_code: str
    plan_name: str
    seats: int
    monthly: Decimal
    since: datetime


def _coupon_monthly(sponsorship: ParkSponsorship, sub: Subscription | None) -> Decimal:
    """What the park's coupon takes off the firm's own subscription a month (an estimate from
    the mirrored coupon terms; nothing while the firm does not pay)."""
    if sub is None or not sub.stripe_subscription_id or sub.status not in PAYING:
        return Decimal(0)
    plan = sub.plan
    if sub.interval == Subscription.Interval.YEAR:
        base = plan.price_year * sub.quantity / 12
    else:
        base = plan.price_month * sub.quantity
    if sponsorship.coupon_percent_off is not None:
        off = base * sponsorship.coupon_percent_off / 100
    elif sponsorship.coupon_amount_off is not None:
        amount = sponsorship.coupon_amount_off
        off = min(amount / 12 if sub.interval == Subscription.Interval.YEAR else amount, base)
    else:
        off = Decimal(0)
    return off.quantize(CENT, rounding=ROUND_HALF_UP)


def park_sponsored_firms(*, park_id: int) -> list[SponsoredFirmInfo]:
    """The firms the park sponsors now, by name."""
    rows = list(
        SponsoredFirm.objects.filter(sponsorship__park_id=park_id, ended_at__isnull=True)
        .select_related("firm", "sponsorship__plan")
        .order_by("firm__name", "pk")
    )
    coupon_firms = [row.firm_id for row in rows if row.mode == SponsorshipMode.COUPON]
    subs: dict[int, Subscription] = {}
    if coupon_firms:
        own = Subscription.objects.filter(firm_id__in=coupon_firms).select_related("plan")
        subs = {sub.firm_id: sub for sub in own}
    infos = []
    for row in rows:
        plan = row.sponsorship.plan
        if row.mode == SponsorshipMode.PARK_BILLED:
            monthly, seats = row.monthly_cost, row.seats
        else:
            sub = subs.get(row.firm_id)
            monthly = _coupon_monthly(row.sponsorship, sub)
            seats = sub.quantity if sub is not None else row.seats
            plan = sub.plan if sub is not None else plan
        infos.append(
            SponsoredFirmInfo(
                firm_id=row.firm_id,
                firm_name=row.firm.name,
                mode=row.mode,
                plan_code=plan.code,
                plan_name=plan_label(plan),
                seats=seats,
                monthly=monthly,
                since=row.started_at,
            )
        )
    return infos


def _month_starts(now: datetime, count: int) -> list[datetime]:
    """The first moments (local time) of the last ``count`` months, oldest first, and the next."""
    local = timezone.localtime(now)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    for back in range(count - 1, -2, -1):
        month = first.month - back
        year = first.year
        while month < 1:
            month += 12
            year -= 1
        while month > 12:
            month -= 12
            year += 1
        starts.append(first.replace(year=year, month=month))
    return starts


def park_sponsored_cost(*, park_id: int, now: datetime | None = None) -> dict[str, object]:
    """The park's sponsorship cost: firms sponsored now, the monthly cost now and the cost of
    each of the last 12 months (oldest first). park_billed firms cost their seats times the plan's
    monthly price, pro rata for the part of a month they were sponsored (a firm still sponsored
    counts to the month's end: the park is billed in advance); coupon firms cost the discounts
    on their paid invoices while sponsored."""
    now = now or timezone.now()
    starts = _month_starts(now, 12)
    window_start, window_end = starts[0], starts[-1]
    rows = list(
        SponsoredFirm.objects.filter(sponsorship__park_id=park_id, started_at__lt=window_end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=window_start))
        .select_related("sponsorship")
    )
    totals = [Decimal(0)] * 12
    for row in rows:
        if row.mode != SponsorshipMode.PARK_BILLED:
            continue
        for index in range(12):
            month_start, month_end = starts[index], starts[index + 1]
            until = month_end if row.ended_at is None else min(row.ended_at, month_end)
            overlap = (until - max(row.started_at, month_start)).total_seconds()
            if overlap > 0:
                share = Decimal(overlap) / Decimal((month_end - month_start).total_seconds())
                totals[index] += row.monthly_cost * share
    coupon_rows = [row for row in rows if row.mode == SponsorshipMode.COUPON]
    if coupon_rows:
        invoices = BillingInvoice.objects.filter(
            firm_id__in={row.firm_id for row in coupon_rows},
            status="paid",
            discount_amount__gt=0,
            created__gte=window_start,
            created__lt=window_end,
        ).values_list("firm_id", "created", "discount_amount")
        for firm_id, created, discount in invoices:
            covered = any(
                row.firm_id == firm_id and row.started_at <= created < (row.ended_at or window_end)
                for row in coupon_rows
            )
            if not covered:
                continue
            for index in range(12):
                if starts[index] <= created < starts[index + 1]:
                    totals[index] += discount
                    break
    current = park_sponsored_firms(park_id=park_id)
    monthly = sum((info.monthly for info in current), Decimal(0))
    return {
        "currency": "CNY",
        "firms": len(current),
        "monthly": monthly.quantize(CENT, rounding=ROUND_HALF_UP),
        "by_month": [
            (f"{starts[index]:%Y-%m}", totals[index].quantize(CENT, rounding=ROUND_HALF_UP)) for index in range(12)
        ],
    }
