"""Firm A's sales records for the isolation sweep: a confirmed order partly delivered, invoiced
and partly returned, every one carrying the marker, and the ids the sales routes take."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.supply_chain.ledger import MoveInput, moves_record
from apps.supply_chain.models import Location, Partner, Product, Warehouse
from tenants.models import Firm

from .sweep import MARKER


def data(firm: Firm) -> dict[str, Any]:
    from apps.supply_chain import sales

    day = date(2026, 11, 2)
    with schema_context(firm.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        customer = Partner.objects.create(name=f"{MARKER} 客户", is_customer=True, address=f"{MARKER} 地址")
        warehouse = Warehouse.objects.create(code="SWEEP-SO", name=f"{MARKER} 仓库")
        location = Location.objects.create(warehouse=warehouse, code="STOCK", name="库位", is_default=True)
        product = Product.objects.create(sku="SWEEP-SO-1", name=f"{MARKER} 轴承", sale_price=Decimal("12"))
        moves_record(
            actor=owner,
            moves=[MoveInput(product.pk, location.pk, Decimal(10), "receipt", day, unit_cost=Decimal("4"))],
        )
        order = sales.sales_order_create(
            actor=owner,
            customer_id=customer.pk,
            warehouse_id=warehouse.pk,
            ordered_on=day,
            note=f"{MARKER} 备注",
            lines=[{"product": product.pk, "quantity": "6"}],
        )
        sales.sales_order_confirm(actor=owner, sales_order_id=order.pk)
        line = order.lines.get()
        delivery = sales.delivery_create(
            actor=owner, sales_order_id=order.pk, day=day, lines=[(line.pk, "4", "")], note=f"{MARKER} 出库"
        )
        invoice = sales.customer_invoice_create(actor=owner, sales_order_id=order.pk, day=day, note=f"{MARKER} 发票")
        sales_return = sales.sales_return_create(
            actor=owner,
            sales_order_id=order.pk,
            day=day,
            reason=f"{MARKER} 退货",
            lines=[(delivery.lines.get().pk, "1")],
        )
        return {
            "sales_order_id": order.pk,
            "delivery_id": delivery.pk,
            "customer_invoice_id": invoice.pk,
            "sales_return_id": sales_return.pk,
        }
