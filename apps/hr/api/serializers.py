from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ..models import (
    Employee,
    EmployeeImport,
    EmploymentContract,
    PayrollItem,
    PayrollRun,
    Payslip,
    SocialInsurancePolicy,
    SpecialDeduction,
)
from ..payslips import pay_lines, tax_lines
from ..selectors import mask_account, mask_id


def money_field() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class EmployeeOutputSerializer(serializers.ModelSerializer[Employee]):
    department = serializers.CharField(source="department.name", default="")
    id_number = serializers.SerializerMethodField()
    bank_account = serializers.SerializerMethodField()
    base_salary = money_field()
    allowances = money_field()
    social_insurance_base = money_field()

    class Meta:
        model = Employee
        fields = [
            "id",
            "number",
            "name",
            "gender",
            "id_number",
            "mobile",
            "email",
            "department",
            "position",
            "hire_date",
            "leave_date",
            "status",
            "base_salary",
            "allowances",
            "social_insurance_city",
            "social_insurance_base",
            "housing_fund_rate",
            "bank_name",
            "bank_account",
        ]

    def _full(self) -> bool:
        return bool(self.context.get("sensitive"))

    def get_id_number(self, employee: Employee) -> str:
        return employee.id_number if self._full() else mask_id(employee.id_number)

    def get_bank_account(self, employee: Employee) -> str:
        return employee.bank_account if self._full() else mask_account(employee.bank_account)


class EmployeeInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    gender = serializers.ChoiceField(choices=Employee.Gender.choices)
    id_number = serializers.CharField(max_length=18)
    hire_date = serializers.DateField()
    base_salary = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
    allowances = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False, default=Decimal(0)
    )
    social_insurance_base = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    housing_fund_rate = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, default=Decimal("0.05")
    )
    social_insurance_city = serializers.CharField(max_length=20, required=False, default="chengdu")
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    bank_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class SpecialDeductionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SpecialDeduction.Kind.choices)
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True, default=None)
    units = serializers.IntegerField(min_value=1, max_value=10, required=False, default=1)
    share = serializers.DecimalField(max_digits=3, decimal_places=2, required=False, default=Decimal("1"))


class SpecialDeductionOutputSerializer(serializers.ModelSerializer[SpecialDeduction]):
    monthly_amount = money_field()

    class Meta:
        model = SpecialDeduction
        fields = ["id", "kind", "monthly_amount", "start", "end"]


class PayrollRunInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2099)
    month = serializers.IntegerField(min_value=1, max_value=12)
    bonus_separately = serializers.BooleanField(required=False, default=True)


class PayrollRunOutputSerializer(serializers.ModelSerializer[PayrollRun]):
    month_label = serializers.CharField(source="label")
    gross = money_field()
    employee_contributions = money_field()
    employer_contributions = money_field()
    income_tax = money_field()
    net = money_field()

    class Meta:
        model = PayrollRun
        fields = [
            "id",
            "year",
            "month",
            "month_label",
            "status",
            "bonus_separately",
            "employees",
            "gross",
            "employee_contributions",
            "employer_contributions",
            "income_tax",
            "net",
            "computed_at",
            "approved_at",
            "voucher_number",
        ]


class PayrollItemInputSerializer(serializers.Serializer):
    employee = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PayrollItem.Kind.choices)
    name = serializers.CharField(max_length=100)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class PayslipOutputSerializer(serializers.ModelSerializer[Payslip]):
    month = serializers.CharField(source="run.label")
    employee_number = serializers.CharField(source="employee.number")
    employee_name = serializers.CharField(source="employee.name")
    gross = money_field()
    income_tax = money_field()
    bonus_tax = money_field()
    net = money_field()
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Payslip
        fields = [
            "id",
            "month",
            "employee_number",
            "employee_name",
            "gross",
            "income_tax",
            "bonus_tax",
            "net",
            "explanation",
        ]

    def get_explanation(self, slip: Payslip) -> dict[str, list[dict[str, Any]]]:
        if not self.context.get("explain"):
            return {}

        def rows(lines: list[Any]) -> list[dict[str, Any]]:
            return [
                {
                    "label": line.label,
                    "amount": None if line.amount is None else f"{line.amount:.2f}",
                    "note": line.note,
                }
                for line in lines
            ]

        return {"pay": rows(pay_lines(slip)), "tax": rows(tax_lines(slip))}


class LeaveRequestInputSerializer(serializers.Serializer):
    leave_type = serializers.CharField(max_length=20, help_text="annual, sick, personal, marriage, ...")
    start = serializers.DateField()
    end = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    employee = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="HR only: record leave for someone else"
    )


class LeaveRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee_number = serializers.CharField(source="employee.number")
    employee_name = serializers.CharField(source="employee.name")
    leave_type = serializers.CharField(source="leave_type.code")
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    decision_note = serializers.CharField()


class LeaveDecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AnnualBalanceSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    entitlement = serializers.IntegerField()
    taken = serializers.IntegerField()
    pending = serializers.IntegerField()
    remaining = serializers.IntegerField()


class AttendanceRecordSerializer(serializers.Serializer):
    day = serializers.DateField()
    check_in = serializers.DateTimeField(allow_null=True)
    check_out = serializers.DateTimeField(allow_null=True)


class MonthQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2099)
    month = serializers.IntegerField(min_value=1, max_value=12)


class AttendanceSummarySerializer(serializers.Serializer):
    employee_number = serializers.CharField()
    employee_name = serializers.CharField()
    working_days = serializers.IntegerField()
    present = serializers.IntegerField()
    on_leave = serializers.IntegerField()
    unpaid_leave = serializers.IntegerField()
    absent = serializers.IntegerField()
    late = serializers.IntegerField()
    overtime_hours = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=1))


class ContractInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EmploymentContract.Kind.choices)
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True, default=None)
    signed_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ContractOutputSerializer(serializers.ModelSerializer[EmploymentContract]):
    employee_number = serializers.CharField(source="employee.number")
    employee_name = serializers.CharField(source="employee.name")

    class Meta:
        model = EmploymentContract
        fields = ["id", "employee_number", "employee_name", "kind", "start", "end", "signed_on", "note"]


class ImportOutputSerializer(serializers.ModelSerializer[EmployeeImport]):
    progress = serializers.IntegerField()

    class Meta:
        model = EmployeeImport
        fields = [
            "id",
            "file_name",
            "status",
            "rows",
            "done_rows",
            "progress",
            "imported",
            "skipped",
            "errors",
            "failure",
            "created_at",
            "finished_at",
        ]


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()


class PolicySerializer(serializers.ModelSerializer[SocialInsurancePolicy]):
    class Meta:
        model = SocialInsurancePolicy
        fields = [
            "id",
            "city",
            "effective_from",
            "source",
            "base_floor",
            "base_cap",
            "pension_employer",
            "pension_employee",
            "medical_employer",
            "medical_employee",
            "unemployment_employer",
            "unemployment_employee",
            "work_injury_employer",
            "housing_fund_floor",
            "housing_fund_cap",
        ]
        read_only_fields = ["id"]
        validators: list[Any] = []  # the same city and date again corrects that row


class OpeningSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2099)
    up_to_month = serializers.IntegerField(min_value=1, max_value=11)
    income = serializers.DecimalField(max_digits=14, decimal_places=2)
    special = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=Decimal(0))
    additional = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=Decimal(0))
    withheld = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=Decimal(0))


class DepartmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    parent = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")  # type: ignore[assignment]


class DepartmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="department.pk")
    name = serializers.CharField(source="department.name")
    parent = serializers.CharField(source="department.parent.name", default=None, allow_null=True)  # type: ignore[assignment]
    depth = serializers.IntegerField()
    headcount = serializers.IntegerField(help_text="Employed people in this department itself.")
    total = serializers.IntegerField(help_text="Employed people in it and every department below it.")
