"""Shapes of the CRM import and export API."""

from __future__ import annotations

from rest_framework import serializers

from ..models import CrmImport


class CrmImportUploadInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CrmImport.Kind.choices, help_text="What the file holds.")
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030/GBK) or XLSX, at most 20 MB and 200,000 rows.")


class CrmImportStartInputSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.IntegerField(min_value=0, allow_null=True),
        help_text="Field name → column index (0 = the first column); null or absent: not imported.",
    )
    dedupe = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        default=list,
        help_text="Skip rows matching a record by these fields (credit_code, mobile, email).",
    )


class CrmImportFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]


class CrmImportPreviewSerializer(serializers.Serializer):
    header = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class CrmImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CrmImport.Kind.choices)
    file_name = serializers.CharField()
    status = serializers.ChoiceField(choices=CrmImport.Status.choices)
    progress = serializers.IntegerField(help_text="Percent of the rows done.")
    rows = serializers.IntegerField()
    done_rows = serializers.IntegerField()
    imported = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Rows matching a record that exists already.")
    error_rows = serializers.IntegerField(help_text="Rows with at least one error (see the error report).")
    failure = serializers.CharField()
    mapping = serializers.DictField(child=serializers.IntegerField())
    dedupe = serializers.ListField(child=serializers.CharField())
    fields = CrmImportFieldSerializer(many=True)  # type: ignore[assignment]
    dedupe_choices = serializers.ListField(child=serializers.CharField())
    suggested_mapping = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    preview = CrmImportPreviewSerializer()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
