"""The CRM import and export API: upload a file (preview and suggested mapping back), start the
import with a mapping and dedupe rules, follow its progress, download the row-level error
report; export any filtered list as CSV or XLSX. Everyone sees only their own imports (owners
and administrators everyone's) and exports only what they see."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import acting_user
from core.reports import XLSX_TYPE

from .. import exports, imports
from ..models import CrmImport
from .import_serializers import (
    CrmImportOutputSerializer,
    CrmImportStartInputSerializer,
    CrmImportUploadInputSerializer,
)

READ = {"GET": "crm:read"}
WRITE = {"POST": "crm:write"}


def import_state(job: CrmImport) -> dict[str, Any]:
    """An import as the API and pages show it."""
    preview = imports.import_preview(job)
    return {
        "id": job.pk,
        "kind": job.kind,
        "file_name": job.file_name,
        "status": job.status,
        "progress": job.progress,
        "rows": job.rows,
        "done_rows": job.done_rows,
        "imported": job.imported,
        "skipped": job.skipped,
        "error_rows": imports.error_rows(job),
        "failure": job.failure,
        "mapping": job.mapping,
        "dedupe": job.dedupe,
        "fields": [
            {"name": spec.name, "label": str(spec.label), "required": spec.required}
            for spec in imports.fields_for(job.kind)
        ],
        "dedupe_choices": list(imports.DEDUPE_CHOICES[job.kind]),
        "suggested_mapping": imports.suggest_mapping(job.kind, preview.header),
        "preview": {"header": preview.header, "rows": preview.rows},
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


class CrmImportCreateApi(APIView):
    """Upload a CSV (UTF-8 or GB18030/GBK) or XLSX file of contacts, accounts or leads. The answer
    holds its first rows and a suggested column mapping; nothing is imported before ``start``."""

    required_scopes = WRITE
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": CrmImportUploadInputSerializer}, responses={201: CrmImportOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = CrmImportUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        imports.check_size(upload.size or 0)
        job = imports.import_upload(
            actor=acting_user(request),
            kind=serializer.validated_data["kind"],
            name=upload.name or "",
            content=upload.read(),
        )
        return Response(CrmImportOutputSerializer(import_state(job)).data, status=status.HTTP_201_CREATED)


class CrmImportDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: CrmImportOutputSerializer})
    def get(self, request: Request, import_id: int) -> Response:
        job = imports.import_get(actor=acting_user(request), import_id=import_id)
        return Response(CrmImportOutputSerializer(import_state(job)).data)


class CrmImportStartApi(APIView):
    """Confirm the column mapping and the dedupe rules; the import runs as a job (poll the import
    for its progress)."""

    required_scopes = WRITE

    @extend_schema(request=CrmImportStartInputSerializer, responses={202: CrmImportOutputSerializer})
    def post(self, request: Request, import_id: int) -> Response:
        serializer = CrmImportStartInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = imports.import_start(
            actor=acting_user(request),
            import_id=import_id,
            mapping=serializer.validated_data["mapping"],
            dedupe=serializer.validated_data["dedupe"],
        )
        return Response(CrmImportOutputSerializer(import_state(job)).data, status=status.HTTP_202_ACCEPTED)


class CrmImportErrorsApi(APIView):
    """The rows that failed, as CSV: row number, column, problem and the row as it was."""

    required_scopes = READ

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request: Request, import_id: int) -> HttpResponse:
        job = imports.import_get(actor=acting_user(request), import_id=import_id)
        response = HttpResponse(imports.error_report(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="crm-import-{job.pk}-errors.csv"'
        return response


class _AnyFormat(DefaultContentNegotiation):
    """``?format=`` names the file to make here, not a DRF renderer; errors stay JSON."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


class CrmExportApi(APIView):
    """A list as CSV (UTF-8 with BOM) or XLSX, with the list's own filters (``q``, ``sort``, and
    ``industry``/``tag`` for accounts, ``account`` for contacts, ``status``/``pool`` for leads,
    ``stage``/``open`` for opportunities)."""

    required_scopes = READ
    content_negotiation_class = _AnyFormat

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(exports.KINDS)),
            OpenApiParameter("format", str, enum=["csv", "xlsx"], description="csv (the default) or xlsx"),
            OpenApiParameter("q", str, description="Search, as on the list"),
            OpenApiParameter("sort", str, description="A field, '-' first for descending"),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, kind: str) -> HttpResponse | StreamingHttpResponse:
        return exports.export_response(actor=acting_user(request), kind=kind, params=request.query_params)
