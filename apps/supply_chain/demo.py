"""Demo supply chain data for a firm (used by ``manage.py seed_demo``): two warehouses, a few
bearings and lubricants, a supplier and a customer, a purchase order received and billed, a
sales order partly delivered (its backorder open) and one product under its reorder point.
Runs once per firm: a firm that has products already is left alone. Everything goes through
the services, so stock, valuation and finance postings are what a person would have made."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from core.validators import credit_code_check_character

from . import catalogue, purchasing, sales
from .models import Product

PRODUCTS = [
    # sku, name, unit, purchase price, sale price, reorder point, reorder quantity, cost method
    ("BRG-6204", "深沟球轴承 6204", "个", "6.50", "18.00", "50", "200", "average"),
    ("BRG-6305", "深沟球轴承 6305", "个", "11.20", "29.00", "30", "100", "average"),
    ("BRG-32210", "圆锥滚子轴承 32210", "个", "38.00", "86.00", "10", "40", "fifo"),
    ("GRS-01", "润滑脂 1kg", "桶", "65.00", "120.00", "20", "60", "average"),
    ("SEAL-40", "油封 40x62x8", "个", "1.80", "5.50", "200", "1000", "average"),
]


def _with_check(code17: str) -> str:
    return code17 + credit_code_check_character(code17)


def seed_demo_supply_chain(*, owner: Any) -> bool:
    if Product.objects.exists():
        return False
    today = timezone.localdate()
    main = catalogue.warehouse_create(actor=owner, code="CD01", name="成都主仓", address="成都市高新区科园南路 8 号")
    catalogue.warehouse_create(actor=owner, code="CD02", name="龙泉驿分仓", address="成都市龙泉驿区车城大道 99 号")
    bearings = catalogue.category_create(actor=owner, name="轴承")
    consumables = catalogue.category_create(actor=owner, name="辅料")
    supplier = catalogue.partner_create(
        actor=owner,
        name="无锡精密轴承有限公司",
        is_supplier=True,
        tax_id=_with_check("91320200MA1MXY8Q4"),
        contact_name="钱进",
        phone="0510-88886666",
    )
    customer = catalogue.partner_create(
        actor=owner,
        name="成都锦城精密制造有限公司",
        is_customer=True,
        tax_id=_with_check("91510100MA61R0XA3"),
        contact_name="周杰",
        phone="13800001111",
    )
    products = []
    for sku, name, unit, cost, price, point, quantity, method in PRODUCTS:
        products.append(
            catalogue.product_create(
                actor=owner,
                sku=sku,
                name=name,
                unit=unit,
                category=(bearings if sku.startswith("BRG") else consumables).pk,
                supplier=supplier.pk,
                purchase_price=cost,
                sale_price=price,
                reorder_point=point,
                reorder_quantity=quantity,
                cost_method=method,
            )
        )
    catalogue.conversion_add(actor=owner, product_id=products[0].pk, unit="箱", factor="100")
    order = purchasing.purchase_order_create(
        actor=owner,
        supplier=supplier.pk,
        warehouse=main.pk,
        ordered_on=today - timedelta(days=10),
        lines=[
            purchasing.OrderLineInput(products[0].pk, "3", unit="箱", unit_price="640"),
            purchasing.OrderLineInput(products[1].pk, "120"),
            purchasing.OrderLineInput(products[2].pk, "20"),
            purchasing.OrderLineInput(products[3].pk, "30"),
        ],
    )
    purchasing.purchase_order_confirm(actor=owner, order=order)
    lines = list(order.lines.order_by("line_no"))
    purchasing.receipt_create(
        actor=owner,
        order=order,
        day=today - timedelta(days=7),
        lines=[(line.pk, line.quantity, "") for line in lines],
    )
    purchasing.supplier_bill_create(
        actor=owner,
        order=order,
        day=today - timedelta(days=6),
        supplier_reference="32000123 / 00456789",
        lines=[(line.pk, line.quantity, line.unit_price) for line in lines],
    )
    sale = sales.sales_order_create(
        actor=owner,
        customer_id=customer.pk,
        warehouse_id=main.pk,
        ordered_on=today - timedelta(days=3),
        lines=[sales.SalesLineInput(products[0].pk, "120"), sales.SalesLineInput(products[3].pk, "10")],
    )
    sales.sales_order_confirm(actor=owner, sales_order_id=sale.pk)
    first = sale.lines.order_by("line_no")[0]
    sales.delivery_create(
        actor=owner, sales_order_id=sale.pk, day=today - timedelta(days=1), lines=[(first.pk, "80", "")]
    )
    return True
