"""The finance API: one view per operation; reads through selectors, writes through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.services import audit_record
from core.api import Pagination, acting_user
from core.errors import NotFound, ValidationFailed

from .. import attachments, banking, exports, invoicing, selectors, services, tables
from .. import pdf as finance_pdf
from ..models import Invoice, Payment, Voucher
from .serializers import (
    AccountCreateInputSerializer,
    AccountInputSerializer,
    AccountLedgerSerializer,
    AccountOutputSerializer,
    AccountUpdateInputSerializer,
    AgingSerializer,
    AttachmentInputSerializer,
    AttachmentOutputSerializer,
    CashJournalSerializer,
    CreditNoteInputSerializer,
    GeneralLedgerSerializer,
    ImportReportSerializer,
    InvoiceInputSerializer,
    InvoiceOutputSerializer,
    MatchInputSerializer,
    PaymentInputSerializer,
    PaymentOutputSerializer,
    PeriodOutputSerializer,
    ReconciliationSerializer,
    ReverseInputSerializer,
    StatementImportInputSerializer,
    StatementLineOutputSerializer,
    StatementSerializer,
    SuggestionSerializer,
    TrialBalanceSerializer,
    VatSummarySerializer,
    VoucherInputSerializer,
    VoucherOutputSerializer,
    statement_data,
)

READ = {"GET": "finance:read"}
EXPORT_PARAM = OpenApiParameter(
    "export", str, enum=["xlsx", "pdf"], description="Download the report as an XLSX workbook or a PDF"
)


def _report(serializer: Any) -> dict[Any, Any]:
    """A report answers JSON, or the XLSX or PDF file that ``?export=`` asks for."""
    return {
        (200, "application/json"): serializer,
        (200, exports.XLSX_TYPE): OpenApiTypes.BINARY,
        (200, finance_pdf.PDF_TYPE): OpenApiTypes.BINARY,
    }


def _export_format(request: Request) -> str | None:
    wanted = request.query_params.get("export")
    if wanted in (None, ""):
        return None
    if wanted not in ("xlsx", "pdf"):
        raise ValidationFailed(_("Export as xlsx or pdf."), fields={"export": [_("Export as xlsx or pdf.")]})
    return wanted


def _download(request: Request, fmt: str, name: str, table: tables.ReportTable) -> HttpResponse:
    """A report as XLSX or PDF; every download is recorded in the firm's audit log."""
    content = exports.table_xlsx(table) if fmt == "xlsx" else finance_pdf.table_pdf(table)
    return _file_response(request, content, name, fmt)


def _file_response(request: Request, content: bytes, name: str, fmt: str) -> HttpResponse:
    audit_record(
        action="finance.report_exported", actor=request.user, request=request._request, report=name, format=fmt
    )
    response = HttpResponse(content, content_type=exports.XLSX_TYPE if fmt == "xlsx" else finance_pdf.PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _firm_name(request: Request) -> str:
    tenant = getattr(request._request, "tenant", None)
    return str(tenant.name) if tenant is not None else ""


class AsOfSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)


PERIOD_PARAM = OpenApiParameter("period", str, description="YYYY-MM; the latest period when left out")


def _entry_lines(data: dict[str, Any]) -> list[services.EntryLine]:
    return [
        services.EntryLine(
            account_code=line["account"],
            debit=line["debit"],
            credit=line["credit"],
            summary=line["summary"],
            partner=line["partner"],
            department=line["department"],
            project=line["project"],
        )
        for line in data["lines"]
    ]


def _voucher_body(voucher: Voucher, *, actor: Any) -> dict[str, Any]:
    fresh = selectors.voucher_get(actor=actor, voucher_id=voucher.pk)
    return VoucherOutputSerializer(fresh, context={"with_lines": True}).data  # type: ignore[return-value]


class AccountListCreateApi(APIView):
    """The chart of accounts; POST adds a sub-account."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "finance:read", "POST": "finance:write"}

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Code prefix or name")],
        responses={200: AccountOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        accounts = selectors.account_list(
            actor=acting_user(request), search=selectors.clean_search(request.query_params.get("q"))
        ).select_related("parent")
        paginator = Pagination()
        page = paginator.paginate_queryset(accounts, request, view=self)
        return paginator.get_paginated_response(AccountOutputSerializer(page, many=True).data)

    @extend_schema(request=AccountCreateInputSerializer, responses={201: AccountOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = AccountCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = services.account_create(actor=acting_user(request), **serializer.validated_data)
        return Response(AccountOutputSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailApi(APIView):
    required_scopes = {"GET": "finance:read", "PATCH": "finance:write"}

    @extend_schema(responses={200: AccountOutputSerializer})
    def get(self, request: Request, code: str) -> Response:
        return Response(AccountOutputSerializer(selectors.account_get(actor=acting_user(request), code=code)).data)

    @extend_schema(request=AccountUpdateInputSerializer, responses={200: AccountOutputSerializer})
    def patch(self, request: Request, code: str) -> Response:
        actor = acting_user(request)
        account = selectors.account_get(actor=actor, code=code)
        serializer = AccountUpdateInputSerializer(
            data={"name": account.name, "name_en": account.name_en, "is_active": account.is_active, **request.data}
        )
        serializer.is_valid(raise_exception=True)
        account = services.account_update(actor=actor, account=account, **serializer.validated_data)
        return Response(AccountOutputSerializer(account).data)


class VoucherListCreateApi(APIView):
    """Vouchers, newest first; POST records a draft (or posts at once with ``post: true``)."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "finance:read", "POST": "finance:write"}

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, description="YYYY-MM"),
            OpenApiParameter("status", str, enum=Voucher.Status.values),
            OpenApiParameter("q", str, description="Summary, number (记-0001) or source record"),
        ],
        responses={200: VoucherOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = acting_user(request)
        label = request.query_params.get("period")
        period = selectors.period_by_label(label) if label else None
        vouchers = selectors.voucher_list(
            actor=actor,
            period=period,
            status=request.query_params.get("status", ""),
            search=selectors.clean_search(request.query_params.get("q")),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(vouchers, request, view=self)
        return paginator.get_paginated_response(VoucherOutputSerializer(page, many=True).data)

    @extend_schema(request=VoucherInputSerializer, responses={201: VoucherOutputSerializer})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = VoucherInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            voucher = services.voucher_create(
                actor=actor,
                day=data["date"],
                summary=data["summary"],
                lines=_entry_lines(data),
                attachments=data["attachments"],
            )
            if data["post"]:
                voucher = services.voucher_post(actor=actor, voucher=voucher)
        return Response(_voucher_body(voucher, actor=actor), status=status.HTTP_201_CREATED)


class VoucherDetailApi(APIView):
    """One voucher with its lines; drafts can be replaced (PUT) or deleted."""

    required_scopes = {"GET": "finance:read", "PUT": "finance:write", "DELETE": "finance:write"}

    @extend_schema(responses={200: VoucherOutputSerializer})
    def get(self, request: Request, voucher_id: int) -> Response:
        actor = acting_user(request)
        voucher = selectors.voucher_get(actor=actor, voucher_id=voucher_id)
        return Response(VoucherOutputSerializer(voucher, context={"with_lines": True}).data)

    @extend_schema(request=VoucherInputSerializer, responses={200: VoucherOutputSerializer})
    def put(self, request: Request, voucher_id: int) -> Response:
        actor = acting_user(request)
        voucher = selectors.voucher_get(actor=actor, voucher_id=voucher_id)
        serializer = VoucherInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        voucher = services.voucher_update(
            actor=actor,
            voucher=voucher,
            day=data["date"],
            summary=data["summary"],
            lines=_entry_lines(data),
            attachments=data["attachments"],
        )
        return Response(_voucher_body(voucher, actor=actor))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, voucher_id: int) -> Response:
        actor = acting_user(request)
        services.voucher_delete(actor=actor, voucher=selectors.voucher_get(actor=actor, voucher_id=voucher_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VoucherPostApi(APIView):
    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=None, responses={200: VoucherOutputSerializer})
    def post(self, request: Request, voucher_id: int) -> Response:
        actor = acting_user(request)
        voucher = services.voucher_post(actor=actor, voucher=selectors.voucher_get(actor=actor, voucher_id=voucher_id))
        return Response(_voucher_body(voucher, actor=actor))


class VoucherReverseApi(APIView):
    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=ReverseInputSerializer, responses={201: VoucherOutputSerializer})
    def post(self, request: Request, voucher_id: int) -> Response:
        actor = acting_user(request)
        serializer = ReverseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        original = selectors.voucher_get(actor=actor, voucher_id=voucher_id)
        reversal = services.voucher_reverse(actor=actor, voucher=original, day=serializer.validated_data.get("date"))
        return Response(_voucher_body(reversal, actor=actor), status=status.HTTP_201_CREATED)


class PeriodListApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = READ

    @extend_schema(responses={200: PeriodOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.period_list(actor=acting_user(request)), request, view=self)
        return paginator.get_paginated_response(PeriodOutputSerializer(page, many=True).data)


class PeriodCloseApi(APIView):
    """结转损益 and lock the period; answers the closing voucher (null when nothing to close)."""

    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=None, responses={200: PeriodOutputSerializer})
    def post(self, request: Request, period: str) -> Response:
        actor = acting_user(request)
        services.permissions.require(actor, services.permissions.VIEW)
        closed = selectors.period_by_label(period, default_latest=False)
        services.period_close(actor=actor, period=closed)
        closed.refresh_from_db()
        return Response(PeriodOutputSerializer(closed).data)


class PeriodReopenApi(APIView):
    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=None, responses={200: PeriodOutputSerializer})
    def post(self, request: Request, period: str) -> Response:
        actor = acting_user(request)
        services.permissions.require(actor, services.permissions.VIEW)
        reopened = services.period_reopen(actor=actor, period=selectors.period_by_label(period, default_latest=False))
        return Response(PeriodOutputSerializer(reopened).data)


class _ReportApi(APIView):
    """A report of one period (and of one account, when ``with_account``); ``?export=`` downloads it.

    Subclasses name the selector that builds the report, how it serializes and how it is
    written as XLSX and PDF.
    """

    required_scopes = READ
    name = ""
    with_account = False
    build: Callable[..., Any]
    data: Callable[[Any], Any]
    table: Callable[..., tables.ReportTable]

    def get(self, request: Request) -> Response | HttpResponse:
        actor = acting_user(request)
        services.permissions.require(actor, services.permissions.VIEW)
        scope: dict[str, Any] = {}
        name = self.name
        if self.with_account:
            scope["account"] = selectors.account_get(actor=actor, code=request.query_params.get("account", ""))
            name = f"{name}-{scope['account'].code}"
        period = selectors.period_by_label(request.query_params.get("period"))
        report = type(self).build(actor=actor, period=period, **scope)
        if fmt := _export_format(request):
            table = type(self).table(report, firm_name=_firm_name(request))
            return _download(request, fmt, f"{name}-{period.label}", table)
        return Response(type(self).data(report))


ACCOUNT_PARAM = OpenApiParameter("account", str, required=True, description="Account code")


@extend_schema_view(
    get=extend_schema(parameters=[PERIOD_PARAM, EXPORT_PARAM], responses=_report(TrialBalanceSerializer))
)
class TrialBalanceApi(_ReportApi):
    """科目余额表: opening, movements and closing balance of every account."""

    name = "trial-balance"
    build = staticmethod(selectors.trial_balance)
    data = staticmethod(lambda report: TrialBalanceSerializer(report).data)
    table = staticmethod(tables.trial_balance_table)


@extend_schema_view(get=extend_schema(parameters=[PERIOD_PARAM, EXPORT_PARAM], responses=_report(StatementSerializer)))
class BalanceSheetApi(_ReportApi):
    """资产负债表 (会小企01表) at the end of the period."""

    name = "balance-sheet"
    build = staticmethod(selectors.balance_sheet)
    data = staticmethod(statement_data)
    table = staticmethod(tables.statement_table)


@extend_schema_view(get=extend_schema(parameters=[PERIOD_PARAM, EXPORT_PARAM], responses=_report(StatementSerializer)))
class IncomeStatementApi(_ReportApi):
    """利润表 (会小企02表): the month and the year to date."""

    name = "income-statement"
    build = staticmethod(selectors.income_statement)
    data = staticmethod(statement_data)
    table = staticmethod(tables.statement_table)


@extend_schema_view(
    get=extend_schema(
        parameters=[PERIOD_PARAM, EXPORT_PARAM, ACCOUNT_PARAM], responses=_report(AccountLedgerSerializer)
    )
)
class AccountLedgerApi(_ReportApi):
    """明细账: every posted line of an account in the period with its running balance."""

    name = "ledger"
    with_account = True
    build = staticmethod(selectors.account_ledger)
    data = staticmethod(lambda report: AccountLedgerSerializer(report).data)
    table = staticmethod(tables.account_ledger_table)


# --- receivables and payables -------------------------------------------------------------


def _fapiao(data: dict[str, Any] | None) -> invoicing.FapiaoInput:
    data = data or {}
    return invoicing.FapiaoInput(
        type=data.get("type", ""),
        code=data.get("code", ""),
        number=data.get("number", ""),
        date=data.get("date"),
        seller_tax_id=data.get("seller_tax_id", ""),
        buyer_tax_id=data.get("buyer_tax_id", ""),
    )


def _invoice_body(invoice_id: int, *, actor: Any) -> dict[str, Any]:
    invoice = invoicing.invoice_get(actor=actor, invoice_id=invoice_id)
    return InvoiceOutputSerializer(invoice, context={"with_lines": True}).data  # type: ignore[return-value]


class InvoiceListCreateApi(APIView):
    """Customer invoices and supplier bills; POST records a draft (or posts it with ``post: true``)."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "finance:read", "POST": "finance:write"}

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=Invoice.Direction.values),
            OpenApiParameter("status", str, enum=Invoice.Status.values),
            OpenApiParameter("open", bool, description="Only invoices with an open amount"),
            OpenApiParameter("q", str, description="Partner, reference or fapiao number"),
        ],
        responses={200: InvoiceOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        invoices = selectors.invoice_list(
            actor=acting_user(request),
            direction=request.query_params.get("direction", ""),
            status=request.query_params.get("status", ""),
            search=selectors.clean_search(request.query_params.get("q")),
            open_only=request.query_params.get("open") in {"1", "true"},
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(invoices, request, view=self)
        return paginator.get_paginated_response(InvoiceOutputSerializer(page, many=True).data)

    @extend_schema(request=InvoiceInputSerializer, responses={201: InvoiceOutputSerializer})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = InvoiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            invoice = invoicing.invoice_create(
                actor=actor,
                direction=data["direction"],
                partner_name=data["partner_name"],
                partner_tax_id=data["partner_tax_id"],
                day=data["date"],
                due_date=data["due_date"],
                reference=data["reference"],
                lines=[
                    invoicing.InvoiceLineInput(
                        line["description"], line["account"], line["quantity"], line["unit_price"], line["vat_rate"]
                    )
                    for line in data["lines"]
                ],
                fapiao=_fapiao(data.get("fapiao")),
            )
            if data["post"]:
                invoice = invoicing.invoice_post(actor=actor, invoice=invoice)
        return Response(_invoice_body(invoice.pk, actor=actor), status=status.HTTP_201_CREATED)


class InvoiceDetailApi(APIView):
    required_scopes = {"GET": "finance:read", "DELETE": "finance:write"}

    @extend_schema(responses={200: InvoiceOutputSerializer})
    def get(self, request: Request, invoice_id: int) -> Response:
        return Response(_invoice_body(invoice_id, actor=acting_user(request)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, invoice_id: int) -> Response:
        actor = acting_user(request)
        invoicing.invoice_delete(actor=actor, invoice=invoicing.invoice_get(actor=actor, invoice_id=invoice_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvoicePostApi(APIView):
    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=None, responses={200: InvoiceOutputSerializer})
    def post(self, request: Request, invoice_id: int) -> Response:
        actor = acting_user(request)
        invoice = invoicing.invoice_post(actor=actor, invoice=invoicing.invoice_get(actor=actor, invoice_id=invoice_id))
        return Response(_invoice_body(invoice.pk, actor=actor))


class InvoiceCreditNoteApi(APIView):
    """Issue a credit note (红字) for a posted invoice; answers the credit note."""

    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=CreditNoteInputSerializer, responses={201: InvoiceOutputSerializer})
    def post(self, request: Request, invoice_id: int) -> Response:
        actor = acting_user(request)
        original = invoicing.invoice_get(actor=actor, invoice_id=invoice_id)
        serializer = CreditNoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        credit = invoicing.invoice_credit_note(
            actor=actor, invoice=original, day=data["date"], reason=data["reason"], fapiao=_fapiao(data.get("fapiao"))
        )
        return Response(_invoice_body(credit.pk, actor=actor), status=status.HTTP_201_CREATED)


class PaymentListCreateApi(APIView):
    """Receipts and payments; POST records one, allocated to open invoices (the rest is an advance)."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "finance:read", "POST": "finance:write"}

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=Payment.Direction.values),
            OpenApiParameter("q", str, description="Partner or reference"),
        ],
        responses={200: PaymentOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        payments = selectors.payment_list(
            actor=acting_user(request),
            direction=request.query_params.get("direction", ""),
            search=selectors.clean_search(request.query_params.get("q")),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(payments, request, view=self)
        return paginator.get_paginated_response(PaymentOutputSerializer(page, many=True).data)

    @extend_schema(request=PaymentInputSerializer, responses={201: PaymentOutputSerializer})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = PaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = invoicing.payment_record(
            actor=actor,
            direction=data["direction"],
            partner_name=data["partner_name"],
            day=data["date"],
            amount=data["amount"],
            bank_account_code=data["bank_account"],
            allocations=[invoicing.AllocationInput(a["invoice"], a["amount"]) for a in data["allocations"]],
            reference=data["reference"],
        )
        return Response(PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class AgingApi(APIView):
    """AR or AP aging by partner: current, 1-30, 31-60, 61-90 and over 90 days past due."""

    required_scopes = READ

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=Invoice.Direction.values, description="sales = AR, purchase = AP"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Defaults to today"),
            EXPORT_PARAM,
        ],
        responses=_report(AgingSerializer),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        actor = acting_user(request)
        serializer = AsOfSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        report = selectors.aging(
            actor=actor,
            direction=request.query_params.get("direction", "sales"),
            as_of=serializer.validated_data.get("as_of") or timezone.localdate(),
        )
        if fmt := _export_format(request):
            table = tables.aging_table(report, firm_name=_firm_name(request))
            return _download(request, fmt, f"aging-{report.direction}-{report.as_of}", table)
        return Response(AgingSerializer(report).data)


class VatSummaryApi(APIView):
    required_scopes = READ

    @extend_schema(parameters=[PERIOD_PARAM], responses={200: VatSummarySerializer})
    def get(self, request: Request) -> Response:
        actor = acting_user(request)
        services.permissions.require(actor, services.permissions.VIEW)
        period = selectors.period_by_label(request.query_params.get("period"))
        return Response(VatSummarySerializer(selectors.vat_summary(actor=actor, period=period)).data)


# --- bank ---------------------------------------------------------------------------------


def _bank_account(request: Request, code: str | None) -> Any:
    actor = acting_user(request)
    services.permissions.require(actor, services.permissions.VIEW)
    account = banking.bank_accounts().filter(code=str(code or "").strip()).first()
    if account is None:
        raise NotFound(_("No cash or bank account with this code."))
    return account


class StatementImportApi(APIView):
    """Import a bank statement (CSV in UTF-8 or GB18030, or XLSX) with a column mapping.

    Good rows are imported, bad rows come back with their row numbers, repeated rows are skipped.
    """

    required_scopes = {"POST": "finance:write"}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": StatementImportInputSerializer}, responses={200: ImportReportSerializer}
    )
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = StatementImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        if upload.size > banking.MAX_BYTES:
            raise ValidationFailed(_("The file is larger than 5 MB."), fields={"file": [_("The file is too large.")]})
        report = banking.statement_import(
            actor=actor,
            account_code=data["account"],
            content=upload.read(),
            filename=upload.name or "",
            mapping=banking.ColumnMapping(
                date=data["date_column"],
                amount=data["amount_column"],
                inflow=data["inflow_column"],
                outflow=data["outflow_column"],
                description=data["description_column"],
                counterparty=data["counterparty_column"],
                reference=data["reference_column"],
                balance=data["balance_column"],
            ),
        )
        body = {
            "rows": report.rows,
            "imported": report.imported,
            "duplicates": report.duplicates,
            "errors": [{"row": row, "message": message} for row, message in report.errors],
        }
        return Response(ImportReportSerializer(body).data)


class StatementLineListApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = READ

    @extend_schema(
        parameters=[
            OpenApiParameter("account", str, required=True, description="Cash or bank account code"),
            OpenApiParameter("unmatched", bool, description="Only lines not matched yet"),
        ],
        responses={200: StatementLineOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        account = _bank_account(request, request.query_params.get("account"))
        lines = banking.statement_lines(
            actor=acting_user(request),
            account=account,
            unmatched_only=request.query_params.get("unmatched") in {"1", "true"},
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(lines, request, view=self)
        return paginator.get_paginated_response(StatementLineOutputSerializer(page, many=True).data)


class MatchSuggestionsApi(APIView):
    """Posted entries with the same amount within ten days, for each unmatched statement line."""

    required_scopes = READ

    @extend_schema(
        parameters=[OpenApiParameter("account", str, required=True)], responses={200: SuggestionSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        account = _bank_account(request, request.query_params.get("account"))
        suggestions = banking.match_suggestions(actor=acting_user(request), account=account)
        body = [{"statement_line": key, "candidates": value} for key, value in suggestions.items()]
        return Response(SuggestionSerializer(body, many=True).data)


class StatementLineMatchApi(APIView):
    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=MatchInputSerializer, responses={200: StatementLineOutputSerializer})
    def post(self, request: Request, line_id: int) -> Response:
        actor = acting_user(request)
        serializer = MatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = banking.statement_line_match(
            actor=actor,
            statement_line=banking.statement_line_get(actor=actor, line_id=line_id),
            voucher_line_id=serializer.validated_data["voucher_line"],
        )
        return Response(StatementLineOutputSerializer(line).data)


class StatementLineUnmatchApi(APIView):
    required_scopes = {"POST": "finance:write"}

    @extend_schema(request=None, responses={200: StatementLineOutputSerializer})
    def post(self, request: Request, line_id: int) -> Response:
        actor = acting_user(request)
        line = banking.statement_line_unmatch(
            actor=actor, statement_line=banking.statement_line_get(actor=actor, line_id=line_id)
        )
        return Response(StatementLineOutputSerializer(line).data)


class AutoMatchApi(APIView):
    required_scopes = {"POST": "finance:write"}

    @extend_schema(
        request=AccountInputSerializer,
        responses={200: inline_serializer("AutoMatched", {"matched": serializers.IntegerField()})},
    )
    def post(self, request: Request) -> Response:
        serializer = AccountInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = _bank_account(request, serializer.validated_data["account"])
        return Response({"matched": banking.statement_auto_match(actor=acting_user(request), account=account)})


class ReconciliationApi(APIView):
    """银行存款余额调节表 for a cash or bank account on a date."""

    required_scopes = READ

    @extend_schema(
        parameters=[
            OpenApiParameter("account", str, required=True),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Defaults to today"),
        ],
        responses={200: ReconciliationSerializer},
    )
    def get(self, request: Request) -> Response:
        account = _bank_account(request, request.query_params.get("account"))
        serializer = AsOfSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        report = banking.reconciliation(
            actor=acting_user(request),
            account=account,
            as_of=serializer.validated_data.get("as_of") or timezone.localdate(),
        )
        return Response(ReconciliationSerializer(report).data)


class VoucherPdfApi(APIView):
    """The voucher as a printable PDF (记账凭证)."""

    required_scopes = READ

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, voucher_id: int) -> HttpResponse:
        actor = acting_user(request)
        voucher = selectors.voucher_get(actor=actor, voucher_id=voucher_id)
        name = f"voucher-{voucher.period.label}-{voucher.number or voucher.pk}"
        return _file_response(request, finance_pdf.voucher_pdf(voucher, firm_name=_firm_name(request)), name, "pdf")


@extend_schema_view(
    get=extend_schema(
        parameters=[PERIOD_PARAM, EXPORT_PARAM, ACCOUNT_PARAM], responses=_report(GeneralLedgerSerializer)
    )
)
class GeneralLedgerApi(_ReportApi):
    """总账: an account's opening balance of the year, each month's totals and the year to date."""

    name = "general-ledger"
    with_account = True
    build = staticmethod(selectors.general_ledger)
    data = staticmethod(lambda report: GeneralLedgerSerializer(report).data)
    table = staticmethod(tables.general_ledger_table)


@extend_schema_view(
    get=extend_schema(parameters=[PERIOD_PARAM, EXPORT_PARAM, ACCOUNT_PARAM], responses=_report(CashJournalSerializer))
)
class CashJournalApi(_ReportApi):
    """日记账 of a cash or bank account, with daily totals."""

    name = "cash-journal"
    with_account = True
    build = staticmethod(selectors.cash_journal)
    data = staticmethod(lambda report: CashJournalSerializer(report).data)
    table = staticmethod(tables.cash_journal_table)


class VoucherAttachmentListCreateApi(APIView):
    """Source documents kept with a voucher (PDF, OFD, XML, XLSX, PNG, JPEG; at most 10 MB each)."""

    required_scopes = {"GET": "finance:read", "POST": "finance:write"}
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: AttachmentOutputSerializer(many=True)})
    def get(self, request: Request, voucher_id: int) -> Response:
        actor = acting_user(request)
        voucher = selectors.voucher_get(actor=actor, voucher_id=voucher_id)
        return Response(
            AttachmentOutputSerializer(attachments.attachment_list(actor=actor, voucher=voucher), many=True).data
        )

    @extend_schema(
        request={"multipart/form-data": AttachmentInputSerializer}, responses={201: AttachmentOutputSerializer}
    )
    def post(self, request: Request, voucher_id: int) -> Response:
        actor = acting_user(request)
        voucher = selectors.voucher_get(actor=actor, voucher_id=voucher_id)
        serializer = AttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > attachments.MAX_BYTES:
            raise ValidationFailed(_("Attachments are at most 10 MB."), fields={"file": [_("The file is too large.")]})
        attachment = attachments.attachment_add(
            actor=actor, voucher=voucher, name=upload.name or "", content=upload.read()
        )
        return Response(AttachmentOutputSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetailApi(APIView):
    """GET downloads the file; DELETE removes a draft voucher's attachment."""

    required_scopes = {"GET": "finance:read", "DELETE": "finance:write"}

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})  # the uploaded file's own type
    def get(self, request: Request, attachment_id: int) -> FileResponse:
        actor = acting_user(request)
        attachment = attachments.attachment_get(actor=actor, attachment_id=attachment_id)
        path = attachments.attachment_path(attachment)
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, attachment_id: int) -> Response:
        actor = acting_user(request)
        attachments.attachment_delete(
            actor=actor, attachment=attachments.attachment_get(actor=actor, attachment_id=attachment_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
