"""Input and output shapes of the quote API. Amounts travel as decimal strings ("1234.50")."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from core.money import amount_in_words

from ..models import Quote, QuoteLine
from ..quotes import DEFAULT_VAT_RATE, MAX_PRODUCT, VAT_RATES, rate_label

RATES_HELP = "One of " + ", ".join(f"{rate} ({rate_label(rate)})" for rate in VAT_RATES) + "."


class QuoteLineInputSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=MAX_PRODUCT)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4, help_text="More than zero.")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Before VAT, in yuan.")
    discount = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, default=Decimal("0"), help_text="Percent, 0 to 100."
    )
    vat_rate = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, default=DEFAULT_VAT_RATE, help_text=RATES_HELP
    )


class QuoteCreateInputSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    opportunity = serializers.IntegerField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    lines = QuoteLineInputSerializer(many=True, help_text="1 to 200 lines.")


class QuoteLinesInputSerializer(serializers.Serializer):
    lines = QuoteLineInputSerializer(many=True, help_text="1 to 200 lines; they replace the draft's lines.")


class QuoteLineOutputSerializer(serializers.ModelSerializer[QuoteLine]):
    class Meta:
        model = QuoteLine
        fields = ["position", "product", "quantity", "unit_price", "discount", "vat_rate", "net", "vat"]


class QuoteSummaryOutputSerializer(serializers.ModelSerializer[Quote]):
    account_name = serializers.CharField(source="account.name")
    owner = serializers.CharField(source="owner.email", default=None, allow_null=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "status",
            "account",
            "account_name",
            "opportunity",
            "valid_until",
            "net_total",
            "vat_total",
            "gross_total",
            "owner",
            "created_at",
            "updated_at",
        ]


class QuoteOutputSerializer(QuoteSummaryOutputSerializer):
    lines = QuoteLineOutputSerializer(many=True, read_only=True)
    gross_total_in_words = serializers.SerializerMethodField(help_text="The total in capital numerals (大写金额).")

    class Meta(QuoteSummaryOutputSerializer.Meta):
        fields = [*QuoteSummaryOutputSerializer.Meta.fields, "notes", "gross_total_in_words", "lines"]

    def get_gross_total_in_words(self, quote: Quote) -> str:
        return amount_in_words(quote.gross_total)


class QuoteInvoiceSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(help_text="The draft customer invoice in finance.")
    status = serializers.CharField()
