"""The ledger's rules: balance, immutability, numbering, closing, statements, idempotent posting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from apps.accounts.models import User
from apps.finance import selectors, services
from apps.finance.interface import EntryLine, journal_entry_post
from apps.finance.models import Account, AccountBalance, Period, Voucher, VoucherLine
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.money import amount_in_words
from tests.finance.conftest import D, lines, post

NOV = date(2026, 11, 10)


def _fire_deferred_checks() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# --- balance ------------------------------------------------------------------------------


def test_unbalanced_voucher_is_rejected_and_nothing_is_saved(owner: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.voucher_create(
            actor=owner, day=NOV, summary="typo", lines=lines(("1002", "100.00", ""), ("5001", "", "99.00"))
        )

    assert caught.value.code == "unbalanced"
    assert "1.00" in caught.value.detail
    assert not Voucher.objects.exists()
    assert not VoucherLine.objects.exists()
    assert not Period.objects.exists()


def test_the_database_refuses_an_unbalanced_voucher_written_past_the_service(owner: User) -> None:
    period = Period.objects.create(year=2026, month=11)
    cash = Account.objects.get(code="1001")
    with transaction.atomic():
        voucher = Voucher.objects.create(period=period, date=NOV, summary="bypass", total=D("10"))
        VoucherLine.objects.create(
            voucher=voucher, line_no=1, account=cash, debit=D("10"), date=NOV, period_index=period.index
        )
        with pytest.raises(IntegrityError):
            _fire_deferred_checks()
        transaction.set_rollback(True)

    assert not Voucher.objects.exists()


def test_the_database_refuses_a_line_with_both_sides(owner: User) -> None:
    period = Period.objects.create(year=2026, month=11)
    voucher = Voucher.objects.create(period=period, date=NOV, summary="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoucherLine.objects.create(
            voucher=voucher,
            line_no=1,
            account=Account.objects.get(code="1001"),
            debit=D("5"),
            credit=D("5"),
            date=NOV,
            period_index=period.index,
        )


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        ((("9999", "1", ""), ("5001", "", "1")), "lines.1.account"),
        ((("2221", "1", ""), ("5001", "", "1")), "lines.1.account"),  # has sub-accounts
        ((("1002", "abc", ""), ("5001", "", "1")), "lines.1.debit"),
        ((("1002", "1.234", ""), ("5001", "", "1.234")), "lines.1.debit"),
        ((("1002", "-5", ""), ("5001", "", "-5")), "lines.1.debit"),
        ((("1002", "1e30", ""), ("5001", "", "1e30")), "lines.1.debit"),
        ((("1002", "", ""), ("5001", "", "0")), "lines.1.amount"),
        ((("1002", "NaN", ""), ("5001", "", "1")), "lines.1.debit"),
    ],
)
def test_bad_lines_get_field_errors_and_nothing_is_saved(owner: User, pairs: tuple, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.voucher_create(actor=owner, day=NOV, summary="bad", lines=lines(*pairs))

    assert field in caught.value.fields
    assert not Voucher.objects.exists()


def test_a_voucher_needs_two_lines(owner: User) -> None:
    with pytest.raises(ValidationFailed):
        services.voucher_create(actor=owner, day=NOV, summary="one", lines=lines(("1002", "1", "")))
    assert not Voucher.objects.exists()


# --- posting and immutability -------------------------------------------------------------


def test_posting_numbers_vouchers_per_period_and_updates_balances(owner: User) -> None:
    first = post(owner, NOV, ("1002", "100.00", ""), ("5001", "", "100.00"))
    second = post(owner, NOV, ("1002", "50.00", ""), ("5001", "", "50.00"))
    december = post(owner, date(2026, 12, 1), ("1002", "7.00", ""), ("5001", "", "7.00"))

    assert (first.display_number, second.display_number, december.display_number) == ("记-0001", "记-0002", "记-0001")
    bank = AccountBalance.objects.get(account__code="1002", period=first.period)
    assert (bank.debit, bank.credit) == (D("150.00"), D("0.00"))


def test_a_posted_voucher_cannot_be_changed_by_the_service(owner: User) -> None:
    voucher = post(owner, NOV, ("1002", "100.00", ""), ("5001", "", "100.00"))

    with pytest.raises(Conflict):
        services.voucher_update(
            actor=owner, voucher=voucher, day=NOV, summary="x", lines=lines(("1002", "1", ""), ("5001", "", "1"))
        )
    with pytest.raises(Conflict):
        services.voucher_delete(actor=owner, voucher=voucher)

    assert VoucherLine.objects.filter(voucher=voucher, debit=D("100.00")).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE finance_voucher SET summary = 'changed' WHERE id = %s",
        "DELETE FROM finance_voucher WHERE id = %s",
        "UPDATE finance_voucherline SET debit = debit + 1 WHERE voucher_id = %s",
        "DELETE FROM finance_voucherline WHERE voucher_id = %s",
    ],
)
def test_the_database_refuses_to_change_a_posted_voucher(owner: User, statement: str) -> None:
    voucher = post(owner, NOV, ("1002", "100.00", ""), ("5001", "", "100.00"))

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [voucher.pk])

    voucher.refresh_from_db()
    assert voucher.summary == "test"
    assert voucher.lines.count() == 2


def test_reversal_is_a_red_copy_and_nets_the_balances_to_zero(owner: User) -> None:
    voucher = post(owner, NOV, ("1002", "100.00", ""), ("5001", "", "100.00"))

    reversal = services.voucher_reverse(actor=owner, voucher=voucher, day=NOV)

    assert reversal.is_posted
    assert reversal.reversal_of_id == voucher.pk
    assert reversal.display_number == "记-0002"
    assert sorted(reversal.lines.values_list("debit", "credit")) == [(D("-100.00"), D("0")), (D("0"), D("-100.00"))]
    tb = selectors.trial_balance(actor=owner, period=voucher.period, include_empty=True)
    bank = next(row for row in tb.rows if row.code == "1002")
    assert bank.closing_debit == bank.closing_credit == 0
    with pytest.raises(Conflict):
        services.voucher_reverse(actor=owner, voucher=voucher, day=NOV)


def test_drafts_can_be_edited_and_deleted(owner: User) -> None:
    draft = services.voucher_create(
        actor=owner, day=NOV, summary="draft", lines=lines(("1002", "10", ""), ("5001", "", "10"))
    )
    services.voucher_update(
        actor=owner, voucher=draft, day=NOV, summary="fixed", lines=lines(("1001", "12", ""), ("5001", "", "12"))
    )
    draft.refresh_from_db()
    assert (draft.summary, draft.total, draft.number) == ("fixed", D("12.00"), None)

    services.voucher_delete(actor=owner, voucher=draft)
    assert not Voucher.objects.exists()


# --- interface for other modules ----------------------------------------------------------


def test_journal_entry_post_is_idempotent(owner: User) -> None:
    entry = [EntryLine("5602", debit="800.00"), EntryLine("221101", credit="800.00")]

    first = journal_entry_post(source="hr.payroll_run", source_id="7", lines=entry, day=NOV, idempotency_key="pr-7")
    again = journal_entry_post(source="hr.payroll_run", source_id="7", lines=entry, day=NOV, idempotency_key="pr-7")

    assert first.created
    assert not again.created
    assert first.voucher_id == again.voucher_id
    assert first.number == "记-0001"
    assert Voucher.objects.count() == 1
    with pytest.raises(Conflict) as caught:
        journal_entry_post(
            source="hr.payroll_run",
            source_id="7",
            lines=[EntryLine("5602", debit="900"), EntryLine("221101", credit="900")],
            day=NOV,
            idempotency_key="pr-7",
        )
    assert caught.value.code == "idempotency_key_reused"


def test_journal_entry_post_rejects_bad_entries_clearly_and_saves_nothing(owner: User) -> None:
    with pytest.raises(ValidationFailed) as missing:
        journal_entry_post(source="", source_id="", lines=[], day=NOV, idempotency_key="")
    assert {"source", "source_id", "idempotency_key"} <= set(missing.value.fields)

    with pytest.raises(ValidationFailed) as unknown:
        journal_entry_post(
            source="scm.receipt",
            source_id="1",
            lines=[EntryLine("1405", debit="10"), EntryLine("7777", credit="10")],
            day=NOV,
            idempotency_key="r-1",
        )
    assert "lines.2.account" in unknown.value.fields
    assert not Voucher.objects.exists()


def test_nothing_posts_into_a_closed_period(owner: User) -> None:
    voucher = post(owner, NOV, ("1002", "100.00", ""), ("5001", "", "100.00"))
    services.period_close(actor=owner, period=voucher.period)

    with pytest.raises(Conflict) as caught:
        journal_entry_post(
            source="x",
            source_id="1",
            lines=[EntryLine("1002", debit="1"), EntryLine("5001", credit="1")],
            day=NOV,
            idempotency_key="late",
        )
    assert caught.value.code == "period_closed"


# --- closing ------------------------------------------------------------------------------


def test_closing_moves_profit_and_loss_into_current_year_profit(owner: User) -> None:
    post(owner, NOV, ("1002", "10000.00", ""), ("5001", "", "10000.00"))
    post(owner, NOV, ("5401", "6000.00", ""), ("1405", "", "6000.00"))
    post(owner, NOV, ("5602", "1500.00", ""), ("1002", "", "1500.00"))
    period = Period.objects.get(year=2026, month=11)

    closing = services.period_close(actor=owner, period=period)

    assert closing is not None
    assert closing.kind == Voucher.Kind.CLOSING
    got = {(code, dr, cr) for code, dr, cr in closing.lines.values_list("account__code", "debit", "credit")}
    assert got == {
        ("5001", D("10000.00"), D("0")),
        ("5401", D("0"), D("6000.00")),
        ("5602", D("0"), D("1500.00")),
        ("3103", D("0"), D("2500.00")),
    }
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED
    tb = selectors.trial_balance(actor=owner, period=period)
    assert all(row.closing_debit == row.closing_credit == 0 for row in tb.rows if row.code.startswith("5"))
    # The income statement still shows what was earned, not the closing entry.
    income = selectors.income_statement(actor=owner, period=period)
    net = next(row for row in income.sections[0][1] if row.key == "net_profit")
    assert net.current == D("2500.00")


def test_periods_close_in_order_and_drafts_block_closing(owner: User) -> None:
    post(owner, date(2026, 10, 5), ("1002", "1", ""), ("5001", "", "1"))
    post(owner, NOV, ("1002", "1", ""), ("5001", "", "1"))
    november = Period.objects.get(year=2026, month=11)
    with pytest.raises(Conflict) as caught:
        services.period_close(actor=owner, period=november)
    assert caught.value.code == "earlier_period_open"

    services.voucher_create(
        actor=owner, day=date(2026, 10, 6), summary="d", lines=lines(("1002", "1", ""), ("5001", "", "1"))
    )
    with pytest.raises(Conflict) as drafts:
        services.period_close(actor=owner, period=Period.objects.get(year=2026, month=10))
    assert drafts.value.code == "drafts_in_period"
    assert Period.objects.filter(status=Period.Status.CLOSED).count() == 0


def test_reopening_reverses_the_closing_entry(owner: User) -> None:
    post(owner, NOV, ("1002", "300.00", ""), ("5001", "", "300.00"))
    period = Period.objects.get(year=2026, month=11)
    services.period_close(actor=owner, period=period)

    services.period_reopen(actor=owner, period=period)

    period.refresh_from_db()
    assert period.is_open
    tb = selectors.trial_balance(actor=owner, period=period, include_empty=True)
    revenue = next(row for row in tb.rows if row.code == "5001")
    profit = next(row for row in tb.rows if row.code == "3103")
    assert revenue.closing_credit == D("300.00")
    assert profit.closing_credit == profit.closing_debit == 0


def test_december_closing_carries_the_year_profit_to_profit_distribution(owner: User) -> None:
    post(owner, date(2026, 12, 3), ("1002", "900.00", ""), ("5001", "", "900.00"))
    post(owner, date(2026, 12, 4), ("5602", "200.00", ""), ("1002", "", "200.00"))

    services.period_close(actor=owner, period=Period.objects.get(year=2026, month=12))

    tb = selectors.trial_balance(actor=owner, period=Period.objects.get(year=2026, month=12))
    by_code = {row.code: row for row in tb.rows}
    assert by_code["3104"].closing_credit == D("700.00")
    assert by_code["3103"].closing_credit == by_code["3103"].closing_debit == 0


# --- statements ---------------------------------------------------------------------------


def _worked_example(owner: User) -> Period:
    """A small firm's month, whose statements are computed by hand in the test below."""
    post(owner, date(2026, 11, 1), ("1002", "100000.00", ""), ("3001", "", "100000.00"))  # capital paid in
    post(owner, date(2026, 11, 2), ("1405", "20000.00", ""), ("22210101", "2600.00", ""), ("2202", "", "22600.00"))
    post(owner, date(2026, 11, 3), ("1002", "33900.00", ""), ("5001", "", "30000.00"), ("22210102", "", "3900.00"))
    post(owner, date(2026, 11, 3), ("5401", "15000.00", ""), ("1405", "", "15000.00"))
    post(owner, date(2026, 11, 4), ("5602", "5000.00", ""), ("1002", "", "5000.00"))
    post(owner, date(2026, 11, 5), ("1601", "24000.00", ""), ("1002", "", "24000.00"))
    post(owner, date(2026, 11, 30), ("5602", "1000.00", ""), ("1602", "", "1000.00"))
    return Period.objects.get(year=2026, month=11)


def _rows(statement: selectors.Statement) -> dict[str, selectors.StatementRow]:
    return {row.key: row for _title, rows in statement.sections for row in rows if row.key}


@pytest.mark.parametrize("close_first", [False, True])
def test_statements_of_a_worked_example_match_the_hand_computed_figures(owner: User, close_first: bool) -> None:
    period = _worked_example(owner)
    if close_first:
        services.period_close(actor=owner, period=period)

    sheet = selectors.balance_sheet(actor=owner, period=period)
    income = selectors.income_statement(actor=owner, period=period)

    bs = _rows(sheet)
    # cash 100,000 + 33,900 - 5,000 - 24,000; goods 20,000 - 15,000; fixed assets 24,000 - 1,000
    assert bs["cash"].current == D("104900.00")
    assert bs["inventory"].current == D("5000.00")
    assert (bs["fa_cost"].current, bs["fa_depr"].current, bs["fa_net"].current) == (D("24000"), D("1000"), D("23000"))
    assert bs["total_assets"].current == D("132900.00")
    assert bs["ap"].current == D("22600.00")
    assert bs["tax_pay"].current == D("1300.00")  # output 3,900 - input 2,600
    assert bs["capital"].current == D("100000.00")
    assert bs["retained"].current == D("9000.00")  # 30,000 - 15,000 - 5,000 - 1,000
    assert bs["total_claims"].current == D("132900.00")
    assert sheet.checks["balanced"]
    assert bs["total_assets"].comparative == D("0")  # nothing before 2026

    pl = _rows(income)
    assert pl["revenue"].current == D("30000.00")
    assert pl["cost"].current == D("15000.00")
    assert pl["admin"].current == D("6000.00")
    assert pl["operating_profit"].current == D("9000.00")
    assert pl["net_profit"].current == pl["net_profit"].comparative == D("9000.00")


def test_trial_balance_rolls_sub_accounts_up_and_balances(owner: User) -> None:
    period = _worked_example(owner)

    tb = selectors.trial_balance(actor=owner, period=period)

    by_code = {row.code: row for row in tb.rows}
    assert tb.balanced
    assert by_code["2221"].closing_credit == D("1300.00")
    assert by_code["222101"].closing_credit == D("1300.00")
    assert by_code["22210101"].closing_debit == D("2600.00")
    assert tb.totals.debit == tb.totals.credit == D("201500.00")


def test_balances_rebuilt_from_lines_equal_the_maintained_ones(owner: User) -> None:
    _worked_example(owner)
    maintained = set(AccountBalance.objects.values_list("account_id", "period_id", "closing", "debit", "credit"))

    services.balances_rebuild()

    assert (
        set(AccountBalance.objects.values_list("account_id", "period_id", "closing", "debit", "credit")) == maintained
    )


# --- chart and roles ----------------------------------------------------------------------


def test_sub_accounts_extend_their_parent_code(owner: User) -> None:
    account = services.account_create(actor=owner, parent="1002", code="100201", name="工商银行 高新支行")

    assert (account.category, account.side, account.level) == ("asset", "debit", 2)
    assert not Account.objects.get(code="1002").is_leaf
    for code in ("100299x", "1003", "10020", "200201"):
        with pytest.raises(ValidationFailed):
            services.account_create(actor=owner, parent="1002", code=code, name="bad")
    with pytest.raises(ValidationFailed):
        services.account_create(actor=owner, parent="1002", code="100201", name="duplicate")


def test_an_account_with_entries_takes_no_sub_accounts(owner: User) -> None:
    post(owner, NOV, ("1001", "5", ""), ("5001", "", "5"))
    with pytest.raises(Conflict):
        services.account_create(actor=owner, parent="1001", code="100101", name="零用金")
    assert Account.objects.get(code="1001").is_leaf


def test_the_chart_can_be_switched_only_before_the_first_voucher(owner: User) -> None:
    services.ledger_chart_switch(actor=owner, chart="ifrs")
    assert Account.objects.filter(code="1000").exists()
    assert not Account.objects.filter(code="1001").exists()

    services.ledger_chart_switch(actor=owner, chart="cas_small")
    post(owner, NOV, ("1001", "5", ""), ("5001", "", "5"))
    with pytest.raises(Conflict):
        services.ledger_chart_switch(actor=owner, chart="ifrs")


def test_ifrs_statements_balance(owner: User) -> None:
    services.ledger_chart_switch(actor=owner, chart="ifrs")
    post(owner, NOV, ("1000", "500", ""), ("3000", "", "500"))
    post(owner, NOV, ("1100", "120", ""), ("4000", "", "120"))
    period = Period.objects.get(year=2026, month=11)

    sheet = selectors.balance_sheet(actor=owner, period=period)

    assert sheet.checks["balanced"]
    assert _rows(sheet)["total_assets"].current == D("620")


def test_finance_roles_limit_what_people_can_do(owner: User, member_factory: object) -> None:
    viewer = member_factory("viewer@alpha.example", "viewer")  # type: ignore[operator]
    approver = member_factory("approver@alpha.example", "approver")  # type: ignore[operator]
    nobody = member_factory("nobody@alpha.example")  # type: ignore[operator]
    entry = lines(("1002", "1", ""), ("5001", "", "1"))

    for person in (viewer, approver, nobody):
        with pytest.raises(NotAllowed):
            services.voucher_create(actor=person, day=NOV, summary="x", lines=entry)
    draft = services.voucher_create(actor=owner, day=NOV, summary="x", lines=entry)
    with pytest.raises(NotAllowed):
        services.voucher_post(actor=viewer, voucher=draft)
    with pytest.raises(NotAllowed):
        selectors.voucher_list(actor=nobody)

    posted = services.voucher_post(actor=approver, voucher=draft)
    assert posted.posted_by == approver
    assert selectors.trial_balance(actor=viewer, period=posted.period).balanced


def test_only_owners_and_admins_assign_finance_roles(owner: User, member_factory: object) -> None:
    accountant = member_factory("acc@alpha.example", "accountant")  # type: ignore[operator]
    colleague = member_factory("col@alpha.example")  # type: ignore[operator]

    with pytest.raises(NotAllowed):
        services.finance_role_set(actor=accountant, user=colleague, role="accountant")
    services.finance_role_set(actor=owner, user=colleague, role="viewer")
    assert colleague.finance_role.role == "viewer"


# --- capital numerals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("1004.07", "壹仟零肆元零柒分"),
        ("100000", "壹拾万元整"),
        ("101000", "壹拾万零壹仟元整"),
        ("10001", "壹万零壹元整"),
        ("100000000", "壹亿元整"),
        ("-12.30", "负壹拾贰元叁角整"),
        ("11300.00", "壹万壹仟叁佰元整"),
    ],
)
def test_amounts_in_chinese_capital_numerals(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


# --- general ledger and journals ----------------------------------------------------------


def test_general_ledger_shows_the_year_opening_then_month_and_year_totals(owner: User) -> None:
    post(owner, date(2025, 12, 1), ("1002", "1000.00", ""), ("3001", "", "1000.00"))
    post(owner, date(2026, 1, 5), ("1002", "200.00", ""), ("5001", "", "200.00"))
    post(owner, date(2026, 3, 9), ("5602", "50.00", ""), ("1002", "", "50.00"))

    ledger = selectors.general_ledger(
        actor=owner, account=Account.objects.get(code="1002"), period=Period.objects.get(year=2026, month=3)
    )

    got = [(row.label, row.debit, row.credit, row.balance) for row in ledger.rows]
    assert got == [
        ("Opening balance of the year", D("0"), D("0"), D("1000.00")),
        ("Month 1 total", D("200.00"), D("0.00"), D("1200.00")),
        ("Year to date", D("200.00"), D("0.00"), D("1200.00")),
        ("Month 3 total", D("0.00"), D("50.00"), D("1150.00")),
        ("Year to date", D("200.00"), D("50.00"), D("1150.00")),
    ]


def test_the_cash_journal_totals_each_day(owner: User) -> None:
    post(owner, date(2026, 11, 2), ("1001", "100.00", ""), ("5001", "", "100.00"))
    post(owner, date(2026, 11, 2), ("5602", "30.00", ""), ("1001", "", "30.00"))
    post(owner, date(2026, 11, 4), ("1001", "5.00", ""), ("5001", "", "5.00"))
    period = Period.objects.get(year=2026, month=11)

    journal = selectors.cash_journal(actor=owner, account=Account.objects.get(code="1001"), period=period)

    assert [(day.date.day, day.debit, day.credit, day.balance) for day in journal.days] == [
        (2, D("100.00"), D("30.00"), D("70.00")),
        (4, D("5.00"), D("0"), D("75.00")),
    ]
    with pytest.raises(ValidationFailed):
        selectors.cash_journal(actor=owner, account=Account.objects.get(code="5001"), period=period)
