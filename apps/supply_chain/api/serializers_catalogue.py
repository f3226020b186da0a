"""Input and output shapes of the catalogue API. Inputs check types; the services check the rules
(their field errors come back under the same names)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    Category,
    Location,
    Partner,
    PriceList,
    PriceListItem,
    Product,
    ProductImport,
    SupplyChainSettings,
    UnitConversion,
    Warehouse,
)

_KIND_HELP = " or ".join(PriceList.Kind.values) + "."
_STATUS_HELP = ", ".join(ProductImport.Status.values) + "."


def _amount(**kwargs: object) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, **kwargs)  # type: ignore[arg-type]


class ScCategoryInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    parent = serializers.IntegerField(required=False, allow_null=True, default=None)  # type: ignore[assignment]


class ScCategoryOutput(serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ["id", "name", "parent"]


class ScProductInput(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=20, required=False)
    category = serializers.IntegerField(required=False, allow_null=True)
    barcode = serializers.CharField(max_length=32, required=False, allow_blank=True)
    vat_rate = serializers.DecimalField(
        max_digits=4, decimal_places=2, required=False, help_text="0, 0.01, 0.03, 0.06, 0.09 or 0.13."
    )
    cost_method = serializers.ChoiceField(choices=Product.CostMethod.choices, required=False)
    tracking = serializers.ChoiceField(choices=Product.Tracking.choices, required=False)
    reorder_point = _amount(required=False)
    reorder_quantity = _amount(required=False)
    supplier = serializers.IntegerField(required=False, allow_null=True)
    purchase_price = _amount(required=False)
    sale_price = _amount(required=False)


class ScUnitConversionOutput(serializers.ModelSerializer[UnitConversion]):
    class Meta:
        model = UnitConversion
        fields = ["id", "unit", "factor"]


class ScUnitConversionInput(serializers.Serializer):
    unit = serializers.CharField(max_length=20)
    factor = serializers.DecimalField(max_digits=14, decimal_places=6, help_text="Base units per unit (> 0).")


class ScProductOutput(serializers.ModelSerializer[Product]):
    category_name = serializers.CharField(source="category.name", default=None, allow_null=True)
    supplier_name = serializers.CharField(source="supplier.name", default=None, allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "unit",
            "category",
            "category_name",
            "barcode",
            "vat_rate",
            "cost_method",
            "tracking",
            "reorder_point",
            "reorder_quantity",
            "supplier",
            "supplier_name",
            "purchase_price",
            "sale_price",
            "is_active",
            "created_at",
        ]


class ScProductDetailOutput(ScProductOutput):
    conversions = ScUnitConversionOutput(many=True, read_only=True)

    class Meta(ScProductOutput.Meta):
        fields = [*ScProductOutput.Meta.fields, "conversions"]


class ScProductPatchInput(ScProductInput):
    is_active = serializers.BooleanField(required=False)


class ScPartnerInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    is_supplier = serializers.BooleanField(required=False, default=False)
    is_customer = serializers.BooleanField(required=False, default=False)
    tax_id = serializers.CharField(max_length=18, required=False, allow_blank=True, help_text="统一社会信用代码.")
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    payment_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    price_list = serializers.IntegerField(required=False, allow_null=True)
    crm_account_id = serializers.IntegerField(required=False, allow_null=True, help_text="A CRM account to link.")
    is_active = serializers.BooleanField(required=False)


class ScPartnerOutput(serializers.ModelSerializer[Partner]):
    class Meta:
        model = Partner
        fields = [
            "id",
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
            "created_at",
        ]


class ScPartnerFromCrmInput(serializers.Serializer):
    account_id = serializers.IntegerField(help_text="The CRM account whose customer is wanted.")


class ScLocationInput(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ScLocationOutput(serializers.ModelSerializer[Location]):
    class Meta:
        model = Location
        fields = ["id", "warehouse", "code", "name", "is_default", "is_active"]


class ScWarehouseInput(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ScWarehouseOutput(serializers.ModelSerializer[Warehouse]):
    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "is_active"]


class ScWarehouseDetailOutput(ScWarehouseOutput):
    locations = ScLocationOutput(many=True, read_only=True)

    class Meta(ScWarehouseOutput.Meta):
        fields = [*ScWarehouseOutput.Meta.fields, "locations"]


class ScPriceListInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    # Plain text, not an enum: "kind" and "status" enums of several models would clash in the schema.
    kind = serializers.CharField(max_length=8, required=False, help_text=_KIND_HELP)
    is_active = serializers.BooleanField(required=False)


class ScPriceListOutput(serializers.ModelSerializer[PriceList]):
    kind = serializers.CharField(help_text=_KIND_HELP)

    class Meta:
        model = PriceList
        fields = ["id", "name", "kind", "is_active"]


class ScPriceItemInput(serializers.Serializer):
    product = serializers.IntegerField()
    min_quantity = _amount(required=False, default="1")
    price = _amount(help_text="Before VAT.")


class ScPriceItemOutput(serializers.ModelSerializer[PriceListItem]):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = PriceListItem
        fields = ["id", "product", "sku", "min_quantity", "price"]


class ScPriceListDetailOutput(ScPriceListOutput):
    items = ScPriceItemOutput(many=True, read_only=True)

    class Meta(ScPriceListOutput.Meta):
        fields = [*ScPriceListOutput.Meta.fields, "items"]


class ScSettingsInput(serializers.Serializer):
    allow_negative_stock = serializers.BooleanField(required=False)
    over_receipt_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    price_tolerance_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    inventory_account = serializers.CharField(max_length=20, required=False, allow_blank=True)
    cogs_account = serializers.CharField(max_length=20, required=False, allow_blank=True)
    grni_account = serializers.CharField(max_length=20, required=False, allow_blank=True)
    adjustment_account = serializers.CharField(max_length=20, required=False, allow_blank=True)


class ScSettingsOutput(serializers.ModelSerializer[SupplyChainSettings]):
    class Meta:
        model = SupplyChainSettings
        fields = [
            "allow_negative_stock",
            "over_receipt_percent",
            "price_tolerance_percent",
            "inventory_account",
            "cogs_account",
            "grni_account",
            "adjustment_account",
        ]


class ScProductImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030/GBK) or XLSX, at most 10 MB and 50,000 rows.")


class ScProductImportError(serializers.Serializer):
    row = serializers.IntegerField(help_text="As in the file, the header being row 1.")
    column = serializers.CharField()
    message = serializers.CharField()


class ScProductImportOutput(serializers.ModelSerializer[ProductImport]):
    status = serializers.CharField(help_text=_STATUS_HELP)
    progress = serializers.IntegerField(help_text="Percent of the rows done.")
    error_list = serializers.SerializerMethodField()

    class Meta:
        model = ProductImport
        fields = [
            "id",
            "file_name",
            "status",
            "progress",
            "rows",
            "done_rows",
            "created",
            "updated",
            "error_list",
            "failure",
            "created_at",
            "finished_at",
        ]

    @extend_schema_field(ScProductImportError(many=True))
    def get_error_list(self, job: ProductImport) -> list[dict[str, object]]:
        from ..product_import import flat_errors

        return ScProductImportError(flat_errors(job)[:200], many=True).data  # type: ignore[return-value]
