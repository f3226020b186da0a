"""Forms of the HR pages. They shape input; the services decide what is valid and allowed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Employee, PayrollItem, SpecialDeduction
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
