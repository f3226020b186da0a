"""Reads of the park console (public host): a park's firms, its dashboard figures and its activity
log.

Only public-schema tables are read here — the firm's platform record, its subscription and plan,
the ``FirmActivity`` counts written by the ``parks.collect_activity`` job, and the platform audit
log — never a firm's schema. Activity figures appear only for a firm that shares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import Case, Count, DateTimeField, F, Q, QuerySet, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from core.errors import NotFound
from tenants.models import Firm

from .industries import INDUSTRY_CHOICES, INDUSTRY_CODES
from .models import Park

# The business modules whose use the activity job counts (the plans' module codes).
MODULES = ("crm", "hr", "finance", "supply_chain")
MODULE_LABELS = {
    "crm": gettext_lazy("CRM"),
    "hr": gettext_lazy("HR and payroll"),
    "finance": gettext_lazy("Finance"),
    "supply_chain": gettext_lazy("Supply chain"),
}
NO_PLAN = "none"
NO_INDUSTRY = "none"
SHARING_CHOICES = [
    ("shared", gettext_lazy("Shares activity figures")),
    ("not_shared", gettext_lazy("Does not share activity figures")),
]
SORT_CHOICES = [
    ("name", pgettext_lazy("park", "Name")),
    ("-joined", gettext_lazy("Newest members first")),
    ("joined", gettext_lazy("Oldest members first")),
    ("-activity", gettext_lazy("Most recent activity first")),
    ("status", gettext_lazy("Status")),
    ("plan", gettext_lazy("Plan")),
]
# What a park sees of a firm's activity: only when the firm shares it (the job stores no figures
# otherwise, but a firm that just turned sharing off must not be sortable by its old figures).
SHARED = Q(share_activity=True, activity__shared=True)
_SORTS: dict[str, tuple[Any, ...]] = {
    "name": ("name", "pk"),
    "-joined": (F("park_joined_at").desc(nulls_last=True), "-pk"),
    "joined": (F("park_joined_at").asc(nulls_last=True), "pk"),
    "-activity": (F("visible_activity").desc(nulls_last=True), "name", "pk"),
    "status": ("status", "name", "pk"),
    "plan": (F("subscription__plan__position").asc(nulls_last=True), "name", "pk"),
}
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class FirmFilters:
    """The filters of the firm list, cleaned: an unknown value means "any"."""

    q: str = ""
    status: str = ""
    plan: str = ""
    industry: str = ""
    sharing: str = ""
    sort: str = "name"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> FirmFilters:
        def value(name: str) -> str:
            raw = params.get(name) or ""
            return str(raw).replace("\x00", "").strip()

        status = value("status")
        industry = value("industry")
        sharing = value("sharing")
        sort = value("sort")
        return cls(
            q=value("q")[:100],
            status=status if status in Firm.Status.values else "",
            plan=value("plan")[:20],
            industry=industry if industry in INDUSTRY_CODES or industry == NO_INDUSTRY else "",
            sharing=sharing if sharing in dict(SHARING_CHOICES) else "",
            sort=sort if sort in _SORTS else "name",
        )

    def as_params(self) -> dict[str, str]:
        """The filters that are set, as query parameters (the CSV link, the audit record)."""
        values = {"q": self.q, "status": self.status, "plan": self.plan, "industry": self.industry}
        values |= {"sharing": self.sharing, "sort": "" if self.sort == "name" else self.sort}
        return {name: text for name, text in values.items() if text}

    @property
    def any_set(self) -> bool:
        return bool(self.q or self.status or self.plan or self.industry or self.sharing)


@dataclass(frozen=True)
class FirmRow:
    """One firm as the park sees it: platform facts, and activity figures only when shared."""

    id: int
    name: str
    slug: str
    status: str
    status_label: str
    industry: str
    industry_label: str
    plan: str
    plan_label: str
    subscription_status: str
    subscription_status_label: str
    sponsored: bool
    seats: int | None
    # "shared", "not_shared" (the firm's choice) or "pending" (shared, not collected yet).
    sharing: str
    users_total: int | None
    users_active_30d: int | None
    records: dict[str, int] | None
    modules_in_use: list[str]
    module_labels: list[str]
    last_activity_at: datetime | None
    collected_at: datetime | None
    joined_at: datetime | None

    @property
    def shared(self) -> bool:
        return self.sharing == "shared"

    @property
    def record_rows(self) -> list[tuple[str, str, int]]:
        """(module, label, records) in the modules' order, for the firm's page."""
        records = self.records or {}
        return [(code, str(MODULE_LABELS[code]), int(records.get(code, 0))) for code in MODULES]


def plan_name(name: str, name_en: str) -> str:
    """A plan's name in the language of the page (as billing shows it)."""
    return name_en if (get_language() or "").startswith("en") and name_en else name


def firm_row(firm: Firm) -> FirmRow:
    """The console's view of a firm loaded by ``console_firm_list`` (no further query)."""
    subscription = getattr(firm, "subscription", None)
    activity = getattr(firm, "activity", None)
    if not firm.share_activity:
        sharing = "not_shared"
    elif activity is None or not activity.shared:
        sharing = "pending"
    else:
        sharing = "shared"
    shared = sharing == "shared"
    modules = [code for code in MODULES if code in (activity.modules_in_use or [])] if shared and activity else []
    records = {code: int((activity.records or {}).get(code, 0)) for code in MODULES} if shared and activity else None
    return FirmRow(
        id=firm.pk,
        name=firm.name,
        slug=firm.slug,
        status=firm.status,
        status_label=str(firm.get_status_display()),
        industry=firm.industry,
        industry_label=str(firm.get_industry_display()) if firm.industry else "",
        plan=subscription.plan.code if subscription is not None else "",
        plan_label=plan_name(subscription.plan.name, subscription.plan.name_en) if subscription is not None else "",
        subscription_status=subscription.status if subscription is not None else "",
        subscription_status_label=str(subscription.get_status_display()) if subscription is not None else "",
        sponsored=bool(subscription is not None and subscription.sponsored_by_id == firm.park_id),
        seats=subscription.quantity if subscription is not None else None,
        sharing=sharing,
        users_total=activity.users_total if shared and activity else None,
        users_active_30d=activity.users_active_30d if shared and activity else None,
        records=records,
        modules_in_use=modules,
        module_labels=[str(MODULE_LABELS[code]) for code in modules],
        last_activity_at=activity.last_activity_at if shared and activity else None,
        collected_at=activity.collected_at if activity is not None else None,
        joined_at=firm.park_joined_at,
    )


def _park_firms(park: Park) -> QuerySet[Firm]:
    return (
        Firm.objects.filter(park=park)
        .select_related("subscription__plan", "activity")
        .annotate(
            visible_activity=Case(
                When(SHARED, then=F("activity__last_activity_at")), default=None, output_field=DateTimeField()
            )
        )
    )


def console_firm_list(*, park: Park, filters: FirmFilters | None = None) -> QuerySet[Firm]:
    """The park's firms (and only them), filtered, searched and sorted as the console asks."""
    filters = filters or FirmFilters()
    firms = _park_firms(park)
    if filters.q:
        firms = firms.filter(Q(name__icontains=filters.q) | Q(slug__icontains=filters.q.lower()))
    if filters.status:
        firms = firms.filter(status=filters.status)
    if filters.plan == NO_PLAN:
        firms = firms.filter(subscription__isnull=True)
    elif filters.plan:
        firms = firms.filter(subscription__plan__code=filters.plan)
    if filters.industry == NO_INDUSTRY:
        firms = firms.filter(industry="")
    elif filters.industry:
        firms = firms.filter(industry=filters.industry)
    if filters.sharing:
        firms = firms.filter(share_activity=filters.sharing == "shared")
    return firms.order_by(*_SORTS[filters.sort])


def console_firm_get(*, park: Park, firm_id: int) -> FirmRow:
    """One firm of the park; a firm of another park (or none) is not found."""
    firm = _park_firms(park).filter(pk=firm_id).first()
    if firm is None:
        raise NotFound(_("No such firm in this park."))
    return firm_row(firm)


def console_plan_choices(*, park: Park) -> list[tuple[str, str]]:
    """The plans the park's firms are on (the plan filter's options), then "no plan"."""
    plans = (
        Firm.objects.filter(park=park, subscription__isnull=False)
        .values_list("subscription__plan__code", "subscription__plan__name", "subscription__plan__name_en")
        .order_by("subscription__plan__position", "subscription__plan__code")
        .distinct()
    )
    choices = [(code, plan_name(name, name_en)) for code, name, name_en in plans]
    return [*choices, (NO_PLAN, _("No plan"))]


def industry_choices() -> list[tuple[str, str]]:
    return [*((code, str(label)) for code, label in INDUSTRY_CHOICES), (NO_INDUSTRY, _("Industry not given"))]


# --- dashboard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One bar of a dashboard chart: what, its label and how many."""

    key: str
    label: str
    value: int | Decimal


@dataclass(frozen=True)
class SponsoredCost:
    currency: str
    firms: int
    monthly: Decimal
    by_month: list[Figure]


@dataclass(frozen=True)
class Dashboard:
    firms_total: int
    firms_active: int
    firms_sharing: int
    by_status: list[Figure]
    by_industry: list[Figure]
    module_adoption: list[Figure]
    growth: list[Figure]
    sponsored: SponsoredCost
    months: list[date] = field(default_factory=list)


def _month_starts(today: date, count: int) -> list[date]:
    months: list[date] = []
    year, month = today.year, today.month
    for _step in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def console_dashboard(*, park: Park) -> Dashboard:
    """The park's figures: firms by status and industry, module adoption among firms that share
    their activity, firms joined per month (last 12 months) and what the sponsorship costs."""
    firms = Firm.objects.filter(park=park)
    statuses = dict(firms.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [
        Figure(code, str(label), int(statuses.get(code, 0)))
        for code, label in Firm.Status.choices
        if statuses.get(code)
    ]
    industries = dict(firms.values_list("industry").annotate(n=Count("pk")).order_by())
    industry_labels = dict(INDUSTRY_CHOICES)
    by_industry = sorted(
        (
            Figure(code or NO_INDUSTRY, str(industry_labels.get(code, _("Industry not given"))), int(n))
            for code, n in industries.items()
        ),
        key=lambda item: (-int(item.value), item.key == NO_INDUSTRY, item.key),
    )
    adoption = firms.filter(SHARED).aggregate(
        sharing=Count("pk"),
        **{code: Count("pk", filter=Q(activity__modules_in_use__contains=[code])) for code in MODULES},
    )
    module_adoption = [Figure(code, str(MODULE_LABELS[code]), int(adoption[code])) for code in MODULES]

    today = timezone.localdate()
    months = _month_starts(today, MONTHS_SHOWN)
    start = datetime(months[0].year, months[0].month, 1, tzinfo=timezone.get_current_timezone())
    joined = dict(
        firms.filter(park_joined_at__gte=start)
        .annotate(month=TruncMonth("park_joined_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    joined_by_month = {timezone.localtime(moment).date().replace(day=1): n for moment, n in joined.items()}
    growth = [Figure(f"{m:%Y-%m}", f"{m:%Y-%m}", int(joined_by_month.get(m, 0))) for m in months]

    return Dashboard(
        firms_total=sum(statuses.values()),
        firms_active=int(statuses.get(Firm.Status.ACTIVE, 0)),
        firms_sharing=int(adoption["sharing"]),
        by_status=by_status,
        by_industry=by_industry,
        module_adoption=module_adoption,
        growth=growth,
        sponsored=_sponsored(park),
        months=months,
    )


def _sponsored(park: Park) -> SponsoredCost:
    from apps.billing.interface import park_sponsored_cost

    cost = park_sponsored_cost(park_id=park.pk)
    months = cast("list[tuple[str, Decimal]]", cost.get("by_month") or [])
    return SponsoredCost(
        currency=str(cost.get("currency") or "CNY"),
        firms=int(cast("int", cost.get("firms") or 0)),
        monthly=Decimal(cast("Decimal", cost.get("monthly") or 0)),
        by_month=[Figure(str(month), str(month), Decimal(amount)) for month, amount in months],
    )


# --- activity log --------------------------------------------------------------------------


def console_audit_list(*, park: Park, action: str = "") -> QuerySet[AuditEvent]:
    """What was done for this park (who, when, what), newest first: the platform's audit events
    that name the park (``access.park_audit`` records ``park_id`` with each)."""
    events = AuditEvent.objects.filter(changes__park_id=park.pk).order_by("-at", "-id")
    action = (action or "").replace("\x00", "").strip()[:64]
    if action:
        events = events.filter(action=action)
    return events


def console_audit_actions(*, park: Park) -> list[str]:
    """The actions found in the park's log (the action filter's options)."""
    return list(
        AuditEvent.objects.filter(changes__park_id=park.pk)
        .values_list("action", flat=True)
        .order_by("action")
        .distinct()
    )


def console_firm_events(*, park: Park, firm_id: int, limit: int = 20) -> list[AuditEvent]:
    """The park's recorded actions about one of its firms, newest first."""
    events = console_audit_list(park=park).filter(
        Q(object_type="tenants.firm", object_id=str(firm_id)) | Q(changes__firm_id=firm_id)
    )
    return list(events[:limit])


def sponsored_firms(*, park: Park) -> list[Any]:
    """The firms the park sponsors now, with plan, seats and monthly cost (billing's public mirror)."""
    from apps.billing.interface import park_sponsored_firms

    return sorted(park_sponsored_firms(park_id=park.pk), key=lambda info: info.firm_name)
