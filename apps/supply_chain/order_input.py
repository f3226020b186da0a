"""Checking what people type into purchase and sales documents: ids, numbers, dates, notes and
order lines. One set of rules for both sides, so a purchase line and a sales line are refused
for the same reasons with the same words (each problem under ``lines.N.field``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from .catalogue import VAT_RATES as PRODUCT_VAT_RATES
from .catalogue import rate_label
from .ledger import money
from .models import Product, UnitConversion, Warehouse

ZERO = Decimal("0")
PRICE_PLACES = Decimal("0.0001")
QUANTITY_PLACES = Decimal("0.0001")
MAX_LINES = 200
MAX_QUANTITY = Decimal("1e10")
MAX_PRICE = Decimal("1e12")
# A line may also carry the 5% levy rate of small-scale simplified taxation, which no product
# has as its default rate.
VAT_RATES: tuple[Decimal, ...] = tuple(sorted({*PRODUCT_VAT_RATES, Decimal("0.05")}, reverse=True))

__all__ = ["rate_label"]


def to_id(value: Any) -> int | None:
    """An id from a form, a client or a model instance; None for nonsense."""
    if isinstance(value, bool):
        return None
    if isinstance(value, models.Model):
        return int(value.pk) if value.pk is not None else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def decimal_value(value: Any, *, places: int) -> Decimal | str:
    """The value as a Decimal with at most ``places`` decimals, or the problem as a message."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        return _("enter a number")
    if not isinstance(value, str | int | float | Decimal):
        return _("enter a number")
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return _("enter a number")
    if not number.is_finite():
        return _("enter a number")
    if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        return _("at most %(places)d decimal places") % {"places": places}
    return number


def positive_quantity(value: Any) -> Decimal | str:
    quantity = decimal_value(value, places=4)
    if isinstance(quantity, Decimal) and quantity <= 0:
        return _("the quantity must be more than zero")
    if isinstance(quantity, Decimal) and quantity >= MAX_QUANTITY:
        return _("the quantity is too large")
    return quantity


def field_value(line: Any, name: str, default: Any = None) -> Any:
    if isinstance(line, Mapping):
        return line.get(name, default)
    return getattr(line, name, default)


def day_value(value: Any, field: str, errors: dict[str, list[str]], *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            errors[field] = [_("Enter a date like 2026-03-31.")]
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors[field] = [_("Enter a date like 2026-03-31.")]
            return None
    if not isinstance(value, date) or not 2000 <= value.year <= 2099:
        errors[field] = [_("Enter a date like 2026-03-31.")]
        return None
    return value


def text_value(value: Any, field: str, limit: int, errors: dict[str, list[str]], *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = [_("Required.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    return value


def lines_list(lines: Any, errors: dict[str, list[str]]) -> list[Any]:
    if isinstance(lines, str | bytes | Mapping) or not isinstance(lines, Sequence):
        errors["lines"] = [_("Send the lines as a list.")]
        return []
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %(limit)d lines.") % {"limit": MAX_LINES}]
        return []
    return list(lines)


def line_error(errors: dict[str, list[str]], number: int, field: str, problem: str) -> None:
    errors.setdefault("lines", []).append(_("Line %(number)d: %(problem)s") % {"number": number, "problem": problem})
    errors.setdefault(f"lines.{number}.{field}", []).append(problem)


def line_amounts(quantity: Decimal, unit_price: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Amount before VAT = quantity x price, VAT = amount x rate; each rounded half up to the fen."""
    untaxed = money(quantity * unit_price)
    return untaxed, money(untaxed * vat_rate)


def base_quantity(quantity: Decimal, factor: Decimal) -> Decimal:
    """A line quantity in the product's base unit, to the ten-thousandth."""
    return (quantity * factor).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)


def warehouse_value(value: Any, errors: dict[str, list[str]]) -> Warehouse | None:
    pk = to_id(value)
    warehouse = Warehouse.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if warehouse is None:
        errors["warehouse"] = [_("Choose an active warehouse.")]
    return warehouse


@dataclass(frozen=True)
class OrderLine:
    product: Product
    unit: str
    factor: Decimal  # base units per line unit
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    untaxed: Decimal
    tax: Decimal


def order_lines(
    lines: Any, errors: dict[str, list[str]], *, default_price: Callable[[Product, Decimal], Decimal]
) -> list[OrderLine]:
    """Every line checked (all problems reported, each naming its line) and priced. A line
    without a price takes ``default_price(product, quantity in base units)`` per base unit."""
    rows = lines_list(lines, errors)
    product_ids = {pk for row in rows if (pk := to_id(field_value(row, "product"))) is not None}
    products = Product.objects.in_bulk(product_ids)
    conversions = {(c.product_id, c.unit): c.factor for c in UnitConversion.objects.filter(product_id__in=product_ids)}
    clean: list[OrderLine] = []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, str | bytes) or not (isinstance(row, Mapping) or hasattr(row, "product")):
            line_error(errors, number, "line", _("send the line with its product, quantity, unit, price and VAT rate"))
            continue
        problems: dict[str, str] = {}
        product = products.get(to_id(field_value(row, "product")) or 0)
        if product is None or not product.is_active:
            problems["product"] = _("choose an active product from the catalogue")
        quantity = positive_quantity(field_value(row, "quantity"))
        if isinstance(quantity, str):
            problems["quantity"] = quantity
        unit = str(field_value(row, "unit") or "").strip()
        factor = Decimal(1)
        if product is not None:
            if not unit or unit == product.unit:
                unit = product.unit
            elif (product.pk, unit) in conversions:
                factor = conversions[(product.pk, unit)]
            else:
                units = [product.unit, *sorted(u for p, u in conversions if p == product.pk)]
                problems["unit"] = _("choose one of the product's units: %(units)s") % {"units": ", ".join(units)}
        price_value = field_value(row, "unit_price")
        price: Decimal | str | None = None
        if price_value not in (None, ""):
            price = decimal_value(price_value, places=4)
            if isinstance(price, Decimal) and not ZERO <= price < MAX_PRICE:
                price = _("the unit price cannot be negative") if price < 0 else _("the unit price is too large")
            if isinstance(price, str):
                problems["unit_price"] = price
        rate_value = field_value(row, "vat_rate")
        rate: Decimal | str = product.vat_rate if product is not None else ZERO
        if rate_value not in (None, ""):
            rate = decimal_value(rate_value, places=3)
        if not isinstance(rate, Decimal) or rate not in VAT_RATES:
            problems["vat_rate"] = _("choose a VAT rate: %(rates)s") % {
                "rates": ", ".join(rate_label(r) for r in VAT_RATES)
            }
        for field, problem in problems.items():
            line_error(errors, number, field, problem)
        if problems or product is None or not isinstance(quantity, Decimal) or not isinstance(rate, Decimal):
            continue
        if not isinstance(price, Decimal):
            base_price = default_price(product, base_quantity(quantity, factor))
            price = (base_price * factor).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)
        untaxed, tax = line_amounts(quantity, price, rate)
        if untaxed + tax >= MAX_PRICE:
            line_error(errors, number, "unit_price", _("the line's amount is too large"))
            continue
        clean.append(OrderLine(product, unit, factor, quantity, price, rate, untaxed, tax))
    return clean


def write_lines(order: Any, line_model: type[models.Model], clean: list[OrderLine]) -> None:
    """Replace nothing, add the checked lines to ``order`` and set its totals (caller saves)."""
    line_model.objects.bulk_create(  # type: ignore[attr-defined]
        line_model(
            order=order,
            line_no=number,
            product=line.product,
            unit=line.unit,
            factor=line.factor,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            untaxed=line.untaxed,
            tax=line.tax,
        )
        for number, line in enumerate(clean, start=1)
    )
    order.untaxed = sum((line.untaxed for line in clean), ZERO)
    order.tax = sum((line.tax for line in clean), ZERO)
    order.total = order.untaxed + order.tax
