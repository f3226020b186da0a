"""Jobs of the CRM. Each enters the firm's schema before doing anything, and logs with it."""

from __future__ import annotations

import logging

from django_tenants.utils import schema_context
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.periodic(cron="23 2 * * *")
@app.task(queue="default", name="crm.return_stale_leads")
def return_stale_leads(timestamp: int) -> None:
    """Every night, each firm's leads that nobody worked on for its number of days go back to
    the public pool (公海)."""
    from tenants.models import Firm

    from .services import leads_return_stale

    for schema in Firm.objects.filter(status=Firm.Status.ACTIVE).values_list("schema_name", flat=True):
        with schema_context(schema):
            returned = leads_return_stale()
            if returned:
                logger.info("returned %s stale leads to the pool", returned, extra={"schema": schema})


@app.task(queue="imports", name="crm.import_records")
def import_records(*, schema_name: str, import_id: int) -> None:
    """Import a confirmed CSV/XLSX file of contacts, accounts or leads (apps/crm/imports.py)."""
    from .imports import import_run

    with schema_context(schema_name):
        job = import_run(import_id=import_id)
        logger.info("crm import %s ended %s", job.pk, job.status, extra={"schema": schema_name})


@app.periodic(cron="*/5 * * * *")
@app.task(queue="default", name="crm.activity_reminders")
def activity_reminders(timestamp: int) -> None:
    """Every five minutes, people hear once about activities whose reminder time has come."""
    from tenants.models import Firm

    from .documents import activity_reminders_send

    for schema in Firm.objects.filter(status=Firm.Status.ACTIVE).values_list("schema_name", flat=True):
        with schema_context(schema):
            sent = activity_reminders_send()
            if sent:
                logger.info("sent %s activity reminders", sent, extra={"schema": schema})
