"""Writes to the ledger: accounts, vouchers, posting, reversal and period closing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotAllowed, ValidationFailed

from . import permissions
from .attachments import attachment_dir
from .charts import CHARTS, chart_install, statement_layout
from .models import ZERO, Account, AccountBalance, LedgerSettings, ModuleRole, Period, Voucher, VoucherLine

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")
MAX_LINES = 500


@dataclass(frozen=True)
class EntryLine:
    """One line of a journal entry as other modules and forms describe it."""

    account_code: str
    debit: Decimal | str | int = ZERO
    credit: Decimal | str | int = ZERO
    summary: str = ""
    partner: str = ""
    department: str = ""
    project: str = ""


@dataclass(frozen=True)
class _CleanLine:
    account: Account
    debit: Decimal
    credit: Decimal
    summary: str
    partner: str
    department: str
    project: str


def ledger_settings() -> LedgerSettings:
    settings_row = LedgerSettings.objects.filter(id=1).first()
    if settings_row is None:
        raise Conflict(_("The ledger has not been set up for this firm."), code="ledger_not_set_up")
    return settings_row


@transaction.atomic
def ledger_chart_switch(*, actor: Any, chart: str) -> LedgerSettings:
    """A firm may change its chart of accounts only before anything was recorded."""
    permissions.require(actor, permissions.MANAGE)
    if chart not in CHARTS:
        raise ValidationFailed(_("Choose a chart of accounts from the list."), fields={"chart": [_("Unknown chart.")]})
    if Voucher.objects.exists():
        raise Conflict(
            _("The chart of accounts can only be changed before the first voucher is recorded."), code="ledger_in_use"
        )
    Account.objects.update(parent=None)
    Account.objects.all().delete()
    chart_install(chart=chart, account_model=Account)
    settings_row, _created = LedgerSettings.objects.update_or_create(id=1, defaults={"chart": chart})
    audit_record(action="finance.chart_switched", actor=actor, obj=settings_row, chart=chart)
    return settings_row


@transaction.atomic
def ledger_taxpayer_set(*, actor: Any, taxpayer: str) -> LedgerSettings:
    permissions.require(actor, permissions.MANAGE)
    if taxpayer not in LedgerSettings.Taxpayer.values:
        raise ValidationFailed(_("Choose a taxpayer type."), fields={"taxpayer": [_("Unknown taxpayer type.")]})
    settings_row = ledger_settings()
    settings_row.taxpayer = taxpayer
    settings_row.save(update_fields=["taxpayer"])
    audit_record(action="finance.taxpayer_set", actor=actor, obj=settings_row, taxpayer=taxpayer)
    return settings_row


@transaction.atomic
def account_create(*, actor: Any, parent: str, code: str, name: str, name_en: str = "") -> Account:
    """Sub-accounts add two digits to their parent's code and take over its category and side."""
    permissions.require(actor, permissions.MANAGE)
    code, name, name_en = code.strip(), name.strip(), name_en.strip()
    errors: dict[str, list[str]] = {}
    parent_account = Account.objects.select_for_update().filter(code=parent.strip()).first()
    if parent_account is None:
        errors["parent"] = [_("Choose an existing account.")]
    elif not (len(code) == len(parent_account.code) + 2 and code.startswith(parent_account.code) and code.isdigit()):
        errors["code"] = [
            _("A sub-account's code is its parent's code followed by two digits, e.g. %(example)s.")
            % {"example": f"{parent_account.code}01"}
        ]
    elif Account.objects.filter(code=code).exists():
        errors["code"] = [_("An account with this code already exists.")]
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 100 or len(name_en) > 100:
        errors["name"] = [_("Names have at most 100 characters.")]
    if errors or parent_account is None:
        raise ValidationFailed(_("The account could not be created."), fields=errors)
    if parent_account.is_leaf and VoucherLine.objects.filter(account=parent_account).exists():
        raise Conflict(
            _(
                "Account %(code)s already has entries. Move them with a voucher to a new account before adding "
                "sub-accounts."
            )
            % {"code": parent_account.code},
            code="account_has_entries",
        )
    account = Account.objects.create(
        code=code,
        name=name,
        name_en=name_en,
        category=parent_account.category,
        side=parent_account.side,
        parent=parent_account,
        level=parent_account.level + 1,
        is_leaf=True,
        is_cash=parent_account.is_cash,
    )
    if parent_account.is_leaf:
        parent_account.is_leaf = False
        parent_account.save(update_fields=["is_leaf"])
    audit_record(action="finance.account_created", actor=actor, obj=account, code=code, name=name)
    return account


@transaction.atomic
def account_update(*, actor: Any, account: Account, name: str, name_en: str, is_active: bool) -> Account:
    permissions.require(actor, permissions.MANAGE)
    name, name_en = name.strip(), name_en.strip()
    if not name or len(name) > 100 or len(name_en) > 100:
        raise ValidationFailed(
            _("The account could not be saved."), fields={"name": [_("Enter a name of at most 100 characters.")]}
        )
    if not is_active and account.is_active:
        totals = AccountBalance.objects.filter(account__code__startswith=account.code).aggregate(
            dr=Sum("debit"), cr=Sum("credit")
        )
        if (totals["dr"] or ZERO) != (totals["cr"] or ZERO):
            raise Conflict(_("An account with a balance cannot be deactivated."), code="account_has_balance")
    account.name, account.name_en, account.is_active = name, name_en, is_active
    account.save(update_fields=["name", "name_en", "is_active"])
    audit_record(action="finance.account_updated", actor=actor, obj=account, name=name, active=is_active)
    return account


def period_for(day: date, *, lock: bool = False) -> Period:
    """The accounting month a date falls in, created on first use."""
    period, _created = Period.objects.get_or_create(year=day.year, month=day.month)
    if lock:
        period = Period.objects.select_for_update().get(pk=period.pk)
    return period


def _money(value: Any, field: str, errors: dict[str, list[str]], *, allow_negative: bool) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter an amount such as 1234.50."))
        return ZERO
    if not amount.is_finite():
        errors.setdefault(field, []).append(_("Enter an amount such as 1234.50."))
        return ZERO
    if abs(amount) > MAX_AMOUNT:
        errors.setdefault(field, []).append(_("The amount is too large."))
        return ZERO
    if amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        errors.setdefault(field, []).append(_("Amounts have at most two decimal places (fen)."))
    if amount < 0 and not allow_negative:
        errors.setdefault(field, []).append(_("Amounts cannot be negative; use the other column."))
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _clean_lines(lines: Sequence[EntryLine], *, allow_negative: bool = False) -> list[_CleanLine]:
    errors: dict[str, list[str]] = {}
    if len(lines) < 2:
        raise ValidationFailed(
            _("A voucher needs at least two lines."), fields={"lines": [_("Add at least two lines.")]}
        )
    if len(lines) > MAX_LINES:
        raise ValidationFailed(
            _("A voucher has at most %(n)d lines.") % {"n": MAX_LINES}, fields={"lines": [_("Too many lines.")]}
        )
    codes = {str(line.account_code).strip() for line in lines}
    accounts = {a.code: a for a in Account.objects.filter(code__in=codes)}
    clean: list[_CleanLine] = []
    for number, line in enumerate(lines, start=1):
        prefix = f"lines.{number}"
        code = str(line.account_code).strip()
        account = accounts.get(code)
        if account is None:
            errors.setdefault(f"{prefix}.account", []).append(
                _("Account %(code)s does not exist.") % {"code": code or "—"}
            )
        elif not account.is_active:
            errors.setdefault(f"{prefix}.account", []).append(_("Account %(code)s is inactive.") % {"code": code})
        elif not account.is_leaf:
            errors.setdefault(f"{prefix}.account", []).append(
                _("Account %(code)s has sub-accounts; post to one of them.") % {"code": code}
            )
        debit = _money(line.debit, f"{prefix}.debit", errors, allow_negative=allow_negative)
        credit = _money(line.credit, f"{prefix}.credit", errors, allow_negative=allow_negative)
        if (debit == 0) == (credit == 0):
            errors.setdefault(f"{prefix}.amount", []).append(_("Enter either a debit or a credit amount."))
        texts = {
            "summary": line.summary,
            "partner": line.partner,
            "department": line.department,
            "project": line.project,
        }
        limits = {"summary": 200, "partner": 200, "department": 100, "project": 100}
        for key, text in texts.items():
            if len(str(text or "")) > limits[key]:
                errors.setdefault(f"{prefix}.{key}", []).append(_("At most %(n)d characters.") % {"n": limits[key]})
        if account is not None:
            clean.append(
                _CleanLine(
                    account=account,
                    debit=debit,
                    credit=credit,
                    summary=str(line.summary or "").strip()[:200],
                    partner=str(line.partner or "").strip()[:200],
                    department=str(line.department or "").strip()[:100],
                    project=str(line.project or "").strip()[:100],
                )
            )
    if errors:
        raise ValidationFailed(_("Some lines are not valid."), fields=errors)
    debits = sum((line.debit for line in clean), ZERO)
    credits = sum((line.credit for line in clean), ZERO)
    if debits != credits:
        raise ValidationFailed(
            _("Debits (%(debit)s) and credits (%(credit)s) differ by %(diff)s; a voucher must balance.")
            % {"debit": f"{debits:,.2f}", "credit": f"{credits:,.2f}", "diff": f"{abs(debits - credits):,.2f}"},
            code="unbalanced",
            fields={"lines": [_("Debits and credits must be equal.")]},
        )
    return clean


def _check_date(day: Any) -> date:
    if not isinstance(day, date):
        raise ValidationFailed(_("Enter a valid date."), fields={"date": [_("Enter a valid date.")]})
    if not (2000 <= day.year <= 2099):
        raise ValidationFailed(_("Enter a date between 2000 and 2099."), fields={"date": [_("Out of range.")]})
    return day


def _check_period_open(period: Period) -> None:
    if not period.is_open:
        raise Conflict(
            _(
                "Period %(period)s is closed: nothing can be recorded in it. Reopen it first, or use a date in an open "
                "period."
            )
            % {"period": period.label},
            code="period_closed",
            fields={"date": [_("This period is closed.")]},
        )


def _write_lines(voucher: Voucher, lines: list[_CleanLine]) -> None:
    VoucherLine.objects.bulk_create(
        VoucherLine(
            voucher=voucher,
            line_no=number,
            account=line.account,
            debit=line.debit,
            credit=line.credit,
            summary=line.summary or voucher.summary,
            partner=line.partner,
            department=line.department,
            project=line.project,
            date=voucher.date,
            period_index=voucher.period.index,
        )
        for number, line in enumerate(lines, start=1)
    )


@transaction.atomic
def voucher_create(
    *,
    actor: Any,
    day: date,
    summary: str,
    lines: Sequence[EntryLine],
    attachments: int = 0,
    kind: str = Voucher.Kind.MANUAL,
    source: str = "",
    source_id: str = "",
    idempotency_key: str | None = None,
    allow_negative: bool = False,
) -> Voucher:
    """A draft voucher; it must balance already. Posting comes as a separate step."""
    if actor is not None:
        permissions.require(actor, permissions.PREPARE)
    day = _check_date(day)
    summary = (summary or "").strip()
    if len(summary) > 200:
        raise ValidationFailed(_("The summary has at most 200 characters."), fields={"summary": [_("Too long.")]})
    if not (0 <= int(attachments) <= 999):
        raise ValidationFailed(
            _("Attachments must be between 0 and 999."), fields={"attachments": [_("Out of range.")]}
        )
    clean = _clean_lines(lines, allow_negative=allow_negative)
    period = period_for(day)
    _check_period_open(period)
    voucher = Voucher.objects.create(
        period=period,
        date=day,
        summary=summary or clean[0].summary,
        attachments=attachments,
        kind=kind,
        source=source,
        source_id=source_id,
        idempotency_key=idempotency_key,
        total=sum((line.debit for line in clean), ZERO),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _write_lines(voucher, clean)
    if actor is not None:
        audit_record(action="finance.voucher_created", actor=actor, obj=voucher, total=str(voucher.total))
    return voucher


@transaction.atomic
def voucher_update(
    *, actor: Any, voucher: Voucher, day: date, summary: str, lines: Sequence[EntryLine], attachments: int = 0
) -> Voucher:
    """Drafts may be rewritten whole; a posted voucher is changed only by reversing it."""
    permissions.require(actor, permissions.PREPARE)
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.is_posted:
        raise Conflict(_("A posted voucher cannot be changed; reverse it instead."), code="voucher_posted")
    day = _check_date(day)
    clean = _clean_lines(lines)
    period = period_for(day)
    _check_period_open(period)
    summary = (summary or "").strip()
    if len(summary) > 200:
        raise ValidationFailed(_("The summary has at most 200 characters."), fields={"summary": [_("Too long.")]})
    voucher.lines.all().delete()
    voucher.period, voucher.date, voucher.summary = period, day, summary or clean[0].summary
    voucher.attachments = max(0, min(999, int(attachments)))
    voucher.total = sum((line.debit for line in clean), ZERO)
    voucher.save(update_fields=["period", "date", "summary", "attachments", "total"])
    _write_lines(voucher, clean)
    audit_record(action="finance.voucher_updated", actor=actor, obj=voucher, total=str(voucher.total))
    return voucher


@transaction.atomic
def voucher_delete(*, actor: Any, voucher: Voucher) -> None:
    permissions.require(actor, permissions.PREPARE)
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.is_posted:
        raise Conflict(_("A posted voucher cannot be deleted; reverse it instead."), code="voucher_posted")
    audit_record(action="finance.voucher_deleted", actor=actor, obj=voucher, total=str(voucher.total))
    # A draft's attachments go with it (as each may go on its own while it is a draft).
    paths = [attachment_dir() / stored_as for stored_as in voucher.files.values_list("stored_as", flat=True)]
    voucher.files.all().delete()
    voucher.delete()

    def remove_files() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(remove_files)


def _apply_balances(voucher: Voucher) -> None:
    """Add the voucher's lines to the maintained per-period balances (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO finance_accountbalance (account_id, period_id, period_index, closing, debit, credit)
            SELECT account_id, %s, %s, %s, SUM(debit), SUM(credit)
              FROM finance_voucherline WHERE voucher_id = %s GROUP BY account_id
            ON CONFLICT (account_id, period_id, closing) DO UPDATE
               SET debit = finance_accountbalance.debit + EXCLUDED.debit,
                   credit = finance_accountbalance.credit + EXCLUDED.credit
            """,
            [voucher.period_id, voucher.period.index, voucher.kind == Voucher.Kind.CLOSING, voucher.pk],
        )


def _post(voucher: Voucher, *, actor: Any) -> Voucher:
    # The period row is the numbering lock: concurrent postings in one period queue here, and
    # a rollback returns the number, so 记-0001, 记-0002, ... never skip.
    period = Period.objects.select_for_update().get(pk=voucher.period_id)
    _check_period_open(period)
    period.last_number += 1
    period.save(update_fields=["last_number"])
    voucher.period = period
    voucher.number = period.last_number
    voucher.status = Voucher.Status.POSTED
    voucher.posted_at = timezone.now()
    voucher.posted_by = actor if getattr(actor, "is_authenticated", False) else None
    voucher.save(update_fields=["period", "number", "status", "posted_at", "posted_by"])
    _apply_balances(voucher)
    # Metered billing counts documents processed: each posted voucher is one (same transaction).
    from apps.billing.interface import usage_record_here

    usage_record_here(quantity=1)
    return voucher


@transaction.atomic
def voucher_post(*, actor: Any, voucher: Voucher) -> Voucher:
    """Posting gives the voucher its number in the period and makes it permanent."""
    permissions.require(actor, permissions.POST)
    voucher = Voucher.objects.select_for_update().select_related("period").get(pk=voucher.pk)
    if voucher.is_posted:
        raise Conflict(
            _("Voucher %(number)s is already posted.") % {"number": voucher.display_number}, code="voucher_posted"
        )
    _post(voucher, actor=actor)
    audit_record(
        action="finance.voucher_posted",
        actor=actor,
        obj=voucher,
        number=voucher.display_number,
        period=voucher.period.label,
        total=str(voucher.total),
    )
    return voucher


@transaction.atomic
def voucher_reverse(*, actor: Any, voucher: Voucher, day: date | None = None) -> Voucher:
    """Corrects a posted voucher with a red (negative) copy of it, posted at once (红字冲销)."""
    permissions.require(actor, permissions.POST)
    original = Voucher.objects.select_for_update().select_related("period").get(pk=voucher.pk)
    if not original.is_posted:
        raise Conflict(_("Only posted vouchers are reversed; edit or delete a draft instead."), code="voucher_draft")
    if original.kind == Voucher.Kind.CLOSING:
        raise Conflict(_("A closing voucher is undone by reopening its period."), code="voucher_closing")
    if Voucher.objects.filter(reversal_of=original).exists() or original.kind == Voucher.Kind.REVERSAL:
        raise Conflict(_("This voucher has already been reversed, or is itself a reversal."), code="already_reversed")
    day = _check_date(day or timezone.localdate())
    if day < original.date:
        raise ValidationFailed(
            _("A reversal cannot be dated before the voucher it reverses."), fields={"date": [_("Too early.")]}
        )
    lines = [
        EntryLine(
            account_code=line.account.code,
            debit=-line.debit,
            credit=-line.credit,
            summary=line.summary,
            partner=line.partner,
            department=line.department,
            project=line.project,
        )
        for line in original.lines.select_related("account")
    ]
    period = period_for(day)
    _check_period_open(period)
    reversal = Voucher.objects.create(
        period=period,
        date=day,
        summary=_("Reversal of %(number)s (%(period)s)")
        % {"number": original.display_number, "period": original.period.label},
        kind=Voucher.Kind.REVERSAL,
        reversal_of=original,
        total=-original.total,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _write_lines(reversal, _clean_lines(lines, allow_negative=True))
    _post(reversal, actor=actor)
    audit_record(action="finance.voucher_reversed", actor=actor, obj=original, reversal=reversal.display_number)
    return reversal


@dataclass(frozen=True)
class PostedEntry:
    voucher_id: int
    number: str
    period: str
    total: Decimal
    created: bool


@transaction.atomic
def journal_entry_post(
    *,
    source: str,
    source_id: str,
    lines: Sequence[EntryLine],
    day: date,
    idempotency_key: str,
    summary: str = "",
    actor: Any = None,
) -> PostedEntry:
    """Post another module's entry in one step. The same key returns the first posting."""
    source, source_id, idempotency_key = str(source).strip(), str(source_id).strip(), str(idempotency_key).strip()
    errors: dict[str, list[str]] = {}
    if not source or len(source) > 40:
        errors["source"] = [_("Name the source module and record type (at most 40 characters).")]
    if not source_id or len(source_id) > 64:
        errors["source_id"] = [_("Give the source record's id (at most 64 characters).")]
    if not idempotency_key or len(idempotency_key) > 128:
        errors["idempotency_key"] = [_("An idempotency key of 1 to 128 characters is required.")]
    if errors:
        raise ValidationFailed(_("The journal entry could not be posted."), fields=errors)
    existing = Voucher.objects.filter(idempotency_key=idempotency_key).select_related("period").first()
    if existing is not None:
        return _same_entry(existing, source=source, source_id=source_id, lines=lines)
    try:
        with transaction.atomic():
            voucher = voucher_create(
                actor=None,
                day=day,
                summary=summary,
                lines=lines,
                kind=Voucher.Kind.SYSTEM,
                source=source,
                source_id=source_id,
                idempotency_key=idempotency_key,
            )
            _post(voucher, actor=actor)
    except IntegrityError:
        # Another transaction posted the same key first: answer with its voucher.
        existing = Voucher.objects.filter(idempotency_key=idempotency_key).select_related("period").first()
        if existing is None:
            raise
        return _same_entry(existing, source=source, source_id=source_id, lines=lines)
    audit_record(
        action="finance.journal_entry_posted",
        actor=actor,
        obj=voucher,
        source=source,
        source_id=source_id,
        number=voucher.display_number,
        total=str(voucher.total),
    )
    return PostedEntry(voucher.pk, voucher.display_number, voucher.period.label, voucher.total, True)


def _same_entry(existing: Voucher, *, source: str, source_id: str, lines: Sequence[EntryLine]) -> PostedEntry:
    wanted = sorted(
        (str(line.account_code).strip(), Decimal(str(line.debit or 0)), Decimal(str(line.credit or 0)))
        for line in lines
    )
    recorded = sorted(existing.lines.values_list("account__code", "debit", "credit"))
    if existing.source != source or existing.source_id != source_id or wanted != recorded:
        raise Conflict(
            _("This idempotency key was already used for a different entry (%(number)s).")
            % {"number": existing.display_number},
            code="idempotency_key_reused",
        )
    return PostedEntry(existing.pk, existing.display_number, existing.period.label, existing.total, False)


@transaction.atomic
def period_close(*, actor: Any, period: Period) -> Voucher | None:
    """结转损益: move the period's profit and loss into current-year profit, then lock the period.

    In December the year's profit moves on into profit distribution (利润分配).
    Periods close in order; drafts must be posted or deleted first.
    """
    permissions.require(actor, permissions.MANAGE)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if not period.is_open:
        raise Conflict(_("Period %(period)s is already closed.") % {"period": period.label}, code="period_closed")
    earlier_open = (
        Period.objects.filter(
            Q(year__lt=period.year) | Q(year=period.year, month__lt=period.month), status=Period.Status.OPEN
        )
        .order_by("year", "month")
        .first()
    )
    if earlier_open is not None and Voucher.objects.filter(period=earlier_open).exists():
        raise Conflict(
            _("Close %(earlier)s first: periods are closed in order.") % {"earlier": earlier_open.label},
            code="earlier_period_open",
        )
    drafts = Voucher.objects.filter(period=period, status=Voucher.Status.DRAFT).count()
    if drafts:
        raise Conflict(
            _("%(n)d draft voucher(s) in %(period)s: post or delete them before closing.")
            % {"n": drafts, "period": period.label},
            code="drafts_in_period",
        )
    layout = statement_layout(ledger_settings().chart)
    profit_account = Account.objects.get(code=layout["profit_account"])
    lines = _closing_lines(period, profit_account)
    voucher = None
    if period.month == 12:
        lines += _year_end_lines(period, profit_account, lines, Account.objects.get(code=layout["retained_account"]))
    if lines:
        voucher = Voucher.objects.create(
            period=period,
            date=date(period.year, period.month, _last_day(period.year, period.month)),
            summary=_("Close profit and loss for %(period)s") % {"period": period.label},
            kind=Voucher.Kind.CLOSING,
            total=sum((line.debit for line in lines), ZERO),
            created_by=actor,
        )
        _write_lines(voucher, lines)
        _post(voucher, actor=actor)
        period.refresh_from_db()
    period.status = Period.Status.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = actor
    period.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(
        action="finance.period_closed",
        actor=actor,
        obj=period,
        period=period.label,
        voucher=voucher.display_number if voucher else "",
    )
    return voucher


def _last_day(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


def _closing_lines(period: Period, profit_account: Account) -> list[_CleanLine]:
    rows = (
        AccountBalance.objects.filter(period=period, account__category=Account.Category.PROFIT_LOSS)
        .values("account_id")
        .annotate(dr=Sum("debit"), cr=Sum("credit"))
    )
    accounts = Account.objects.in_bulk([row["account_id"] for row in rows])
    summary = _("Close to current-year profit")
    lines: list[_CleanLine] = []
    net_to_profit = ZERO
    for row in sorted(rows, key=lambda r: accounts[r["account_id"]].code):
        net = row["dr"] - row["cr"]  # debit balance (expense) is closed by a credit
        if net == 0:
            continue
        account = accounts[row["account_id"]]
        if net > 0:
            lines.append(_CleanLine(account, ZERO, net, summary, "", "", ""))
        else:
            lines.append(_CleanLine(account, -net, ZERO, summary, "", "", ""))
        net_to_profit += net
    if net_to_profit > 0:
        lines.append(_CleanLine(profit_account, net_to_profit, ZERO, summary, "", "", ""))
    elif net_to_profit < 0:
        lines.append(_CleanLine(profit_account, ZERO, -net_to_profit, summary, "", "", ""))
    return lines


def _year_end_lines(
    period: Period, profit_account: Account, closing: list[_CleanLine], retained: Account
) -> list[_CleanLine]:
    totals = AccountBalance.objects.filter(account=profit_account, period__year=period.year).aggregate(
        dr=Sum("debit"), cr=Sum("credit")
    )
    balance = (totals["cr"] or ZERO) - (totals["dr"] or ZERO)
    for line in closing:
        if line.account == profit_account:
            balance += line.credit - line.debit
    summary = _("Current-year profit to profit distribution")
    if balance > 0:
        return [
            _CleanLine(profit_account, balance, ZERO, summary, "", "", ""),
            _CleanLine(retained, ZERO, balance, summary, "", "", ""),
        ]
    if balance < 0:
        return [
            _CleanLine(retained, -balance, ZERO, summary, "", "", ""),
            _CleanLine(profit_account, ZERO, -balance, summary, "", "", ""),
        ]
    return []


@transaction.atomic
def period_reopen(*, actor: Any, period: Period) -> Period:
    """Only the latest closed period reopens; its closing voucher is reversed away."""
    permissions.require(actor, permissions.MANAGE)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_open:
        raise Conflict(_("Period %(period)s is open already.") % {"period": period.label}, code="period_open")
    later = Period.objects.filter(
        Q(year__gt=period.year) | Q(year=period.year, month__gt=period.month), status=Period.Status.CLOSED
    ).exists()
    if later:
        raise Conflict(_("Reopen later periods first."), code="later_period_closed")
    period.status = Period.Status.OPEN
    period.closed_at = None
    period.closed_by = None
    period.save(update_fields=["status", "closed_at", "closed_by"])
    closing = (
        Voucher.objects.filter(period=period, kind=Voucher.Kind.CLOSING).exclude(reversed_by__isnull=False).first()
    )
    if closing is not None:
        lines = [
            EntryLine(account_code=line.account.code, debit=-line.debit, credit=-line.credit, summary=line.summary)
            for line in closing.lines.select_related("account")
        ]
        reversal = Voucher.objects.create(
            period=period,
            date=closing.date,
            summary=_("Reopen %(period)s: reverse closing %(number)s")
            % {"period": period.label, "number": closing.display_number},
            kind=Voucher.Kind.CLOSING,
            reversal_of=closing,
            total=-closing.total,
            created_by=actor,
        )
        _write_lines(reversal, _clean_lines(lines, allow_negative=True))
        _post(reversal, actor=actor)
    audit_record(action="finance.period_reopened", actor=actor, obj=period, period=period.label)
    return period


@transaction.atomic
def finance_role_set(*, actor: Any, user: Any, role: str | None) -> ModuleRole | None:
    """Owners and administrators give colleagues a finance role (or take it away)."""
    if not getattr(actor, "can_manage_users", False):
        raise NotAllowed(_("Only owners and administrators assign finance roles."), code="finance_permission_denied")
    if role not in (None, "", *ModuleRole.Role.values):
        raise ValidationFailed(_("Choose a finance role."), fields={"role": [_("Unknown role.")]})
    if not role:
        ModuleRole.objects.filter(user=user).delete()
        audit_record(action="finance.role_removed", actor=actor, obj=user)
        return None
    row, _created = ModuleRole.objects.update_or_create(user=user, defaults={"role": role})
    audit_record(action="finance.role_set", actor=actor, obj=user, role=role)
    return row


def balances_rebuild() -> int:
    """Recompute the maintained balances from posted lines (repair tool and benchmark set-up)."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Postings in flight finish first and later ones wait, so none is lost or counted twice;
        # reports can still read meanwhile.
        cursor.execute("LOCK TABLE finance_accountbalance IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM finance_accountbalance")
        cursor.execute(
            """
            INSERT INTO finance_accountbalance (account_id, period_id, period_index, closing, debit, credit)
            SELECT l.account_id, v.period_id, l.period_index, v.kind = 'closing', SUM(l.debit), SUM(l.credit)
              FROM finance_voucherline l JOIN finance_voucher v ON v.id = l.voucher_id
             WHERE v.status = 'posted'
             GROUP BY l.account_id, v.period_id, l.period_index, v.kind = 'closing'
            """
        )
        return cursor.rowcount
