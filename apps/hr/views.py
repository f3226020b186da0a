"""HR pages (HTML). Reads through selectors, writes through services.

HR staff pages need an HR right (``permissions.can``); without one people see a page that
tells them whom to ask. Everyone signed in has the overview and their own payslips. Services
have the last word: their errors come back next to the fields or at the top of the page.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotAllowed
from core.forms import add_service_errors
from core.pages import module_page, query_without_page, reported

from . import attendance, contracts, imports, leave, payroll, permissions, selectors, services
from .forms import (
    ContractForm,
    DaysForm,
    DepartmentForm,
    EmployeeEditForm,
    EmployeeForm,
    EmployeeImportForm,
    LeaveDecisionForm,
    LeaveRequestForm,
    MonthForm,
    PayrollItemForm,
    PayrollRunForm,
    SpecialDeductionForm,
    SummaryMonthForm,
    WorkScheduleForm,
    leave_type_label,
)
from .models import AttendanceRecord, Employee, EmployeeImport, PayrollRun, Payslip
from .payslips import pay_lines, tax_lines
from .workdays import CalendarMissing, day_kind, is_working_day, known_years, working_days

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 50
MAX_ROWS = 500  # firms are small: lists that are not paginated stop here and say so
MAX_ERRORS_SHOWN = 200  # the rest are in the downloadable error report
MAX_LEAVE_SPAN = 366


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "hr/forbidden.html", {"message": message}, status=403)


def _hr_access(right: str | None) -> Callable[[Any], None]:
    def check(user: Any) -> None:
        if right is None:
            return
        if not permissions.can(user, permissions.PEOPLE):
            raise NotAllowed(_("You have no access to HR. Ask your firm's owner for an HR or payroll role."))
        permissions.require(user, right)

    return check


def hr_page(right: str | None) -> Callable[[View], View]:
    """Signed in and holding ``right`` (None: anyone signed in); NotFound becomes 404, NotAllowed 403."""
    return module_page(check=_hr_access(right), forbidden_template="hr/forbidden.html")


def _rights(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {
        "can_people": permissions.can(user, permissions.PEOPLE),
        "can_payroll": permissions.can(user, permissions.PAYROLL),
        "can_approve": permissions.can(user, permissions.APPROVE),
    }


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {**_rights(request), **context}, status=status)


_query_without_page = query_without_page


def _search(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:100]


# --- overview ----------------------------------------------------------------------------


@hr_page(None)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = leave.own_employee(user)
    context: dict[str, Any] = {
        "nav": "home",
        "my_count": selectors.my_payslips(actor=user).count(),
        "own": own,
        "today_record": _today_record(request) if own is not None else None,
    }
    if permissions.can(user, permissions.PEOPLE):
        context["employee_count"] = selectors.employee_list(actor=user, status=Employee.Status.ACTIVE).count()
        context["expiring_count"] = contracts.contracts_expiring(actor=user).count()
        context["probation_count"] = contracts.probations_ending(actor=user).count()
        context["remind_days"] = contracts.REMIND_DAYS
    if permissions.can(user, permissions.PAYROLL):
        context["runs"] = list(selectors.payroll_run_list(actor=user)[:6])
    return _page(request, "hr/home.html", context)


# --- employees ---------------------------------------------------------------------------


@hr_page(permissions.PEOPLE)
def employee_list(request: HttpRequest) -> HttpResponse:
    search = _search(request)
    status = request.GET.get("status", "")
    status = status if status in Employee.Status.values else ""
    employees = selectors.employee_list(actor=request.user, search=search, status=status)
    context = {
        "nav": "employees",
        "employee_tab": "list",
        "page": Paginator(employees, PAGE_SIZE).get_page(request.GET.get("page")),
        "search": search,
        "status": status,
        "statuses": Employee.Status.choices,
        "query": _query_without_page(request),
    }
    return _page(request, "hr/employee_list.html", context)


@hr_page(permissions.PEOPLE)
@require_http_methods(["GET", "POST"])
def employee_new(request: HttpRequest) -> HttpResponse:
    form = EmployeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employee = services.employee_create(actor=request.user, data=form.employee_input())
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": employee.name})
            return redirect("hr:employee_detail", employee_id=employee.pk)
    context = {"nav": "employees", "employee_tab": "list", "form": form}
    return _page(request, "hr/employee_form.html", context, status=400 if form.errors else 200)


def _employee_context(
    request: HttpRequest,
    employee: Employee,
    deduction_form: SpecialDeductionForm,
    *,
    contract_form: ContractForm | None = None,
) -> dict[str, Any]:
    full = selectors.sees_sensitive(request.user)
    can_pay = permissions.can(request.user, permissions.PAYROLL)
    return {
        "nav": "employees",
        "employee_tab": "list",
        "contracts": list(contracts.contract_list(actor=request.user, employee=employee)),
        "contract_form": contract_form or ContractForm(),
        "employee": employee,
        "id_number": employee.id_number if full else selectors.mask_id(employee.id_number),
        "bank_account": employee.bank_account if full else selectors.mask_account(employee.bank_account),
        "deductions": list(selectors.special_deduction_list(actor=request.user, employee=employee)),
        "deduction_form": deduction_form,
        # Pay figures are for the payroll role (HR staff manage people, not pay).
        "payslips": list(selectors.employee_payslips(actor=request.user, employee=employee)) if can_pay else [],
    }


@hr_page(permissions.PEOPLE)
def employee_detail(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.employee_get(actor=request.user, employee_id=employee_id)
    form = SpecialDeductionForm(initial={"units": 1, "share": "1"})
    return _page(request, "hr/employee_detail.html", _employee_context(request, employee, form))


@hr_page(permissions.PAYROLL)
@require_POST
def special_deduction_add(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.employee_get(actor=request.user, employee_id=employee_id)
    form = SpecialDeductionForm(request.POST)
    if form.is_valid():
        try:
            deduction = services.special_deduction_add(actor=request.user, employee=employee, **form.service_kwargs())
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(kind)s is declared: %(amount)s a month.")
                % {"kind": deduction.get_kind_display(), "amount": f"{deduction.monthly_amount:,.2f}"},
            )
            return redirect("hr:employee_detail", employee_id=employee.pk)
    context = _employee_context(request, employee, form)
    return _page(request, "hr/employee_detail.html", context, status=400)


# --- payroll -----------------------------------------------------------------------------


@hr_page(permissions.PAYROLL)
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    form = PayrollRunForm(request.POST or None, initial=PayrollRunForm.this_month())
    if request.method == "POST" and form.is_valid():
        try:
            run = payroll.payroll_run_create(actor=request.user, **form.cleaned_data)
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
            if exc.fields:
                form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Payroll %(month)s is created as a draft.") % {"month": run.label})
            return redirect("hr:run_detail", run_id=run.pk)
    page = Paginator(selectors.payroll_run_list(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "payroll", "page": page, "form": form, "query": ""}
    return _page(request, "hr/run_list.html", context, status=400 if form.errors else 200)


def _run_context(request: HttpRequest, run: PayrollRun, item_form: PayrollItemForm | None = None) -> dict[str, Any]:
    search = _search(request)
    slips = selectors.payslip_list(actor=request.user, run=run, search=search)
    is_draft = run.status == PayrollRun.Status.DRAFT
    if is_draft and item_form is None:
        item_form = PayrollItemForm(employees=_active_employees(request))
    return {
        "nav": "payroll",
        "run": run,
        "is_draft": is_draft,
        "is_reviewed": run.status == PayrollRun.Status.REVIEWED,
        "items": list(selectors.payroll_item_list(actor=request.user, run=run)),
        "item_form": item_form if is_draft else None,
        "page": Paginator(slips, PAGE_SIZE).get_page(request.GET.get("page")),
        "search": search,
        "query": _query_without_page(request),
    }


def _active_employees(request: HttpRequest) -> list[Employee]:
    return list(selectors.employee_list(actor=request.user, status=Employee.Status.ACTIVE))


@hr_page(permissions.PAYROLL)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = payroll.payroll_run_get(actor=request.user, run_id=run_id)
    return _page(request, "hr/run_detail.html", _run_context(request, run))


@hr_page(permissions.PAYROLL)
@require_POST
def run_item_add(request: HttpRequest, run_id: int) -> HttpResponse:
    run = payroll.payroll_run_get(actor=request.user, run_id=run_id)
    form = PayrollItemForm(request.POST, employees=_active_employees(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            employee = selectors.employee_get(actor=request.user, employee_id=data["employee"])
            payroll.payroll_item_add(
                actor=request.user,
                run=run,
                employee=employee,
                kind=data["kind"],
                name=data["name"],
                amount=data["amount"],
            )
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
            if exc.fields:
                form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                _("%(item)s for %(name)s is added; compute the run again to include it.")
                % {"item": data["name"], "name": employee.name},
            )
            return redirect("hr:run_detail", run_id=run.pk)
    return _page(request, "hr/run_detail.html", _run_context(request, run, form), status=400)


_ACTIONS: dict[str, Callable[..., PayrollRun]] = {
    "compute": payroll.payroll_run_compute,
    "review": payroll.payroll_run_review,
    "reopen": payroll.payroll_run_reopen,
}


@hr_page(permissions.PAYROLL)
@require_POST
def run_action(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    run = payroll.payroll_run_get(actor=request.user, run_id=run_id)
    with reported(request) as outcome:
        run = _ACTIONS[action](actor=request.user, run=run)
    if outcome.ok:
        texts = {
            "compute": ngettext(
                "Payroll %(month)s is computed for %(count)d person.",
                "Payroll %(month)s is computed for %(count)d people.",
                run.employees,
            ),
            "review": _("Payroll %(month)s is reviewed and waits for approval."),
            "reopen": _("Payroll %(month)s is a draft again."),
        }
        messages.success(request, texts[action] % {"month": run.label, "count": run.employees})
    return redirect("hr:run_detail", run_id=run.pk)


@hr_page(permissions.APPROVE)
@require_http_methods(["GET", "POST"])
def run_approve(request: HttpRequest, run_id: int) -> HttpResponse:
    run = payroll.payroll_run_get(actor=request.user, run_id=run_id)
    if request.method == "POST":
        with reported(request) as outcome:
            run = payroll.payroll_run_approve(actor=request.user, run=run)
        if outcome.ok:
            messages.success(
                request,
                _("Payroll %(month)s is approved and posted with voucher %(number)s.")
                % {"month": run.label, "number": run.voucher_number},
            )
        return redirect("hr:run_detail", run_id=run.pk)
    return _page(request, "hr/run_approve.html", {"nav": "payroll", "run": run})


# --- payslips ----------------------------------------------------------------------------


@hr_page(None)
def payslip_detail(request: HttpRequest, payslip_id: int) -> HttpResponse:
    slip: Payslip = selectors.payslip_get(actor=request.user, payslip_id=payslip_id)
    own = slip.employee.user_id is not None and slip.employee.user_id == request.user.pk
    context = {
        "nav": "mine" if own else "payroll",
        "slip": slip,
        "pay_lines": pay_lines(slip),
        "tax_lines": tax_lines(slip),
    }
    return _page(request, "hr/payslip_detail.html", context)


@hr_page(None)
def my_payslips(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_payslips(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "hr/my_payslips.html", {"nav": "mine", "page": page, "query": ""})


# --- leave -------------------------------------------------------------------------------


def _leave_type_choices() -> list[tuple[str, str]]:
    return [(t.code, leave_type_label(t)) for t in leave.leave_type_list()]


def _leave_form(data: Any = None) -> LeaveRequestForm:
    return LeaveRequestForm(data, leave_types=_leave_type_choices())


def _my_leave_context(request: HttpRequest, form: LeaveRequestForm) -> dict[str, Any]:
    own = leave.own_employee(request.user)
    today = timezone.localdate()
    context: dict[str, Any] = {"nav": "leave", "leave_tab": "mine", "own": own, "form": form, "today": today}
    if own is not None:
        context["requests"] = list(leave.my_leave_requests(actor=request.user)[:MAX_ROWS])
        context["balance"] = leave.annual_balance(own, today.year)
    return context


@hr_page(None)
@require_http_methods(["GET", "POST"])
def leave_mine(request: HttpRequest) -> HttpResponse:
    form = _leave_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = leave.leave_request_create(actor=request.user, **form.service_kwargs())
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
            if exc.fields:
                form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                ngettext(
                    "Leave from %(start)s to %(end)s is asked for: %(days)d working day.",
                    "Leave from %(start)s to %(end)s is asked for: %(days)d working days.",
                    created.days,
                )
                % {"start": created.start, "end": created.end, "days": created.days},
            )
            return redirect("hr:leave_mine")
    context = _my_leave_context(request, form)
    return _page(request, "hr/leave_mine.html", context, status=400 if form.errors else 200)


@hr_page(None)
def leave_days(request: HttpRequest) -> HttpResponse:
    """The working days between two dates as the form is filled in (an htmx partial)."""
    form = LeaveRequestForm(request.GET)
    form.is_valid()
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    days: int | None = None
    missing = False
    if start and end and start <= end and (end - start).days <= MAX_LEAVE_SPAN:
        try:
            days = working_days(start, end)
        except CalendarMissing:
            missing = True
    return render(request, "hr/_leave_days.html", {"days": days, "missing": missing})


@hr_page(None)
@require_POST
def leave_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    found = leave.leave_request_get(actor=request.user, request_id=request_id)
    with reported(request) as outcome:
        leave.leave_request_cancel(actor=request.user, request=found)
    if outcome.ok:
        messages.success(request, _("The leave from %(start)s is cancelled.") % {"start": found.start})
    return redirect("hr:leave_mine")


@hr_page(None)
def leave_to_approve(request: HttpRequest) -> HttpResponse:
    pending = leave.leave_requests_to_decide(actor=request.user).select_related("employee__department")
    requests = list(pending[:MAX_ROWS])
    context = {"nav": "leave", "leave_tab": "approve", "requests": requests, "form": LeaveDecisionForm()}
    return _page(request, "hr/leave_approve.html", context)


@hr_page(None)
@require_POST
def leave_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    found = leave.leave_request_get(actor=request.user, request_id=request_id)
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Approve or reject the request."))
        return redirect("hr:leave_to_approve")
    approve = form.cleaned_data["decision"] == "approve"
    with reported(request) as outcome:
        decided = leave.leave_request_decide(
            actor=request.user, request=found, approve=approve, note=form.cleaned_data["note"]
        )
    if outcome.ok:
        text = (_("The leave of %(name)s is approved.") if approve else _("The leave of %(name)s is rejected.")) % {
            "name": decided.employee.name
        }
        messages.success(request, text)
    return redirect("hr:leave_to_approve")


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    working: bool | None  # None: the year's holiday schedule is not published
    kind: str = ""
    people: list[str] = field(default_factory=list)

    @property
    def css(self) -> str:
        if self.working is None:
            return "day-unknown"
        if self.kind == "holiday":
            return "day-holiday"
        if not self.working:
            return "day-off"
        return "day-adjusted" if self.day.weekday() >= 5 else "day-work"


def _calendar_weeks(first: date, absences: dict[date, list[str]]) -> tuple[list[list[CalendarDay]], bool]:
    weeks: list[list[CalendarDay]] = []
    missing = False
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            try:
                cell = CalendarDay(day, day.month == first.month, is_working_day(day), day_kind(day))
            except CalendarMissing:
                cell, missing = CalendarDay(day, day.month == first.month, None), missing or day.month == first.month
            # Leave is counted in working days, so that is where it shows.
            cell.people = absences.get(day, []) if cell.in_month and cell.working is not False else []
            row.append(cell)
        weeks.append(row)
    return weeks, missing


@hr_page(None)
def leave_calendar(request: HttpRequest) -> HttpResponse:
    first = MonthForm(request.GET).first_day()
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    approved = leave.leave_calendar(actor=request.user, first=first, last=last)
    absences: dict[date, list[str]] = defaultdict(list)
    for item in approved.order_by("employee__number", "start"):
        day = max(item.start, first)
        while day <= min(item.end, last):
            absences[day].append(f"{item.employee.name} · {leave_type_label(item.leave_type)}")
            day += timedelta(days=1)
    weeks, missing = _calendar_weeks(first, absences)
    context = {
        "nav": "leave",
        "leave_tab": "calendar",
        "month": first,
        "previous": (first - timedelta(days=1)).replace(day=1),
        "next": last + timedelta(days=1),
        "weeks": weeks,
        "missing": missing,
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
    }
    return _page(request, "hr/leave_calendar.html", context)


# --- attendance --------------------------------------------------------------------------


def _today_record(request: HttpRequest) -> AttendanceRecord | None:
    latest = attendance.my_attendance(actor=request.user).first()
    return latest if latest is not None and latest.day == timezone.localdate() else None


@hr_page(None)
@require_POST
def attendance_check(request: HttpRequest, action: str) -> HttpResponse:
    with reported(request) as outcome:
        record = (attendance.check_in if action == "in" else attendance.check_out)(actor=request.user)
    if outcome.ok:
        moment = timezone.localtime(record.check_in if action == "in" else record.check_out)
        text = _("Checked in at %(time)s.") if action == "in" else _("Checked out at %(time)s.")
        messages.success(request, text % {"time": f"{moment:%H:%M}"})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("hr:attendance_mine")
    return redirect(target)


@hr_page(None)
def attendance_mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(attendance.my_attendance(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "attendance",
        "attendance_tab": "mine",
        "own": leave.own_employee(request.user),
        "today_record": _today_record(request),
        "page": page,
        "query": "",
    }
    return _page(request, "hr/attendance_mine.html", context)


@hr_page(None)
def attendance_summary(request: HttpRequest) -> HttpResponse:
    """HR: everyone; a manager: their team; anyone else is refused."""
    today = timezone.localdate()
    years = known_years()
    form = SummaryMonthForm(request.GET or {"year": today.year, "month": today.month}, years=years)
    year, month = (form.cleaned_data["year"], form.cleaned_data["month"]) if form.is_valid() else (None, None)
    employees = list(attendance.team_members(actor=request.user)[: MAX_ROWS + 1])
    if not employees and not permissions.can(request.user, permissions.PEOPLE):
        return _forbidden(request, _("Only HR staff and managers see a monthly attendance summary."))
    capped = len(employees) > MAX_ROWS
    employees = employees[:MAX_ROWS]
    rows: list[tuple[Employee, attendance.MonthSummary]] = []
    if year is not None and month is not None:
        summaries = attendance.month_summaries(actor=request.user, year=year, month=month, employees=employees)
        rows = [(e, summaries[e.pk]) for e in employees]
    context = {
        "nav": "attendance",
        "attendance_tab": "summary",
        "form": form,
        "rows": rows,
        "capped": capped,
        "max_rows": MAX_ROWS,
        "schedule": (plan := attendance.schedule()),
        "schedule_form": WorkScheduleForm(
            initial={
                "start": plan.start,
                "end": plan.end,
                "grace_minutes": plan.grace_minutes,
                "feeds_payroll": plan.feeds_payroll,
            }
        ),
    }
    return _page(request, "hr/attendance_summary.html", context)


@hr_page(permissions.PEOPLE)
@require_POST
def work_schedule_update(request: HttpRequest) -> HttpResponse:
    form = WorkScheduleForm(request.POST)
    if form.is_valid():
        with reported(request) as outcome:
            attendance.work_schedule_update(actor=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The work schedule is saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('hr:attendance_summary')}#work-schedule")


# --- employee edit and contracts -----------------------------------------------------------


def _managers(request: HttpRequest, employee: Employee) -> list[Employee]:
    people = [e for e in _active_employees(request) if e.pk != employee.pk]
    if employee.manager is not None and all(e.pk != employee.manager_id for e in people):
        people.append(employee.manager)  # a manager who has left stays selectable until changed
    return people


@hr_page(permissions.PEOPLE)
@require_http_methods(["GET", "POST"])
def employee_edit(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.employee_get(actor=request.user, employee_id=employee_id)
    managers = _managers(request, employee)
    if request.method == "POST":
        form = EmployeeEditForm(request.POST, managers=managers)
    else:
        form = EmployeeEditForm(initial=EmployeeEditForm.initial_for(employee), managers=managers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        manager = next((e for e in managers if e.pk == data["manager"]), None)
        try:
            services.employee_update(
                actor=request.user,
                employee=employee,
                manager=manager,
                work_start_date=data["work_start_date"],
                probation_end=data["probation_end"],
                leave_date=data["leave_date"],
                position=data["position"],
                department=data["department"],
                base_salary=data["base_salary"],
                allowances=data["allowances"] or "0",
            )
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is updated.") % {"name": employee.name})
            return redirect("hr:employee_detail", employee_id=employee.pk)
    context = {"nav": "employees", "employee_tab": "list", "employee": employee, "form": form}
    return _page(request, "hr/employee_edit.html", context, status=400 if form.errors else 200)


@hr_page(permissions.PEOPLE)
@require_POST
def contract_add(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.employee_get(actor=request.user, employee_id=employee_id)
    form = ContractForm(request.POST)
    if form.is_valid():
        try:
            contract = contracts.contract_add(actor=request.user, employee=employee, **form.cleaned_data)
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
            if exc.fields:
                form.add_error(None, exc.detail)
        else:
            messages.success(
                request, _("A %(kind)s contract is added.") % {"kind": contract.get_kind_display().lower()}
            )
            return redirect("hr:employee_detail", employee_id=employee.pk)
    deductions = SpecialDeductionForm(initial={"units": 1, "share": "1"})
    context = _employee_context(request, employee, deductions, contract_form=form)
    return _page(request, "hr/employee_detail.html", context, status=400)


@hr_page(permissions.PEOPLE)
def contract_list(request: HttpRequest) -> HttpResponse:
    form = DaysForm(request.GET or {"days": contracts.REMIND_DAYS})
    days = form.cleaned_data["days"] if form.is_valid() else contracts.REMIND_DAYS
    context = {
        "nav": "employees",
        "employee_tab": "contracts",
        "form": form,
        "days": days,
        "expiring": list(contracts.contracts_expiring(actor=request.user, within_days=days)[:MAX_ROWS]),
        "probations": list(
            contracts.probations_ending(actor=request.user, within_days=days).select_related("department")[:MAX_ROWS]
        ),
        "today": timezone.localdate(),
    }
    return _page(request, "hr/contract_list.html", context)


# --- employee import ---------------------------------------------------------------------


IMPORT_COLUMNS = [
    ("工号", True, _("employee number")),
    ("姓名", True, _("name")),
    ("性别", True, _("男 or 女")),
    ("身份证号", True, _("resident ID number")),
    ("入职日期", True, _("hire date, e.g. 2026-03-01")),
    ("基本工资", True, _("monthly base salary")),
    ("部门", False, _("department; a new name creates it")),
    ("职位", False, _("position")),
    ("手机", False, _("mobile")),
    ("社保基数", False, _("social insurance base; salary plus allowances if empty")),
    ("公积金比例", False, _("housing fund rate, e.g. 0.08; 0.05 if empty")),
    ("开户银行", False, _("bank")),
    ("银行账号", False, _("bank account")),
]


@hr_page(permissions.PEOPLE)
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    form = EmployeeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.employee_import_request(actor=request.user, name=upload.name or "", content=upload.read())
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is being imported.") % {"name": job.file_name})
            return redirect("hr:import_detail", import_id=job.pk)
    context = {
        "nav": "employees",
        "employee_tab": "import",
        "form": form,
        "columns": IMPORT_COLUMNS,
        "imports": list(imports.employee_import_list(actor=request.user)[:20]),
    }
    return _page(request, "hr/import_new.html", context, status=400 if form.errors else 200)


def _import_context(job: EmployeeImport) -> dict[str, Any]:
    return {
        "job": job,
        "running": job.status in (EmployeeImport.Status.QUEUED, EmployeeImport.Status.RUNNING),
        "shown_errors": job.errors[:MAX_ERRORS_SHOWN],
        "more_errors": max(len(job.errors) - MAX_ERRORS_SHOWN, 0),
    }


@hr_page(permissions.PEOPLE)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    job = imports.employee_import_get(actor=request.user, import_id=import_id)
    context = {"nav": "employees", "employee_tab": "import", **_import_context(job)}
    return _page(request, "hr/import_detail.html", context)


@hr_page(permissions.PEOPLE)
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """The status block alone; htmx polls it every 2 s and it stops asking once the import ends."""
    job = imports.employee_import_get(actor=request.user, import_id=import_id)
    return render(request, "hr/_import_status.html", _import_context(job))


@hr_page(permissions.PEOPLE)
def import_errors(request: HttpRequest, import_id: int) -> HttpResponse:
    job = imports.employee_import_get(actor=request.user, import_id=import_id)
    response = HttpResponse(imports.error_report(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="employee-import-{job.pk}-errors.csv"'
    return response


# --- org chart ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgToken:
    """One step of the nested list: open an item (``employee``), open or close a level, or end an item."""

    kind: str
    employee: Employee | None = None
    reports: int = 0


def _org_tokens(employees: list[Employee]) -> list[OrgToken]:
    """Managers above their reports, walked with a stack: no recursion, so no depth limit."""
    ids = {e.pk for e in employees}
    reports: dict[int | None, list[Employee]] = defaultdict(list)
    for e in employees:
        reports[e.manager_id if e.manager_id in ids else None].append(e)
    tokens: list[OrgToken] = []
    placed: set[int] = set()
    # People in a reporting loop (only old data can hold one) have no root: they start a tree of their own.
    for start in [*reports[None], *employees]:
        if start.pk in placed:
            continue
        stack: list[Employee | str] = [start]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                tokens.append(OrgToken(item))
                continue
            placed.add(item.pk)
            children = [c for c in reports[item.pk] if c.pk not in placed]
            tokens.append(OrgToken("item", item, len(children)))
            stack.append("end")
            if children:
                tokens.append(OrgToken("open"))
                stack.append("close")
                stack.extend(reversed(children))
    return tokens


@hr_page(permissions.PEOPLE)
def org_chart(request: HttpRequest) -> HttpResponse:
    employees = _active_employees(request)  # one query, departments joined
    nodes = selectors.department_tree(actor=request.user)
    context = {
        "nav": "employees",
        "employee_tab": "org",
        "department_nodes": nodes,
        "unassigned": sum(1 for e in employees if e.department_id is None),
        "department_form": DepartmentForm(parents=[node.department.name for node in nodes]),
        "tokens": _org_tokens(employees),
        "count": len(employees),
    }
    return _page(request, "hr/org_chart.html", context)


@hr_page(permissions.PEOPLE)
@require_POST
def department_save(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(
        request.POST, parents=[node.department.name for node in selectors.department_tree(actor=request.user)]
    )
    if form.is_valid():
        with reported(request) as outcome:
            services.department_save(actor=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The department %(name)s is saved.") % {"name": form.cleaned_data["name"]})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('hr:org_chart')}#departments")
