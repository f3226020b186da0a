"""Jobs of the supply chain. Each enters the firm's schema before doing anything, and logs with it."""

from __future__ import annotations

import logging

from django_tenants.utils import schema_context
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.task(queue="imports", name="supply_chain.import_products")
def import_products(*, schema_name: str, product_import_id: int) -> None:
    """Import an uploaded CSV/XLSX file of products (apps/supply_chain/product_import.py)."""
    from .product_import import product_import_run

    with schema_context(schema_name):
        job = product_import_run(product_import_id=product_import_id)
        logger.info("product import %s ended %s", job.pk, job.status, extra={"schema": schema_name})
