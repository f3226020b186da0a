"""Input and output shapes of the sales API. Amounts and quantities travel as decimal strings.

Inputs stay loose (numbers as strings, ids as integers): the services check every value and name
the line and field of each problem (``lines.2.quantity``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    CustomerInvoice,
    CustomerInvoiceLine,
    Delivery,
    DeliveryLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
)
from ..sales import VAT_RATES, LineAvailability, rate_label

RATES_HELP = "One of " + ", ".join(f"{rate} ({rate_label(rate)})" for rate in VAT_RATES) + "; empty: the product's."


class ScSalesLineInput(serializers.Serializer):
    product = serializers.IntegerField()
    quantity = serializers.CharField(max_length=30, help_text="More than zero, at most 4 decimals, in `unit`.")
    unit = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="Empty: the product's base unit."
    )
    unit_price = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="Before VAT, per `unit`. Empty: the customer's price list, else the product's sale price.",
    )
    vat_rate = serializers.CharField(
        max_length=10, required=False, allow_blank=True, allow_null=True, default=None, help_text=RATES_HELP
    )


class ScSalesOrderCreateInput(serializers.Serializer):
    customer = serializers.IntegerField()
    warehouse = serializers.IntegerField()
    ordered_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")
    promised_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = ScSalesLineInput(many=True, help_text="1 to 200 lines.")


class ScSalesOrderPatchInput(serializers.Serializer):
    customer = serializers.IntegerField(required=False)
    warehouse = serializers.IntegerField(required=False)
    ordered_on = serializers.DateField(required=False)
    promised_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lines = ScSalesLineInput(many=True, required=False, help_text="When given, they replace the draft's lines.")


class ScSalesFromDealInput(serializers.Serializer):
    opportunity_id = serializers.IntegerField(help_text="A won CRM opportunity the person sees.")
    warehouse = serializers.IntegerField()


class ScSalesOrderLineOutput(serializers.ModelSerializer[SalesOrderLine]):
    sku = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    base_unit = serializers.CharField(source="product.unit")

    class Meta:
        model = SalesOrderLine
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
            "reserved_quantity",
            "delivered_quantity",
            "invoiced_quantity",
            "returned_quantity",
        ]


class ScSalesAvailabilityOutput(serializers.Serializer):
    line = serializers.IntegerField(source="line.id")
    line_no = serializers.IntegerField(source="line.line_no")
    on_hand = serializers.DecimalField(
        max_digits=18, decimal_places=4, help_text="In the order's warehouse, base unit."
    )
    reserved_by_others = serializers.DecimalField(max_digits=18, decimal_places=4)
    available = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="Available to promise.")
    incoming = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="Open purchase orders.")
    left = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="Still to deliver, in the line's unit.")


class ScSalesOrderSummaryOutput(serializers.ModelSerializer[SalesOrder]):
    # A plain string: a second "status" enum would need an ENUM_NAME_OVERRIDES entry in settings.
    status = serializers.CharField(help_text="One of " + ", ".join(SalesOrder.Status.values) + ".")
    customer_name = serializers.CharField(source="customer.name")
    warehouse_code = serializers.CharField(source="warehouse.code")

    class Meta:
        model = SalesOrder
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "customer_name",
            "warehouse",
            "warehouse_code",
            "ordered_on",
            "promised_on",
            "crm_opportunity_id",
            "untaxed",
            "tax",
            "total",
            "note",
            "created_at",
        ]


class ScSalesDocumentRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class ScSalesOrderOutput(ScSalesOrderSummaryOutput):
    lines = ScSalesOrderLineOutput(many=True, read_only=True)
    availability = serializers.SerializerMethodField()
    deliveries = ScSalesDocumentRef(many=True, read_only=True)
    invoices = ScSalesDocumentRef(many=True, read_only=True)
    returns = ScSalesDocumentRef(many=True, read_only=True)

    class Meta(ScSalesOrderSummaryOutput.Meta):
        fields = [*ScSalesOrderSummaryOutput.Meta.fields, "lines", "availability", "deliveries", "invoices", "returns"]

    @extend_schema_field(ScSalesAvailabilityOutput(many=True))
    def get_availability(self, order: SalesOrder) -> list[dict[str, Any]]:
        rows: list[LineAvailability] = self.context.get("availability", [])
        return list(ScSalesAvailabilityOutput(rows, many=True).data)


class ScDeliveryLineInput(serializers.Serializer):
    order_line = serializers.IntegerField(help_text="A line of the order (its `id`).")
    quantity = serializers.CharField(max_length=30, help_text="In the order line's unit.")
    lot = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ScDeliveryCreateInput(serializers.Serializer):
    day = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = ScDeliveryLineInput(many=True)


class ScDeliveryLineOutput(serializers.ModelSerializer[DeliveryLine]):
    product = serializers.IntegerField(source="order_line.product_id")
    lot_number = serializers.CharField(source="lot.number", default="", allow_null=True)
    location = serializers.IntegerField(source="move.location_id")
    unit_cost = serializers.DecimalField(source="move.unit_cost", max_digits=20, decimal_places=6)

    class Meta:
        model = DeliveryLine
        fields = ["id", "order_line", "product", "quantity", "lot_number", "location", "unit_cost", "returned_quantity"]


class ScDeliveryOutput(serializers.ModelSerializer[Delivery]):
    lines = ScDeliveryLineOutput(many=True, read_only=True)
    order_number = serializers.CharField(source="order.number")

    class Meta:
        model = Delivery
        fields = ["id", "number", "order", "order_number", "delivered_on", "cost", "voucher_id", "note", "lines"]


class ScCustomerInvoiceCreateInput(serializers.Serializer):
    day = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ScCustomerInvoiceLineOutput(serializers.ModelSerializer[CustomerInvoiceLine]):
    class Meta:
        model = CustomerInvoiceLine
        fields = ["id", "order_line", "quantity", "untaxed"]


class ScCustomerInvoiceOutput(serializers.ModelSerializer[CustomerInvoice]):
    lines = ScCustomerInvoiceLineOutput(many=True, read_only=True)
    order_number = serializers.CharField(source="order.number")

    class Meta:
        model = CustomerInvoice
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "invoiced_on",
            "total",
            "finance_invoice_id",
            "note",
            "lines",
        ]


class ScSalesReturnLineInput(serializers.Serializer):
    delivery_line = serializers.IntegerField(help_text="A delivery line of the order (its `id`).")
    quantity = serializers.CharField(max_length=30, help_text="In the order line's unit.")


class ScSalesReturnCreateInput(serializers.Serializer):
    day = serializers.DateField()
    reason = serializers.CharField(max_length=200)
    lines = ScSalesReturnLineInput(many=True)


class ScSalesReturnLineOutput(serializers.ModelSerializer[SalesReturnLine]):
    unit_cost = serializers.DecimalField(source="move.unit_cost", max_digits=20, decimal_places=6)
    value = serializers.DecimalField(source="move.value", max_digits=18, decimal_places=2)

    class Meta:
        model = SalesReturnLine
        fields = ["id", "delivery_line", "quantity", "unit_cost", "value"]


class ScSalesReturnOutput(serializers.ModelSerializer[SalesReturn]):
    lines = ScSalesReturnLineOutput(many=True, read_only=True)
    order_number = serializers.CharField(source="order.number")

    class Meta:
        model = SalesReturn
        fields = ["id", "number", "order", "order_number", "returned_on", "reason", "value", "voucher_id", "lines"]
