"""Bank statements: import with column mapping, duplicates, bad rows, matching, reconciliation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance import banking
from apps.finance.models import Account, BankStatementLine
from core.errors import Conflict, ValidationFailed
from tenants.models import Firm
from tests.finance.conftest import D, post

CSV = """交易日期,摘要,对方户名,收入金额,支出金额,余额,流水号
2026-11-03,货款,成都蓉城商贸有限公司,"11,300.00",,11300.00,A001
2026/11/05,房租,天府物业,,3000.00,8300.00,A002
2026-11-31,错误日期,某某,1.00,,8301.00,A003
2026-11-07,手续费,银行,,abc,8300.00,A004
2026-11-08,利息,银行,2.50,,8302.50,A005
"""
MAPPING = banking.ColumnMapping(
    date="交易日期",
    inflow="收入金额",
    outflow="支出金额",
    description="摘要",
    counterparty="对方户名",
    reference="流水号",
    balance="余额",
)


def _import(owner: User, content: bytes, name: str = "statement.csv") -> banking.ImportReport:
    return banking.statement_import(actor=owner, account_code="1002", content=content, filename=name, mapping=MAPPING)


def test_good_rows_are_imported_bad_rows_reported_and_a_second_import_adds_nothing(owner: User) -> None:
    report = _import(owner, CSV.encode("gb18030"))

    assert (report.rows, report.imported, report.duplicates) == (5, 3, 0)
    assert [row for row, _message in report.errors] == [4, 5]
    amounts = list(BankStatementLine.objects.order_by("date").values_list("amount", flat=True))
    assert amounts == [D("11300.00"), D("-3000.00"), D("2.50")]

    again = _import(owner, CSV.encode("utf-8-sig"))

    assert (again.imported, again.duplicates) == (0, 3)
    assert BankStatementLine.objects.count() == 3


def test_an_xlsx_statement_imports_too(owner: User) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["交易日期", "金额", "摘要"])
    sheet.append([date(2026, 11, 3), 500.25, "收款"])
    sheet.append([date(2026, 11, 4), -20, "付款"])
    buffer = io.BytesIO()
    book.save(buffer)

    report = banking.statement_import(
        actor=owner,
        account_code="1002",
        content=buffer.getvalue(),
        filename="nov.xlsx",
        mapping=banking.ColumnMapping(date="交易日期", amount="金额", description="摘要"),
    )

    assert report.imported == 2
    assert set(BankStatementLine.objects.values_list("amount", flat=True)) == {D("500.25"), D("-20")}


@pytest.mark.parametrize(
    ("content", "name", "mapping", "field"),
    [
        (b"", "a.csv", MAPPING, "file"),
        (b"x" * (banking.MAX_BYTES + 1), "a.csv", MAPPING, "file"),
        (CSV.encode(), "a.pdf", MAPPING, "file"),
        (b"PK\x03\x04 not really", "a.xlsx", MAPPING, "file"),
        (CSV.encode(), "a.csv", banking.ColumnMapping(date="日期", amount="金额"), "date"),
        (CSV.encode(), "a.csv", banking.ColumnMapping(date="交易日期"), "amount"),
        (CSV.encode(), "a.csv", banking.ColumnMapping(date="交易日期", amount="余额", inflow="收入金额"), "amount"),
    ],
)
def test_unreadable_files_and_wrong_mappings_are_refused_and_nothing_is_imported(
    owner: User, content: bytes, name: str, mapping: banking.ColumnMapping, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        banking.statement_import(actor=owner, account_code="1002", content=content, filename=name, mapping=mapping)

    assert field in caught.value.fields
    assert not BankStatementLine.objects.exists()


def test_only_cash_and_bank_accounts_take_statements(owner: User) -> None:
    with pytest.raises(ValidationFailed):
        banking.statement_import(
            actor=owner, account_code="5001", content=CSV.encode(), filename="a.csv", mapping=MAPPING
        )


def test_suggestions_match_unmatch_and_reconciliation(owner: User) -> None:
    receipt = post(owner, date(2026, 11, 2), ("1002", "11300.00", ""), ("1122", "", "11300.00"), summary="收款 A001")
    rent = post(owner, date(2026, 11, 5), ("5602", "3000.00", ""), ("1002", "", "3000.00"))
    post(owner, date(2026, 11, 29), ("1002", "800.00", ""), ("1122", "", "800.00"))  # not on the bank's statement yet
    _import(owner, CSV.encode())
    bank = Account.objects.get(code="1002")

    suggestions = banking.match_suggestions(actor=owner, account=bank)

    by_amount = {BankStatementLine.objects.get(pk=k).amount: v for k, v in suggestions.items()}
    assert [line.voucher_id for line in by_amount[D("11300.00")]] == [receipt.pk]
    assert [line.voucher_id for line in by_amount[D("-3000.00")]] == [rent.pk]
    assert by_amount[D("2.50")] == []

    assert banking.statement_auto_match(actor=owner, account=bank) == 2
    rec = banking.reconciliation(actor=owner, account=bank, as_of=date(2026, 11, 30))

    assert rec.bank_balance_stated
    assert rec.book_balance == D("9100.00")  # 11,300 - 3,000 + 800
    assert rec.bank_balance == D("8302.50")  # the bank's own closing balance
    assert [line.amount for line in rec.bank_only] == [D("2.50")]  # interest the books lack
    assert rec.book_only_total == D("800.00")  # the receipt the bank has not shown yet
    assert rec.adjusted_book == rec.adjusted_bank == D("9102.50")
    assert rec.balanced

    matched = BankStatementLine.objects.filter(matched_line__isnull=False).first()
    assert matched is not None
    with pytest.raises(Conflict):
        banking.statement_line_match(actor=owner, statement_line=matched, voucher_line_id=matched.matched_line_id)
    banking.statement_line_unmatch(actor=owner, statement_line=matched)
    assert BankStatementLine.objects.filter(matched_line__isnull=False).count() == 1


def test_a_missing_statement_line_shows_as_a_difference(owner: User) -> None:
    post(owner, date(2026, 11, 2), ("1002", "11300.00", ""), ("1122", "", "11300.00"))
    only_first = "\n".join(CSV.splitlines()[:2]).replace("11300.00,A001", "11400.00,A001")  # bank says 11,400
    _import(owner, only_first.encode())

    rec = banking.reconciliation(actor=owner, account=Account.objects.get(code="1002"), as_of=date(2026, 11, 30))

    assert not rec.balanced
    assert rec.adjusted_bank - rec.adjusted_book == D("100.00")


def test_a_match_must_have_the_same_amount(owner: User) -> None:
    rent = post(owner, date(2026, 11, 5), ("5602", "2999.00", ""), ("1002", "", "2999.00"))
    _import(owner, CSV.encode())
    line = BankStatementLine.objects.get(amount=D("-3000.00"))

    with pytest.raises(ValidationFailed):
        banking.statement_line_match(
            actor=owner, statement_line=line, voucher_line_id=rent.lines.get(account__code="1002").pk
        )
    line.refresh_from_db()
    assert line.matched_line_id is None


@pytest.mark.django_db
def test_bank_api_import_match_and_reconcile(owner_a_client: Client, firm_a: Firm) -> None:
    upload = SimpleUploadedFile("nov.csv", CSV.encode("gb18030"), content_type="text/csv")
    response = owner_a_client.post(
        "/api/v1/finance/bank/statements/import/",
        {
            "account": "1002",
            "file": upload,
            "date_column": "交易日期",
            "inflow_column": "收入金额",
            "outflow_column": "支出金额",
            "description_column": "摘要",
            "balance_column": "余额",
        },
    )

    assert response.status_code == 200, response.json()
    assert response.json()["imported"] == 3
    assert [e["row"] for e in response.json()["row_errors"]] == [4, 5]
    lines = owner_a_client.get("/api/v1/finance/bank/statement-lines/?account=1002&unmatched=1").json()
    assert lines["count"] == 3
    rec = owner_a_client.get("/api/v1/finance/reports/bank-reconciliation/?account=1002&as_of=2026-11-30").json()
    assert rec["bank_balance"] == "8302.50"
    assert owner_a_client.get("/api/v1/finance/bank/suggestions/?account=5001").status_code == 404


@pytest.mark.django_db
def test_bank_endpoints_never_reach_another_firms_lines(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        _import(owner, CSV.encode())
        line_id = BankStatementLine.objects.first().pk  # type: ignore[union-attr]

    assert owner_b_client.get("/api/v1/finance/bank/statement-lines/?account=1002").json()["count"] == 0
    assert owner_b_client.post(f"/api/v1/finance/bank/statement-lines/{line_id}/unmatch/").status_code == 404
    matched = owner_b_client.post(
        f"/api/v1/finance/bank/statement-lines/{line_id}/match/", {"voucher_line": 1}, content_type="application/json"
    )
    assert matched.status_code == 404
    rec = owner_b_client.get("/api/v1/finance/reports/bank-reconciliation/?account=1002&as_of=2026-11-30").json()
    assert rec["bank_balance"] == "0.00"
    with schema_context(firm_a.schema_name):
        assert BankStatementLine.objects.count() == 3
