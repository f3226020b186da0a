from django.urls import path

from . import views

app_name = "hr"

urlpatterns = [
    path("", views.home, name="home"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_new, name="employee_new"),
    path("employees/<int:employee_id>/", views.employee_detail, name="employee_detail"),
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
]
