"""Input and output shapes of the CRM API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ..models import Account, Activity, Attachment, Contact, Lead, Opportunity, SavedFilter, Stage


class CrmAccountInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    industry = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    size = serializers.ChoiceField(choices=Account.Size.choices, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CrmAccountOutputSerializer(serializers.ModelSerializer[Account]):
    owner = serializers.CharField(source="owner.email", default=None, allow_null=True)

    class Meta:
        model = Account
        fields = ["id", "name", "credit_code", "industry", "size", "address", "owner", "created_at"]


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    account = serializers.IntegerField(required=False, allow_null=True, default=None)


class ContactOutputSerializer(serializers.ModelSerializer[Contact]):
    account_name = serializers.CharField(source="account.name", default=None, allow_null=True)

    class Meta:
        model = Contact
        fields = ["id", "name", "mobile", "email", "position", "account", "account_name", "created_at"]


class LeadInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")  # type: ignore[assignment]
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    to_pool = serializers.BooleanField(required=False, default=False, help_text="Put it in the public pool (公海).")


class LeadOutputSerializer(serializers.ModelSerializer[Lead]):
    owner = serializers.CharField(source="owner.email", default=None, allow_null=True)
    in_pool = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "company",
            "credit_code",
            "mobile",
            "email",
            "source",
            "status",
            "owner",
            "in_pool",
            "claimed_at",
            "last_activity_at",
            "converted_account",
            "created_at",
        ]

    def get_in_pool(self, lead: Lead) -> bool:
        return lead.owner_id is None


class ConvertInputSerializer(serializers.Serializer):
    merge_into = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The matching account's id, to confirm a merge."
    )
    opportunity_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, default=None)
    expected_close = serializers.DateField(required=False, allow_null=True, default=None)


class ConversionOutputSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account.pk")
    contact = serializers.IntegerField(source="contact.pk", default=None, allow_null=True)
    opportunity = serializers.IntegerField(source="opportunity.pk", default=None, allow_null=True)
    merged = serializers.BooleanField()


class StageSerializer(serializers.ModelSerializer[Stage]):
    class Meta:
        model = Stage
        fields = ["id", "name", "name_en", "position", "probability", "kind"]
        read_only_fields = ["id"]
        validators: list[Any] = []  # the service checks names (with a clear error)
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class OpportunityInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    account = serializers.IntegerField()
    contact = serializers.IntegerField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=Decimal("0"))
    stage = serializers.IntegerField(required=False, allow_null=True, default=None)
    expected_close = serializers.DateField(required=False, allow_null=True, default=None)


class OpportunityOutputSerializer(serializers.ModelSerializer[Opportunity]):
    account_name = serializers.CharField(source="account.name")
    stage_name = serializers.CharField(source="stage.name")
    stage_kind = serializers.CharField(source="stage.kind")
    owner = serializers.CharField(source="owner.email", default=None, allow_null=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "account",
            "account_name",
            "contact",
            "amount",
            "stage",
            "stage_name",
            "stage_kind",
            "probability",
            "expected_close",
            "owner",
            "lost_reason",
            "closed_at",
            "created_at",
        ]


class MoveInputSerializer(serializers.Serializer):
    stage = serializers.IntegerField()
    lost_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LoseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ActivityInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    about = serializers.ChoiceField(choices=["account", "contact", "lead", "opportunity"])
    about_id = serializers.IntegerField()
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    remind_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ActivityOutputSerializer(serializers.ModelSerializer[Activity]):
    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "due_at",
            "remind_at",
            "done",
            "account",
            "contact",
            "lead",
            "opportunity",
            "created_at",
        ]


def ids(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class TagsSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=40, allow_blank=True), max_length=20)


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    uploaded_by = serializers.CharField(source="uploaded_by.email", default=None, allow_null=True)

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_by", "created_at"]


class SavedFilterSerializer(serializers.ModelSerializer[SavedFilter]):
    class Meta:
        model = SavedFilter
        fields = ["id", "list_name", "name", "query", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list[Any] = []  # the same name again replaces the filter


class PoolRulesSerializer(serializers.Serializer):
    pool_return_days = serializers.IntegerField(min_value=1, max_value=365)
    claim_limit = serializers.IntegerField(min_value=1, max_value=10_000)


class SalesRoleSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    email = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=[("", "none"), ("rep", "rep"), ("manager", "manager")], allow_blank=True)
    manager = serializers.IntegerField(required=False, allow_null=True, default=None)
