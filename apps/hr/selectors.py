"""Reads for HR, scoped to the person asking: HR staff see people, the payroll role sees pay,
everyone sees their own payslips and nobody else's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound

from . import permissions
from .models import (
    Department,
    Employee,
    PayrollItem,
    PayrollRun,
    Payslip,
    SocialInsurancePolicy,
    SpecialDeduction,
)


def mask_id(number: str) -> str:
    """510104********0015: enough to recognise, not enough to use."""
    return f"{number[:6]}{'*' * 8}{number[-4:]}" if len(number) == 18 else "*" * len(number)


def mask_account(number: str) -> str:
    return f"{'*' * max(len(number) - 4, 0)}{number[-4:]}" if number else ""


def sees_sensitive(user: Any) -> bool:
    """Resident ID and bank account in full: HR staff and the payroll role only."""
    return permissions.can(user, permissions.PEOPLE)


def employee_list(*, actor: Any, search: str = "", status: str = "") -> QuerySet[Employee]:
    permissions.require(actor, permissions.PEOPLE)
    employees = Employee.objects.select_related("department")
    if status in Employee.Status.values:
        employees = employees.filter(status=status)
    if search:
        employees = employees.filter(
            Q(name__icontains=search)
            | Q(number__iexact=search)
            | Q(department__name__icontains=search)
            | Q(mobile=search)
        )
    return employees.order_by("number")


def employee_get(*, actor: Any, employee_id: Any) -> Employee:
    permissions.require(actor, permissions.PEOPLE)
    employee = Employee.objects.select_related("department").filter(pk=_int(employee_id)).first()
    if employee is None:
        raise NotFound(_("No such employee."))
    return employee


def policy_list(*, actor: Any) -> QuerySet[SocialInsurancePolicy]:
    permissions.require(actor, permissions.PAYROLL)
    return SocialInsurancePolicy.objects.order_by("city", "-effective_from")


def payroll_run_list(*, actor: Any) -> QuerySet[PayrollRun]:
    permissions.require(actor, permissions.PAYROLL)
    return PayrollRun.objects.select_related("approved_by", "reviewed_by").order_by("-year", "-month")


def payslip_list(*, actor: Any, run: PayrollRun, search: str = "") -> QuerySet[Payslip]:
    """A run's payslips (payroll role), by employee number; one query however many people."""
    permissions.require(actor, permissions.PAYROLL)
    slips = Payslip.objects.filter(run=run).select_related("employee", "employee__department", "run")
    if search:
        slips = slips.filter(Q(employee__name__icontains=search) | Q(employee__number__iexact=search))
    return slips.order_by("employee__number")


def special_deduction_list(*, actor: Any, employee: Employee) -> QuerySet[SpecialDeduction]:
    permissions.require(actor, permissions.PEOPLE)
    return SpecialDeduction.objects.filter(employee=employee).order_by("-start", "kind")


def employee_payslips(*, actor: Any, employee: Employee) -> QuerySet[Payslip]:
    permissions.require(actor, permissions.PAYROLL)
    return Payslip.objects.filter(employee=employee).select_related("run").order_by("-run__year", "-run__month")


def payroll_item_list(*, actor: Any, run: PayrollRun) -> QuerySet[PayrollItem]:
    permissions.require(actor, permissions.PAYROLL)
    return PayrollItem.objects.filter(run=run).select_related("employee").order_by("employee__number", "pk")


def my_payslips(*, actor: Any) -> QuerySet[Payslip]:
    """The signed-in person's own payslips of approved runs (self-service)."""
    user_id = getattr(actor, "pk", None)
    if user_id is None:
        return Payslip.objects.none()
    return (
        Payslip.objects.filter(employee__user_id=user_id, run__status=PayrollRun.Status.APPROVED)
        .select_related("run", "employee")
        .order_by("-run__year", "-run__month")
    )


def payslip_get(*, actor: Any, payslip_id: Any) -> Payslip:
    """A payslip for the payroll role, or the person's own once the run is approved; else 404."""
    slip = Payslip.objects.select_related("run", "employee", "employee__department").filter(pk=_int(payslip_id)).first()
    if slip is None:
        raise NotFound(_("No such payslip."))
    own = slip.employee.user_id is not None and slip.employee.user_id == getattr(actor, "pk", None)
    if permissions.can(actor, permissions.PAYROLL) or (own and slip.run.is_locked):
        return slip
    raise NotFound(_("No such payslip."))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class DepartmentNode:
    department: Department
    depth: int
    headcount: int  # employed people in it
    total: int  # in it and every department below it


def department_tree(*, actor: Any) -> list[DepartmentNode]:
    """Departments in tree order with their headcounts (two queries)."""
    permissions.require(actor, permissions.PEOPLE)
    departments = list(Department.objects.order_by("name"))
    counts = dict(
        Employee.objects.filter(status=Employee.Status.ACTIVE, department__isnull=False)
        .values_list("department")
        .annotate(n=Count("id"))
    )
    children: dict[int | None, list[Department]] = defaultdict(list)
    for department in departments:
        children[department.parent_id].append(department)

    def total(department: Department) -> int:
        return counts.get(department.pk, 0) + sum(total(child) for child in children[department.pk])

    ordered: list[DepartmentNode] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for department in children[parent_id]:
            ordered.append(DepartmentNode(department, depth, counts.get(department.pk, 0), total(department)))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return ordered
