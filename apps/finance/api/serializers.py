from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ..models import (
    Account,
    BankStatementLine,
    Invoice,
    InvoiceLine,
    Payment,
    Period,
    Voucher,
    VoucherAttachment,
    VoucherLine,
)


def money_field(*, allow_null: bool = False, source: str | None = None) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=18, decimal_places=2, coerce_to_string=True, allow_null=allow_null, source=source
    )


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
    debit = money_field()
    credit = money_field()

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
    total = money_field()
    prepared_by = serializers.CharField(source="created_by.email", default=None, allow_null=True)
    posted_by = serializers.CharField(source="posted_by.email", default=None, allow_null=True)
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
    closed_by = serializers.CharField(source="closed_by.email", default=None, allow_null=True)

    class Meta:
        model = Period
        fields = ["period", "year", "month", "status", "last_number", "closed_at", "closed_by"]


class TrialBalanceRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    opening_debit = money_field()
    opening_credit = money_field()
    debit = money_field()
    credit = money_field()
    closing_debit = money_field()
    closing_credit = money_field()
    ytd_debit = money_field()
    ytd_credit = money_field()


class TrialBalanceSerializer(serializers.Serializer):
    period = serializers.CharField(source="period.label")
    balanced = serializers.BooleanField()
    rows = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceRowSerializer()


class StatementRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    current = money_field(allow_null=True)
    comparative = money_field(allow_null=True)
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
    debit = money_field()
    credit = money_field()
    balance = money_field()


class AccountLedgerSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    period = serializers.CharField(source="period.label")
    opening = money_field()
    debit = money_field()
    credit = money_field()
    closing = money_field()
    truncated = serializers.BooleanField()
    lines = LedgerLineSerializer(many=True)


class FapiaoSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Invoice.FapiaoType.choices, required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    date = serializers.DateField(required=False, allow_null=True, default=None)
    seller_tax_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    buyer_tax_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class InvoiceLineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    account = serializers.CharField(max_length=20)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    vat_rate = serializers.CharField(max_length=10, help_text='A rate such as "0.13", or "exempt".')


class InvoiceInputSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Invoice.Direction.choices)
    partner_name = serializers.CharField(max_length=200)
    partner_tax_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    date = serializers.DateField()
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]
    fapiao = FapiaoSerializer(required=False)
    post = serializers.BooleanField(required=False, default=False)


class InvoiceLineOutputSerializer(serializers.ModelSerializer[InvoiceLine]):
    account = serializers.CharField(source="account.code")
    untaxed = money_field()
    tax = money_field()

    class Meta:
        model = InvoiceLine
        fields = ["line_no", "description", "account", "quantity", "unit_price", "vat_rate", "untaxed", "tax"]


class InvoiceOutputSerializer(serializers.ModelSerializer[Invoice]):
    untaxed = money_field()
    tax = money_field()
    total = money_field()
    open_amount = money_field()
    voucher = serializers.CharField(source="voucher.display_number", default=None, allow_null=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "direction",
            "status",
            "partner_name",
            "partner_tax_id",
            "date",
            "due_date",
            "reference",
            "untaxed",
            "tax",
            "total",
            "open_amount",
            "credit_of",
            "fapiao_type",
            "fapiao_code",
            "fapiao_number",
            "fapiao_date",
            "seller_tax_id",
            "buyer_tax_id",
            "voucher",
            "lines",
        ]

    def get_lines(self, invoice: Invoice) -> list[dict[str, Any]]:
        if not self.context.get("with_lines"):
            return []
        return InvoiceLineOutputSerializer(invoice.lines.all(), many=True).data  # type: ignore[return-value]


class CreditNoteInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField(max_length=200)
    fapiao = FapiaoSerializer(required=False)


class AllocationInputSerializer(serializers.Serializer):
    invoice = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)


class PaymentInputSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Payment.Direction.choices)
    partner_name = serializers.CharField(max_length=200)
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    bank_account = serializers.CharField(max_length=20)
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    allocations = AllocationInputSerializer(many=True, required=False, default=list)


class PaymentOutputSerializer(serializers.ModelSerializer[Payment]):
    amount = money_field()
    unallocated = money_field()
    bank_account = serializers.CharField(source="bank_account.code")
    voucher = serializers.CharField(source="voucher.display_number", default=None, allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "direction",
            "partner_name",
            "date",
            "amount",
            "bank_account",
            "unallocated",
            "reference",
            "voucher",
        ]


class AgingRowSerializer(serializers.Serializer):
    partner = serializers.CharField()
    current = money_field()
    d1_30 = money_field()
    d31_60 = money_field()
    d61_90 = money_field()
    over_90 = money_field()
    total = money_field()


class AgingSerializer(serializers.Serializer):
    direction = serializers.CharField()
    as_of = serializers.DateField()
    partners = serializers.IntegerField()
    rows = AgingRowSerializer(many=True)
    totals = AgingRowSerializer()


class VatRowSerializer(serializers.Serializer):
    rate = serializers.CharField()
    untaxed = money_field()
    tax = money_field()
    count = serializers.IntegerField()


class VatSummarySerializer(serializers.Serializer):
    period = serializers.CharField(source="period.label")
    output = VatRowSerializer(many=True)
    input = VatRowSerializer(many=True)
    output_tax = money_field()
    input_tax = money_field()
    payable = money_field()


class StatementImportInputSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=20)
    file = serializers.FileField()
    date_column = serializers.CharField(max_length=100)
    amount_column = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    inflow_column = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    outflow_column = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description_column = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    counterparty_column = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reference_column = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    balance_column = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    imported = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    row_errors = ImportErrorSerializer(many=True, source="errors")


class StatementLineOutputSerializer(serializers.ModelSerializer[BankStatementLine]):
    account = serializers.CharField(source="account.code")
    amount = money_field()
    balance = money_field(allow_null=True)
    matched_line = serializers.IntegerField(source="matched_line_id", allow_null=True)
    matched_voucher = serializers.CharField(source="matched_line.voucher.display_number", default=None, allow_null=True)

    class Meta:
        model = BankStatementLine
        fields = [
            "id",
            "account",
            "date",
            "amount",
            "description",
            "counterparty",
            "reference",
            "balance",
            "matched_line",
            "matched_voucher",
        ]


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    voucher = serializers.CharField(source="voucher.display_number")
    summary = serializers.CharField()
    debit = money_field()
    credit = money_field()


class SuggestionSerializer(serializers.Serializer):
    statement_line = serializers.IntegerField()
    candidates = LedgerEntrySerializer(many=True)


class MatchInputSerializer(serializers.Serializer):
    voucher_line = serializers.IntegerField()


class AccountInputSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=20)


class ReconciliationSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    as_of = serializers.DateField()
    book_balance = money_field()
    bank_balance = money_field()
    bank_balance_stated = serializers.BooleanField()
    bank_only = StatementLineOutputSerializer(many=True)
    book_only = LedgerEntrySerializer(many=True)
    bank_only_total = money_field()
    book_only_total = money_field()
    adjusted_book = money_field()
    adjusted_bank = money_field()
    balanced = serializers.BooleanField()
    truncated = serializers.BooleanField()


class GeneralLedgerRowSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    debit = money_field()
    credit = money_field()
    side = serializers.CharField()
    balance = money_field()


class GeneralLedgerSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    period = serializers.CharField(source="period.label")
    rows = GeneralLedgerRowSerializer(many=True)


class JournalDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    lines = LedgerLineSerializer(many=True)
    debit = money_field()
    credit = money_field()
    balance = money_field()


class CashJournalSerializer(serializers.Serializer):
    account = serializers.CharField(source="ledger.account.code")
    period = serializers.CharField(source="ledger.period.label")
    opening = money_field(source="ledger.opening")
    closing = money_field(source="ledger.closing")
    truncated = serializers.BooleanField(source="ledger.truncated")
    days = JournalDaySerializer(many=True)


class AttachmentOutputSerializer(serializers.ModelSerializer[VoucherAttachment]):
    uploaded_by = serializers.CharField(source="uploaded_by.email", default=None)

    class Meta:
        model = VoucherAttachment
        fields = ["id", "voucher", "name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
