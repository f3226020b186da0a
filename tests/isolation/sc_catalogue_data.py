"""Firm A's catalogue records for the isolation sweep: every one shows the marker, and there is an
id for every URL parameter of the catalogue's pages and endpoints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django_tenants.utils import schema_context

from tenants.models import Firm

from .sweep import MARKER


def data(firm: Firm) -> dict[str, Any]:
    from apps.accounts.models import User
    from apps.supply_chain import catalogue, product_import

    with schema_context(firm.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        category = catalogue.category_create(actor=owner, name=f"{MARKER} category")
        supplier = catalogue.partner_create(actor=owner, name=f"{MARKER} supplier", is_supplier=True)
        product = catalogue.product_create(
            actor=owner,
            sku="ALPHA-SKU-1",
            name=f"{MARKER} product",
            category=category.pk,
            supplier=supplier.pk,
            sale_price="10",
        )
        catalogue.conversion_add(actor=owner, product_id=product.pk, unit=f"{MARKER[:5]}box", factor="12")
        warehouse = catalogue.warehouse_create(actor=owner, code="ALPHA-WH", name=f"{MARKER} warehouse")
        location = catalogue.location_create(
            actor=owner, warehouse_id=warehouse.pk, code="ALPHA-BIN", name=f"{MARKER} bin"
        )
        price_list = catalogue.price_list_create(actor=owner, name=f"{MARKER} prices")
        catalogue.price_item_set(
            actor=owner, price_list_id=price_list.pk, product_id=product.pk, price=Decimal("9"), min_quantity="5"
        )
        catalogue.partner_update(actor=owner, partner_id=supplier.pk, price_list=price_list.pk, is_customer=True)
        upload = product_import.product_import_upload(
            actor=owner,
            name="alpha-secret-products.csv",
            content=f"SKU,name,VAT rate\nALPHA-SKU-2,{MARKER} imported,0.2\n".encode(),
        )
        product_import.product_import_run(product_import_id=upload.pk)
    return {
        "product_id": product.pk,
        "partner_id": supplier.pk,
        "warehouse_id": warehouse.pk,
        "location_id": location.pk,
        "price_list_id": price_list.pk,
        "category_id": category.pk,
        "product_import_id": upload.pk,
    }
