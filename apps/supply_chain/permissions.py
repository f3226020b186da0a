"""Who may do what in the supply chain: one check used by pages and the API alike.

Owners and administrators have every right. Others need a supply chain role: a viewer reads
stock and reports; a purchaser buys (orders, bills, returns to suppliers) and keeps the
catalogue; sales sells (orders, invoices, customer returns, price lists); a warehouse keeper
moves stock (receipts, deliveries, transfers, stocktakes) and keeps the catalogue. Receipts may
also be booked by purchasers and deliveries by sales.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotAllowed

from .models import SupplyRole

VIEW = "view"
PURCHASE = "purchase"
SELL = "sell"
STOCK = "stock"
CATALOGUE = "catalogue"
SETTINGS = "settings"

RIGHTS: dict[str, set[str]] = {
    SupplyRole.Role.VIEWER: {VIEW},
    SupplyRole.Role.PURCHASER: {VIEW, PURCHASE, CATALOGUE},
    SupplyRole.Role.SALES: {VIEW, SELL},
    SupplyRole.Role.WAREHOUSE: {VIEW, STOCK, CATALOGUE},
}
ALL_RIGHTS = {VIEW, PURCHASE, SELL, STOCK, CATALOGUE, SETTINGS}


def supply_rights(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if getattr(user, "can_manage_users", False):
        return set(ALL_RIGHTS)
    cached = getattr(user, "_supply_rights", None)
    if cached is None:
        role = SupplyRole.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
        cached = set(RIGHTS.get(role, set())) if role else set()
        user._supply_rights = cached
    return set(cached)


def can(user: Any, *rights: str) -> bool:
    """True when the user has any of ``rights``."""
    return bool(supply_rights(user) & set(rights))


def require(user: Any, *rights: str) -> None:
    """Refuse unless the user has one of ``rights`` (the message names the first)."""
    if can(user, *rights):
        return
    messages = {
        VIEW: _("You have no access to the supply chain. Ask the firm's owner for a supply chain role."),
        PURCHASE: _("Only purchasers can do this."),
        SELL: _("Only sales staff can do this."),
        STOCK: _("Only warehouse keepers can move stock."),
        CATALOGUE: _("Only purchasers and warehouse keepers can change the catalogue."),
        SETTINGS: _("Only the firm's owner or an administrator changes supply chain settings."),
    }
    raise NotAllowed(messages[rights[0]], code="supply_chain_permission_denied")
