"""Output shapes of the stock reports API."""

from __future__ import annotations

from rest_framework import serializers


class ScWarehouseTotalOutput(serializers.Serializer):
    warehouse = serializers.IntegerField(source="warehouse_id")
    code = serializers.CharField()
    name = serializers.CharField()
    products = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=18, decimal_places=2)


class ScOnHandRowOutput(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    sku = serializers.CharField(source="product__sku")
    name = serializers.CharField(source="product__name")
    unit = serializers.CharField(source="product__unit")
    quantity = serializers.DecimalField(source="on_hand", max_digits=18, decimal_places=4)
    value = serializers.DecimalField(max_digits=18, decimal_places=2)


class ScOnHandOutput(serializers.Serializer):
    warehouses = ScWarehouseTotalOutput(many=True)
    total_value = serializers.DecimalField(max_digits=18, decimal_places=2)


class ScTurnoverRowOutput(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    sku = serializers.CharField()
    name = serializers.CharField()
    cost_of_goods = serializers.DecimalField(max_digits=18, decimal_places=2)
    opening = serializers.DecimalField(max_digits=18, decimal_places=2)
    closing = serializers.DecimalField(max_digits=18, decimal_places=2)
    average = serializers.DecimalField(max_digits=18, decimal_places=2)
    turnover = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    days_on_hand = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)


class ScTurnoverOutput(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    days = serializers.IntegerField()
    rows = ScTurnoverRowOutput(many=True)
    total = ScTurnoverRowOutput()


class ScAnalysisRowOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    orders = serializers.IntegerField()
    ordered = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Order lines before VAT")
    moved = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Received (purchases) or delivered (sales) at stock cost"
    )
    quantity = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)


class ScAnalysisOutput(serializers.Serializer):
    kind = serializers.CharField()
    group_by = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    rows = ScAnalysisRowOutput(many=True)
    ordered = serializers.DecimalField(max_digits=18, decimal_places=2)
    moved = serializers.DecimalField(max_digits=18, decimal_places=2)
