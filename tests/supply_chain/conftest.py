"""Supply chain tests run inside firm A's schema, as its owner unless a test says otherwise.

``make`` builds catalogue rows directly (the catalogue's own services are tested on their own);
stock always enters through the ledger (``receive`` / ``issue``), never by writing moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.models import User
from apps.supply_chain.ledger import MoveInput, Recorded, moves_record
from apps.supply_chain.models import Location, Partner, Product, StockMove, SupplyRole, Warehouse
from tenants.models import Firm

D = Decimal


@pytest.fixture
def owner(in_firm_a: Firm) -> User:
    return User.objects.get(role=User.Role.OWNER)


@pytest.fixture
def member_factory(in_firm_a: Firm) -> Any:
    def make(email: str, role: str | None = None) -> User:
        user = User.objects.create_user(email, "Member-Pass-2026", full_name=email.split("@")[0], language="en")
        if role:
            SupplyRole.objects.create(user=user, role=role)
        return user

    return make


@dataclass
class Make:
    """Catalogue rows for tests, with sensible defaults."""

    counter: int = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def warehouse(self, code: str = "", name: str = "主仓库") -> Warehouse:
        warehouse = Warehouse.objects.create(code=code or f"WH{self._next()}", name=name)
        Location.objects.create(warehouse=warehouse, code="STOCK", name="库位", is_default=True)
        return warehouse

    def location(self, warehouse: Warehouse, code: str) -> Location:
        return Location.objects.create(warehouse=warehouse, code=code, name=code)

    def product(self, sku: str = "", *, cost_method: str = "average", **fields: Any) -> Product:
        number = self._next()
        fields.setdefault("name", f"产品 {number}")
        return Product.objects.create(sku=sku or f"SKU-{number:04d}", cost_method=cost_method, **fields)

    def partner(self, name: str = "", *, supplier: bool = True, customer: bool = True, **fields: Any) -> Partner:
        return Partner.objects.create(
            name=name or f"伙伴 {self._next()}", is_supplier=supplier, is_customer=customer, **fields
        )


@pytest.fixture
def make(in_firm_a: Firm) -> Make:
    return Make()


def default_location(warehouse: Warehouse) -> Location:
    return Location.objects.get(warehouse=warehouse, is_default=True)


def receive(
    actor: Any, product: Product, warehouse: Warehouse, quantity: Any, cost: Any, day: date, **extra: Any
) -> StockMove:
    recorded = moves_record(
        actor=actor,
        moves=[
            MoveInput(
                product.pk,
                default_location(warehouse).pk,
                D(str(quantity)),
                extra.pop("kind", StockMove.Kind.RECEIPT),
                day,
                unit_cost=D(str(cost)),
                **extra,
            )
        ],
    )
    return recorded.moves[0]


def issue(actor: Any, product: Product, warehouse: Warehouse, quantity: Any, day: date, **extra: Any) -> Recorded:
    return moves_record(
        actor=actor,
        moves=[
            MoveInput(
                product.pk,
                default_location(warehouse).pk,
                -D(str(quantity)),
                extra.pop("kind", StockMove.Kind.DELIVERY),
                day,
                **extra,
            )
        ],
    )
