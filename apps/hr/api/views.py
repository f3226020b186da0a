"""The HR API: employees, deductions, payroll runs and their actions, payslips (own or all)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.services import audit_record
from core.api import Pagination, acting_user
from core.errors import NotFound
from core.reports import PDF_TYPE

from .. import attendance, contracts, imports, leave, payroll, selectors, services
from ..payslips import bank_file, payslip_pdf
from .serializers import (
    AnnualBalanceSerializer,
    AttendanceRecordSerializer,
    AttendanceSummarySerializer,
    ContractInputSerializer,
    ContractOutputSerializer,
    DepartmentInputSerializer,
    DepartmentOutputSerializer,
    EmployeeInputSerializer,
    EmployeeOutputSerializer,
    ImportInputSerializer,
    ImportOutputSerializer,
    LeaveDecisionInputSerializer,
    LeaveRequestInputSerializer,
    LeaveRequestOutputSerializer,
    MonthQuerySerializer,
    OpeningSerializer,
    PayrollItemInputSerializer,
    PayrollRunInputSerializer,
    PayrollRunOutputSerializer,
    PayslipOutputSerializer,
    PolicySerializer,
    SpecialDeductionInputSerializer,
    SpecialDeductionOutputSerializer,
)

READ = {"GET": "hr:read"}
WRITE = {"POST": "hr:write"}


def _firm_name(request: Request) -> str:
    tenant = getattr(request._request, "tenant", None)
    return str(tenant.name) if tenant is not None else ""


class EmployeeListCreateApi(APIView):
    """Employees (HR staff); resident ID and bank account are masked except for HR and payroll."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "hr:read", "POST": "hr:write"}

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name, number, department or mobile"),
            OpenApiParameter("status", str, enum=["active", "left"]),
        ],
        responses={200: EmployeeOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = acting_user(request)
        employees = selectors.employee_list(
            actor=actor,
            search=(request.query_params.get("q") or "").strip()[:100],
            status=request.query_params.get("status", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(employees, request, view=self)
        context = {"sensitive": selectors.sees_sensitive(actor)}
        return paginator.get_paginated_response(EmployeeOutputSerializer(page, many=True, context=context).data)

    @extend_schema(request=EmployeeInputSerializer, responses={201: EmployeeOutputSerializer})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = EmployeeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        employee = services.employee_create(actor=actor, data=services.EmployeeInput(**serializer.validated_data))
        context = {"sensitive": selectors.sees_sensitive(actor)}
        return Response(EmployeeOutputSerializer(employee, context=context).data, status=status.HTTP_201_CREATED)


class EmployeeDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: EmployeeOutputSerializer})
    def get(self, request: Request, employee_id: int) -> Response:
        actor = acting_user(request)
        employee = selectors.employee_get(actor=actor, employee_id=employee_id)
        return Response(EmployeeOutputSerializer(employee, context={"sensitive": selectors.sees_sensitive(actor)}).data)


class SpecialDeductionCreateApi(APIView):
    """Declare a 专项附加扣除 at the standard monthly amount (per child, and the employee's share)."""

    required_scopes = WRITE

    @extend_schema(request=SpecialDeductionInputSerializer, responses={201: SpecialDeductionOutputSerializer})
    def post(self, request: Request, employee_id: int) -> Response:
        actor = acting_user(request)
        employee = selectors.employee_get(actor=actor, employee_id=employee_id)
        serializer = SpecialDeductionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deduction = services.special_deduction_add(actor=actor, employee=employee, **serializer.validated_data)
        return Response(SpecialDeductionOutputSerializer(deduction).data, status=status.HTTP_201_CREATED)


class PayrollRunListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = {"GET": "hr:read", "POST": "hr:write"}

    @extend_schema(responses={200: PayrollRunOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.payroll_run_list(actor=acting_user(request)), request, view=self)
        return paginator.get_paginated_response(PayrollRunOutputSerializer(page, many=True).data)

    @extend_schema(request=PayrollRunInputSerializer, responses={201: PayrollRunOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = PayrollRunInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = payroll.payroll_run_create(actor=acting_user(request), **serializer.validated_data)
        return Response(PayrollRunOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class PayrollRunDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: PayrollRunOutputSerializer})
    def get(self, request: Request, run_id: int) -> Response:
        return Response(
            PayrollRunOutputSerializer(payroll.payroll_run_get(actor=acting_user(request), run_id=run_id)).data
        )


class PayrollRunActionApi(APIView):
    """compute, review, reopen (back to draft) or approve (posts to the ledger once, locks the run)."""

    required_scopes = WRITE
    actions: dict[str, Any] = {
        "compute": payroll.payroll_run_compute,
        "review": payroll.payroll_run_review,
        "reopen": payroll.payroll_run_reopen,
        "approve": payroll.payroll_run_approve,
    }

    @extend_schema(request=None, responses={200: PayrollRunOutputSerializer})
    def post(self, request: Request, run_id: int, action: str) -> Response:
        actor = acting_user(request)
        run = payroll.payroll_run_get(actor=actor, run_id=run_id)
        run = self.actions[action](actor=actor, run=run)
        return Response(PayrollRunOutputSerializer(run).data)


class PayrollItemCreateApi(APIView):
    """A one-off amount for one person in a draft run: earning, deduction after tax, or year-end bonus."""

    required_scopes = WRITE

    @extend_schema(request=PayrollItemInputSerializer, responses={201: None})
    def post(self, request: Request, run_id: int) -> Response:
        actor = acting_user(request)
        run = payroll.payroll_run_get(actor=actor, run_id=run_id)
        serializer = PayrollItemInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        employee = selectors.employee_get(actor=actor, employee_id=data["employee"])
        item = payroll.payroll_item_add(
            actor=actor, run=run, employee=employee, kind=data["kind"], name=data["name"], amount=data["amount"]
        )
        return Response({"id": item.pk}, status=status.HTTP_201_CREATED)


class RunPayslipListApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = READ

    @extend_schema(parameters=[OpenApiParameter("q", str)], responses={200: PayslipOutputSerializer(many=True)})
    def get(self, request: Request, run_id: int) -> Response:
        actor = acting_user(request)
        run = payroll.payroll_run_get(actor=actor, run_id=run_id)
        slips = selectors.payslip_list(actor=actor, run=run, search=(request.query_params.get("q") or "").strip()[:100])
        paginator = Pagination()
        page = paginator.paginate_queryset(slips, request, view=self)
        return paginator.get_paginated_response(PayslipOutputSerializer(page, many=True).data)


class RunBankFileApi(APIView):
    """The run's bank transfers as CSV (UTF-8 with BOM)."""

    required_scopes = READ

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request: Request, run_id: int) -> HttpResponse:
        actor = acting_user(request)
        run = payroll.payroll_run_get(actor=actor, run_id=run_id)
        content = bank_file(run, list(selectors.payslip_list(actor=actor, run=run)))
        audit_record(action="hr.bank_file_exported", actor=actor, request=request._request, obj=run)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="salary-{run.label}.csv"'
        return response


class MyPayslipListApi(APIView):
    """The signed-in person's own payslips (approved runs)."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "any"}

    @extend_schema(responses={200: PayslipOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.my_payslips(actor=acting_user(request)), request, view=self)
        return paginator.get_paginated_response(PayslipOutputSerializer(page, many=True).data)


class PayslipDetailApi(APIView):
    """A payslip with its explanation: the payroll role sees any, a person their own; else 404."""

    required_scopes = {"GET": "any"}

    @extend_schema(responses={200: PayslipOutputSerializer})
    def get(self, request: Request, payslip_id: int) -> Response:
        slip = selectors.payslip_get(actor=acting_user(request), payslip_id=payslip_id)
        return Response(PayslipOutputSerializer(slip, context={"explain": True}).data)


class PayslipPdfApi(APIView):
    required_scopes = {"GET": "any"}

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, payslip_id: int) -> HttpResponse:
        slip = selectors.payslip_get(actor=acting_user(request), payslip_id=payslip_id)
        response = HttpResponse(payslip_pdf(slip, firm_name=_firm_name(request)), content_type=PDF_TYPE)
        response["Content-Disposition"] = f'attachment; filename="payslip-{slip.run.label}-{slip.employee.number}.pdf"'
        return response


# --- leave --------------------------------------------------------------------------------


class LeaveRequestListCreateApi(APIView):
    """Leave requests: your own, your team's if you manage people, everyone's for HR."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "any", "POST": "any"}

    @extend_schema(
        parameters=[OpenApiParameter("status", str)], responses={200: LeaveRequestOutputSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        requests = leave.leave_requests(actor=acting_user(request), status=request.query_params.get("status", ""))
        paginator = Pagination()
        page = paginator.paginate_queryset(requests, request, view=self)
        return paginator.get_paginated_response(LeaveRequestOutputSerializer(page, many=True).data)

    @extend_schema(request=LeaveRequestInputSerializer, responses={201: LeaveRequestOutputSerializer})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = LeaveRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        employee = selectors.employee_get(actor=actor, employee_id=data["employee"]) if data["employee"] else None
        created = leave.leave_request_create(
            actor=actor,
            employee=employee,
            leave_type_code=data["leave_type"],
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
        )
        return Response(LeaveRequestOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class LeaveRequestActionApi(APIView):
    """approve or reject (the person's manager or HR), cancel (the person, before it starts)."""

    required_scopes = {"POST": "any"}

    @extend_schema(request=LeaveDecisionInputSerializer, responses={200: LeaveRequestOutputSerializer})
    def post(self, request: Request, request_id: int, action: str) -> Response:
        actor = acting_user(request)
        serializer = LeaveDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = leave.leave_request_get(actor=actor, request_id=request_id)
        if action == "cancel":
            done = leave.leave_request_cancel(actor=actor, request=found)
        else:
            done = leave.leave_request_decide(
                actor=actor, request=found, approve=action == "approve", note=serializer.validated_data["note"]
            )
        return Response(LeaveRequestOutputSerializer(done).data)


class AnnualBalanceApi(APIView):
    """Annual leave of the year: entitlement, taken, waiting for approval and left (yours, or HR's pick)."""

    required_scopes = {"GET": "any"}

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("employee", int, description="HR only")],
        responses={200: AnnualBalanceSerializer},
    )
    def get(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = BalanceQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        employee_id = serializer.validated_data.get("employee")
        employee = (
            selectors.employee_get(actor=actor, employee_id=employee_id) if employee_id else leave.own_employee(actor)
        )
        if employee is None:
            raise NotFound(_("Your account is not linked to an employee record; ask HR."))
        balance = leave.annual_balance(employee, serializer.validated_data.get("year") or timezone.localdate().year)
        return Response(AnnualBalanceSerializer(balance).data)


class BalanceQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2099, required=False)
    employee = serializers.IntegerField(required=False)


# --- attendance ---------------------------------------------------------------------------


class CheckApi(APIView):
    """Check in (once a day) or out (the last check-out counts), as the signed-in person."""

    required_scopes = {"POST": "any"}

    @extend_schema(request=None, responses={200: AttendanceRecordSerializer})
    def post(self, request: Request, action: str) -> Response:
        actor = acting_user(request)
        record = attendance.check_in(actor=actor) if action == "in" else attendance.check_out(actor=actor)
        return Response(AttendanceRecordSerializer(record).data)


class MyAttendanceApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = {"GET": "any"}

    @extend_schema(responses={200: AttendanceRecordSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(attendance.my_attendance(actor=acting_user(request)), request, view=self)
        return paginator.get_paginated_response(AttendanceRecordSerializer(page, many=True).data)


class AttendanceSummaryApi(APIView):
    """The month per person (HR): working days, present, on leave, absent, late, overtime hours."""

    required_scopes = READ

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True), OpenApiParameter("month", int, required=True)],
        responses={200: AttendanceSummarySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = MonthQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        employees = list(attendance.team_members(actor=actor)[:2000])
        summaries = attendance.month_summaries(actor=actor, employees=employees, **serializer.validated_data)
        rows = [
            {**vars(summaries[employee.pk]), "employee_number": employee.number, "employee_name": employee.name}
            for employee in employees
        ]
        return Response(AttendanceSummarySerializer(rows, many=True).data)


# --- contracts and import -----------------------------------------------------------------


class ContractCreateApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=ContractInputSerializer, responses={201: ContractOutputSerializer})
    def post(self, request: Request, employee_id: int) -> Response:
        actor = acting_user(request)
        employee = selectors.employee_get(actor=actor, employee_id=employee_id)
        serializer = ContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = contracts.contract_add(actor=actor, employee=employee, **serializer.validated_data)
        return Response(ContractOutputSerializer(contract).data, status=status.HTTP_201_CREATED)


class ContractsExpiringApi(APIView):
    """Fixed-term contracts ending within ``days`` (30 by default) that were not renewed."""

    required_scopes = READ

    @extend_schema(parameters=[OpenApiParameter("days", int)], responses={200: ContractOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        serializer = DaysQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        found = contracts.contracts_expiring(actor=acting_user(request), within_days=serializer.validated_data["days"])
        return Response(ContractOutputSerializer(found, many=True).data)


class DaysQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=366, required=False, default=30)


class EmployeeImportCreateApi(APIView):
    """Upload employees as CSV (UTF-8 or GB18030) or XLSX; the import runs as a job (poll its status)."""

    required_scopes = WRITE
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": ImportInputSerializer}, responses={202: ImportOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        job = imports.employee_import_request(actor=acting_user(request), name=upload.name or "", content=upload.read())
        return Response(ImportOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class EmployeeImportDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: ImportOutputSerializer})
    def get(self, request: Request, import_id: int) -> Response:
        return Response(
            ImportOutputSerializer(imports.employee_import_get(actor=acting_user(request), import_id=import_id)).data
        )


class EmployeeImportErrorsApi(APIView):
    """The rows that failed, as CSV."""

    required_scopes = READ

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request: Request, import_id: int) -> HttpResponse:
        job = imports.employee_import_get(actor=acting_user(request), import_id=import_id)
        response = HttpResponse(imports.error_report(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response


# --- payroll settings ---------------------------------------------------------------------


class PolicyListSaveApi(APIView):
    """Social insurance and housing fund policies per city and effective date (payroll role).

    POST records a new effective date, or corrects the row of the same city and date.
    """

    required_scopes = {"GET": "hr:read", "POST": "hr:write"}

    @extend_schema(responses={200: PolicySerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(PolicySerializer(selectors.policy_list(actor=acting_user(request)), many=True).data)

    @extend_schema(request=PolicySerializer, responses={200: PolicySerializer})
    def post(self, request: Request) -> Response:
        serializer = PolicySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = services.social_insurance_policy_save(actor=acting_user(request), **serializer.validated_data)
        return Response(PolicySerializer(policy).data)


class OpeningSaveApi(APIView):
    """Year-to-date figures paid before payroll moved to ParkSuite, for one person and year."""

    required_scopes = WRITE

    @extend_schema(request=OpeningSerializer, responses={200: OpeningSerializer})
    def post(self, request: Request, employee_id: int) -> Response:
        actor = acting_user(request)
        employee = selectors.employee_get(actor=actor, employee_id=employee_id)
        serializer = OpeningSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opening = payroll.payroll_opening_set(actor=actor, employee=employee, **serializer.validated_data)
        return Response(OpeningSerializer(opening).data)


class DepartmentListSaveApi(APIView):
    """Departments in tree order with headcounts; POST adds one or moves it under another."""

    required_scopes = {"GET": "hr:read", "POST": "hr:write"}

    @extend_schema(responses={200: DepartmentOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        nodes = selectors.department_tree(actor=acting_user(request))
        return Response(DepartmentOutputSerializer(nodes, many=True).data)

    @extend_schema(request=DepartmentInputSerializer, responses={200: DepartmentOutputSerializer(many=True)})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        serializer = DepartmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.department_save(actor=actor, **serializer.validated_data)
        return Response(DepartmentOutputSerializer(selectors.department_tree(actor=actor), many=True).data)
