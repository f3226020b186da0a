"""Finance pages (HTML). Reads through selectors, writes through services.

Every page needs a finance right (``permissions.can``); without one people see a page that
tells them whom to ask. Services have the last word: their errors come back as messages
next to the fields, the lines or at the top of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotAllowed, ValidationFailed
from core.forms import add_service_errors
from core.pages import module_page

from . import attachments, permissions, selectors, services
from .forms import (
    MIN_LINES,
    AccountCreateForm,
    AccountEditForm,
    AttachmentForm,
    BaseLineFormSet,
    ChartForm,
    ReverseForm,
    RoleForm,
    TaxpayerForm,
    VoucherForm,
    account_choices,
    initial_lines,
    line_formset,
)
from .models import ZERO, Period, Voucher

View = Callable[..., HttpResponseBase]


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "finance/forbidden.html", {"message": message}, status=403)


def _finance_access(right: str) -> Callable[[Any], None]:
    def check(user: Any) -> None:
        if not permissions.can(user, permissions.VIEW):
            raise NotAllowed(_("You have no access to finance. Ask your firm's owner for a finance role."))
        permissions.require(user, right)

    return check


def finance_page(right: str) -> Callable[[View], View]:
    """Signed in and holding ``right``; services' NotFound becomes 404 and NotAllowed 403."""
    return module_page(check=_finance_access(right), forbidden_template="finance/forbidden.html")


@dataclass
class Outcome:
    error: ApplicationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def reported(request: HttpRequest) -> Iterator[Outcome]:
    """A service call from a page: a refusal reaches ``finance_page`` (403), other errors become a message."""
    outcome = Outcome()
    try:
        yield outcome
    except NotAllowed:
        raise
    except ApplicationError as exc:
        outcome.error = exc
        messages.error(request, exc.detail)


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _rights(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {
        "can_view": permissions.can(user, permissions.VIEW),
        "can_post": permissions.can(user, permissions.POST),
        "can_prepare": permissions.can(user, permissions.PREPARE),
        "can_manage": permissions.can(user, permissions.MANAGE),
    }


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {**_rights(request), **context}, status=status)


def _periods_with_counts(request: HttpRequest) -> QuerySet[Period]:
    return selectors.period_list(actor=request.user, with_counts=True)


def _chosen_period(request: HttpRequest, periods: list[Period]) -> Period | None:
    """The period named by ``?period=YYYY-MM``, else the latest one; bad input becomes a message."""
    label = request.GET.get("period", "").strip()
    if label:
        try:
            return selectors.period_by_label(label, default_latest=False)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
    return periods[0] if periods else None


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- overview ----------------------------------------------------------------------------


@finance_page(permissions.VIEW)
def home(request: HttpRequest) -> HttpResponse:
    periods = list(_periods_with_counts(request)[:6])
    context = {
        "nav": "home",
        "periods": periods,
        "draft_count": selectors.voucher_list(actor=request.user, status=Voucher.Status.DRAFT).count(),
    }
    return _page(request, "finance/home.html", context)


# --- vouchers ----------------------------------------------------------------------------


@finance_page(permissions.VIEW)
def voucher_list(request: HttpRequest) -> HttpResponse:
    periods = list(selectors.period_list(actor=request.user))
    period = None
    label = request.GET.get("period", "").strip()
    if label:
        try:
            period = selectors.period_by_label(label, default_latest=False)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
    status = request.GET.get("status", "")
    search = selectors.clean_search(request.GET.get("q"))
    vouchers = selectors.voucher_list(actor=request.user, period=period, status=status, search=search)
    page = Paginator(vouchers, 50).get_page(request.GET.get("page"))
    context = {
        "nav": "vouchers",
        "page": page,
        "periods": periods,
        "period_label": period.label if period else "",
        "status": status if status in Voucher.Status.values else "",
        "statuses": Voucher.Status.choices,
        "search": search,
        "query": _query_without_page(request),
    }
    return _page(request, "finance/voucher_list.html", context)


def _voucher_form(request: HttpRequest, voucher: Voucher | None) -> HttpResponse:
    accounts = account_choices(selectors.postable_accounts(), language=_language())
    initial = initial_lines(voucher) if voucher is not None else []
    formset_class = line_formset(extra=max(MIN_LINES - len(initial), 1))
    if voucher is not None:
        form = VoucherForm(
            request.POST or None,
            initial={"date": voucher.date, "summary": voucher.summary, "attachments": voucher.attachments},
        )
    else:
        form = VoucherForm(request.POST or None, initial={"date": timezone.localdate(), "attachments": 0})
    lines: BaseLineFormSet = formset_class(
        request.POST or None, initial=initial or None, prefix="lines", form_kwargs={"accounts": accounts}
    )
    error_detail, line_errors = "", []
    if request.method == "POST":
        post_it = request.POST.get("action") == "post"
        if post_it and not permissions.can(request.user, permissions.POST):
            return _forbidden(request, _("Only approvers and accountants can post or reverse vouchers."))
        if form.is_valid() and lines.is_valid():
            filled = lines.filled_forms()
            entry = [line.entry_line() for line in filled]
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    if voucher is None:
                        saved = services.voucher_create(
                            actor=request.user,
                            day=data["date"],
                            summary=data["summary"],
                            lines=entry,
                            attachments=data["attachments"],
                        )
                    else:
                        saved = services.voucher_update(
                            actor=request.user,
                            voucher=voucher,
                            day=data["date"],
                            summary=data["summary"],
                            lines=entry,
                            attachments=data["attachments"],
                        )
                    if post_it:
                        saved = services.voucher_post(actor=request.user, voucher=saved)
            except NotAllowed:
                raise
            except ApplicationError as exc:
                error_detail = exc.detail
                line_errors = lines.add_service_errors(exc, filled)
                for field, field_messages in exc.fields.items():
                    if field in form.fields:
                        for message in field_messages:
                            form.add_error(field, message)
            else:
                if post_it:
                    messages.success(request, _("Voucher %(number)s is posted.") % {"number": saved.display_number})
                else:
                    messages.success(request, _("The draft voucher is saved."))
                return redirect("finance:voucher_detail", voucher_id=saved.pk)
        elif not error_detail:
            error_detail = _("Please correct the fields and lines marked below.")
        if not lines.is_valid():
            line_errors.extend(str(error) for error in lines.non_form_errors())
    context = {
        "nav": "vouchers",
        "voucher": voucher,
        "form": form,
        "lines": lines,
        "error_detail": error_detail,
        "line_errors": line_errors,
    }
    return _page(request, "finance/voucher_form.html", context, status=400 if request.method == "POST" else 200)


@finance_page(permissions.PREPARE)
@require_http_methods(["GET", "POST"])
def voucher_new(request: HttpRequest) -> HttpResponse:
    return _voucher_form(request, None)


@finance_page(permissions.PREPARE)
@require_http_methods(["GET", "POST"])
def voucher_edit(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = selectors.voucher_get(actor=request.user, voucher_id=voucher_id)
    if voucher.is_posted:
        messages.error(request, _("A posted voucher cannot be changed; reverse it instead."))
        return redirect("finance:voucher_detail", voucher_id=voucher.pk)
    return _voucher_form(request, voucher)


def _voucher_context(request: HttpRequest, voucher: Voucher) -> dict[str, Any]:
    lines = list(voucher.lines.all())
    return {
        "nav": "vouchers",
        "voucher": voucher,
        "lines": lines,
        "total_debit": sum((line.debit for line in lines), ZERO),
        "total_credit": sum((line.credit for line in lines), ZERO),
        "reversal": selectors.voucher_reversal(voucher) if voucher.is_posted else None,
        "language": _language(),
        "files": list(attachments.attachment_list(actor=request.user, voucher=voucher)),
        "attachment_form": AttachmentForm(),
    }


@finance_page(permissions.VIEW)
def voucher_detail(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = selectors.voucher_get(actor=request.user, voucher_id=voucher_id)
    return _page(request, "finance/voucher_detail.html", _voucher_context(request, voucher))


@finance_page(permissions.PREPARE)
@require_POST
def voucher_attachment_add(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = selectors.voucher_get(actor=request.user, voucher_id=voucher_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with reported(request) as outcome:
            if upload.size > attachments.MAX_BYTES:
                raise ValidationFailed(_("Attachments are at most 10 MB."))
            attachments.attachment_add(actor=request.user, voucher=voucher, name=upload.name, content=upload.read())
        if outcome.ok:
            messages.success(request, _("%(name)s is attached.") % {"name": upload.name})
    else:
        problems = " ".join(str(error) for error in form.errors.get("file", []))
        messages.error(request, problems or _("Choose a file to attach."))
    return redirect("finance:voucher_detail", voucher_id=voucher.pk)


@finance_page(permissions.VIEW)
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    attachment = attachments.attachment_get(actor=request.user, attachment_id=attachment_id)
    path = attachments.attachment_path(attachment)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )


@finance_page(permissions.PREPARE)
@require_POST
def attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = attachments.attachment_get(actor=request.user, attachment_id=attachment_id)
    with reported(request) as outcome:
        attachments.attachment_delete(actor=request.user, attachment=attachment)
    if outcome.ok:
        messages.success(request, _("%(name)s is removed.") % {"name": attachment.name})
    return redirect("finance:voucher_detail", voucher_id=attachment.voucher_id)


@finance_page(permissions.VIEW)
def voucher_print(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = selectors.voucher_get(actor=request.user, voucher_id=voucher_id)
    return _page(request, "finance/voucher_print.html", _voucher_context(request, voucher))


@finance_page(permissions.POST)
@require_POST
def voucher_post(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = selectors.voucher_get(actor=request.user, voucher_id=voucher_id)
    with reported(request) as outcome:
        voucher = services.voucher_post(actor=request.user, voucher=voucher)
    if outcome.ok:
        messages.success(request, _("Voucher %(number)s is posted.") % {"number": voucher.display_number})
    return redirect("finance:voucher_detail", voucher_id=voucher.pk)


@finance_page(permissions.PREPARE)
@require_http_methods(["GET", "POST"])
def voucher_delete(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = selectors.voucher_get(actor=request.user, voucher_id=voucher_id)
    if request.method == "POST":
        try:
            services.voucher_delete(actor=request.user, voucher=voucher)
        except NotAllowed:
            raise
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect("finance:voucher_detail", voucher_id=voucher.pk)
        messages.success(request, _("The draft voucher is deleted."))
        return redirect("finance:voucher_list")
    return _page(request, "finance/voucher_delete.html", {"nav": "vouchers", "voucher": voucher})


@finance_page(permissions.POST)
@require_http_methods(["GET", "POST"])
def voucher_reverse(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = selectors.voucher_get(actor=request.user, voucher_id=voucher_id)
    form = ReverseForm(request.POST or None, initial={"date": max(timezone.localdate(), voucher.date)})
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.voucher_reverse(actor=request.user, voucher=voucher, day=form.cleaned_data["date"])
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
            if exc.fields:
                form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                _("Voucher %(number)s is reversed by %(reversal)s.")
                % {"number": voucher.display_number, "reversal": reversal.display_number},
            )
            return redirect("finance:voucher_detail", voucher_id=reversal.pk)
    context = {"nav": "vouchers", "voucher": voucher, "form": form}
    return _page(request, "finance/voucher_reverse.html", context, status=400 if form.errors else 200)


# --- chart of accounts -------------------------------------------------------------------


@finance_page(permissions.VIEW)
@require_http_methods(["GET", "POST"])
def account_list(request: HttpRequest) -> HttpResponse:
    search = selectors.clean_search(request.GET.get("q"))
    accounts = list(selectors.account_list(actor=request.user, search=search))
    can_manage = permissions.can(request.user, permissions.MANAGE)
    parents = selectors.account_list(actor=request.user, include_inactive=False) if can_manage else []
    form = AccountCreateForm(
        request.POST or None,
        parents=account_choices(parents, language=_language(), blank=False),
        initial={"parent": request.GET.get("parent", "")},
    )
    if request.method == "POST":
        if not permissions.can(request.user, permissions.MANAGE):
            return _forbidden(request, _("Only accountants can change the chart of accounts, settings and periods."))
        if form.is_valid():
            try:
                account = services.account_create(actor=request.user, **form.cleaned_data)
            except NotAllowed:
                raise
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Account %(code)s %(name)s is added.") % {"code": account.code, "name": account.name}
                )
                return redirect("finance:account_list")
    context = {"nav": "accounts", "accounts": accounts, "search": search, "form": form, "language": _language()}
    return _page(request, "finance/account_list.html", context, status=400 if form.errors else 200)


@finance_page(permissions.MANAGE)
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, code: str) -> HttpResponse:
    account = selectors.account_get(actor=request.user, code=code)
    form = AccountEditForm(
        request.POST or None, initial={"name": account.name, "name_en": account.name_en, "is_active": account.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(actor=request.user, account=account, **form.cleaned_data)
        except NotAllowed:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Account %(code)s is saved.") % {"code": account.code})
            return redirect("finance:account_list")
    context = {"nav": "accounts", "account": account, "form": form}
    return _page(request, "finance/account_edit.html", context, status=400 if form.errors else 200)


def _account_report_page(
    request: HttpRequest, code: str, *, template: str, build: Callable[..., Any], cash_only: bool = False
) -> HttpResponse:
    """An account's report for the chosen period (the latest by default)."""
    account = selectors.account_get(actor=request.user, code=code)
    if cash_only and not account.is_cash:
        raise Http404
    periods = list(selectors.period_list(actor=request.user))
    period = _chosen_period(request, periods)
    context = {
        "nav": "trial_balance",
        "account": account,
        "account_name": account.display_name(_language()),
        "periods": periods,
        "period": period,
        "report": build(actor=request.user, account=account, period=period) if period else None,
    }
    return _page(request, template, context)


@finance_page(permissions.VIEW)
def account_ledger(request: HttpRequest, code: str) -> HttpResponse:
    return _account_report_page(request, code, template="finance/account_ledger.html", build=selectors.account_ledger)


@finance_page(permissions.VIEW)
def general_ledger(request: HttpRequest, code: str) -> HttpResponse:
    return _account_report_page(request, code, template="finance/general_ledger.html", build=selectors.general_ledger)


@finance_page(permissions.VIEW)
def cash_journal(request: HttpRequest, code: str) -> HttpResponse:
    return _account_report_page(
        request, code, template="finance/cash_journal.html", build=selectors.cash_journal, cash_only=True
    )


# --- periods -----------------------------------------------------------------------------


@finance_page(permissions.VIEW)
def period_list(request: HttpRequest) -> HttpResponse:
    periods = list(_periods_with_counts(request))
    latest_closed = next((p for p in periods if not p.is_open), None)
    context = {"nav": "periods", "periods": periods, "latest_closed": latest_closed}
    return _page(request, "finance/period_list.html", context)


def _period_action(request: HttpRequest, label: str, *, close: bool) -> HttpResponse:
    try:
        period = selectors.period_by_label(label, default_latest=False)
    except ValidationFailed as exc:
        raise Http404(exc.detail) from exc
    if request.method == "POST":
        with reported(request) as outcome:
            if close:
                voucher = services.period_close(actor=request.user, period=period)
            else:
                services.period_reopen(actor=request.user, period=period)
        if outcome.ok:
            if close and voucher is not None:
                messages.success(
                    request,
                    _("Period %(period)s is closed; profit and loss moved with voucher %(number)s.")
                    % {"period": period.label, "number": voucher.display_number},
                )
            elif close:
                messages.success(request, _("Period %(period)s is closed.") % {"period": period.label})
            else:
                messages.success(request, _("Period %(period)s is open again.") % {"period": period.label})
        return redirect("finance:period_list")
    return _page(request, "finance/period_confirm.html", {"nav": "periods", "period": period, "close": close})


@finance_page(permissions.MANAGE)
@require_http_methods(["GET", "POST"])
def period_close(request: HttpRequest, label: str) -> HttpResponse:
    return _period_action(request, label, close=True)


@finance_page(permissions.MANAGE)
@require_http_methods(["GET", "POST"])
def period_reopen(request: HttpRequest, label: str) -> HttpResponse:
    return _period_action(request, label, close=False)


# --- reports -----------------------------------------------------------------------------


def _report(request: HttpRequest, nav: str, template: str, build: Callable[[Period], Any]) -> HttpResponse:
    periods = list(selectors.period_list(actor=request.user))
    period = _chosen_period(request, periods)
    report = build(period) if period is not None else None
    return _page(request, template, {"nav": nav, "periods": periods, "period": period, "report": report})


@finance_page(permissions.VIEW)
def trial_balance(request: HttpRequest) -> HttpResponse:
    return _report(
        request,
        "trial_balance",
        "finance/trial_balance.html",
        lambda period: selectors.trial_balance(actor=request.user, period=period),
    )


@finance_page(permissions.VIEW)
def balance_sheet(request: HttpRequest) -> HttpResponse:
    return _report(
        request,
        "balance_sheet",
        "finance/balance_sheet.html",
        lambda period: selectors.balance_sheet(actor=request.user, period=period),
    )


@finance_page(permissions.VIEW)
def income_statement(request: HttpRequest) -> HttpResponse:
    return _report(
        request,
        "income_statement",
        "finance/income_statement.html",
        lambda period: selectors.income_statement(actor=request.user, period=period),
    )


# --- settings ----------------------------------------------------------------------------


@finance_page(permissions.MANAGE)
@require_http_methods(["GET", "POST"])
def finance_settings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    action = request.POST.get("action", "")
    try:
        ledger = services.ledger_settings()
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        ledger = None
    chart_form = ChartForm(request.POST if action == "chart" else None, initial={"chart": getattr(ledger, "chart", "")})
    taxpayer_form = TaxpayerForm(
        request.POST if action == "taxpayer" else None, initial={"taxpayer": getattr(ledger, "taxpayer", "")}
    )
    role_form = RoleForm(request.POST if action == "role" else None)
    team = selectors.finance_team(actor=user)
    if request.method == "POST":
        try:
            if action == "chart" and chart_form.is_valid():
                services.ledger_chart_switch(actor=user, chart=chart_form.cleaned_data["chart"])
                messages.success(request, _("The chart of accounts is changed."))
                return redirect("finance:settings")
            if action == "taxpayer" and taxpayer_form.is_valid():
                services.ledger_taxpayer_set(actor=user, taxpayer=taxpayer_form.cleaned_data["taxpayer"])
                messages.success(request, _("The VAT taxpayer type is saved."))
                return redirect("finance:settings")
            if action == "role" and role_form.is_valid():
                if not user.can_manage_users:
                    return _forbidden(request, _("Only owners and administrators assign finance roles."))
                person = team.filter(pk=role_form.cleaned_data["user_id"]).first()
                if person is None or person.can_manage_users:
                    messages.error(request, _("Owners and administrators have every finance right already."))
                    return redirect("finance:settings")
                services.finance_role_set(actor=user, user=person, role=role_form.cleaned_data["role"] or None)
                messages.success(
                    request, _("The finance role of %(name)s is saved.") % {"name": person.full_name or person.email}
                )
                return redirect("finance:settings")
        except NotAllowed:
            raise
        except ApplicationError as exc:
            form = {"chart": chart_form, "taxpayer": taxpayer_form}.get(action)
            if form is not None:
                add_service_errors(form, exc)
            else:
                messages.error(request, exc.detail)
    page = Paginator(team, 50).get_page(request.GET.get("page"))
    members = [(person, _finance_role(person)) for person in page]
    context = {
        "nav": "settings",
        "ledger": ledger,
        "has_vouchers": selectors.ledger_in_use(),
        "chart_form": chart_form,
        "taxpayer_form": taxpayer_form,
        "page": page,
        "members": members,
        "role_choices": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        "can_assign": bool(user.can_manage_users),
    }
    bad = chart_form.errors or taxpayer_form.errors or role_form.errors
    return _page(request, "finance/settings.html", context, status=400 if bad else 200)


def _finance_role(person: Any) -> str:
    if person.can_manage_users:
        return "all"
    try:
        return str(person.finance_role.role)
    except ObjectDoesNotExist:  # no finance role: the reverse one-to-one is missing
        return ""
