"""HR pages (HTML). Reads through selectors, writes through services.

HR staff pages need an HR right (``permissions.can``); without one people see a page that
tells them whom to ask. Everyone signed in has the overview and their own payslips. Services
have the last word: their errors come back next to the fields or at the top of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotAllowed, NotFound
from core.forms import add_service_errors

from . import payroll, permissions, selectors, services
from .forms import EmployeeForm, PayrollItemForm, PayrollRunForm, SpecialDeductionForm
from .models import Employee, PayrollRun, Payslip
from .payslips import pay_lines, tax_lines

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 50


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "hr/forbidden.html", {"message": message}, status=403)


def hr_page(right: str | None) -> Callable[[View], View]:
    """Signed in and holding ``right`` (None: anyone signed in); NotFound becomes 404, NotAllowed 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if right is not None and not permissions.can(request.user, right):
                if not permissions.can(request.user, permissions.PEOPLE):
                    return _forbidden(
                        request, _("You have no access to HR. Ask your firm's owner for an HR or payroll role.")
                    )
                try:
                    permissions.require(request.user, right)
                except NotAllowed as exc:
                    return _forbidden(request, exc.detail)
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.detail) from exc
            except NotAllowed as exc:
                return _forbidden(request, exc.detail)

        return wrapped

    return decorator


@dataclass
class Outcome:
    error: ApplicationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def reported(request: HttpRequest) -> Iterator[Outcome]:
    """A service call from a page: a refusal reaches ``hr_page`` (403), other errors become a message."""
    outcome = Outcome()
    try:
        yield outcome
    except NotAllowed:
        raise
    except ApplicationError as exc:
        outcome.error = exc
        messages.error(request, exc.detail)


def _rights(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {
        "can_people": permissions.can(user, permissions.PEOPLE),
        "can_payroll": permissions.can(user, permissions.PAYROLL),
        "can_approve": permissions.can(user, permissions.APPROVE),
    }


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {**_rights(request), **context}, status=status)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _search(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:100]


# --- overview ----------------------------------------------------------------------------


@hr_page(None)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"nav": "home", "my_count": selectors.my_payslips(actor=user).count()}
    if permissions.can(user, permissions.PEOPLE):
        context["employee_count"] = selectors.employee_list(actor=user, status=Employee.Status.ACTIVE).count()
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
    context = {"nav": "employees", "form": form}
    return _page(request, "hr/employee_form.html", context, status=400 if form.errors else 200)


def _employee_context(request: HttpRequest, employee: Employee, deduction_form: SpecialDeductionForm) -> dict[str, Any]:
    full = selectors.sees_sensitive(request.user)
    can_pay = permissions.can(request.user, permissions.PAYROLL)
    return {
        "nav": "employees",
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
