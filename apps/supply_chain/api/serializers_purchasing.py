"""Input and output shapes of the purchasing API. Quantities and amounts travel as decimal
strings ("1234.50"); quantities on lines are in the order line's unit."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    Receipt,
    ReceiptLine,
    SupplierBill,
    SupplierBillLine,
)
from ..purchasing import VAT_RATES, rate_label

RATES_HELP = "One of " + ", ".join(f"{rate} ({rate_label(rate)})" for rate in VAT_RATES) + "; empty: the product's."


class ScPurchaseOrderLineInput(serializers.Serializer):
    product = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="More than zero, in `unit`.")
    unit = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="Empty: the product's base unit."
    )
    unit_price = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        required=False,
        allow_null=True,
        default=None,
        help_text="Before VAT, per `unit`; empty: the product's purchase price.",
    )
    vat_rate = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, allow_null=True, default=None, help_text=RATES_HELP
    )


class ScPurchaseOrderCreateInput(serializers.Serializer):
    supplier = serializers.IntegerField()
    warehouse = serializers.IntegerField()
    ordered_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Empty: today.")
    expected_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = ScPurchaseOrderLineInput(many=True, help_text="1 to 200 lines.")


class ScPurchaseOrderUpdateInput(serializers.Serializer):
    """Only what is sent changes; ``lines`` replace all the lines."""

    supplier = serializers.IntegerField(required=False)
    warehouse = serializers.IntegerField(required=False)
    ordered_on = serializers.DateField(required=False)
    expected_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lines = ScPurchaseOrderLineInput(many=True, required=False)


class ScPurchaseOrderLineOutput(serializers.ModelSerializer[PurchaseOrderLine]):
    sku = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    base_unit = serializers.CharField(source="product.unit")

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "line_no",
            "product",
            "sku",
            "product_name",
            "unit",
            "base_unit",
            "factor",
            "quantity",
            "unit_price",
            "vat_rate",
            "untaxed",
            "tax",
            "received_quantity",
            "billed_quantity",
            "returned_quantity",
        ]


class ScPurchaseOrderSummaryOutput(serializers.ModelSerializer[PurchaseOrder]):
    supplier_name = serializers.CharField(source="supplier.name")
    # A plain string in the schema: "status" enums of other modules would clash by name.
    status = serializers.CharField(help_text="One of: " + ", ".join(PurchaseOrder.Status.values) + ".")

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "status",
            "supplier",
            "supplier_name",
            "warehouse",
            "ordered_on",
            "expected_on",
            "untaxed",
            "tax",
            "total",
            "note",
            "created_at",
        ]


class ScPurchaseDocumentRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class ScPurchaseOrderOutput(ScPurchaseOrderSummaryOutput):
    lines = ScPurchaseOrderLineOutput(many=True, read_only=True)
    receipts = ScPurchaseDocumentRefOutput(many=True, read_only=True)
    bills = ScPurchaseDocumentRefOutput(many=True, read_only=True)
    returns = ScPurchaseDocumentRefOutput(many=True, read_only=True)

    class Meta(ScPurchaseOrderSummaryOutput.Meta):
        fields = [*ScPurchaseOrderSummaryOutput.Meta.fields, "lines", "receipts", "bills", "returns"]


class ScReceiptLineInput(serializers.Serializer):
    order_line = serializers.IntegerField(help_text="A line id of the order.")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="In the order line's unit.")
    lot = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="", help_text="Required for tracked products."
    )


class ScReceiptCreateInput(serializers.Serializer):
    received_on = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = ScReceiptLineInput(many=True)


class ScReceiptLineOutput(serializers.ModelSerializer[ReceiptLine]):
    product = serializers.IntegerField(source="order_line.product_id")
    lot_number = serializers.CharField(source="lot.number", default="", allow_null=True)
    base_quantity = serializers.DecimalField(source="move.quantity", max_digits=18, decimal_places=4)
    unit_cost = serializers.DecimalField(
        source="move.unit_cost", max_digits=20, decimal_places=6, help_text="Per base unit."
    )
    value = serializers.DecimalField(source="move.value", max_digits=18, decimal_places=2)

    class Meta:
        model = ReceiptLine
        fields = [
            "id",
            "order_line",
            "product",
            "quantity",
            "lot_number",
            "base_quantity",
            "unit_cost",
            "value",
            "returned_quantity",
        ]


class ScReceiptOutput(serializers.ModelSerializer[Receipt]):
    order_number = serializers.CharField(source="order.number")
    lines = ScReceiptLineOutput(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = ["id", "number", "order", "order_number", "received_on", "value", "voucher_id", "note", "lines"]


class ScSupplierBillLineInput(serializers.Serializer):
    order_line = serializers.IntegerField(help_text="A line id of the order.")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="In the order line's unit.")
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="Before VAT, as billed.")


class ScSupplierBillCreateInput(serializers.Serializer):
    billed_on = serializers.DateField()
    supplier_reference = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = ScSupplierBillLineInput(many=True)


class ScBillMismatchOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="The bill line's number, from 1.")
    code = serializers.ChoiceField(choices=["quantity", "price"])
    detail = serializers.CharField()


class ScSupplierBillLineOutput(serializers.ModelSerializer[SupplierBillLine]):
    order_price = serializers.DecimalField(source="order_line.unit_price", max_digits=18, decimal_places=4)

    class Meta:
        model = SupplierBillLine
        fields = ["id", "order_line", "quantity", "unit_price", "order_price", "untaxed", "tax"]


class ScSupplierBillOutput(serializers.ModelSerializer[SupplierBill]):
    order_number = serializers.CharField(source="order.number")
    mismatches = serializers.SerializerMethodField()
    lines = ScSupplierBillLineOutput(many=True, read_only=True)

    class Meta:
        model = SupplierBill
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "supplier_reference",
            "billed_on",
            "match",
            "mismatches",
            "untaxed",
            "tax",
            "total",
            "finance_invoice_id",
            "note",
            "lines",
        ]

    def get_mismatches(self, bill: SupplierBill) -> list[dict[str, Any]]:
        return ScBillMismatchOutput(bill.mismatches or [], many=True).data  # type: ignore[return-value]


class ScPurchaseReturnLineInput(serializers.Serializer):
    receipt_line = serializers.IntegerField(help_text="A receipt line id of the order.")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="In the order line's unit.")


class ScPurchaseReturnCreateInput(serializers.Serializer):
    returned_on = serializers.DateField()
    reason = serializers.CharField(max_length=200)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = ScPurchaseReturnLineInput(many=True)


class ScPurchaseReturnLineOutput(serializers.ModelSerializer[PurchaseReturnLine]):
    unit_cost = serializers.DecimalField(
        source="move.unit_cost", max_digits=20, decimal_places=6, help_text="Per base unit."
    )
    value = serializers.DecimalField(source="move.value", max_digits=18, decimal_places=2)

    class Meta:
        model = PurchaseReturnLine
        fields = ["id", "receipt_line", "quantity", "unit_cost", "value"]


class ScPurchaseReturnOutput(serializers.ModelSerializer[PurchaseReturn]):
    order_number = serializers.CharField(source="order.number")
    lines = ScPurchaseReturnLineOutput(many=True, read_only=True)

    class Meta:
        model = PurchaseReturn
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "returned_on",
            "reason",
            "value",
            "voucher_id",
            "note",
            "lines",
        ]


class ScReplenishmentLineOutput(serializers.Serializer):
    product = serializers.IntegerField(source="product.pk")
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit")
    on_hand = serializers.DecimalField(max_digits=18, decimal_places=4)
    on_order = serializers.DecimalField(max_digits=18, decimal_places=4)
    projected = serializers.DecimalField(max_digits=18, decimal_places=4)
    reorder_point = serializers.DecimalField(max_digits=18, decimal_places=4)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="Suggested, in the base unit.")


class ScReplenishmentGroupOutput(serializers.Serializer):
    supplier = serializers.IntegerField(source="supplier.pk", allow_null=True, default=None)
    supplier_name = serializers.CharField(source="supplier.name", allow_null=True, default=None)
    lines = ScReplenishmentLineOutput(many=True)


class ScReplenishmentCreateInput(serializers.Serializer):
    supplier_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=200)
    warehouse = serializers.IntegerField()
