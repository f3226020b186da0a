"""Provisioning jobs. Each takes the firm id and schema name, and calls one service."""

from __future__ import annotations

import logging

from django.utils import timezone
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


# A waiting owner outranks the pool: provisioning jobs are fetched before top-ups.
PROVISIONING_PRIORITY = 10


@app.task(queue="provisioning", name="tenants.provision_firm", priority=PROVISIONING_PRIORITY)
def provision_firm(*, firm_id: int, schema_name: str) -> None:
    from .services import firm_provision

    logger.info("provisioning %s", schema_name, extra={"schema": schema_name})
    firm_provision(firm_id=firm_id)


@app.periodic(cron="* * * * *")
@app.task(queue="provisioning", name="tenants.provisioning_sweep", queueing_lock="provisioning_sweep")
def provisioning_sweep(timestamp: int) -> None:
    """Firms left in provisioning (a worker died mid-job) get a fresh job."""
    from datetime import timedelta

    from .models import Firm
    from .services import firm_provisioning_enqueue

    stale = Firm.objects.filter(status=Firm.Status.PROVISIONING, updated_at__lt=timezone.now() - timedelta(minutes=2))
    for firm in stale:
        if firm_provisioning_enqueue(firm=firm):
            logger.info("re-queued provisioning of %s", firm.schema_name, extra={"schema": firm.schema_name})


@app.periodic(cron="*/5 * * * *")
@app.task(queue="pool", name="tenants.top_up_spare_pool", queueing_lock="top_up_spare_pool")
def top_up_spare_pool(timestamp: int | None = None) -> None:
    """Keep the warm pool full (after each claim, and every five minutes).

    One spare per run, then the job queues itself again: a provisioning job (which has the
    higher priority) waits at most for one spare's migration, not for the whole pool's.
    """
    from .pool import pool_is_short, pool_top_up, pool_top_up_enqueue

    pool_top_up(at_most=1)
    if pool_is_short():
        pool_top_up_enqueue()


@app.periodic(cron="17 3 * * *")
@app.task(queue="provisioning", name="tenants.purge_closed_firms", queueing_lock="purge_closed_firms")
def purge_closed_firms(timestamp: int | None = None) -> None:
    """Every night: delete the data of firms whose 30-day grace period has ended; end old redirects."""
    from .lifecycle import firm_purge_due

    for schema in firm_purge_due():
        logger.info("purged %s", schema, extra={"schema": schema})


@app.periodic(cron="41 2 * * *")
@app.task(queue="maintenance", name="tenants.backup_all_firms", queueing_lock="backup_all_firms")
def backup_all_firms(timestamp: int | None = None) -> None:
    """Every night: an archive of every live firm, then drop archives past the retention period."""
    from .backup import backups_prune, firm_backup
    from .models import Firm

    live = Firm.objects.filter(
        status__in=[Firm.Status.ACTIVE, Firm.Status.SUSPENDED, Firm.Status.CLOSED], purged_at__isnull=True
    ).exclude(schema_name="public")
    for firm in live:
        try:
            firm_backup(slug=firm.slug)
        except Exception:
            logger.exception("nightly backup of %s failed", firm.schema_name, extra={"schema": firm.schema_name})
    backups_prune()
