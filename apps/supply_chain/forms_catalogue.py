"""Forms of the catalogue pages. They check types and lengths; the services have the last word
(and their field errors are shown next to the same fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .catalogue import VAT_RATES, rate_label
from .models import PriceList, Product, SupplyRole

Choices = list[tuple[Any, str]]
VAT_CHOICES = [(str(rate), rate_label(rate)) for rate in VAT_RATES]


def _number(label: Any, *, places: int = 4, required: bool = False, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=18, decimal_places=places, required=required, min_value=0, **kwargs
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.TypedChoiceField(label=_("Inside"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, categories: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "—"), *categories]  # type: ignore[attr-defined]


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.CharField(
        label=_("Base unit"),
        max_length=20,
        initial=Product._meta.get_field("unit").get_default,
        help_text=_("Stock is kept in this unit."),
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    barcode = forms.CharField(label=_("Barcode"), max_length=32, required=False)
    vat_rate = forms.ChoiceField(label=_("VAT rate"), choices=VAT_CHOICES, initial="0.13")
    cost_method = forms.ChoiceField(
        label=_("Cost method"),
        choices=Product.CostMethod.choices,
        help_text=_("Fixed once stock has moved."),
    )
    tracking = forms.ChoiceField(
        label=_("Tracking"), choices=Product.Tracking.choices, help_text=_("Fixed once stock has moved.")
    )
    reorder_point = _number(_("Reorder point"), initial=0, help_text=_("Suggest buying when stock falls below it."))
    reorder_quantity = _number(_("Reorder quantity"), initial=0)
    supplier = forms.TypedChoiceField(label=_("Default supplier"), coerce=int, required=False, empty_value=None)
    purchase_price = _number(_("Purchase price before VAT"), initial=0)
    sale_price = _number(_("Sale price before VAT"), initial=0)

    def __init__(self, *args: Any, categories: Choices, suppliers: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories]  # type: ignore[attr-defined]
        self.fields["supplier"].choices = [("", "—"), *suppliers]  # type: ignore[attr-defined]


class ConversionForm(forms.Form):
    unit = forms.CharField(label=_("Unit"), max_length=20)
    factor = forms.DecimalField(
        label=_("Base units per unit"), max_digits=14, decimal_places=6, min_value=0, help_text=_("1 box = 12 pcs: 12.")
    )


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    is_supplier = forms.BooleanField(label=_("Supplier"), required=False)
    is_customer = forms.BooleanField(label=_("Customer"), required=False)
    tax_id = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False, help_text=_("18 characters, optional.")
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    payment_days = forms.IntegerField(label=_("Payment terms (days)"), min_value=0, max_value=365, initial=30)
    price_list = forms.TypedChoiceField(label=_("Price list"), coerce=int, required=False, empty_value=None)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, price_lists: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price_list"].choices = [("", "—"), *price_lists]  # type: ignore[attr-defined]


class CrmAccountForm(forms.Form):
    account = forms.TypedChoiceField(label=_("CRM account"), coerce=int)

    def __init__(self, *args: Any, accounts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = accounts  # type: ignore[attr-defined]


class WarehouseForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class WarehouseEditForm(WarehouseForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)


class LocationForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30, help_text=_("A bin or shelf, e.g. A-01-02."))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


class LocationEditForm(LocationForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PriceList.Kind.choices)


class PriceListEditForm(PriceListForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)


class PriceItemForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    min_quantity = forms.DecimalField(label=_("From quantity"), max_digits=18, decimal_places=4, min_value=0, initial=1)
    price = forms.DecimalField(label=_("Price before VAT"), max_digits=18, decimal_places=4, min_value=0)

    def __init__(self, *args: Any, products: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products  # type: ignore[attr-defined]


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, or GBK as Chinese Excel saves it) or XLSX, the first row holding the column names; "
            "at most 10 MB and 50,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )


class SettingsForm(forms.Form):
    allow_negative_stock = forms.BooleanField(label=_("Allow negative stock"), required=False)
    over_receipt_percent = forms.DecimalField(
        label=_("Over-receipt allowed (percent of the ordered quantity)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )
    price_tolerance_percent = forms.DecimalField(
        label=_("Bill price tolerance (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    inventory_account = forms.CharField(
        label=_("Inventory account"), max_length=20, required=False, help_text=_("Blank: the chart's default.")
    )
    cogs_account = forms.CharField(label=_("Cost of sales account"), max_length=20, required=False)
    grni_account = forms.CharField(label=_("Goods received not invoiced account"), max_length=20, required=False)
    adjustment_account = forms.CharField(label=_("Stocktake difference account"), max_length=20, required=False)


class RoleForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=_("Supply chain role"), choices=[("", "—"), *SupplyRole.Role.choices], required=False
    )
