"""Jobs of the accounts app. Each takes the schema name and enters it before doing anything."""

from __future__ import annotations

import logging

from django_tenants.utils import schema_context
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.task(queue="exports", name="accounts.build_export")
def build_export(*, schema_name: str, export_id: int) -> None:
    from .exports import export_build

    with schema_context(schema_name):
        logger.info("building export %s", export_id, extra={"schema": schema_name})
        export_build(export_id=export_id)
