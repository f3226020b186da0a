"""The catalogue: categories, products and their units, suppliers and customers, warehouses and
their locations, price lists, and the supply chain settings and roles.

Writes check every field before they touch the database and run in one transaction, so bad
input leaves nothing behind; all field errors come back at once. Ids the firm does not have
are not found (404). Other areas call ``product_list``, ``price_for`` and
``partner_from_crm_account``; their signatures stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.finance import interface as finance
from core.errors import Conflict, NotFound, ValidationFailed
from core.validators import credit_code_valid

from . import permissions
from .ledger import settings_row
from .models import (
    Category,
    Location,
    Partner,
    PriceList,
    PriceListItem,
    Product,
    ProductValuation,
    StockLevel,
    StockMove,
    SupplyChainSettings,
    SupplyRole,
    UnitConversion,
    Warehouse,
)

ZERO = Decimal("0")
# 增值税 rates a product may carry by default: 13%, 9%, 6% (general taxpayers), 3% and 1%
# (small-scale taxpayers) and 0% (exports, exempt goods).
VAT_RATES: tuple[Decimal, ...] = tuple(Decimal(rate) for rate in ("0.13", "0.09", "0.06", "0.03", "0.01", "0"))
DEFAULT_VAT_RATE = Decimal("0.13")
MAX_QUANTITY = Decimal("1e14")  # 18 digits, 4 of them decimals
MAX_PRICE = Decimal("1e14")
MAX_FACTOR = Decimal("1e8")  # 14 digits, 6 of them decimals
MAX_PAYMENT_DAYS = 365
DEFAULT_LOCATION_CODE = "STOCK"
DEFAULT_UNIT = str(Product._meta.get_field("unit").get_default())

M = TypeVar("M", bound=models.Model)


def rate_label(rate: Decimal) -> str:
    """0.13 → ``13%``; 0 → ``0%``."""
    return f"{(rate * 100).normalize():f}%"


# --- checking input ------------------------------------------------------------------------


class _Check:
    """Collects every field's problem, so a form shows them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, value: Any, *, limit: int, required: bool = False) -> str:
        text = str(value if value is not None else "").strip()
        if required and not text:
            self.fail(name, _("Fill in this field."))
        elif len(text) > limit:
            self.fail(name, _("At most %(limit)s characters.") % {"limit": limit})
        return text

    def decimal(
        self,
        name: str,
        value: Any,
        *,
        places: int,
        default: Decimal = ZERO,
        minimum: Decimal = ZERO,
        positive: bool = False,
        below: Decimal = MAX_QUANTITY,
    ) -> Decimal:
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            self.fail(name, _("Enter a number."))
            return default
        if not number.is_finite():
            self.fail(name, _("Enter a number."))
            return default
        if positive and number <= 0:
            self.fail(name, _("Enter a number greater than zero."))
        elif number < minimum:
            self.fail(name, _("Enter a number of at least %(minimum)s.") % {"minimum": minimum})
        elif abs(number) >= below:
            self.fail(name, _("This number is too large."))
        elif number != number.quantize(Decimal(1).scaleb(-places)):
            self.fail(name, _("At most %(places)s decimal places.") % {"places": places})
        return number

    def choice(self, name: str, value: Any, choices: Any, *, default: str) -> str:
        text = str(value or "").strip() or default
        if text not in choices:
            self.fail(name, _("Choose a value from the list."))
        return text

    def boolean(self, value: Any, *, default: bool) -> bool:
        if value is None or value == "":
            return default
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on", "y"}
        return bool(value)

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(_("Check the fields marked."), fields=self.errors)


def _pk(value: Any) -> int | None:
    """An id from a form or a client; None for blank or nonsense."""
    if isinstance(value, models.Model):
        return int(value.pk)
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if pk > 0 else None


def _find(queryset: QuerySet[M], value: Any) -> M | None:
    """The row with id ``value``; None for blank, nonsense or unknown ids."""
    number = _pk(value)
    return queryset.filter(pk=number).first() if number is not None else None


def _get(queryset: QuerySet[M], pk: Any, message: str, *, for_update: bool = False) -> M:
    number = _pk(pk)
    if for_update:
        queryset = queryset.select_for_update()
    found = queryset.filter(pk=number).first() if number is not None else None
    if found is None:
        raise NotFound(message)
    return found


def _saved(obj: M, *, field: str, message: str, update_fields: list[str] | None = None) -> M:
    """Save; a unique row someone else saved meanwhile becomes a field error, not a 500."""
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields)
    except IntegrityError:
        raise ValidationFailed(message, code="duplicate", fields={field: [message]}) from None
    return obj


def _changed(obj: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``values`` that differ from ``obj``'s, as {name: [old, new]} for the log."""
    changes: dict[str, Any] = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [str(old), str(value)]
    return changes


# --- categories ----------------------------------------------------------------------------


def category_list(*, actor: Any, q: str = "") -> QuerySet[Category]:
    permissions.require(actor, permissions.VIEW)
    categories = Category.objects.select_related("parent").annotate(product_count=models.Count("products"))
    if q.strip():
        categories = categories.filter(name__icontains=q.strip()[:100])
    return categories.order_by("name", "id")


def category_get(*, actor: Any, category_id: Any) -> Category:
    permissions.require(actor, permissions.VIEW)
    return _get(Category.objects.select_related("parent"), category_id, _("No such category."))


def _category_values(check: _Check, data: Mapping[str, Any], category: Category | None) -> dict[str, Any]:
    values: dict[str, Any] = {"name": check.text("name", data.get("name"), limit=100, required=True)}
    duplicate = Category.objects.filter(name=values["name"])
    if category is not None:
        duplicate = duplicate.exclude(pk=category.pk)
    if values["name"] and duplicate.exists():
        check.fail("name", _("A category with this name already exists."))
    parent = None
    if data.get("parent") not in (None, ""):
        parent = _find(Category.objects.all(), data.get("parent"))
        if parent is None:
            check.fail("parent", _("No such category."))
        elif category is not None:
            # No category may end up inside itself.
            node: Category | None = parent
            while node is not None:
                if node.pk == category.pk:
                    check.fail("parent", _("A category cannot be inside itself."))
                    break
                node = node.parent
    values["parent"] = parent
    return values


@transaction.atomic
def category_create(*, actor: Any, name: str, parent: Any = None) -> Category:
    """A product category (optionally inside another); names are unique."""
    permissions.require(actor, permissions.CATALOGUE)
    check = _Check()
    values = _category_values(check, {"name": name, "parent": parent}, None)
    check.done()
    category = _saved(Category(**values), field="name", message=_("A category with this name already exists."))
    audit_record(action="supply_chain.category_created", actor=actor, obj=category, name=category.name)
    return category


@transaction.atomic
def category_update(*, actor: Any, category_id: Any, name: str, parent: Any = None) -> Category:
    permissions.require(actor, permissions.CATALOGUE)
    category = _get(Category.objects.all(), category_id, _("No such category."), for_update=True)
    check = _Check()
    values = _category_values(check, {"name": name, "parent": parent}, category)
    check.done()
    changes = _changed(category, values)
    for field_name, value in values.items():
        setattr(category, field_name, value)
    _saved(category, field="name", message=_("A category with this name already exists."))
    audit_record(action="supply_chain.category_updated", actor=actor, obj=category, changes=changes)
    return category


@transaction.atomic
def category_delete(*, actor: Any, category_id: Any) -> None:
    """Only an empty category goes: no products, no categories inside it."""
    permissions.require(actor, permissions.CATALOGUE)
    category = _get(Category.objects.all(), category_id, _("No such category."), for_update=True)
    if category.products.exists() or category.children.exists():
        raise Conflict(
            _("This category still holds products or other categories; move them first."), code="category_in_use"
        )
    audit_record(action="supply_chain.category_deleted", actor=actor, obj=category, name=category.name)
    category.delete()


# --- products ------------------------------------------------------------------------------


def product_list(*, actor: Any, q: str = "", category: Any = None, active: bool | None = True) -> QuerySet[Product]:
    """Products by SKU; ``q`` looks in the SKU, name and barcode; ``category`` is a category (or
    its id) and takes the categories inside it too; ``active`` None means all."""
    permissions.require(actor, permissions.VIEW)
    products = Product.objects.select_related("category", "supplier")
    if active is not None:
        products = products.filter(is_active=active)
    text = (q or "").strip()[:100]
    if text:
        products = products.filter(Q(sku__icontains=text) | Q(name__icontains=text) | Q(barcode=text))
    if category not in (None, ""):
        root = _pk(category)
        ids = _category_tree(root) if root is not None else set()
        products = products.filter(category_id__in=ids)
    return products.order_by("sku", "id")


def _category_tree(root: int) -> set[int]:
    """``root`` and every category inside it."""
    found = {root} if Category.objects.filter(pk=root).exists() else set()
    frontier = set(found)
    while frontier:
        frontier = set(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def product_get(*, actor: Any, product_id: Any) -> Product:
    permissions.require(actor, permissions.VIEW)
    return _get(Product.objects.select_related("category", "supplier"), product_id, _("No such product."))


def product_has_moves(product: Product) -> bool:
    return StockMove.objects.filter(product_id=product.pk).exists()


PRODUCT_FIELDS = (
    "sku",
    "name",
    "unit",
    "category",
    "barcode",
    "vat_rate",
    "cost_method",
    "tracking",
    "reorder_point",
    "reorder_quantity",
    "supplier",
    "purchase_price",
    "sale_price",
)


def _vat_rate(check: _Check, value: Any, default: Decimal) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        rate = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        check.fail("vat_rate", _("Enter a VAT rate such as 0.13 or 13%."))
        return default
    if percent or rate >= 1:
        rate = rate / 100  # "13%" and "13" both mean 13 percent
    if rate not in VAT_RATES:
        check.fail(
            "vat_rate",
            _("Choose one of the VAT rates: %(rates)s.") % {"rates": ", ".join(rate_label(r) for r in VAT_RATES)},
        )
        return default
    return next(r for r in VAT_RATES if r == rate)


def _product_values(check: _Check, data: Mapping[str, Any], product: Product | None) -> dict[str, Any]:
    """The fields of ``data`` checked; for an update, absent fields keep the product's values."""

    def given(name: str) -> bool:
        return product is None or name in data

    values: dict[str, Any] = {}
    if given("sku"):
        values["sku"] = check.text("sku", data.get("sku"), limit=40, required=True)
        if values["sku"]:
            duplicate = Product.objects.filter(sku=values["sku"])
            if product is not None:
                duplicate = duplicate.exclude(pk=product.pk)
            if duplicate.exists():
                check.fail("sku", _("Another product has this SKU."))
    if given("name"):
        values["name"] = check.text("name", data.get("name"), limit=200, required=True)
    if given("unit"):
        values["unit"] = check.text("unit", data.get("unit") or DEFAULT_UNIT, limit=20, required=True)
    if given("barcode"):
        values["barcode"] = check.text("barcode", data.get("barcode"), limit=32)
        if values["barcode"]:
            duplicate = Product.objects.filter(barcode=values["barcode"])
            if product is not None:
                duplicate = duplicate.exclude(pk=product.pk)
            if duplicate.exists():
                check.fail("barcode", _("Another product has this barcode."))
    if given("category"):
        values["category"] = None
        if data.get("category") not in (None, ""):
            values["category"] = _find(Category.objects.all(), data.get("category"))
            if values["category"] is None:
                check.fail("category", _("No such category."))
    if given("supplier"):
        values["supplier"] = None
        if data.get("supplier") not in (None, ""):
            values["supplier"] = _find(Partner.objects.filter(is_supplier=True), data.get("supplier"))
            if values["supplier"] is None:
                check.fail("supplier", _("No such supplier."))
    if given("vat_rate"):
        values["vat_rate"] = _vat_rate(check, data.get("vat_rate"), DEFAULT_VAT_RATE)
    if given("cost_method"):
        values["cost_method"] = check.choice(
            "cost_method", data.get("cost_method"), Product.CostMethod.values, default=Product.CostMethod.AVERAGE
        )
    if given("tracking"):
        values["tracking"] = check.choice(
            "tracking", data.get("tracking"), Product.Tracking.values, default=Product.Tracking.NONE
        )
    for name in ("reorder_point", "reorder_quantity"):
        if given(name):
            values[name] = check.decimal(name, data.get(name), places=4)
    for name in ("purchase_price", "sale_price"):
        if given(name):
            values[name] = check.decimal(name, data.get(name), places=4, below=MAX_PRICE)
    return values


@transaction.atomic
def product_create(*, actor: Any, sku: str, name: str, **fields: Any) -> Product:
    """A product: SKU unique (spaces around it dropped), barcode unique when given, VAT at one of
    the Chinese rates."""
    permissions.require(actor, permissions.CATALOGUE)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    check = _Check()
    values = _product_values(check, {"sku": sku, "name": name, **fields}, None)
    check.done()
    product = _saved(Product(**values), field="sku", message=_("Another product has this SKU or barcode."))
    audit_record(action="supply_chain.product_created", actor=actor, obj=product, sku=product.sku)
    return product


@transaction.atomic
def product_update(*, actor: Any, product_id: Any, **fields: Any) -> Product:
    """Change a product. Its cost method and tracking are fixed once stock has moved: the ledger
    already valued (and tracked) those moves one way."""
    permissions.require(actor, permissions.CATALOGUE)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    product = _get(Product.objects.all(), product_id, _("No such product."), for_update=True)
    check = _Check()
    values = _product_values(check, fields, product)
    check.done()
    moved = None

    def has_moves() -> bool:
        nonlocal moved
        if moved is None:
            moved = product_has_moves(product)
        return moved

    if values.get("cost_method", product.cost_method) != product.cost_method and has_moves():
        message = _("The cost method cannot change once the product has stock moves.")
        raise Conflict(message, code="product_has_moves", fields={"cost_method": [message]})
    if values.get("tracking", product.tracking) != product.tracking and has_moves():
        message = _("Tracking cannot change once the product has stock moves.")
        raise Conflict(message, code="product_has_moves", fields={"tracking": [message]})
    if values.get("unit", product.unit) != product.unit and has_moves():
        # Every move, level and layer is counted in the base unit: renaming it would reinterpret them.
        message = _("The base unit cannot change once the product has stock moves.")
        raise Conflict(message, code="product_has_moves", fields={"unit": [message]})
    if "unit" in values and values["unit"] != product.unit and product.conversions.filter(unit=values["unit"]).exists():
        message = _("This unit is already one of the product's other units.")
        raise ValidationFailed(message, fields={"unit": [message]})
    changes = _changed(product, values)
    for field_name, value in values.items():
        setattr(product, field_name, value)
    _saved(product, field="sku", message=_("Another product has this SKU or barcode."))
    if changes:
        audit_record(action="supply_chain.product_updated", actor=actor, obj=product, changes=changes)
    return product


@transaction.atomic
def product_deactivate(*, actor: Any, product_id: Any) -> Product:
    """An inactive product stays in the ledger and old documents but is not offered on new ones."""
    permissions.require(actor, permissions.CATALOGUE)
    product = _get(Product.objects.all(), product_id, _("No such product."), for_update=True)
    if product.is_active:
        product.is_active = False
        product.save(update_fields=["is_active"])
        audit_record(action="supply_chain.product_deactivated", actor=actor, obj=product)
    return product


@transaction.atomic
def product_reactivate(*, actor: Any, product_id: Any) -> Product:
    permissions.require(actor, permissions.CATALOGUE)
    product = _get(Product.objects.all(), product_id, _("No such product."), for_update=True)
    if not product.is_active:
        product.is_active = True
        product.save(update_fields=["is_active"])
        audit_record(action="supply_chain.product_reactivated", actor=actor, obj=product)
    return product


@transaction.atomic
def conversion_add(*, actor: Any, product_id: Any, unit: str, factor: Any) -> UnitConversion:
    """Another unit for the product: one ``unit`` is ``factor`` (> 0) base units; not the base
    unit itself, each unit once."""
    permissions.require(actor, permissions.CATALOGUE)
    product = _get(Product.objects.all(), product_id, _("No such product."), for_update=True)
    check = _Check()
    name = check.text("unit", unit, limit=20, required=True)
    number = check.decimal("factor", factor, places=6, positive=True, below=MAX_FACTOR)
    if name and name == product.unit:
        check.fail("unit", _("This is the product's base unit."))
    elif name and product.conversions.filter(unit=name).exists():
        check.fail("unit", _("The product already has this unit."))
    if factor in (None, ""):
        check.fail("factor", _("Fill in this field."))
    check.done()
    conversion = _saved(
        UnitConversion(product=product, unit=name, factor=number),
        field="unit",
        message=_("The product already has this unit."),
    )
    audit_record(action="supply_chain.unit_added", actor=actor, obj=product, unit=name, factor=str(conversion.factor))
    return conversion


@transaction.atomic
def conversion_remove(*, actor: Any, product_id: Any, conversion_id: Any) -> None:
    permissions.require(actor, permissions.CATALOGUE)
    product = _get(Product.objects.all(), product_id, _("No such product."), for_update=True)
    conversion = _get(product.conversions.all(), conversion_id, _("No such unit."))
    audit_record(action="supply_chain.unit_removed", actor=actor, obj=product, unit=conversion.unit)
    conversion.delete()


def unit_factor(product: Product, unit: str) -> Decimal | None:
    """Base units per ``unit`` of the product (1 for the base unit); None for a unit it lacks."""
    if not unit or unit == product.unit:
        return Decimal(1)
    conversion = UnitConversion.objects.filter(product_id=product.pk, unit=unit).first()
    return conversion.factor if conversion else None


def product_stock(*, actor: Any, product_id: Any) -> QuerySet[StockLevel]:
    """Where the product is: its non-zero levels by warehouse and location."""
    product = product_get(actor=actor, product_id=product_id)
    return (
        StockLevel.objects.filter(product=product)
        .exclude(quantity=0)
        .select_related("warehouse", "location", "lot")
        .order_by("warehouse__code", "location__code", "lot__number")
    )


def product_valuation(product: Product) -> ProductValuation | None:
    """What the firm holds of the product and its value; None before its first valued move."""
    return ProductValuation.objects.filter(product_id=product.pk).first()


def product_conversions(product: Product) -> QuerySet[UnitConversion]:
    return UnitConversion.objects.filter(product_id=product.pk).order_by("unit")


def product_moves(*, actor: Any, product_id: Any) -> QuerySet[StockMove]:
    """The product's moves, latest first."""
    product = product_get(actor=actor, product_id=product_id)
    return (
        StockMove.objects.filter(product=product)
        .select_related("warehouse", "location", "lot")
        .order_by("-moved_on", "-id")
    )


# --- partners ------------------------------------------------------------------------------

PARTNER_FIELDS = (
    "name",
    "is_supplier",
    "is_customer",
    "tax_id",
    "contact_name",
    "phone",
    "email",
    "address",
    "payment_days",
    "price_list",
    "crm_account_id",
    "is_active",
)


def partner_list(*, actor: Any, q: str = "", kind: str = "", active: bool | None = True) -> QuerySet[Partner]:
    """Suppliers and customers by name; ``kind`` "supplier" or "customer" narrows them; ``q``
    looks in the name, credit code, contact and phone."""
    permissions.require(actor, permissions.VIEW)
    partners = Partner.objects.select_related("price_list")
    if active is not None:
        partners = partners.filter(is_active=active)
    if kind == "supplier":
        partners = partners.filter(is_supplier=True)
    elif kind == "customer":
        partners = partners.filter(is_customer=True)
    text = (q or "").strip()[:100]
    if text:
        partners = partners.filter(
            Q(name__icontains=text) | Q(tax_id__iexact=text) | Q(contact_name__icontains=text) | Q(phone__contains=text)
        )
    return partners.order_by("name", "id")


def partner_get(*, actor: Any, partner_id: Any) -> Partner:
    permissions.require(actor, permissions.VIEW)
    return _get(Partner.objects.select_related("price_list"), partner_id, _("No such supplier or customer."))


def _partner_values(actor: Any, check: _Check, data: Mapping[str, Any], partner: Partner | None) -> dict[str, Any]:
    def given(name: str) -> bool:
        return partner is None or name in data

    values: dict[str, Any] = {}
    if given("name"):
        values["name"] = check.text("name", data.get("name"), limit=200, required=True)
        duplicate = Partner.objects.filter(name=values["name"])
        if partner is not None:
            duplicate = duplicate.exclude(pk=partner.pk)
        if values["name"] and duplicate.exists():
            check.fail("name", _("A supplier or customer with this name already exists."))
    for name in ("is_supplier", "is_customer", "is_active"):
        if given(name):
            values[name] = check.boolean(data.get(name), default=name == "is_active")
    supplier = values.get("is_supplier", partner.is_supplier if partner else False)
    customer = values.get("is_customer", partner.is_customer if partner else False)
    if not supplier and not customer:
        check.fail("is_supplier", _("Tick supplier, customer or both."))
    if given("tax_id"):
        values["tax_id"] = check.text("tax_id", data.get("tax_id"), limit=18).upper()
        if values["tax_id"] and not credit_code_valid(values["tax_id"]):
            check.fail(
                "tax_id",
                _("This is not a valid unified social credit code (18 characters, the last one a check character)."),
            )
    if given("contact_name"):
        values["contact_name"] = check.text("contact_name", data.get("contact_name"), limit=100)
    if given("phone"):
        values["phone"] = check.text("phone", data.get("phone"), limit=30)
    if given("address"):
        values["address"] = check.text("address", data.get("address"), limit=300)
    if given("email"):
        values["email"] = check.text("email", data.get("email"), limit=254).lower()
        if values["email"]:
            try:
                validate_email(values["email"])
            except DjangoValidationError:
                check.fail("email", _("Enter a valid email address."))
    if given("payment_days"):
        days = check.decimal("payment_days", data.get("payment_days"), places=0, default=Decimal(30))
        if days > MAX_PAYMENT_DAYS:
            check.fail("payment_days", _("At most %(days)s days.") % {"days": MAX_PAYMENT_DAYS})
        values["payment_days"] = int(days) if days <= MAX_PAYMENT_DAYS else 30
    if given("price_list"):
        values["price_list"] = None
        if data.get("price_list") not in (None, ""):
            values["price_list"] = _find(PriceList.objects.all(), data.get("price_list"))
            if values["price_list"] is None:
                check.fail("price_list", _("No such price list."))
    if "crm_account_id" in data:
        values["crm_account_id"] = None
        raw = data.get("crm_account_id")
        if raw not in (None, ""):
            account_id = _pk(raw)
            account = _crm_account(actor, account_id) if account_id else None
            if account is None:
                check.fail("crm_account_id", _("No such CRM account."))
            else:
                linked = Partner.objects.filter(crm_account_id=account_id)
                if partner is not None:
                    linked = linked.exclude(pk=partner.pk)
                if linked.exists():
                    check.fail("crm_account_id", _("Another supplier or customer is linked to this CRM account."))
                values["crm_account_id"] = account_id
    return values


def _crm_account(actor: Any, account_id: int) -> Any:
    """The CRM account as the actor sees it; None when there is none (or no CRM)."""
    try:
        from apps.crm import interface as crm
    except ImportError:  # a deployment without the CRM
        return None
    return crm.account_get(actor=actor, account_id=account_id)


def _may_keep_partners(actor: Any) -> None:
    permissions.require(actor, permissions.CATALOGUE, permissions.PURCHASE, permissions.SELL)


@transaction.atomic
def partner_create(*, actor: Any, name: str, **fields: Any) -> Partner:
    """A supplier, customer or both; name unique, credit code checked when given, at most one
    partner per CRM account."""
    _may_keep_partners(actor)
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    check = _Check()
    values = _partner_values(actor, check, {"name": name, **fields}, None)
    check.done()
    partner = _saved(
        Partner(**values), field="name", message=_("A supplier or customer with this name already exists.")
    )
    audit_record(action="supply_chain.partner_created", actor=actor, obj=partner, name=partner.name)
    return partner


@transaction.atomic
def partner_update(*, actor: Any, partner_id: Any, **fields: Any) -> Partner:
    _may_keep_partners(actor)
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    partner = _get(Partner.objects.all(), partner_id, _("No such supplier or customer."), for_update=True)
    check = _Check()
    values = _partner_values(actor, check, fields, partner)
    check.done()
    changes = _changed(partner, values)
    for field_name, value in values.items():
        setattr(partner, field_name, value)
    _saved(partner, field="name", message=_("A supplier or customer with this name already exists."))
    if changes:
        audit_record(action="supply_chain.partner_updated", actor=actor, obj=partner, changes=changes)
    return partner


@transaction.atomic
def partner_from_crm_account(*, actor: Any, account_id: Any) -> Partner:
    """The customer linked to a CRM account, made from the account on first use. A partner of
    the same name not yet linked is linked (and becomes a customer) rather than duplicated."""
    _may_keep_partners(actor)
    pk = _pk(account_id)
    account = _crm_account(actor, pk) if pk else None
    if account is None:
        raise NotFound(_("No such CRM account."))
    partner = Partner.objects.select_for_update().filter(crm_account_id=account.id).first()
    if partner is None:
        partner = Partner.objects.select_for_update().filter(name=account.name[:200], crm_account_id=None).first()
        if partner is not None:
            partner.crm_account_id = account.id
    if partner is not None:
        if not partner.is_customer:
            partner.is_customer = True
        _saved(partner, field="crm_account_id", message=_("Another supplier or customer is linked to this account."))
        return partner
    name = account.name[:200]
    if Partner.objects.filter(name=name).exists():  # the name belongs to another account's partner
        suffix = f" ({account.credit_code or account.id})"
        name = account.name[: 200 - len(suffix)] + suffix
    code = (account.credit_code or "").upper()
    partner = _saved(
        Partner(
            name=name,
            is_customer=True,
            tax_id=code if credit_code_valid(code) else "",
            address=(account.address or "")[:300],
            crm_account_id=account.id,
        ),
        field="name",
        message=_("A supplier or customer with this name already exists."),
    )
    audit_record(action="supply_chain.partner_created", actor=actor, obj=partner, crm_account_id=account.id)
    return partner


def crm_account_name(*, actor: Any, partner: Partner) -> str:
    """The name of the partner's CRM account as the actor sees it; '' when none or hidden."""
    if not partner.crm_account_id:
        return ""
    account = _crm_account(actor, partner.crm_account_id)
    return str(account.name) if account else ""


# --- warehouses and locations ----------------------------------------------------------------


def warehouse_list(*, actor: Any, q: str = "", active: bool | None = None) -> QuerySet[Warehouse]:
    permissions.require(actor, permissions.VIEW)
    warehouses = Warehouse.objects.annotate(location_count=models.Count("locations"))
    if active is not None:
        warehouses = warehouses.filter(is_active=active)
    text = (q or "").strip()[:100]
    if text:
        warehouses = warehouses.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return warehouses.order_by("code", "id")


def warehouse_get(*, actor: Any, warehouse_id: Any) -> Warehouse:
    permissions.require(actor, permissions.VIEW)
    return _get(Warehouse.objects.all(), warehouse_id, _("No such warehouse."))


def location_list(*, actor: Any, warehouse_id: Any) -> QuerySet[Location]:
    warehouse = warehouse_get(actor=actor, warehouse_id=warehouse_id)
    return Location.objects.filter(warehouse=warehouse).select_related("warehouse").order_by("-is_default", "code")


def location_get(*, actor: Any, location_id: Any) -> Location:
    permissions.require(actor, permissions.VIEW)
    return _get(Location.objects.select_related("warehouse"), location_id, _("No such location."))


def default_location(warehouse: Warehouse) -> Location:
    """Where documents put or take the warehouse's stock unless told otherwise."""
    location = Location.objects.filter(warehouse=warehouse, is_default=True, is_active=True).first()
    if location is None:
        raise Conflict(
            _("Warehouse %(warehouse)s has no default location.") % {"warehouse": warehouse},
            code="no_default_location",
        )
    return location


def _held(**where: Any) -> Decimal:
    return StockLevel.objects.filter(**where).aggregate(total=Sum("quantity"))["total"] or ZERO


def _warehouse_values(check: _Check, data: Mapping[str, Any], warehouse: Warehouse | None) -> dict[str, Any]:
    def given(name: str) -> bool:
        return warehouse is None or name in data

    values: dict[str, Any] = {}
    if given("code"):
        values["code"] = check.text("code", data.get("code"), limit=20, required=True)
        duplicate = Warehouse.objects.filter(code__iexact=values["code"])
        if warehouse is not None:
            duplicate = duplicate.exclude(pk=warehouse.pk)
        if values["code"] and duplicate.exists():
            check.fail("code", _("Another warehouse has this code."))
    if given("name"):
        values["name"] = check.text("name", data.get("name"), limit=100, required=True)
    if given("address"):
        values["address"] = check.text("address", data.get("address"), limit=300)
    if given("is_active"):
        values["is_active"] = check.boolean(data.get("is_active"), default=True)
    return values


@transaction.atomic
def warehouse_create(*, actor: Any, code: str, name: str, address: str = "") -> Warehouse:
    """A warehouse with its default location ("STOCK"), where documents put stock unless told."""
    permissions.require(actor, permissions.CATALOGUE)
    check = _Check()
    values = _warehouse_values(check, {"code": code, "name": name, "address": address}, None)
    check.done()
    warehouse = _saved(Warehouse(**values), field="code", message=_("Another warehouse has this code."))
    Location.objects.create(warehouse=warehouse, code=DEFAULT_LOCATION_CODE, name=_("Main stock"), is_default=True)
    audit_record(action="supply_chain.warehouse_created", actor=actor, obj=warehouse, code=warehouse.code)
    return warehouse


@transaction.atomic
def warehouse_update(*, actor: Any, warehouse_id: Any, **fields: Any) -> Warehouse:
    """Change a warehouse; one that still holds stock stays active."""
    permissions.require(actor, permissions.CATALOGUE)
    unknown = set(fields) - {"code", "name", "address", "is_active"}
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    warehouse = _get(Warehouse.objects.all(), warehouse_id, _("No such warehouse."), for_update=True)
    check = _Check()
    values = _warehouse_values(check, fields, warehouse)
    check.done()
    if warehouse.is_active and values.get("is_active") is False and _held(warehouse=warehouse) != 0:
        message = _("This warehouse still holds stock; move it out before closing the warehouse.")
        raise Conflict(message, code="warehouse_has_stock", fields={"is_active": [message]})
    changes = _changed(warehouse, values)
    for field_name, value in values.items():
        setattr(warehouse, field_name, value)
    _saved(warehouse, field="code", message=_("Another warehouse has this code."))
    if changes:
        audit_record(action="supply_chain.warehouse_updated", actor=actor, obj=warehouse, changes=changes)
    return warehouse


def _location_values(
    check: _Check, data: Mapping[str, Any], warehouse: Warehouse, location: Location | None
) -> dict[str, Any]:
    def given(name: str) -> bool:
        return location is None or name in data

    values: dict[str, Any] = {}
    if given("code"):
        values["code"] = check.text("code", data.get("code"), limit=30, required=True)
        duplicate = Location.objects.filter(warehouse=warehouse, code__iexact=values["code"])
        if location is not None:
            duplicate = duplicate.exclude(pk=location.pk)
        if values["code"] and duplicate.exists():
            check.fail("code", _("This warehouse already has a location with this code."))
    if given("name"):
        values["name"] = check.text("name", data.get("name"), limit=100)
    if given("is_active"):
        values["is_active"] = check.boolean(data.get("is_active"), default=True)
    return values


@transaction.atomic
def location_create(*, actor: Any, warehouse_id: Any, code: str, name: str = "") -> Location:
    """A bin or shelf in a warehouse; codes unique within the warehouse."""
    permissions.require(actor, permissions.CATALOGUE)
    warehouse = _get(Warehouse.objects.all(), warehouse_id, _("No such warehouse."), for_update=True)
    check = _Check()
    values = _location_values(check, {"code": code, "name": name}, warehouse, None)
    check.done()
    location = _saved(
        Location(warehouse=warehouse, **values),
        field="code",
        message=_("This warehouse already has a location with this code."),
    )
    audit_record(action="supply_chain.location_created", actor=actor, obj=location, code=location.code)
    return location


@transaction.atomic
def location_update(*, actor: Any, location_id: Any, **fields: Any) -> Location:
    """Change a location; the default location and one holding stock stay active."""
    permissions.require(actor, permissions.CATALOGUE)
    unknown = set(fields) - {"code", "name", "is_active"}
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    location = _get(Location.objects.select_related("warehouse"), location_id, _("No such location."), for_update=True)
    check = _Check()
    values = _location_values(check, fields, location.warehouse, location)
    check.done()
    if location.is_active and values.get("is_active") is False:
        if location.is_default:
            message = _("The warehouse's default location stays active.")
            raise Conflict(message, code="location_default", fields={"is_active": [message]})
        if _held(location=location) != 0:
            message = _("This location still holds stock; move it out first.")
            raise Conflict(message, code="location_has_stock", fields={"is_active": [message]})
    changes = _changed(location, values)
    for field_name, value in values.items():
        setattr(location, field_name, value)
    _saved(location, field="code", message=_("This warehouse already has a location with this code."))
    if changes:
        audit_record(action="supply_chain.location_updated", actor=actor, obj=location, changes=changes)
    return location


# --- price lists -------------------------------------------------------------------------------


def price_list_list(*, actor: Any, q: str = "", kind: str = "") -> QuerySet[PriceList]:
    permissions.require(actor, permissions.VIEW)
    lists = PriceList.objects.annotate(item_count=models.Count("items"))
    if kind in PriceList.Kind.values:
        lists = lists.filter(kind=kind)
    text = (q or "").strip()[:100]
    if text:
        lists = lists.filter(name__icontains=text)
    return lists.order_by("name", "id")


def price_list_get(*, actor: Any, price_list_id: Any) -> PriceList:
    permissions.require(actor, permissions.VIEW)
    return _get(PriceList.objects.all(), price_list_id, _("No such price list."))


def price_list_items(*, actor: Any, price_list_id: Any, q: str = "") -> QuerySet[PriceListItem]:
    price_list = price_list_get(actor=actor, price_list_id=price_list_id)
    items = PriceListItem.objects.filter(price_list=price_list).select_related("product")
    text = (q or "").strip()[:100]
    if text:
        items = items.filter(Q(product__sku__icontains=text) | Q(product__name__icontains=text))
    return items.order_by("product__sku", "min_quantity", "id")


def _may_price(actor: Any) -> None:
    permissions.require(actor, permissions.SELL, permissions.CATALOGUE)


def _price_list_values(check: _Check, data: Mapping[str, Any], price_list: PriceList | None) -> dict[str, Any]:
    def given(name: str) -> bool:
        return price_list is None or name in data

    values: dict[str, Any] = {}
    if given("name"):
        values["name"] = check.text("name", data.get("name"), limit=100, required=True)
        duplicate = PriceList.objects.filter(name=values["name"])
        if price_list is not None:
            duplicate = duplicate.exclude(pk=price_list.pk)
        if values["name"] and duplicate.exists():
            check.fail("name", _("A price list with this name already exists."))
    if given("kind"):
        values["kind"] = check.choice("kind", data.get("kind"), PriceList.Kind.values, default=PriceList.Kind.SALES)
    if given("is_active"):
        values["is_active"] = check.boolean(data.get("is_active"), default=True)
    return values


@transaction.atomic
def price_list_create(*, actor: Any, name: str, kind: str = PriceList.Kind.SALES) -> PriceList:
    _may_price(actor)
    check = _Check()
    values = _price_list_values(check, {"name": name, "kind": kind}, None)
    check.done()
    price_list = _saved(PriceList(**values), field="name", message=_("A price list with this name already exists."))
    audit_record(action="supply_chain.price_list_created", actor=actor, obj=price_list, name=price_list.name)
    return price_list


@transaction.atomic
def price_list_update(*, actor: Any, price_list_id: Any, **fields: Any) -> PriceList:
    _may_price(actor)
    unknown = set(fields) - {"name", "kind", "is_active"}
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    price_list = _get(PriceList.objects.all(), price_list_id, _("No such price list."), for_update=True)
    check = _Check()
    values = _price_list_values(check, fields, price_list)
    check.done()
    changes = _changed(price_list, values)
    for field_name, value in values.items():
        setattr(price_list, field_name, value)
    _saved(price_list, field="name", message=_("A price list with this name already exists."))
    if changes:
        audit_record(action="supply_chain.price_list_updated", actor=actor, obj=price_list, changes=changes)
    return price_list


@transaction.atomic
def price_item_set(
    *, actor: Any, price_list_id: Any, product_id: Any, price: Any, min_quantity: Any = "1"
) -> PriceListItem:
    """The list's price of a product from ``min_quantity`` up (a price already there for that
    quantity is replaced)."""
    _may_price(actor)
    price_list = _get(PriceList.objects.all(), price_list_id, _("No such price list."), for_update=True)
    check = _Check()
    product = _find(Product.objects.all(), product_id)
    if product is None:
        check.fail("product", _("Choose a product."))
    if price in (None, ""):
        check.fail("price", _("Fill in this field."))
    amount = check.decimal("price", price, places=4, below=MAX_PRICE)
    quantity = check.decimal("min_quantity", min_quantity, places=4, default=Decimal(1), positive=True)
    check.done()
    item, created = PriceListItem.objects.update_or_create(
        price_list=price_list, product=product, min_quantity=quantity, defaults={"price": amount}
    )
    audit_record(
        action="supply_chain.price_set",
        actor=actor,
        obj=price_list,
        product=item.product.sku,
        min_quantity=str(quantity),
        price=str(amount),
        created=created,
    )
    return item


@transaction.atomic
def price_item_remove(*, actor: Any, price_list_id: Any, item_id: Any) -> None:
    _may_price(actor)
    price_list = _get(PriceList.objects.all(), price_list_id, _("No such price list."), for_update=True)
    item = _get(price_list.items.select_related("product"), item_id, _("No such price."))
    audit_record(
        action="supply_chain.price_removed",
        actor=actor,
        obj=price_list,
        product=item.product.sku,
        min_quantity=str(item.min_quantity),
    )
    item.delete()


def price_for(*, partner: Partner | None, product: Product, quantity: Decimal) -> Decimal:
    """The unit price before VAT for ``quantity`` base units: the partner's active price list's
    price with the highest ``min_quantity`` not above the quantity; else the product's price
    (its purchase price for a purchase list, its sale price otherwise)."""
    price_list = partner.price_list if partner is not None and partner.price_list_id else None
    if price_list is None or not price_list.is_active:
        return product.sale_price
    item = (
        PriceListItem.objects.filter(price_list=price_list, product_id=product.pk, min_quantity__lte=quantity)
        .order_by("-min_quantity")
        .first()
    )
    if item is not None:
        return item.price
    return product.purchase_price if price_list.kind == PriceList.Kind.PURCHASE else product.sale_price


# --- settings and roles ----------------------------------------------------------------------

SETTINGS_FIELDS = (
    "allow_negative_stock",
    "over_receipt_percent",
    "price_tolerance_percent",
    "inventory_account",
    "cogs_account",
    "grni_account",
    "adjustment_account",
)


def settings_get(*, actor: Any) -> SupplyChainSettings:
    permissions.require(actor, permissions.VIEW)
    return settings_row()


@transaction.atomic
def settings_update(*, actor: Any, **fields: Any) -> SupplyChainSettings:
    """Stock rules and the accounts stock postings go to; an account must take postings in the
    firm's chart (blank: the chart's default)."""
    permissions.require(actor, permissions.SETTINGS)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    row = SupplyChainSettings.objects.select_for_update().filter(id=1).first() or settings_row()
    check = _Check()
    values: dict[str, Any] = {}
    if "allow_negative_stock" in fields:
        values["allow_negative_stock"] = check.boolean(fields["allow_negative_stock"], default=False)
    for name in ("over_receipt_percent", "price_tolerance_percent"):
        if name in fields:
            number = check.decimal(name, fields[name], places=2)
            if number > 100:
                check.fail(name, _("At most 100%."))
            values[name] = number
    for name in ("inventory_account", "cogs_account", "grni_account", "adjustment_account"):
        if name in fields:
            code = check.text(name, fields[name], limit=20)
            if code and finance.postable_account_code(code) is None:
                check.fail(name, _("The chart of accounts has no account %(code)s.") % {"code": code})
            values[name] = code
    check.done()
    changes = _changed(row, values)
    for field_name, value in values.items():
        setattr(row, field_name, value)
    row.save()
    if changes:
        audit_record(action="supply_chain.settings_updated", actor=actor, obj=row, changes=changes)
    return row


@dataclass(frozen=True)
class PersonRole:
    user_id: int
    name: str
    email: str
    all_rights: bool  # owners and administrators
    role: str  # "" for none


def supply_roles(*, actor: Any, q: str = "") -> list[PersonRole]:
    """The firm's active people with their supply chain role."""
    permissions.require(actor, permissions.SETTINGS)
    users = get_user_model().objects.filter(is_active=True).order_by("full_name", "email")
    text = (q or "").strip()[:100]
    if text:
        users = users.filter(Q(full_name__icontains=text) | Q(email__icontains=text))
    roles = dict(SupplyRole.objects.values_list("user_id", "role"))
    return [
        PersonRole(
            user.pk,
            str(user),
            user.email,
            bool(getattr(user, "can_manage_users", False)),
            roles.get(user.pk, ""),
        )
        for user in users
    ]


@transaction.atomic
def supply_role_set(*, actor: Any, user_id: Any, role: str) -> SupplyRole | None:
    """Give a person a supply chain role, or none (``role`` blank)."""
    permissions.require(actor, permissions.SETTINGS)
    user = _get(get_user_model().objects.filter(is_active=True), user_id, _("No such person."))
    role = (role or "").strip()
    if role and role not in SupplyRole.Role.values:
        raise ValidationFailed(_("Choose a role from the list."), fields={"role": [_("Unknown role.")]})
    before = SupplyRole.objects.filter(user=user).values_list("role", flat=True).first() or ""
    if role == before:
        return SupplyRole.objects.filter(user=user).first()
    if not role:
        SupplyRole.objects.filter(user=user).delete()
        found = None
    else:
        found, _created = SupplyRole.objects.update_or_create(user=user, defaults={"role": role})
    audit_record(action="supply_chain.role_changed", actor=actor, obj=user, role=role, previous=before)
    return found


def choices_of(queryset: QuerySet[Any], label: Callable[[Any], str] = str) -> list[tuple[int, str]]:
    """(id, label) pairs for a form's select."""
    return [(obj.pk, label(obj)) for obj in queryset]
