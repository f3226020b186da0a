"""Input and output shapes of the stock API: levels, moves, transfers and stocktakes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import StockMove, Stocktake, StocktakeLine, Transfer, TransferLine


class ScStockLevelOutput(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    sku = serializers.CharField(source="product__sku")
    name = serializers.CharField(source="product__name")
    unit = serializers.CharField(source="product__unit")
    warehouse = serializers.IntegerField(source="warehouse_id")
    warehouse_code = serializers.CharField(source="warehouse__code")
    quantity = serializers.DecimalField(source="on_hand", max_digits=18, decimal_places=4)
    value = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Share of the product's value.")


class ScStockMoveOutput(serializers.ModelSerializer[StockMove]):
    sku = serializers.CharField(source="product.sku")
    warehouse_code = serializers.CharField(source="warehouse.code")
    location_code = serializers.CharField(source="location.code")
    lot_number = serializers.CharField(source="lot.number", default=None, allow_null=True)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "moved_on",
            "kind",
            "product",
            "sku",
            "warehouse",
            "warehouse_code",
            "location",
            "location_code",
            "lot",
            "lot_number",
            "quantity",
            "valued",
            "unit_cost",
            "value",
            "balance_quantity",
            "balance_value",
            "document",
            "document_id",
            "reference",
        ]


class ScTransferLineInput(serializers.Serializer):
    product = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="In the product's base unit.")
    lot = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ScTransferInput(serializers.Serializer):
    from_location = serializers.IntegerField()
    to_location = serializers.IntegerField()
    day = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = ScTransferLineInput(many=True)


class ScTransferLineOutput(serializers.ModelSerializer[TransferLine]):
    sku = serializers.CharField(source="product.sku")
    lot_number = serializers.CharField(source="lot.number", default=None, allow_null=True)

    class Meta:
        model = TransferLine
        fields = ["id", "product", "sku", "lot", "lot_number", "quantity", "out_move", "in_move"]


class ScTransferOutput(serializers.ModelSerializer[Transfer]):
    from_warehouse = serializers.IntegerField(source="from_location.warehouse_id")
    to_warehouse = serializers.IntegerField(source="to_location.warehouse_id")

    class Meta:
        model = Transfer
        fields = ["id", "number", "moved_on", "from_location", "from_warehouse", "to_location", "to_warehouse", "note"]


class ScTransferDetailOutput(ScTransferOutput):
    lines = serializers.SerializerMethodField()

    class Meta(ScTransferOutput.Meta):
        fields = [*ScTransferOutput.Meta.fields, "lines"]

    @extend_schema_field(ScTransferLineOutput(many=True))
    def get_lines(self, transfer: Transfer) -> list[dict[str, Any]]:
        from ..stock import transfer_lines

        return ScTransferLineOutput(transfer_lines(transfer), many=True).data  # type: ignore[return-value]


class ScStocktakeInput(serializers.Serializer):
    warehouse = serializers.IntegerField()
    day = serializers.DateField()
    category = serializers.IntegerField(required=False, allow_null=True, default=None)
    products = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        max_length=5000,
        help_text="Only these products.",
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ScStocktakeCountInput(serializers.Serializer):
    line = serializers.IntegerField()
    counted = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True, help_text="null clears it")


class ScStocktakeCountsInput(serializers.Serializer):
    counts = serializers.ListField(child=ScStocktakeCountInput(), max_length=5000)


class ScStocktakeAddLineInput(serializers.Serializer):
    product = serializers.IntegerField()
    location = serializers.IntegerField(required=False, allow_null=True, default=None)
    lot = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    counted = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True, default=None)


class ScStocktakeLineOutput(serializers.ModelSerializer[StocktakeLine]):
    sku = serializers.CharField(source="product.sku")
    location_code = serializers.CharField(source="location.code")
    lot_number = serializers.CharField(source="lot.number", default=None, allow_null=True)
    difference = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True, read_only=True)

    class Meta:
        model = StocktakeLine
        fields = [
            "id",
            "product",
            "sku",
            "location",
            "location_code",
            "lot",
            "lot_number",
            "expected",
            "counted",
            "difference",
            "move",
        ]


class ScStocktakeOutput(serializers.ModelSerializer[Stocktake]):
    # Plain text, not an enum component: "status" enums of other documents would collide by name.
    status = serializers.CharField(read_only=True, help_text="counting, posted or cancelled")

    class Meta:
        model = Stocktake
        fields = ["id", "number", "warehouse", "status", "counted_on", "value_change", "voucher_id", "note"]


class ScStocktakeDetailOutput(ScStocktakeOutput):
    lines = serializers.SerializerMethodField()

    class Meta(ScStocktakeOutput.Meta):
        fields = [*ScStocktakeOutput.Meta.fields, "lines"]

    @extend_schema_field(ScStocktakeLineOutput(many=True))
    def get_lines(self, stocktake: Stocktake) -> list[dict[str, Any]]:
        from ..stock import stocktake_lines

        return ScStocktakeLineOutput(stocktake_lines(stocktake), many=True).data  # type: ignore[return-value]
