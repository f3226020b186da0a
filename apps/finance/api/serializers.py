from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ..models import Account, Period, Voucher, VoucherLine


def amount(*, allow_null: bool = False) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, allow_null=allow_null)


class AccountOutputSerializer(serializers.ModelSerializer[Account]):
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)  # type: ignore[assignment]

    class Meta:
        model = Account
        fields = ["code", "name", "name_en", "category", "side", "parent", "level", "is_leaf", "is_active", "is_cash"]


class AccountCreateInputSerializer(serializers.Serializer):
    parent = serializers.CharField(max_length=20)  # type: ignore[assignment]
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AccountUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(default=True)


class LineInputSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=20)
    debit = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, default=Decimal(0), min_value=Decimal(0)
    )
    credit = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, default=Decimal(0), min_value=Decimal(0)
    )
    summary = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    partner = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    project = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class VoucherInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    summary = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attachments = serializers.IntegerField(min_value=0, max_value=999, required=False, default=0)
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=500)  # type: ignore[call-arg]
    post = serializers.BooleanField(required=False, default=False, help_text="Post at once (needs the post right).")


class LineOutputSerializer(serializers.ModelSerializer[VoucherLine]):
    account = serializers.CharField(source="account.code")
    account_name = serializers.CharField(source="account.name")
    debit = amount()
    credit = amount()

    class Meta:
        model = VoucherLine
        fields = [
            "line_no",
            "account",
            "account_name",
            "summary",
            "debit",
            "credit",
            "partner",
            "department",
            "project",
        ]


class VoucherOutputSerializer(serializers.ModelSerializer[Voucher]):
    period = serializers.CharField(source="period.label")
    number = serializers.CharField(source="display_number")
    total = amount()
    prepared_by = serializers.CharField(source="created_by.email", default=None)
    posted_by = serializers.CharField(source="posted_by.email", default=None)
    reversal_of = serializers.IntegerField(source="reversal_of_id", allow_null=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Voucher
        fields = [
            "id",
            "period",
            "date",
            "number",
            "status",
            "kind",
            "summary",
            "attachments",
            "total",
            "source",
            "source_id",
            "reversal_of",
            "prepared_by",
            "posted_by",
            "posted_at",
            "lines",
        ]

    def get_lines(self, voucher: Voucher) -> list[dict[str, Any]]:
        if not self.context.get("with_lines"):
            return []
        return LineOutputSerializer(voucher.lines.all(), many=True).data  # type: ignore[return-value]


class ReverseInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class PeriodOutputSerializer(serializers.ModelSerializer[Period]):
    period = serializers.CharField(source="label")
    closed_by = serializers.CharField(source="closed_by.email", default=None)

    class Meta:
        model = Period
        fields = ["period", "year", "month", "status", "last_number", "closed_at", "closed_by"]


class TrialBalanceRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    opening_debit = amount()
    opening_credit = amount()
    debit = amount()
    credit = amount()
    closing_debit = amount()
    closing_credit = amount()
    ytd_debit = amount()
    ytd_credit = amount()


class TrialBalanceSerializer(serializers.Serializer):
    period = serializers.CharField(source="period.label")
    balanced = serializers.BooleanField()
    rows = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceRowSerializer()


class StatementRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    current = amount(allow_null=True)
    comparative = amount(allow_null=True)
    total = serializers.BooleanField()


class StatementSectionSerializer(serializers.Serializer):
    title = serializers.CharField()
    rows = StatementRowSerializer(many=True)


class StatementSerializer(serializers.Serializer):
    title = serializers.CharField()
    form = serializers.CharField()
    period = serializers.CharField()
    current_label = serializers.CharField()
    comparative_label = serializers.CharField()
    sections = StatementSectionSerializer(many=True)
    checks = serializers.DictField(child=serializers.BooleanField())


def statement_data(statement: Any) -> dict[str, Any]:
    return StatementSerializer(
        {
            "title": statement.title,
            "form": statement.form,
            "period": statement.period.label,
            "current_label": statement.current_label,
            "comparative_label": statement.comparative_label,
            "sections": [
                {"title": title, "rows": [row for row in rows if not row.heading]} for title, rows in statement.sections
            ],
            "checks": statement.checks,
        }
    ).data


class LedgerLineSerializer(serializers.Serializer):
    voucher_id = serializers.IntegerField()
    date = serializers.DateField()
    number = serializers.CharField()
    summary = serializers.CharField()
    debit = amount()
    credit = amount()
    balance = amount()


class AccountLedgerSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    period = serializers.CharField(source="period.label")
    opening = amount()
    debit = amount()
    credit = amount()
    closing = amount()
    truncated = serializers.BooleanField()
    lines = LedgerLineSerializer(many=True)
