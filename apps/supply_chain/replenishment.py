"""Replenishment (补货): products whose stock, with what is already on order, is below their
reorder point become purchase suggestions, grouped by their default supplier, that turn into
draft purchase orders in one step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import ValidationFailed

from . import permissions, purchasing
from .ledger import ZERO
from .models import Partner, Product, PurchaseOrder, PurchaseOrderLine, StockLevel


@dataclass(frozen=True)
class Suggestion:
    product: Product
    on_hand: Decimal
    on_order: Decimal
    projected: Decimal
    reorder_point: Decimal
    quantity: Decimal  # in the product's base unit


@dataclass
class SupplierSuggestions:
    supplier: Partner | None  # None: products without a default supplier
    lines: list[Suggestion] = field(default_factory=list)


def _open_quantities(product_ids: list[int]) -> dict[int, Decimal]:
    """Base units still expected on confirmed, partly received orders, per product."""
    outstanding = ExpressionWrapper(
        (F("quantity") - F("received_quantity")) * F("factor"),
        output_field=DecimalField(max_digits=30, decimal_places=10),
    )
    rows = (
        PurchaseOrderLine.objects.filter(
            product_id__in=product_ids, order__status__in=purchasing.OPEN_STATUSES, received_quantity__lt=F("quantity")
        )
        .values("product_id")
        .annotate(total=Sum(outstanding))
    )
    return {row["product_id"]: row["total"] or ZERO for row in rows}


def suggestions(*, actor: Any) -> list[SupplierSuggestions]:
    """Active products under their reorder point once stock on hand and open orders are counted;
    each suggests max(reorder quantity, reorder point - projected). Suppliers by name, the
    products without a supplier last."""
    permissions.require(actor, permissions.VIEW)
    products = list(
        Product.objects.filter(is_active=True, reorder_point__gt=0).select_related("supplier").order_by("sku")
    )
    ids = [product.pk for product in products]
    on_hand = {
        row["product_id"]: row["total"] or ZERO
        for row in StockLevel.objects.filter(product_id__in=ids).values("product_id").annotate(total=Sum("quantity"))
    }
    on_order = _open_quantities(ids)
    groups: dict[int | None, SupplierSuggestions] = {}
    for product in products:
        held, expected = on_hand.get(product.pk, ZERO), on_order.get(product.pk, ZERO)
        projected = held + expected
        if projected >= product.reorder_point:
            continue
        quantity = max(product.reorder_quantity, product.reorder_point - projected).quantize(Decimal("0.0001"))
        supplier = product.supplier if product.supplier and product.supplier.is_active else None
        key = supplier.pk if supplier else None
        groups.setdefault(key, SupplierSuggestions(supplier)).lines.append(
            Suggestion(product, held, expected, projected, product.reorder_point, quantity)
        )
    return sorted(
        groups.values(), key=lambda group: (group.supplier is None, group.supplier.name if group.supplier else "")
    )


@transaction.atomic
def replenishment_create_orders(*, actor: Any, supplier_ids: Sequence[Any], warehouse: Any) -> list[PurchaseOrder]:
    """One draft purchase order per chosen supplier, of everything suggested from them, at the
    products' purchase prices."""
    permissions.require(actor, permissions.PURCHASE)
    chosen = {pk for value in supplier_ids or [] if (pk := purchasing.to_id(value)) is not None}
    if not chosen:
        raise ValidationFailed(
            _("Choose at least one supplier."), fields={"supplier_ids": [_("Choose at least one supplier.")]}
        )
    found = [(group.supplier, group) for group in suggestions(actor=actor) if group.supplier is not None]
    groups = {supplier.pk: group for supplier, group in found}
    names = {supplier.pk: supplier.name for supplier, _group in found}
    missing = sorted(chosen - set(groups))
    if missing:
        raise ValidationFailed(
            _("Nothing is to be ordered from some of the chosen suppliers."),
            fields={"supplier_ids": [_("No suggestion for supplier %(id)s.") % {"id": pk} for pk in missing]},
        )
    orders = []
    for supplier_id in sorted(chosen, key=lambda pk: names[pk]):
        group = groups[supplier_id]
        orders.append(
            purchasing.purchase_order_create(
                actor=actor,
                supplier=supplier_id,
                warehouse=warehouse,
                lines=[
                    purchasing.OrderLineInput(product=line.product.pk, quantity=line.quantity) for line in group.lines
                ],
                note=_("From the replenishment suggestions"),
            )
        )
    audit_record(
        action="supply_chain.replenishment_ordered",
        actor=actor,
        object_type="supply_chain.purchaseorder",
        object_id=",".join(str(order.pk) for order in orders),
        orders=[order.number for order in orders],
    )
    return orders
