"""The quote API: list and create, read, replace a draft's lines, send / accept / decline, and
the PDF. Another person's quote (or another firm's) is 404, like any record one may not see."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user
from core.errors import ValidationFailed
from core.reports import PDF_TYPE

from .. import quotes
from ..models import Quote
from ..quote_pdf import quote_filename, quote_pdf
from .quote_serializers import (
    QuoteCreateInputSerializer,
    QuoteInvoiceSerializer,
    QuoteLinesInputSerializer,
    QuoteOutputSerializer,
    QuoteSummaryOutputSerializer,
)
from .serializers import ids

QUOTE_ERRORS = (
    "Errors are {code, detail, fields}. Line problems are listed under `lines` as 'Line 2: ...' and, "
    "per field, under keys like `lines.2.quantity`."
)


def _problems(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for problems in value.values() for message in _problems(problems)]
    if isinstance(value, list):
        return [message for item in value for message in _problems(item)]
    return [str(value)]


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    """The checked input, or a 400 whose line errors name the line (like the service's)."""
    serializer = serializer_class(data=request.data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    fields: dict[str, list[str]] = {}
    for name, problems in serializer.errors.items():
        # One entry per line: a list (older DRF) or a dict keyed by the line's index.
        per_line = None
        if name == "lines" and isinstance(problems, list):
            per_line = list(enumerate(problems, start=1))
        elif name == "lines" and isinstance(problems, dict) and all(isinstance(key, int) for key in problems):
            per_line = [(index + 1, line) for index, line in sorted(problems.items())]
        if per_line is not None:
            for number, line in per_line:
                if not line:
                    continue
                for field, messages in line.items() if isinstance(line, dict) else [("line", line)]:
                    key = "line" if field == "non_field_errors" else field
                    for message in _problems(messages):
                        fields.setdefault("lines", []).append(
                            _("Line %(number)d: %(problem)s") % {"number": number, "problem": f"{key}: {message}"}
                        )
                        fields.setdefault(f"lines.{number}.{key}", []).append(message)
        else:
            fields[name] = _problems(problems)
    raise ValidationFailed(_("Some fields are not valid."), fields=fields)


def _firm_name(request: Request) -> str:
    tenant = getattr(request._request, "tenant", None)
    return str(tenant.name) if tenant is not None else ""


class QuoteListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = {"GET": "crm:read", "POST": "crm:write"}

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search the number and the account's name"),
            OpenApiParameter("status", str, enum=Quote.Status.values),
            OpenApiParameter("account", int),
        ],
        responses={200: QuoteSummaryOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        found = quotes.quote_list(
            actor=acting_user(request),
            q=params.get("q", ""),
            status=params.get("status", ""),
            account_id=ids(params.get("account")),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(QuoteSummaryOutputSerializer(page, many=True).data)

    @extend_schema(
        request=QuoteCreateInputSerializer,
        responses={201: QuoteOutputSerializer},
        description="A draft quote, numbered BJ<year>-<n> without gaps. " + QUOTE_ERRORS,
    )
    def post(self, request: Request) -> Response:
        data = _valid(QuoteCreateInputSerializer, request)
        quote = quotes.quote_create(
            actor=acting_user(request),
            account_id=data["account"],
            opportunity_id=data["opportunity"],
            lines=data["lines"],
            valid_until=data["valid_until"],
            notes=data["notes"],
        )
        quote = quotes.quote_get(actor=acting_user(request), quote_id=quote.pk)
        return Response(QuoteOutputSerializer(quote).data, status=status.HTTP_201_CREATED)


class QuoteDetailApi(APIView):
    required_scopes = {"GET": "crm:read"}

    @extend_schema(responses={200: QuoteOutputSerializer})
    def get(self, request: Request, quote_id: int) -> Response:
        return Response(QuoteOutputSerializer(quotes.quote_get(actor=acting_user(request), quote_id=quote_id)).data)


class QuoteLinesApi(APIView):
    """Replace a draft's lines; a sent quote answers 409 ``quote_not_draft``."""

    required_scopes = {"PUT": "crm:write"}

    @extend_schema(request=QuoteLinesInputSerializer, responses={200: QuoteOutputSerializer}, description=QUOTE_ERRORS)
    def put(self, request: Request, quote_id: int) -> Response:
        data = _valid(QuoteLinesInputSerializer, request)
        actor = acting_user(request)
        quotes.quote_update_lines(actor=actor, quote_id=quote_id, lines=data["lines"])
        return Response(QuoteOutputSerializer(quotes.quote_get(actor=actor, quote_id=quote_id)).data)


class QuoteActionApi(APIView):
    """send: draft → sent (the lines are then fixed); accept / decline: sent → accepted / declined.
    Any other move answers 409 ``quote_status``."""

    required_scopes = {"POST": "crm:write"}
    actions = {"send": quotes.quote_send, "accept": quotes.quote_accept, "decline": quotes.quote_decline}

    @extend_schema(request=None, responses={200: QuoteOutputSerializer})
    def post(self, request: Request, quote_id: int, action: str) -> Response:
        actor = acting_user(request)
        self.actions[action](actor=actor, quote_id=quote_id)
        return Response(QuoteOutputSerializer(quotes.quote_get(actor=actor, quote_id=quote_id)).data)


class QuoteInvoiceApi(APIView):
    """An accepted quote becomes a draft customer invoice in finance (the quote number is its
    reference). 409 ``quote_status`` unless accepted, 409 ``quote_invoiced`` the second time
    (with the invoice's id in ``fields.invoice``); finance's own rules apply (the right to
    prepare invoices, the VAT rates the firm may charge)."""

    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=None, responses={201: QuoteInvoiceSerializer})
    def post(self, request: Request, quote_id: int) -> Response:
        invoice = quotes.quote_invoice(actor=acting_user(request), quote_id=quote_id)
        return Response({"invoice": invoice.pk, "status": invoice.status}, status=201)


class QuotePdfApi(APIView):
    required_scopes = {"GET": "crm:read"}

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, quote_id: int) -> HttpResponse:
        quote = quotes.quote_get(actor=acting_user(request), quote_id=quote_id)
        response = HttpResponse(quote_pdf(quote, firm_name=_firm_name(request)), content_type=PDF_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{quote_filename(quote)}"'
        return response
