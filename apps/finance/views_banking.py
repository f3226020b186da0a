"""Bank pages: statement import with a column mapping, matching to the ledger, reconciliation.

The uploaded file travels from the mapping step to the import step inside the form
(base64 in a hidden field) when it is small; a larger one is chosen again. Either way the
service reads and checks it again: nothing the browser sends back is trusted.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotAllowed, ValidationFailed

from . import banking, permissions
from .forms import ColumnMappingForm, ReconciliationForm, StatementUploadForm, account_choices
from .models import Account
from .views import _language, _page, finance_page, reported

# Kept inside the form only below this size: the hidden field counts against Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), and base64 adds a third.
INLINE_MAX_BYTES = 1536 * 1024
PREVIEW_ROWS = 5
PAGE_SIZE = 50


def _accounts() -> list[Account]:
    return list(banking.bank_accounts())


def _chosen_account(request: HttpRequest, accounts: list[Account]) -> Account | None:
    """``?account=CODE`` (or the form's), else the first bank account (1002…), else the first cash one."""
    code = (request.POST.get("account") or request.GET.get("account") or "").strip()
    by_code = {account.code: account for account in accounts}
    if code in by_code:
        return by_code[code]
    return next((a for a in accounts if a.code.startswith("1002")), accounts[0] if accounts else None)


def _bank_url(account: Account, **extra: str) -> str:
    return f"{reverse('finance:bank')}?{urlencode({'account': account.code, **extra})}"


def _context(request: HttpRequest, accounts: list[Account], account: Account | None) -> dict[str, Any]:
    language = _language()
    return {
        "nav": "bank",
        "accounts": account_choices(accounts, language=language, blank=False),
        "account": account,
        "account_name": account.display_name(language) if account else "",
    }


@finance_page(permissions.VIEW)
def bank(request: HttpRequest) -> HttpResponse:
    """Unmatched statement lines with their suggestions, and the matched ones."""
    accounts = _accounts()
    account = _chosen_account(request, accounts)
    context = _context(request, accounts, account)
    if account is not None:
        unmatched = Paginator(
            banking.statement_lines(actor=request.user, account=account, unmatched_only=True), PAGE_SIZE
        ).get_page(request.GET.get("page"))
        suggestions = banking.match_suggestions(actor=request.user, account=account)
        matched = Paginator(
            banking.statement_lines(actor=request.user, account=account, matched_only=True),
            PAGE_SIZE,
        ).get_page(request.GET.get("matched_page"))
        context.update(
            {
                "unmatched": unmatched,
                "unmatched_rows": [(line, suggestions.get(line.pk, [])) for line in unmatched],
                "matched": matched,
                "upload_form": StatementUploadForm(),
            }
        )
    return _page(request, "finance/bank.html", context)


def _file_error(form: Any, exc: ApplicationError) -> None:
    for message in exc.fields.get("file", []) or [exc.detail]:
        form.add_error("file", message)


@finance_page(permissions.PREPARE)
@require_POST
def bank_import(request: HttpRequest) -> HttpResponse:
    """Step 1 (``step=upload``): read the file, show its columns. Step 2 (``step=import``): import it."""
    accounts = _accounts()
    account = _chosen_account(request, accounts)
    if account is None:
        messages.error(request, _("The chart has no active cash or bank account."))
        return redirect("finance:bank")
    context = _context(request, accounts, account)
    if request.POST.get("step") == "import":
        return _import(request, account, context)
    upload = StatementUploadForm(request.POST, request.FILES)
    if upload.is_valid():
        uploaded: UploadedFile = upload.cleaned_data["file"]
        if (uploaded.size or 0) > banking.MAX_BYTES:
            upload.add_error("file", _("The file is larger than 5 MB."))
        else:
            content = uploaded.read()
            filename = uploaded.name or ""
            try:
                header, rows = banking.statement_read(content=content, filename=filename)
            except NotAllowed:
                raise
            except ApplicationError as exc:
                _file_error(upload, exc)
            else:
                inline = len(content) <= INLINE_MAX_BYTES
                mapping = ColumnMappingForm(
                    header=header,
                    initial={
                        "content": base64.b64encode(content).decode("ascii") if inline else "",
                        "filename": filename,
                        **ColumnMappingForm.guess(header),
                    },
                )
                if inline:
                    del mapping.fields["file"]
                context.update(_preview(header, rows, mapping, filename))
                return _page(request, "finance/bank_import.html", context)
    context["upload_form"] = upload
    return _page(request, "finance/bank_import.html", context, status=400)


def _preview(header: list[str], rows: list[list[str]], mapping: ColumnMappingForm, filename: str) -> dict[str, Any]:
    width = len(header)
    return {
        "mapping": mapping,
        "header": header,
        "preview": [(row + [""] * width)[:width] for row in rows[:PREVIEW_ROWS]],
        "row_count": len(rows),
        "filename": filename,
    }


def _import(request: HttpRequest, account: Account, context: dict[str, Any]) -> HttpResponse:
    filename = request.POST.get("filename", "")[:200]
    again = request.FILES.get("file")
    try:
        if again is not None:
            if (again.size or 0) > banking.MAX_BYTES:
                raise ValidationFailed(_("The file is larger than 5 MB."), fields={"file": [_("Too large.")]})
            content, filename = again.read(), again.name or filename
        else:
            content = base64.b64decode(request.POST.get("content", ""), validate=True)
        header, rows = banking.statement_read(content=content, filename=filename)
    except NotAllowed:
        raise
    except (ApplicationError, binascii.Error, ValueError):
        messages.error(request, _("The file could not be read again; please upload it once more."))
        return redirect(_bank_url(account))
    mapping = ColumnMappingForm(request.POST, header=header)
    inline = len(content) <= INLINE_MAX_BYTES
    if inline:
        del mapping.fields["file"]
    if mapping.is_valid():
        try:
            report = banking.statement_import(
                actor=request.user,
                account_code=account.code,
                content=content,
                filename=filename,
                mapping=mapping.mapping(),
            )
        except NotAllowed:
            raise
        except ApplicationError as exc:
            mapping.add_error(None, exc.detail)
            for key, field_messages in exc.fields.items():
                for message in field_messages:
                    if key in mapping.fields:
                        mapping.add_error(key, message)
        else:
            context.update({"report": report, "filename": filename})
            return _page(request, "finance/bank_import.html", context)
    data = request.POST.copy()
    data["content"] = base64.b64encode(content).decode("ascii") if inline else ""
    mapping.data = data
    context.update(_preview(header, rows, mapping, filename))
    return _page(request, "finance/bank_import.html", context, status=400)


@finance_page(permissions.POST)
@require_POST
def bank_line_match(request: HttpRequest, line_id: int) -> HttpResponse:
    line = banking.statement_line_get(actor=request.user, line_id=line_id)
    with reported(request) as outcome:
        banking.statement_line_match(
            actor=request.user, statement_line=line, voucher_line_id=request.POST.get("voucher_line")
        )
    if outcome.ok:
        messages.success(request, _("The statement line of %(date)s is matched.") % {"date": f"{line.date:%Y-%m-%d}"})
    return redirect(_bank_url(line.account))


@finance_page(permissions.POST)
@require_POST
def bank_line_unmatch(request: HttpRequest, line_id: int) -> HttpResponse:
    line = banking.statement_line_get(actor=request.user, line_id=line_id)
    with reported(request) as outcome:
        banking.statement_line_unmatch(actor=request.user, statement_line=line)
    if outcome.ok:
        messages.success(
            request, _("The statement line of %(date)s is no longer matched.") % {"date": f"{line.date:%Y-%m-%d}"}
        )
    return redirect(_bank_url(line.account))


@finance_page(permissions.POST)
@require_POST
def bank_auto_match(request: HttpRequest) -> HttpResponse:
    accounts = _accounts()
    account = _chosen_account(request, accounts)
    if account is None:
        return redirect("finance:bank")
    with reported(request) as outcome:
        count = banking.statement_auto_match(actor=request.user, account=account)
    if outcome.ok:
        messages.success(request, _("%(count)d statement lines matched automatically.") % {"count": count})
    return redirect(_bank_url(account))


@finance_page(permissions.VIEW)
def bank_reconciliation(request: HttpRequest) -> HttpResponse:
    """银行存款余额调节表 for one account on a date."""
    accounts = _accounts()
    account = _chosen_account(request, accounts)
    form = ReconciliationForm(request.GET if "as_of" in request.GET else None, initial={"as_of": timezone.localdate()})
    as_of = timezone.localdate()
    if form.is_valid() and form.cleaned_data["as_of"]:
        as_of = form.cleaned_data["as_of"]
    context = _context(request, accounts, account)
    context.update({"form": form, "as_of": as_of})
    if account is not None:
        context["report"] = banking.reconciliation(actor=request.user, account=account, as_of=as_of)
    return _page(request, "finance/bank_reconciliation.html", context, status=400 if form.errors else 200)
