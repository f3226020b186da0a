"""Writes for people: employees and their declared special additional deductions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import ValidationFailed
from core.validators import resident_id_valid

from . import permissions
from .models import Department, Employee, SocialInsurancePolicy, SpecialDeduction
from .tax import DATA, fen

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")
BANK_ACCOUNT = re.compile(r"^[0-9]{8,34}$")


@dataclass
class EmployeeInput:
    number: str
    name: str
    gender: str
    id_number: str
    hire_date: date
    base_salary: Any = "0"
    allowances: Any = "0"
    social_insurance_base: Any = ""
    housing_fund_rate: Any = "0.05"
    social_insurance_city: str = "chengdu"
    mobile: str = ""
    email: str = ""
    department: str = ""
    position: str = ""
    bank_name: str = ""
    bank_account: str = ""


def _amount(value: Any, name: str, errors: dict[str, list[str]], *, places: str = "0.01") -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip() or "0")
    except InvalidOperation:
        errors.setdefault(name, []).append(_("Enter a number."))
        return Decimal(0)
    if not amount.is_finite() or amount < 0 or amount > Decimal("99999999"):
        errors.setdefault(name, []).append(_("Enter an amount between 0 and 99,999,999."))
        return Decimal(0)
    if amount != amount.quantize(Decimal(places)):
        errors.setdefault(name, []).append(_("Too many decimal places."))
    return amount


def _clean(data: EmployeeInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    number, name = data.number.strip(), data.name.strip()
    if not NUMBER.match(number):
        errors["number"] = [_("Use 1 to 20 letters, digits or dashes.")]
    if not name or len(name) > 100:
        errors["name"] = [_("Enter a name of at most 100 characters.")]
    if data.gender not in Employee.Gender.values:
        errors["gender"] = [_("Choose a gender.")]
    id_number = data.id_number.strip().upper()
    if not resident_id_valid(id_number):
        errors["id_number"] = [
            _("Enter a valid 18-character resident ID number (the last character checks the others).")
        ]
    mobile = re.sub(r"[\s-]", "", data.mobile or "").removeprefix("+86")
    if mobile and not MOBILE.match(mobile):
        errors["mobile"] = [_("Enter an 11-digit mainland mobile number.")]
    bank_account = re.sub(r"\s", "", data.bank_account or "")
    if bank_account and not BANK_ACCOUNT.match(bank_account):
        errors["bank_account"] = [_("Enter the account number: 8 to 34 digits.")]
    if not isinstance(data.hire_date, date) or not (1950 <= data.hire_date.year <= 2099):
        errors["hire_date"] = [_("Enter a valid date.")]
    base_salary = _amount(data.base_salary, "base_salary", errors)
    allowances = _amount(data.allowances, "allowances", errors)
    declared = data.social_insurance_base if str(data.social_insurance_base).strip() else base_salary + allowances
    si_base = _amount(declared, "social_insurance_base", errors)
    rate = _amount(data.housing_fund_rate, "housing_fund_rate", errors, places="0.001")
    if not errors.get("housing_fund_rate") and not (Decimal("0.05") <= rate <= Decimal("0.12")):
        errors["housing_fund_rate"] = [_("The housing fund rate is between 5% and 12%.")]
    if not SocialInsurancePolicy.objects.filter(city=data.social_insurance_city).exists():
        errors["social_insurance_city"] = [_("There is no social insurance policy for this city.")]
    if errors:
        raise ValidationFailed(_("The employee could not be saved."), fields=errors)
    department = None
    if data.department.strip():
        department, _created = Department.objects.get_or_create(name=data.department.strip()[:100])
    return {
        "number": number,
        "name": name,
        "gender": data.gender,
        "id_number": id_number,
        "mobile": mobile,
        "email": (data.email or "").strip()[:254],
        "department": department,
        "position": (data.position or "").strip()[:100],
        "hire_date": data.hire_date,
        "base_salary": fen(base_salary),
        "allowances": fen(allowances),
        "social_insurance_base": fen(si_base),
        "social_insurance_city": data.social_insurance_city,
        "housing_fund_rate": rate,
        "bank_name": (data.bank_name or "").strip()[:100],
        "bank_account": bank_account,
    }


@transaction.atomic
def employee_create(*, actor: Any, data: EmployeeInput) -> Employee:
    permissions.require(actor, permissions.PEOPLE)
    values = _clean(data)
    duplicates: dict[str, list[str]] = {}
    if Employee.objects.filter(number=values["number"]).exists():
        duplicates["number"] = [_("Another employee has this number.")]
    if Employee.objects.filter(id_number=values["id_number"]).exists():
        duplicates["id_number"] = [_("Another employee has this resident ID number.")]
    if duplicates:
        raise ValidationFailed(_("The employee could not be saved."), fields=duplicates)
    try:
        with transaction.atomic():
            employee = Employee.objects.create(**values)
    except IntegrityError:
        raise ValidationFailed(
            _("The employee could not be saved."), fields={"number": [_("Another employee has this number.")]}
        ) from None
    audit_record(action="hr.employee_created", actor=actor, obj=employee, number=employee.number)
    return employee


@cache
def _deduction_standards() -> dict[str, dict[str, Any]]:
    data = json.loads((DATA / "special_deductions.json").read_text(encoding="utf-8"))
    return {row["kind"]: row for row in data["kinds"]}


@transaction.atomic
def special_deduction_add(
    *,
    actor: Any,
    employee: Employee,
    kind: str,
    start: date,
    units: int = 1,
    end: date | None = None,
    share: Decimal = Decimal(1),
) -> SpecialDeduction:
    """A declared 专项附加扣除 at the standard monthly amount (per child where it applies, and the
    share the employee takes of a deduction split with a sibling or spouse)."""
    permissions.require(actor, permissions.PAYROLL)
    standard = _deduction_standards().get(kind)
    errors: dict[str, list[str]] = {}
    if standard is None:
        errors["kind"] = [_("Choose a kind of deduction.")]
    if not 1 <= int(units) <= 10:
        errors["units"] = [_("Between 1 and 10.")]
    if not Decimal(0) < share <= Decimal(1):
        errors["share"] = [_("A share between 0 and 100%.")]
    if end is not None and end < start:
        errors["end"] = [_("The end cannot be before the start.")]
    if errors or standard is None:
        raise ValidationFailed(_("The deduction could not be saved."), fields=errors)
    per_unit = Decimal(standard["monthly"])
    amount = fen(per_unit * (int(units) if standard["per_unit"] else 1) * share)
    deduction = SpecialDeduction.objects.create(
        employee=employee, kind=kind, monthly_amount=amount, start=start.replace(day=1), end=end
    )
    audit_record(action="hr.special_deduction_added", actor=actor, obj=employee, kind=kind, amount=str(amount))
    return deduction


@transaction.atomic
def employee_update(
    *,
    actor: Any,
    employee: Employee,
    manager: Employee | None = None,
    work_start_date: date | None = None,
    probation_end: date | None = None,
    leave_date: date | None = None,
    position: str | None = None,
    department: str | None = None,
    base_salary: Any = None,
    allowances: Any = None,
) -> Employee:
    """Change what HR keeps up to date; a leave date marks the person as having left."""
    permissions.require(actor, permissions.PEOPLE)
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    errors: dict[str, list[str]] = {}
    if manager is not None:
        # Walk up from the new manager as stored: reaching this person again would be a loop.
        seen: set[int] = {employee.pk}
        boss_id: int | None = manager.pk
        while boss_id is not None:
            if boss_id in seen:
                errors["manager"] = [_("A person cannot report to themselves, directly or through others.")]
                break
            seen.add(boss_id)
            boss_id = Employee.objects.filter(pk=boss_id).values_list("manager_id", flat=True).first()
    if leave_date is not None and leave_date < employee.hire_date:
        errors["leave_date"] = [_("The leave date cannot be before the hire date.")]
    if work_start_date is not None and work_start_date > employee.hire_date:
        errors["work_start_date"] = [_("Work starts on or before joining this firm.")]
    if base_salary is not None:
        employee.base_salary = fen(_amount(base_salary, "base_salary", errors))
    if allowances is not None:
        employee.allowances = fen(_amount(allowances, "allowances", errors))
    if errors:
        raise ValidationFailed(_("The employee could not be saved."), fields=errors)
    employee.manager = manager
    employee.work_start_date = work_start_date
    employee.probation_end = probation_end
    employee.leave_date = leave_date
    left = leave_date is not None and leave_date <= timezone.localdate()
    employee.status = Employee.Status.LEFT if left else Employee.Status.ACTIVE
    if position is not None:
        employee.position = position.strip()[:100]
    if department is not None:
        employee.department = (
            Department.objects.get_or_create(name=department.strip()[:100])[0] if department.strip() else None
        )
    employee.save()
    audit_record(action="hr.employee_updated", actor=actor, obj=employee, number=employee.number)
    return employee


POLICY_RATES = (
    "pension_employer",
    "pension_employee",
    "medical_employer",
    "medical_employee",
    "unemployment_employer",
    "unemployment_employee",
    "work_injury_employer",
)


@transaction.atomic
def social_insurance_policy_save(
    *,
    actor: Any,
    city: str,
    effective_from: date,
    base_floor: Any,
    base_cap: Any,
    housing_fund_floor: Any,
    housing_fund_cap: Any,
    source: str = "",
    **rates: Any,
) -> SocialInsurancePolicy:
    """Record a city's rates and bases from a date (the city publishes new ones each year, usually
    in July); saving the same city and date again corrects that row. Runs already approved keep
    what they computed."""
    permissions.require(actor, permissions.PAYROLL)
    errors: dict[str, list[str]] = {}
    city = (city or "").strip().lower()
    if not re.fullmatch(r"[a-z_]{2,20}", city):
        errors["city"] = [_("Name the city in 2 to 20 lowercase letters, e.g. chengdu.")]
    amounts = {
        name: _amount(value, name, errors)
        for name, value in (
            ("base_floor", base_floor),
            ("base_cap", base_cap),
            ("housing_fund_floor", housing_fund_floor),
            ("housing_fund_cap", housing_fund_cap),
        )
    }
    if not errors and amounts["base_cap"] < amounts["base_floor"]:
        errors["base_cap"] = [_("The cap cannot be below the floor.")]
    if not errors and amounts["housing_fund_cap"] < amounts["housing_fund_floor"]:
        errors["housing_fund_cap"] = [_("The cap cannot be below the floor.")]
    rate_values: dict[str, Decimal] = {}
    for name in POLICY_RATES:
        value = _amount(rates.get(name, "0"), name, errors, places="0.0001")
        if value > Decimal("0.5"):
            errors.setdefault(name, []).append(_("A rate above 50% is surely a typo: enter 0.08 for 8%."))
        rate_values[name] = value
    unknown = set(rates) - set(POLICY_RATES)
    if unknown:
        errors["rates"] = [_("Unknown rates: %(names)s.") % {"names": ", ".join(sorted(unknown))}]
    if errors:
        raise ValidationFailed(_("The policy could not be saved."), fields=errors)
    policy, _created = SocialInsurancePolicy.objects.update_or_create(
        city=city,
        effective_from=effective_from,
        defaults={"source": (source or "").strip()[:300], **amounts, **rate_values},
    )
    audit_record(
        action="hr.social_insurance_policy_saved",
        actor=actor,
        obj=policy,
        city=city,
        effective_from=str(effective_from),
    )
    return policy


@transaction.atomic
def department_save(*, actor: Any, name: str, parent: str = "") -> Department:
    """Create a department, or move it under another one (departments form a tree)."""
    permissions.require(actor, permissions.PEOPLE)
    name, parent = (name or "").strip(), (parent or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("Name the department (at most 100 characters)."), fields={"name": [_("Required.")]})
    department, _created = Department.objects.select_for_update().get_or_create(name=name)
    above = None
    if parent:
        above = Department.objects.filter(name=parent).first()
        if above is None:
            raise ValidationFailed(_("Choose an existing department."), fields={"parent": [_("Unknown department.")]})
        node: Department | None = above
        while node is not None:
            if node.pk == department.pk:
                raise ValidationFailed(
                    _("A department cannot sit under itself, directly or through others."),
                    fields={"parent": [_("That would make a loop.")]},
                )
            node = node.parent
    department.parent = above
    department.save(update_fields=["parent"])
    audit_record(action="hr.department_saved", actor=actor, obj=department, parent=parent)
    return department
