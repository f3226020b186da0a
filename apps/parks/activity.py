"""The activity figures park dashboards read: counted inside each firm's schema by a job, stored
in the public schema (``FirmActivity``).

Only counts and one timestamp leave a firm: how many users (and how many signed in lately), how
many records each module holds, which modules are in use and when something last happened. A firm
that does not share its activity (``Firm.share_activity`` off) is not even entered: its row says
so and holds no figures. One firm failing does not stop the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context
from procrastinate.contrib.django import app

from .models import FirmActivity

logger = logging.getLogger(__name__)

ACTIVE_DAYS = 30
# The main tables of each module (app label, model): their rows are the module's "records", and
# their newest created/updated time counts as activity.
MODULE_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "crm": (("crm", "Lead"), ("crm", "Account"), ("crm", "Opportunity")),
    "hr": (("hr", "Employee"),),
    "finance": (("finance", "Voucher"), ("finance", "Invoice")),
    "supply_chain": (("supply_chain", "PurchaseOrder"), ("supply_chain", "SalesOrder"), ("supply_chain", "StockMove")),
}


@dataclass(frozen=True)
class ActivityFigures:
    users_total: int = 0
    users_active_30d: int = 0
    records: dict[str, int] = field(default_factory=dict)
    modules_in_use: list[str] = field(default_factory=list)
    last_activity_at: datetime | None = None


@dataclass(frozen=True)
class CollectReport:
    collected: list[int]
    failed: list[int]


def _latest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def activity_count_here() -> ActivityFigures:
    """Count the firm's users and records in the schema the connection is in (a firm's)."""
    if connection.schema_name == get_public_schema_name():  # type: ignore[attr-defined]
        raise RuntimeError("activity is counted inside a firm's schema, not the public one")
    user_model = apps.get_model("accounts", "User")
    since = timezone.now() - timedelta(days=ACTIVE_DAYS)
    users = user_model.objects.filter(is_active=True).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(last_login__gte=since)), last_login=Max("last_login")
    )
    records: dict[str, int] = {}
    latest: datetime | None = users["last_login"]
    for module, tables in MODULE_TABLES.items():
        records[module] = 0
        for app_label, model_name in tables:
            model = apps.get_model(app_label, model_name)
            stamps = [name for name in ("updated_at", "created_at") if _has_field(model, name)]
            figures = model.objects.aggregate(n=Count("pk"), **{name: Max(name) for name in stamps})
            records[module] += int(figures["n"])
            latest = _latest(latest, *(figures[name] for name in stamps))
    return ActivityFigures(
        users_total=int(users["total"]),
        users_active_30d=int(users["active"]),
        records=records,
        modules_in_use=[module for module in MODULE_TABLES if records[module] > 0],
        last_activity_at=latest,
    )


def _has_field(model: type, name: str) -> bool:
    try:
        model._meta.get_field(name)  # type: ignore[attr-defined]
    except Exception:
        return False
    return True


@transaction.atomic
def firm_activity_store(*, firm_id: int, figures: ActivityFigures | None) -> FirmActivity:
    """Write a firm's figures in the public schema; ``None``: the firm does not share them, so
    the row keeps no figures at all."""
    from tenants.models import Firm

    # Re-read under a lock: if the firm turned sharing off while its figures were counted, the
    # figures are dropped rather than stored.
    sharing = Firm.objects.select_for_update().filter(pk=firm_id).values_list("share_activity", flat=True).first()
    if not sharing:
        figures = None
    shared = figures is not None
    figures = figures or ActivityFigures()
    activity, _created = FirmActivity.objects.update_or_create(
        firm_id=firm_id,
        defaults={
            "shared": shared,
            "users_total": figures.users_total,
            "users_active_30d": figures.users_active_30d,
            "records": figures.records,
            "modules_in_use": figures.modules_in_use,
            "last_activity_at": figures.last_activity_at,
            "collected_at": timezone.now(),
        },
    )
    return activity


def firm_activity_collect(*, firm_id: int) -> FirmActivity:
    """Count one firm's activity inside its schema and store the counts in the public schema;
    a firm that opted out is not entered and gets a row without figures."""
    from tenants.models import Firm

    with schema_context(get_public_schema_name()):
        firm = Firm.objects.only("pk", "schema_name", "share_activity").get(pk=firm_id)
        figures: ActivityFigures | None = None
        if firm.share_activity:
            with schema_context(firm.schema_name):
                figures = activity_count_here()
        activity = firm_activity_store(firm_id=firm.pk, figures=figures)
    logger.info(
        "activity collected (%s)", "shared" if figures is not None else "not shared", extra={"schema": firm.schema_name}
    )
    return activity


def activity_collect_all() -> CollectReport:
    """Collect every active firm's activity; a firm that fails is logged and skipped."""
    from tenants.models import Firm

    collected: list[int] = []
    failed: list[int] = []
    with schema_context(get_public_schema_name()):
        firms = list(Firm.objects.filter(status=Firm.Status.ACTIVE).order_by("pk").values_list("pk", "schema_name"))
    for firm_id, schema_name in firms:
        try:
            # A savepoint per firm: a failed statement of one firm leaves the others' work intact.
            with transaction.atomic():
                firm_activity_collect(firm_id=firm_id)
        except Exception:
            failed.append(firm_id)
            logger.exception("activity of firm %s could not be collected", firm_id, extra={"schema": schema_name})
        else:
            collected.append(firm_id)
    return CollectReport(collected=collected, failed=failed)


@app.periodic(cron="41 * * * *")
@app.task(queue="default", name="parks.collect_activity")
def collect_activity(timestamp: int | None = None, firm_id: int | None = None) -> None:
    """Every hour, the activity figures of every active firm; ``firm_id``: that firm only (for
    instance right after it changed what it shares)."""
    if firm_id is not None:
        firm_activity_collect(firm_id=firm_id)
        return
    report = activity_collect_all()
    logger.info("activity collected for %s firms, %s failed", len(report.collected), len(report.failed))
