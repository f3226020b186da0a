from django.urls import path

from . import views

app_name = "hr_api"

urlpatterns = [
    path("employees/", views.EmployeeListCreateApi.as_view(), name="employees"),
    path("employees/<int:employee_id>/", views.EmployeeDetailApi.as_view(), name="employee"),
    path(
        "employees/<int:employee_id>/special-deductions/",
        views.SpecialDeductionCreateApi.as_view(),
        name="special_deductions",
    ),
    path("employees/<int:employee_id>/contracts/", views.ContractCreateApi.as_view(), name="contracts"),
    path("employees/<int:employee_id>/payroll-opening/", views.OpeningSaveApi.as_view(), name="payroll_opening"),
    path("departments/", views.DepartmentListSaveApi.as_view(), name="departments"),
    path("social-insurance-policies/", views.PolicyListSaveApi.as_view(), name="policies"),
    path("contracts/expiring/", views.ContractsExpiringApi.as_view(), name="contracts_expiring"),
    path("employee-imports/", views.EmployeeImportCreateApi.as_view(), name="employee_imports"),
    path("employee-imports/<int:import_id>/", views.EmployeeImportDetailApi.as_view(), name="employee_import"),
    path(
        "employee-imports/<int:import_id>/errors/",
        views.EmployeeImportErrorsApi.as_view(),
        name="employee_import_errors",
    ),
    path("payroll-runs/", views.PayrollRunListCreateApi.as_view(), name="payroll_runs"),
    path("payroll-runs/<int:run_id>/", views.PayrollRunDetailApi.as_view(), name="payroll_run"),
    *(
        path(
            f"payroll-runs/<int:run_id>/{action}/",
            views.PayrollRunActionApi.as_view(),
            {"action": action},
            name=f"payroll_run_{action}",
        )
        for action in ("compute", "review", "reopen", "approve")
    ),
    path("payroll-runs/<int:run_id>/items/", views.PayrollItemCreateApi.as_view(), name="payroll_items"),
    path("payroll-runs/<int:run_id>/payslips/", views.RunPayslipListApi.as_view(), name="run_payslips"),
    path("payroll-runs/<int:run_id>/bank-file/", views.RunBankFileApi.as_view(), name="bank_file"),
    path("leave-requests/", views.LeaveRequestListCreateApi.as_view(), name="leave_requests"),
    *(
        path(
            f"leave-requests/<int:request_id>/{action}/",
            views.LeaveRequestActionApi.as_view(),
            {"action": action},
            name=f"leave_request_{action}",
        )
        for action in ("approve", "reject", "cancel")
    ),
    path("leave-balance/", views.AnnualBalanceApi.as_view(), name="leave_balance"),
    path("attendance/check-in/", views.CheckApi.as_view(), {"action": "in"}, name="check_in"),
    path("attendance/check-out/", views.CheckApi.as_view(), {"action": "out"}, name="check_out"),
    path("attendance/mine/", views.MyAttendanceApi.as_view(), name="my_attendance"),
    path("attendance/summary/", views.AttendanceSummaryApi.as_view(), name="attendance_summary"),
    path("payslips/mine/", views.MyPayslipListApi.as_view(), name="my_payslips"),
    path("payslips/<int:payslip_id>/", views.PayslipDetailApi.as_view(), name="payslip"),
    path("payslips/<int:payslip_id>/pdf/", views.PayslipPdfApi.as_view(), name="payslip_pdf"),
]
