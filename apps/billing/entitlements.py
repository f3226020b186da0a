"""Entitlements: what a firm may use now, read from a cached per-firm summary.

A request never calls Stripe and, once the summary is cached, never queries billing tables:
the summary is computed from the local mirror (Subscription, Plan, BillingCustomer) on a cache
miss and dropped whenever one of those rows changes (``signals``). It also expires on its own
at the next moment its answer could change (trial end, end of the grace period), so time alone
moves a firm from trial or grace to suspended.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core.errors import ValidationFailed

from .models import MODULES, BillingCustomer, Plan, SponsorshipMode, Subscription

if TYPE_CHECKING:
    from tenants.models import Firm

CACHE_VERSION = "v1"
# The summary is recomputed at least this often even if no change was signalled.
CACHE_SECONDS = 300
TRIAL_PLAN_CODE = "trial"
# Used only when the trial plan row is missing (e.g. after a test flushed the public tables).
DEFAULT_TRIAL_DAYS = 14
DEFAULT_TRIAL_SEATS = 5
DEFAULT_STORAGE_MB = 1024
# The trial banner appears this long before the trial ends.
TRIAL_WARNING = timedelta(days=3)

FULL = "full"
GRACE = "grace"
SUSPENDED = "suspended"

SUSPENDED_STATUSES = frozenset(
    {
        Subscription.Status.UNPAID,
        Subscription.Status.CANCELED,
        Subscription.Status.INCOMPLETE,
        Subscription.Status.INCOMPLETE_EXPIRED,
        Subscription.Status.PAUSED,
    }
)
# Statuses under which an invoice-paying firm's access follows its paid-through date.
INVOICE_DATED_STATUSES = frozenset(
    {Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE, Subscription.Status.UNPAID}
)


@dataclass(frozen=True)
class Entitlement:
    """What a firm may use now. ``access``: full, grace (full, with a banner) or suspended
    (read-only, export allowed). ``banner`` is a code the page shell turns into a sentence."""

    firm_id: int
    plan_code: str
    plan_name: str
    modules: frozenset[str]
    seat_limit: int | None
    storage_quota_mb: int
    status: str
    access: str
    paid_through: date | None
    grace_until: datetime | None
    trial_end: datetime | None
    banner: str
    plan_name_en: str = ""
    collection: str = BillingCustomer.Collection.AUTOMATIC

    @property
    def is_suspended(self) -> bool:
        return self.access == SUSPENDED

    def has_module(self, module: str) -> bool:
        return module in self.modules

    @property
    def display_plan_name(self) -> str:
        """The plan's name in the active language."""
        language = translation.get_language() or ""
        if language.startswith("en") and self.plan_name_en:
            return self.plan_name_en
        return self.plan_name


@dataclass(frozen=True)
class Access:
    access: str
    banner: str = ""
    grace_until: datetime | None = None
    # The next moment the answer may change by itself (bounds how long it is cached).
    changes_at: datetime | None = None


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def access_for(
    *,
    status: str,
    now: datetime,
    trial_end: datetime | None = None,
    past_due_since: datetime | None = None,
    paid_through: date | None = None,
    collection: str = BillingCustomer.Collection.AUTOMATIC,
    time_zone: str | None = None,
) -> Access:
    """Status decides access: trialing (until the trial ends) and active → full; past due →
    full with a banner for ``BILLING_GRACE_DAYS``, then suspended; unpaid, cancelled, expired,
    incomplete or paused → suspended. A firm paying by invoice has access while its paid-through
    date plus the grace period has not passed."""
    grace = timedelta(days=settings.BILLING_GRACE_DAYS)
    if status == Subscription.Status.TRIALING:
        if trial_end is None:
            return Access(FULL)
        if now >= trial_end:
            return Access(SUSPENDED, "trial_ended")
        if now >= trial_end - TRIAL_WARNING:
            return Access(FULL, "trial_ending", changes_at=trial_end)
        return Access(FULL, changes_at=trial_end - TRIAL_WARNING)
    if (
        collection == BillingCustomer.Collection.INVOICE
        and paid_through is not None
        and status in INVOICE_DATED_STATUSES
    ):
        zone = _zone(time_zone)
        today = now.astimezone(zone).date()

        def start_of(day: date) -> datetime:
            return datetime.combine(day, time.min, tzinfo=zone)

        grace_until = start_of(paid_through + grace + timedelta(days=1))
        if today <= paid_through:
            return Access(FULL, changes_at=start_of(paid_through + timedelta(days=1)))
        if today <= paid_through + grace:
            return Access(GRACE, "invoice_due", grace_until=grace_until, changes_at=grace_until)
        return Access(SUSPENDED, "suspended", grace_until=grace_until)
    if status == Subscription.Status.ACTIVE:
        return Access(FULL)
    if status == Subscription.Status.PAST_DUE:
        grace_until = (past_due_since or now) + grace
        if now < grace_until:
            return Access(GRACE, "past_due", grace_until=grace_until, changes_at=grace_until)
        return Access(SUSPENDED, "suspended", grace_until=grace_until)
    return Access(SUSPENDED, "suspended")


def _seat_limit(subscription: Subscription, collection: str) -> int | None:
    """The plan's seat limit; else, for seats bought up front (invoices, a park billed for the
    firm), the seats paid for. Card subscriptions follow the active users (synced with proration)."""
    if subscription.plan.seat_limit is not None:
        return int(subscription.plan.seat_limit)
    if collection == BillingCustomer.Collection.INVOICE or subscription.sponsorship_mode == SponsorshipMode.PARK_BILLED:
        return int(subscription.quantity)
    return None


def entitlement_compute(*, firm: Firm, now: datetime | None = None) -> tuple[Entitlement, Access]:
    """The firm's entitlement from the local mirror (one query; two without a subscription)."""
    now = now or timezone.now()
    subscription = Subscription.objects.select_related("plan", "firm__billing_customer").filter(firm_id=firm.pk).first()
    if subscription is None:
        return _entitlement_without_subscription(firm=firm, now=now)
    try:
        collection = str(subscription.firm.billing_customer.collection)
    except BillingCustomer.DoesNotExist:
        collection = BillingCustomer.Collection.AUTOMATIC
    access = access_for(
        status=subscription.status,
        now=now,
        trial_end=subscription.trial_end,
        past_due_since=subscription.past_due_since,
        paid_through=subscription.paid_through,
        collection=collection,
        time_zone=getattr(firm, "time_zone", None),
    )
    plan = subscription.plan
    entitlement = Entitlement(
        firm_id=firm.pk,
        plan_code=plan.code,
        plan_name=plan.name,
        plan_name_en=plan.name_en,
        modules=frozenset(m for m in plan.modules if m in MODULES),
        seat_limit=_seat_limit(subscription, collection),
        storage_quota_mb=plan.storage_quota_mb,
        status=subscription.status,
        access=access.access,
        paid_through=subscription.paid_through,
        grace_until=access.grace_until,
        trial_end=subscription.trial_end,
        banner=access.banner,
        collection=collection,
    )
    return entitlement, access


def _entitlement_without_subscription(*, firm: Firm, now: datetime) -> tuple[Entitlement, Access]:
    """No subscription row yet: the trial, counted from the firm's activation."""
    plan = Plan.objects.filter(code=TRIAL_PLAN_CODE).first()
    days = plan.trial_days if plan and plan.trial_days else DEFAULT_TRIAL_DAYS
    started = getattr(firm, "activated_at", None) or getattr(firm, "created_at", None) or now
    trial_end = started + timedelta(days=days)
    access = access_for(status=Subscription.Status.TRIALING, now=now, trial_end=trial_end)
    entitlement = Entitlement(
        firm_id=firm.pk,
        plan_code=plan.code if plan else TRIAL_PLAN_CODE,
        plan_name=plan.name if plan else _("Trial"),
        plan_name_en=plan.name_en if plan else "Trial",
        modules=frozenset(m for m in plan.modules if m in MODULES) if plan else frozenset(MODULES),
        seat_limit=(plan.seat_limit if plan else DEFAULT_TRIAL_SEATS),
        storage_quota_mb=plan.storage_quota_mb if plan else DEFAULT_STORAGE_MB,
        status=Subscription.Status.TRIALING,
        access=access.access,
        paid_through=None,
        grace_until=None,
        trial_end=trial_end,
        banner=access.banner,
    )
    return entitlement, access


def entitlement_cache_key(schema_name: str) -> str:
    return f"billing:entitlement:{schema_name}:{CACHE_VERSION}"


@contextmanager
def _cache_schema(schema_name: str) -> Iterator[None]:
    """Cache keys are prefixed with the current schema (django_tenants.cache.make_key): speak as
    the firm's schema so a firm request and a public-schema job or webhook use the same key."""
    if getattr(connection, "schema_name", None) == schema_name:
        yield
        return
    with schema_context(schema_name):
        yield


def entitlement_for(firm: Firm) -> Entitlement:
    """The firm's entitlement: one cache lookup; computed from the local mirror on a miss."""
    key = entitlement_cache_key(firm.schema_name)
    with _cache_schema(firm.schema_name):
        cached = cache.get(key)
    if isinstance(cached, Entitlement):
        return cached
    now = timezone.now()
    entitlement, access = entitlement_compute(firm=firm, now=now)
    seconds = CACHE_SECONDS
    if access.changes_at is not None:
        seconds = max(1, min(seconds, int((access.changes_at - now).total_seconds()) + 1))
    with _cache_schema(firm.schema_name):
        cache.set(key, entitlement, seconds)
    return entitlement


def _forget(schema_names: Iterable[str]) -> None:
    names = [name for name in schema_names if name and name != "public"]

    def forget() -> None:
        for name in names:
            with _cache_schema(name):
                cache.delete(entitlement_cache_key(name))

    # Now, so this transaction reads fresh answers; and at commit, so a request that read the
    # old rows meanwhile does not leave them cached.
    forget()
    transaction.on_commit(forget)


def entitlement_invalidate(firm_id: int, *, schema_name: str | None = None) -> None:
    """Drop the firm's cached entitlement (after its subscription, plan or payment changed)."""
    from tenants.models import Firm

    if schema_name is None:
        schema_name = Firm.objects.filter(pk=firm_id).values_list("schema_name", flat=True).first()
    if schema_name:
        _forget([schema_name])


def entitlement_invalidate_plan(*, plan: Plan) -> None:
    """Drop the cached entitlements of every firm on the plan (operators edited it)."""
    from tenants.models import Firm

    schemas = set(Subscription.objects.filter(plan_id=plan.pk).values_list("firm__schema_name", flat=True))
    if plan.code == TRIAL_PLAN_CODE:  # firms without a subscription row are on the trial
        schemas.update(
            Firm.objects.filter(subscription__isnull=True)
            .exclude(schema_name="public")
            .values_list("schema_name", flat=True)
        )
    _forget(schemas)


class SeatLimitReached(ValidationFailed):
    code = "seat_limit_reached"


def current_firm_id() -> int | None:
    """The firm whose schema this connection is in; None in the public schema."""
    from tenants.models import Firm

    schema_name = getattr(connection, "schema_name", "public")
    if schema_name == "public":
        return None
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Firm) and tenant.pk:
        return int(tenant.pk)
    return Firm.objects.filter(schema_name=schema_name).values_list("pk", flat=True).first()


def seats_check(*, firm_id: int | None = None, adding: int = 1, reserved: int = 0) -> None:
    """Refuse to add ``adding`` users when the firm's active users (plus ``reserved`` seats,
    e.g. open invitations) would go beyond the plan's seat limit. ``firm_id`` None: the firm
    of the current schema (nothing to check in the public schema)."""
    from tenants.models import Firm

    if firm_id is None:
        firm_id = current_firm_id()
        if firm_id is None:
            return
    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        return
    entitlement = entitlement_for(firm)
    if entitlement.seat_limit is None:
        return
    if transaction.get_connection().in_atomic_block:
        # Two people accepting at once must not both take the last seat.
        list(Subscription.objects.select_for_update().filter(firm_id=firm_id).values_list("pk", flat=True))
    with _cache_schema(firm.schema_name):
        active = get_user_model().objects.filter(is_active=True).count()
    if active + reserved + adding <= entitlement.seat_limit:
        return
    params: dict[str, Any] = {
        "plan": entitlement.display_plan_name,
        "limit": entitlement.seat_limit,
        "active": active,
    }
    if reserved:
        params["reserved"] = reserved
        message = (
            _(
                "The %(plan)s plan allows %(limit)s active users; this firm has %(active)s and "
                "%(reserved)s open invitations. Upgrade the plan on the billing page, or deactivate a user "
                "or withdraw an invitation first."
            )
            % params
        )
    else:
        message = (
            _(
                "The %(plan)s plan allows %(limit)s active users and this firm has %(active)s. "
                "Upgrade the plan on the billing page, or deactivate a user first."
            )
            % params
        )
    raise SeatLimitReached(message)


@transaction.atomic
def subscription_trial_ensure(*, firm_id: int) -> Subscription | None:
    """A new firm starts on the trial plan (no card) unless it has a subscription already."""
    existing = Subscription.objects.filter(firm_id=firm_id).first()
    if existing is not None:
        return existing
    plan = Plan.objects.filter(code=TRIAL_PLAN_CODE).first()
    if plan is None:
        return None  # entitlement_for treats a firm without a subscription as on trial
    subscription = Subscription.objects.create(
        firm_id=firm_id,
        plan=plan,
        status=Subscription.Status.TRIALING,
        quantity=plan.seat_limit or DEFAULT_TRIAL_SEATS,
        trial_end=timezone.now() + timedelta(days=plan.trial_days or DEFAULT_TRIAL_DAYS),
    )
    return subscription
