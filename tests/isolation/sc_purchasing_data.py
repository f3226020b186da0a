"""Firm A's purchasing records for the isolation sweep: an order with a receipt, a bill and a
return, every one carrying the marker, and the ids the purchasing routes take."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.supply_chain.models import Location, Partner, Product, Warehouse
from tenants.models import Firm

from .sweep import MARKER


def data(firm: Firm) -> dict[str, Any]:
    from apps.supply_chain import purchasing

    day = date(2026, 11, 2)
    with schema_context(firm.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        supplier = Partner.objects.create(name=f"{MARKER} 供应商", is_supplier=True)
        warehouse = Warehouse.objects.create(code="SWEEP-PO", name=f"{MARKER} 仓库")
        Location.objects.create(warehouse=warehouse, code="STOCK", name="库位", is_default=True)
        product = Product.objects.create(
            sku="SWEEP-PO-1",
            name=f"{MARKER} 螺栓",
            purchase_price=Decimal("2.50"),
            reorder_point=Decimal("100"),
            reorder_quantity=Decimal("50"),
            supplier=supplier,
        )
        order = purchasing.purchase_order_create(
            actor=owner,
            supplier=supplier.pk,
            warehouse=warehouse.pk,
            ordered_on=day,
            note=MARKER,
            lines=[{"product": product.pk, "quantity": "20"}],
        )
        purchasing.purchase_order_confirm(actor=owner, order=order.pk)
        line = order.lines.get()
        receipt = purchasing.receipt_create(
            actor=owner, order=order.pk, day=day, lines=[(line.pk, "10", "")], note=MARKER
        )
        bill = purchasing.supplier_bill_create(
            actor=owner,
            order=order.pk,
            day=day,
            supplier_reference="ALPHA-SECRET",
            lines=[(line.pk, "12", "2.80")],
            note=MARKER,
        )
        purchase_return = purchasing.purchase_return_create(
            actor=owner, order=order.pk, day=day, reason=MARKER, lines=[(receipt.lines.get().pk, "1")]
        )
        return {
            "purchase_order_id": order.pk,
            "receipt_id": receipt.pk,
            "bill_id": bill.pk,
            "purchase_return_id": purchase_return.pk,
        }
