"""Forms of the HR pages. They shape input; the services decide what is valid and allowed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import Employee, EmploymentContract, LeaveType, PayrollItem, SpecialDeduction
from .services import EmployeeInput

# 住房公积金 rates a firm may choose: 5% to 12% in whole percents.
HOUSING_FUND_RATES = [(f"0.{rate:02d}", f"{rate}%") for rate in range(5, 13)]
SHARES = [("1", _("All of it (100%)")), ("0.5", _("Half (50%)"))]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _amount_input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount", **attrs})


class EmployeeForm(forms.Form):
    """Every field of ``EmployeeInput``; amounts stay text so the service checks them."""

    number = forms.CharField(label=_("Employee number"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=100)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Employee.Gender.choices])
    id_number = forms.CharField(
        label=_("Resident ID number (身份证号)"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    department = forms.CharField(
        label=_("Department"), max_length=100, required=False, help_text=_("A new name creates the department.")
    )
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    hire_date = forms.DateField(label=_("Hire date"), widget=_date_input())
    base_salary = forms.CharField(label=_("Monthly base salary"), max_length=24, widget=_amount_input())
    allowances = forms.CharField(label=_("Monthly allowances"), max_length=24, required=False, widget=_amount_input())
    social_insurance_base = forms.CharField(
        label=_("Social insurance base (社保基数)"),
        max_length=24,
        required=False,
        widget=_amount_input(),
        help_text=_("Leave empty to use salary plus allowances."),
    )
    housing_fund_rate = forms.ChoiceField(
        label=_("Housing fund rate (公积金比例)"), choices=HOUSING_FUND_RATES, initial="0.05"
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account = forms.CharField(
        label=_("Bank account"), max_length=40, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def employee_input(self) -> EmployeeInput:
        data = self.cleaned_data
        return EmployeeInput(
            number=data["number"],
            name=data["name"],
            gender=data["gender"],
            id_number=data["id_number"],
            hire_date=data["hire_date"],
            base_salary=data["base_salary"],
            allowances=data["allowances"] or "0",
            social_insurance_base=data["social_insurance_base"],
            housing_fund_rate=data["housing_fund_rate"],
            mobile=data["mobile"],
            email=data["email"],
            department=data["department"],
            position=data["position"],
            bank_name=data["bank_name"],
            bank_account=data["bank_account"],
        )


class SpecialDeductionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *SpecialDeduction.Kind.choices])
    start = forms.DateField(
        label=_("From month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    units = forms.IntegerField(
        label=_("Children"),
        min_value=1,
        max_value=10,
        initial=1,
        help_text=_("For children's education and infant care; otherwise 1."),
    )
    share = forms.ChoiceField(label=_("Share taken by this employee"), choices=SHARES, initial="1")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "start": data["start"].replace(day=1),
            "units": data["units"],
            "share": Decimal(data["share"]),
        }


class PayrollRunForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2099)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, choices=[(m, f"{m:02d}") for m in range(1, 13)])
    bonus_separately = forms.BooleanField(
        label=_("Tax year-end bonuses separately (全年一次性奖金单独计税)"), required=False, initial=True
    )

    @classmethod
    def this_month(cls) -> dict[str, Any]:
        today = timezone.localdate()
        return {"year": today.year, "month": today.month, "bonus_separately": True}


class PayrollItemForm(forms.Form):
    employee = forms.TypedChoiceField(label=_("Employee"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=PayrollItem.Kind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("Overtime")})
    )
    amount = forms.CharField(label=_("Amount"), max_length=24, widget=_amount_input())

    def __init__(self, *args: Any, employees: Iterable[Employee] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((e.pk, f"{e.number} {e.name}") for e in employees)]
        self.fields["employee"].choices = choices  # type: ignore[attr-defined]

    def clean_amount(self) -> str:
        return str(self.cleaned_data["amount"]).replace(",", "").strip()


# --- leave, attendance, contracts, import --------------------------------------------------

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def leave_type_label(leave_type: LeaveType) -> str:
    """The Chinese name in Chinese, else the English one with the Chinese in brackets."""
    if (translation.get_language() or "").startswith("zh") or not leave_type.name_en:
        return leave_type.name
    return f"{leave_type.name_en} ({leave_type.name})"


class LeaveRequestForm(forms.Form):
    leave_type = forms.ChoiceField(label=_("Kind of leave"))
    start = forms.DateField(label=_("First day"), widget=_date_input())
    end = forms.DateField(label=_("Last day"), widget=_date_input())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, leave_types: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leave_type"].choices = [("", "—"), *leave_types]  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "leave_type_code": data["leave_type"],
            "start": data["start"],
            "end": data["end"],
            "reason": data["reason"],
        }


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MonthForm(forms.Form):
    """A month to show; anything unreadable falls back to the current month."""

    month = forms.DateField(input_formats=["%Y-%m"], required=False)

    def first_day(self) -> date:
        if self.is_valid() and self.cleaned_data["month"]:
            return self.cleaned_data["month"].replace(day=1)  # type: ignore[no-any-return]
        return timezone.localdate().replace(day=1)


class SummaryMonthForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, choices=[(m, f"{m:02d}") for m in range(1, 13)])

    def __init__(self, *args: Any, years: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]


class DaysForm(forms.Form):
    days = forms.IntegerField(label=_("Within days"), min_value=1, max_value=366, initial=30)


class EmployeeEditForm(forms.Form):
    """What HR keeps up to date after hiring; ``services.employee_update`` checks it."""

    manager = forms.TypedChoiceField(label=_("Manager"), coerce=int, required=False, empty_value=None)
    department = forms.CharField(
        label=_("Department"), max_length=100, required=False, help_text=_("A new name creates the department.")
    )
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    work_start_date = forms.DateField(
        label=_("Started working (参加工作日期)"),
        required=False,
        widget=_date_input(),
        help_text=_("Anywhere, not only here: annual leave counts from it."),
    )
    probation_end = forms.DateField(label=_("Probation ends"), required=False, widget=_date_input())
    leave_date = forms.DateField(
        label=_("Leave date"),
        required=False,
        widget=_date_input(),
        help_text=_("From this day on the person counts as having left."),
    )
    base_salary = forms.CharField(label=_("Monthly base salary"), max_length=24, widget=_amount_input())
    allowances = forms.CharField(label=_("Monthly allowances"), max_length=24, required=False, widget=_amount_input())

    def __init__(self, *args: Any, managers: Iterable[Employee] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("No manager")), *((e.pk, f"{e.number} {e.name}") for e in managers)]
        self.fields["manager"].choices = choices  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, employee: Employee) -> dict[str, Any]:
        return {
            "manager": employee.manager_id,
            "department": employee.department.name if employee.department else "",
            "position": employee.position,
            "work_start_date": employee.work_start_date,
            "probation_end": employee.probation_end,
            "leave_date": employee.leave_date,
            "base_salary": f"{employee.base_salary:.2f}",
            "allowances": f"{employee.allowances:.2f}",
        }


class ContractForm(forms.Form):
    kind = forms.ChoiceField(label=_("Contract type"), choices=[("", "—"), *EmploymentContract.Kind.choices])
    start = forms.DateField(label=_("Starts"), widget=_date_input())
    end = forms.DateField(
        label=_("Ends"), required=False, widget=_date_input(), help_text=_("Empty for an open-ended contract.")
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=_date_input())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EmployeeImportForm(forms.Form):
    file = forms.FileField(
        label=_("Employee file"),
        help_text=_("CSV (UTF-8 or GB18030) or XLSX, at most 5 MB, the first row holding the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class WorkScheduleForm(forms.Form):
    start = forms.TimeField(label=_("Work starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Work ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    grace_minutes = forms.IntegerField(label=_("Minutes of grace"), min_value=0, max_value=120)
    feeds_payroll = forms.BooleanField(
        label=_("Attendance feeds payroll"),
        required=False,
        help_text=_(
            "Turn this on from the first day everyone checks in: a working day without a check-in "
            "counts as unpaid absence."
        ),
    )


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Department"), max_length=100)
    parent = forms.ChoiceField(label=_("Part of"), required=False)

    def __init__(self, *args: Any, parents: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("Top level")), *((name, name) for name in parents)]  # type: ignore[attr-defined]
