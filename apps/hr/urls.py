from django.urls import path

from . import views

app_name = "hr"

urlpatterns = [
    path("", views.home, name="home"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_new, name="employee_new"),
    path("employees/contracts/", views.contract_list, name="contract_list"),
    path("employees/import/", views.import_new, name="import_new"),
    path("employees/import/<int:import_id>/", views.import_detail, name="import_detail"),
    path("employees/import/<int:import_id>/progress/", views.import_progress, name="import_progress"),
    path("employees/import/<int:import_id>/errors/", views.import_errors, name="import_errors"),
    path("employees/org-chart/", views.org_chart, name="org_chart"),
    path("departments/", views.department_save, name="department_save"),
    path("employees/<int:employee_id>/", views.employee_detail, name="employee_detail"),
    path("employees/<int:employee_id>/edit/", views.employee_edit, name="employee_edit"),
    path("employees/<int:employee_id>/contracts/", views.contract_add, name="contract_add"),
    path(
        "employees/<int:employee_id>/special-deductions/",
        views.special_deduction_add,
        name="special_deduction_add",
    ),
    path("payroll/", views.run_list, name="run_list"),
    path("payroll/<int:run_id>/", views.run_detail, name="run_detail"),
    path("payroll/<int:run_id>/items/", views.run_item_add, name="run_item_add"),
    *(
        path(f"payroll/<int:run_id>/{action}/", views.run_action, {"action": action}, name=f"run_{action}")
        for action in ("compute", "review", "reopen")
    ),
    path("payroll/<int:run_id>/approve/", views.run_approve, name="run_approve"),
    path("payslips/<int:payslip_id>/", views.payslip_detail, name="payslip_detail"),
    path("my-payslips/", views.my_payslips, name="my_payslips"),
    path("leave/", views.leave_mine, name="leave_mine"),
    path("leave/days/", views.leave_days, name="leave_days"),
    path("leave/approve/", views.leave_to_approve, name="leave_to_approve"),
    path("leave/calendar/", views.leave_calendar, name="leave_calendar"),
    path("leave/<int:request_id>/cancel/", views.leave_cancel, name="leave_cancel"),
    path("leave/<int:request_id>/decide/", views.leave_decide, name="leave_decide"),
    path("attendance/", views.attendance_mine, name="attendance_mine"),
    path("attendance/check-in/", views.attendance_check, {"action": "in"}, name="check_in"),
    path("attendance/check-out/", views.attendance_check, {"action": "out"}, name="check_out"),
    path("attendance/summary/", views.attendance_summary, name="attendance_summary"),
    path("attendance/schedule/", views.work_schedule_update, name="work_schedule_update"),
]
