"""Jobs of HR. Each takes the schema name and enters it before doing anything."""

from __future__ import annotations

import logging

from django_tenants.utils import schema_context
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.task(queue="imports", name="hr.import_employees")
def import_employees(*, schema_name: str, import_id: int) -> None:
    from .imports import employee_import_run

    with schema_context(schema_name):
        employee_import_run(import_id=import_id)


@app.periodic(cron="7 8 * * *")
@app.task(queue="default", name="hr.contract_reminders")
def contract_reminders(timestamp: int) -> None:
    """Every morning, each firm's HR hears once about contracts ending within 30 days."""
    from tenants.models import Firm

    from .contracts import contract_reminders_send

    for schema in Firm.objects.filter(status=Firm.Status.ACTIVE).values_list("schema_name", flat=True):
        with schema_context(schema):
            sent = contract_reminders_send()
            if sent:
                logger.info("reminded HR of %s contracts", sent, extra={"schema": schema})
