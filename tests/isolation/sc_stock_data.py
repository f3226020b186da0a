"""Firm A's stock documents for the isolation sweep: a transfer and a stocktake whose visible
text carries the marker, and the ids of the URL parameters of the stock pages and API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.supply_chain import stock
from apps.supply_chain.ledger import MoveInput, moves_record
from apps.supply_chain.models import Location, Product, Warehouse
from tenants.models import Firm
from tests.isolation.sweep import MARKER


def data(firm: Firm) -> dict[str, Any]:
    with schema_context(firm.schema_name):
        owner = User.objects.filter(role=User.Role.OWNER).first()
        day = date(2026, 11, 2)
        places = []
        for code in ("ISO-A", "ISO-B"):
            warehouse = Warehouse.objects.create(code=code, name=f"{MARKER} {code}")
            places.append(Location.objects.create(warehouse=warehouse, code="STOCK", is_default=True))
        product = Product.objects.create(sku="ISO-STOCK-1", name=f"{MARKER} stock product")
        moves_record(
            actor=owner,
            moves=[MoveInput(product.pk, places[0].pk, Decimal(5), "receipt", day, unit_cost=Decimal(3))],
        )
        transfer = stock.transfer_create(
            actor=owner,
            from_location=places[0],
            to_location=places[1],
            day=day,
            lines=[(product.pk, Decimal(1), "")],
            note=MARKER,
        )
        stocktake = stock.stocktake_start(actor=owner, warehouse=places[0].warehouse_id, day=day, note=MARKER)
        return {"transfer_id": transfer.pk, "stocktake_id": stocktake.pk}
