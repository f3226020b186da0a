"""People and payroll of a firm. Country rules (tax tables, deduction amounts) are data files;
each firm's social insurance policy is a table it can edit."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


def money(verbose: Any) -> models.DecimalField:  # type: ignore[type-arg]
    """An amount in yuan to the fen, zero by default."""
    return models.DecimalField(verbose, max_digits=14, decimal_places=2, default=ZERO)


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Employed")
        LEFT = "left", _("Left")

    class Gender(models.TextChoices):
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")

    number = models.CharField(_("employee number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    email = models.EmailField(_("email"), blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="employees"
    )
    position = models.CharField(_("position"), max_length=100, blank=True)
    hire_date = models.DateField(_("hire date"))
    # 参加工作日期: when the person started working anywhere; annual leave counts from it.
    work_start_date = models.DateField(_("started working"), null=True, blank=True)
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    leave_date = models.DateField(_("leave date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    probation_end = models.DateField(_("probation ends"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    base_salary = money(_("monthly base salary"))
    allowances = money(_("monthly allowances"))
    social_insurance_city = models.CharField(_("social insurance city"), max_length=20, default="chengdu")
    social_insurance_base = money(_("social insurance base"))
    housing_fund_rate = models.DecimalField(
        _("housing fund rate"), max_digits=4, decimal_places=3, default=Decimal("0.05")
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=34, blank=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(base_salary__gte=0, allowances__gte=0, social_insurance_base__gte=0),
                name="hr_employee_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(housing_fund_rate__gte=0, housing_fund_rate__lte=Decimal("0.12")),
                name="hr_employee_housing_fund_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(leave_date__isnull=True) | Q(leave_date__gte=models.F("hire_date")),
                name="hr_employee_leaves_after_hire",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class SpecialDeduction(models.Model):
    """专项附加扣除 an employee declared, from a month until a month (open-ended when empty)."""

    class Kind(models.TextChoices):
        CHILD_EDUCATION = "child_education", _("Children's education")
        INFANT_CARE = "infant_care", _("Care of infants under three")
        ELDERLY_SUPPORT = "elderly_support", _("Support of elderly parents")
        HOUSING_LOAN = "housing_loan_interest", _("Housing loan interest")
        HOUSING_RENT = "housing_rent", _("Housing rent")
        CONTINUING_EDUCATION = "continuing_education", _("Continuing education")

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="special_deductions")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    monthly_amount = money(_("monthly amount"))
    start = models.DateField(_("from month"))
    end = models.DateField(_("until month"), null=True, blank=True)

    class Meta:
        verbose_name = _("special additional deduction")
        verbose_name_plural = _("special additional deductions")
        constraints = [models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="hr_deduction_not_negative")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.kind}"


class SocialInsurancePolicy(models.Model):
    """A city's contribution rates and bases from a date; shipped with defaults, editable per firm."""

    city = models.CharField(_("city"), max_length=20)
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    base_floor = money(_("base floor"))
    base_cap = money(_("base cap"))
    pension_employer = models.DecimalField(max_digits=5, decimal_places=4)
    pension_employee = models.DecimalField(max_digits=5, decimal_places=4)
    medical_employer = models.DecimalField(max_digits=5, decimal_places=4)
    medical_employee = models.DecimalField(max_digits=5, decimal_places=4)
    unemployment_employer = models.DecimalField(max_digits=5, decimal_places=4)
    unemployment_employee = models.DecimalField(max_digits=5, decimal_places=4)
    work_injury_employer = models.DecimalField(max_digits=5, decimal_places=4)
    housing_fund_floor = money(_("housing fund base floor"))
    housing_fund_cap = money(_("housing fund base cap"))

    class Meta:
        verbose_name = _("social insurance policy")
        verbose_name_plural = _("social insurance policies")
        ordering = ["city", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["city", "effective_from"], name="hr_policy_unique_city_date"),
            models.CheckConstraint(condition=Q(base_cap__gte=models.F("base_floor")), name="hr_policy_cap_over_floor"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.effective_from}"


class PayrollRun(models.Model):
    """One month's payroll. Drafts are recomputed freely; approval posts it and locks it for good."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved and locked")

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    bonus_separately = models.BooleanField(_("tax year-end bonuses separately"), default=True)
    employees = models.PositiveIntegerField(default=0)
    gross = money(_("gross pay"))
    employee_contributions = money(_("employee social insurance and housing fund"))
    employer_contributions = money(_("employer social insurance and housing fund"))
    income_tax = money(_("income tax"))
    net = money(_("net pay"))
    computed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    voucher_number = models.CharField(_("voucher"), max_length=20, blank=True)
    voucher_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("payroll run")
        verbose_name_plural = _("payroll runs")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="hr_payroll_run_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="hr_payroll_run_month_valid"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


class PayrollItem(models.Model):
    """A one-off amount in a run: an allowance, a deduction, overtime or a year-end bonus."""

    class Kind(models.TextChoices):
        EARNING = "earning", _("Earning")
        DEDUCTION = "deduction", _("Deduction after tax")
        YEAR_END_BONUS = "bonus", _("Year-end bonus")

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="items")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="payroll_items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    amount = money(_("amount"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="hr_item_positive")]

    def __str__(self) -> str:
        return self.name


class Payslip(models.Model):
    """An employee's pay for a run, with every figure of the cumulative tax computation kept."""

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="payslips")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="payslips")
    base_salary = money(_("base salary"))
    allowances = money(_("allowances"))
    other_earnings = money(_("other earnings"))
    overtime_pay = money(_("overtime pay"))
    absence_deduction = money(_("deduction for absence and unpaid leave"))
    gross = money(_("gross pay"))
    contribution_base = money(_("contribution base"))
    employee_pension = money(_("pension"))
    employee_medical = money(_("medical"))
    employee_unemployment = money(_("unemployment"))
    employee_housing_fund = money(_("housing fund"))
    employer_social = money(_("employer social insurance"))
    employer_housing_fund = money(_("employer housing fund"))
    special_additional = money(_("special additional deductions"))
    # Year to date, this month included: the inputs of 累计预扣法.
    ytd_income = money(_("cumulative income"))
    ytd_months = models.PositiveSmallIntegerField(default=0)
    ytd_basic_deduction = money(_("cumulative basic deduction"))
    ytd_special = money(_("cumulative social insurance and housing fund"))
    ytd_additional = money(_("cumulative special additional deductions"))
    ytd_taxable = money(_("cumulative taxable income"))
    tax_rate = models.DecimalField(max_digits=4, decimal_places=2, default=ZERO)
    quick_deduction = money(_("quick deduction"))
    ytd_tax = money(_("cumulative tax"))
    withheld_before = money(_("tax withheld earlier this year"))
    income_tax = money(_("income tax this month"))
    bonus = money(_("year-end bonus"))
    bonus_tax = money(_("tax on the year-end bonus"))
    other_deductions = money(_("other deductions"))
    net = money(_("net pay"))

    class Meta:
        verbose_name = _("payslip")
        verbose_name_plural = _("payslips")
        ordering = ["run_id", "employee__number"]
        constraints = [models.UniqueConstraint(fields=["run", "employee"], name="hr_payslip_unique")]
        indexes = [models.Index(fields=["employee", "run"], name="hr_payslip_employee_run")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.employee_id}"

    @property
    def employee_contributions(self) -> Decimal:
        return self.employee_pension + self.employee_medical + self.employee_unemployment + self.employee_housing_fund


class HrRole(models.Model):
    """A person's role in HR. Owners and administrators have every right, approval included."""

    class Role(models.TextChoices):
        HR = "hr", _("HR staff (people, leave, attendance)")
        PAYROLL = "payroll", _("Payroll (HR staff rights and pay figures)")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hr_role")
    role = models.CharField(_("HR role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("HR role")
        verbose_name_plural = _("HR roles")
        constraints = [models.CheckConstraint(condition=Q(role__in=["hr", "payroll"]), name="hr_role_valid")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class LeaveType(models.Model):
    """Kinds of leave; shipped with the statutory ones, editable per firm."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    paid = models.BooleanField(_("paid"), default=True)
    # Annual leave draws on the statutory entitlement; other kinds have a cap per request, if any.
    uses_annual_balance = models.BooleanField(_("draws on annual leave"), default=False)
    max_days = models.PositiveSmallIntegerField(_("days at most per request"), null=True, blank=True)

    class Meta:
        verbose_name = _("leave type")
        verbose_name_plural = _("leave types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LeaveRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="leave_requests")
    leave_type = models.ForeignKey(LeaveType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="hr_leave_end_after_start"),
            models.CheckConstraint(condition=Q(days__gt=0), name="hr_leave_has_days"),
        ]
        indexes = [models.Index(fields=["employee", "start"], name="hr_leave_employee_start")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.start}..{self.end}"


class WorkSchedule(models.Model):
    """The firm's working hours (one row): lateness and overtime are measured against it."""

    start = models.TimeField(_("work starts"), default=time(9, 0))
    end = models.TimeField(_("work ends"), default=time(18, 0))
    grace_minutes = models.PositiveSmallIntegerField(_("minutes of grace"), default=5)
    # When on, a run deducts unpaid absence and adds overtime from the month's attendance.
    feeds_payroll = models.BooleanField(_("attendance feeds payroll"), default=False)

    class Meta:
        verbose_name = _("work schedule")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="hr_work_schedule_single_row")]

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


class AttendanceRecord(models.Model):
    """One person's day: when they checked in and out (web check-in, or corrected by HR)."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="attendance")
    day = models.DateField(_("day"))
    check_in = models.DateTimeField(_("checked in"), null=True, blank=True)
    check_out = models.DateTimeField(_("checked out"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "day"], name="hr_attendance_one_per_day"),
            models.CheckConstraint(
                condition=Q(check_out__isnull=True) | Q(check_in__isnull=False, check_out__gte=models.F("check_in")),
                name="hr_attendance_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.day}"


class EmploymentContract(models.Model):
    """A labour contract (劳动合同); HR is reminded before a fixed term ends."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed term")
        OPEN_ENDED = "open", _("Open-ended")
        PROJECT = "project", _("For a task")
        PART_TIME = "part_time", _("Part-time")
        INTERNSHIP = "intern", _("Internship agreement")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(_("contract type"), max_length=10, choices=Kind.choices)
    start = models.DateField(_("starts"))
    end = models.DateField(_("ends"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("employment contract")
        verbose_name_plural = _("employment contracts")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="hr_contract_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(kind="fixed") | Q(end__isnull=False), name="hr_contract_fixed_has_end"),
        ]
        indexes = [models.Index(fields=["end"], name="hr_contract_end")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.kind} {self.start}"


class EmployeeImport(models.Model):
    """A CSV/XLSX file of employees being imported by a job: progress and a row-level error report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file"), max_length=200)
    stored_as = models.CharField(max_length=100)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("employee import")
        verbose_name_plural = _("employee imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress(self) -> int:
        return 100 if self.status == self.Status.DONE else (self.done_rows * 100 // self.rows if self.rows else 0)


class PayrollOpening(models.Model):
    """What a person earned, paid in and had withheld this year before the firm ran payroll in
    ParkSuite: the starting year-to-date figures of the cumulative method."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="payroll_openings")
    year = models.PositiveSmallIntegerField(_("year"))
    up_to_month = models.PositiveSmallIntegerField(_("up to and including month"))
    income = money(_("cumulative income"))
    special = money(_("cumulative social insurance and housing fund"))
    additional = money(_("cumulative special additional deductions"))
    withheld = money(_("tax withheld"))

    class Meta:
        verbose_name = _("payroll opening figures")
        verbose_name_plural = _("payroll opening figures")
        constraints = [
            models.UniqueConstraint(fields=["employee", "year"], name="hr_opening_one_per_year"),
            models.CheckConstraint(condition=Q(up_to_month__gte=1, up_to_month__lte=11), name="hr_opening_month_valid"),
            models.CheckConstraint(
                condition=Q(income__gte=0, special__gte=0, additional__gte=0, withheld__gte=0),
                name="hr_opening_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.year}"
