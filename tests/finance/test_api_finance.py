"""The finance API: vouchers, accounts, periods and reports; bad input; scopes; two-firm leaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.tokens import api_token_create
from apps.finance.models import Account, ModuleRole, Voucher
from tenants.models import Firm

SALE = {
    "date": "2026-11-05",
    "summary": "销售商品",
    "lines": [
        {"account": "1002", "debit": "11300.00"},
        {"account": "5001", "credit": "10000.00"},
        {"account": "22210102", "credit": "1300.00"},
    ],
}


def _post(client: Client, url: str, body: Any = None, **extra: Any) -> Any:
    return client.post(url, body or {}, content_type="application/json", **extra)


def _voucher_count(firm: Firm) -> int:
    with schema_context(firm.schema_name):
        return Voucher.objects.count()


@pytest.mark.django_db
def test_a_voucher_recorded_and_posted_through_the_api(owner_a_client: Client, firm_a: Firm) -> None:
    response = _post(owner_a_client, "/api/v1/finance/vouchers/", {**SALE, "post": True})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["status"], body["total"], body["period"]) == (
        "记-0001",
        "posted",
        "11300.00",
        "2026-11",
    )
    assert [line["account"] for line in body["lines"]] == ["1002", "5001", "22210102"]

    tb = owner_a_client.get("/api/v1/finance/reports/trial-balance/?period=2026-11").json()
    assert tb["balanced"] is True
    assert tb["totals"]["debit"] == tb["totals"]["credit"] == "11300.00"
    sheet = owner_a_client.get("/api/v1/finance/reports/balance-sheet/?period=2026-11").json()
    assert sheet["checks"]["balanced"] is True
    income = owner_a_client.get("/api/v1/finance/reports/income-statement/").json()
    net = next(row for row in income["sections"][0]["rows"] if row["key"] == "net_profit")
    assert net["current"] == "10000.00"
    ledger = owner_a_client.get("/api/v1/finance/reports/account-ledger/?account=1002&period=2026-11").json()
    assert ledger["closing"] == "11300.00"
    assert ledger["lines"][0]["number"] == "记-0001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "date"),
        ({**SALE, "lines": []}, "lines"),
        ({**SALE, "lines": "1002"}, "lines"),
        ({**SALE, "date": "2026-13-01"}, "date"),
        ({**SALE, "lines": [{"account": "1002", "debit": "x"}, {"account": "5001", "credit": "1"}]}, "lines"),
        ({**SALE, "lines": [{"account": "1002", "debit": "1" * 30}, {"account": "5001", "credit": "1"}]}, "lines"),
        ({**SALE, "lines": [{"account": "1002", "debit": "-1"}, {"account": "5001", "credit": "-1"}]}, "lines"),
        ({**SALE, "lines": [{"account": "9999", "debit": "1"}, {"account": "5001", "credit": "1"}]}, "lines.1.account"),
        ({**SALE, "summary": "长" * 201}, "summary"),
    ],
)
def test_bad_voucher_input_gets_a_field_error_and_nothing_is_saved(
    owner_a_client: Client, firm_a: Firm, body: dict[str, Any], field: str
) -> None:
    response = _post(owner_a_client, "/api/v1/finance/vouchers/", body)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"], response.json()
    assert _voucher_count(firm_a) == 0


@pytest.mark.django_db
def test_an_unbalanced_voucher_is_refused_with_the_difference(owner_a_client: Client, firm_a: Firm) -> None:
    body = {**SALE, "lines": [{"account": "1002", "debit": "100"}, {"account": "5001", "credit": "90"}]}

    response = _post(owner_a_client, "/api/v1/finance/vouchers/", body)

    assert response.status_code == 400
    assert response.json()["code"] == "unbalanced"
    assert "10.00" in response.json()["detail"]
    assert _voucher_count(firm_a) == 0


@pytest.mark.django_db
def test_a_broken_json_body_is_a_clear_error(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/api/v1/finance/vouchers/", b"\xff{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_draft_edit_post_reverse_and_delete(owner_a_client: Client, firm_a: Firm) -> None:
    draft = _post(owner_a_client, "/api/v1/finance/vouchers/", SALE).json()
    assert draft["status"] == "draft"
    assert draft["number"] == ""
    url = f"/api/v1/finance/vouchers/{draft['id']}/"

    edited = owner_a_client.put(
        url,
        {**SALE, "lines": [{"account": "1001", "debit": "50"}, {"account": "5001", "credit": "50"}]},
        content_type="application/json",
    )
    assert edited.status_code == 200
    assert edited.json()["total"] == "50.00"
    posted = _post(owner_a_client, f"{url}post/")
    assert posted.status_code == 200
    assert posted.json()["number"] == "记-0001"
    assert _post(owner_a_client, f"{url}post/").json()["code"] == "voucher_posted"
    assert owner_a_client.delete(url).status_code == 409

    reversal = _post(owner_a_client, f"{url}reverse/", {"date": "2026-11-20"})
    assert reversal.status_code == 201
    assert reversal.json()["reversal_of"] == draft["id"]
    assert reversal.json()["total"] == "-50.00"

    another = _post(owner_a_client, "/api/v1/finance/vouchers/", SALE).json()
    assert owner_a_client.delete(f"/api/v1/finance/vouchers/{another['id']}/").status_code == 204
    assert _voucher_count(firm_a) == 2


@pytest.mark.django_db
def test_periods_close_and_reopen_through_the_api(owner_a_client: Client, firm_a: Firm) -> None:
    _post(owner_a_client, "/api/v1/finance/vouchers/", {**SALE, "post": True})

    closed = _post(owner_a_client, "/api/v1/finance/periods/2026-11/close/")

    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    late = _post(owner_a_client, "/api/v1/finance/vouchers/", SALE)
    assert late.status_code == 409
    assert late.json()["code"] == "period_closed"
    assert _post(owner_a_client, "/api/v1/finance/periods/2026-11/reopen/").json()["status"] == "open"
    assert _post(owner_a_client, "/api/v1/finance/periods/2026-13/close/").status_code == 400
    assert _post(owner_a_client, "/api/v1/finance/periods/2020-01/close/").status_code == 404


@pytest.mark.django_db
def test_accounts_list_search_and_sub_account_creation(owner_a_client: Client, firm_a: Firm) -> None:
    found = owner_a_client.get("/api/v1/finance/accounts/?q=银行").json()
    assert [row["code"] for row in found["results"]] == ["1002"]

    created = _post(
        owner_a_client, "/api/v1/finance/accounts/", {"parent": "1002", "code": "100201", "name": "建设银行"}
    )
    assert created.status_code == 201
    assert created.json()["parent"] == "1002"
    duplicate = _post(owner_a_client, "/api/v1/finance/accounts/", {"parent": "1002", "code": "100201", "name": "x"})
    assert duplicate.status_code == 400
    assert "code" in duplicate.json()["fields"]
    renamed = owner_a_client.patch(
        "/api/v1/finance/accounts/100201/", {"name": "建设银行 天府支行"}, content_type="application/json"
    )
    assert renamed.json()["name"] == "建设银行 天府支行"
    assert owner_a_client.get("/api/v1/finance/accounts/nope/").status_code == 404


@pytest.mark.django_db
def test_reports_refuse_a_malformed_period_and_say_when_nothing_was_recorded(
    owner_a_client: Client, firm_a: Firm
) -> None:
    empty = owner_a_client.get("/api/v1/finance/reports/trial-balance/")
    assert empty.status_code == 404
    assert "voucher" in empty.json()["detail"]
    bad = owner_a_client.get("/api/v1/finance/reports/balance-sheet/?period=11-2026")
    assert bad.status_code == 400
    assert "period" in bad.json()["fields"]


@pytest.mark.django_db
def test_a_read_only_token_can_read_but_not_write(firm_a: Firm, client_a: Client) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        _token, secret = api_token_create(user=owner, name="reports", scopes=["finance:read"])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    assert client_a.get("/api/v1/finance/vouchers/", HTTP_AUTHORIZATION=bearer["HTTP_AUTHORIZATION"]).status_code == 200
    denied = _post(client_a, "/api/v1/finance/vouchers/", SALE, **bearer)
    assert denied.status_code == 403
    assert denied.json()["code"] == "insufficient_scope"
    assert _voucher_count(firm_a) == 0


@pytest.mark.django_db
def test_people_without_a_finance_role_are_refused_and_nothing_changes(firm_a: Firm, client_a: Client) -> None:
    with schema_context(firm_a.schema_name):
        User.objects.create_user("clerk@alpha.example", "Clerk-Pass-2026!", full_name="Clerk")
        viewer = User.objects.create_user("viewer@alpha.example", "Viewer-Pass-2026!", full_name="Viewer")
        ModuleRole.objects.create(user=viewer, role="viewer")
    clerk = Client(HTTP_HOST=firm_a.host)
    clerk.post("/accounts/login/", {"username": "clerk@alpha.example", "password": "Clerk-Pass-2026!"})
    reader = Client(HTTP_HOST=firm_a.host)
    reader.post("/accounts/login/", {"username": "viewer@alpha.example", "password": "Viewer-Pass-2026!"})

    assert clerk.get("/api/v1/finance/vouchers/").json()["code"] == "finance_permission_denied"
    assert clerk.get("/api/v1/finance/reports/trial-balance/").status_code == 403
    assert reader.get("/api/v1/finance/vouchers/").status_code == 200
    refused = _post(reader, "/api/v1/finance/vouchers/", SALE)
    assert refused.status_code == 403
    assert refused.json()["code"] == "finance_permission_denied"
    assert _voucher_count(firm_a) == 0


# --- two firms ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_finance_endpoint_shows_or_changes_another_firms_data(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    created = _post(owner_a_client, "/api/v1/finance/vouchers/", {**SALE, "post": True}).json()
    draft = _post(owner_a_client, "/api/v1/finance/vouchers/", SALE).json()
    with schema_context(firm_a.schema_name):
        Account.objects.create(code="100299", name="Alpha 私有账户", category="asset", side="debit", level=2)
    before = _voucher_count(firm_a)

    for url in (
        f"/api/v1/finance/vouchers/{created['id']}/",
        f"/api/v1/finance/vouchers/{draft['id']}/",
    ):
        assert owner_b_client.get(url).status_code == 404
        assert owner_b_client.put(url, SALE, content_type="application/json").status_code == 404
        assert owner_b_client.delete(url).status_code == 404
    assert _post(owner_b_client, f"/api/v1/finance/vouchers/{draft['id']}/post/").status_code == 404
    assert _post(owner_b_client, f"/api/v1/finance/vouchers/{created['id']}/reverse/").status_code == 404
    assert owner_b_client.get("/api/v1/finance/vouchers/").json()["count"] == 0
    assert owner_b_client.get("/api/v1/finance/accounts/100299/").status_code == 404
    assert "100299" not in str(owner_b_client.get("/api/v1/finance/accounts/?q=1002").json())
    assert owner_b_client.get("/api/v1/finance/periods/").json()["count"] == 0
    for report in ("trial-balance", "balance-sheet", "income-statement"):
        assert owner_b_client.get(f"/api/v1/finance/reports/{report}/?period=2026-11").status_code == 404
    assert _post(owner_b_client, "/api/v1/finance/periods/2026-11/close/").status_code == 404
    assert _voucher_count(firm_a) == before
    with schema_context(firm_a.schema_name):
        assert Voucher.objects.get(pk=draft["id"]).status == "draft"


@pytest.mark.django_db
def test_firm_a_finance_token_is_refused_at_firm_b(firm_a: Firm, client_b: Client) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        _token, secret = api_token_create(user=owner, name="a", scopes=["finance:read", "finance:write"])

    response = client_b.get("/api/v1/finance/vouchers/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 401


@pytest.mark.django_db
def test_the_finance_api_is_in_the_openapi_schema(owner_a_client: Client) -> None:
    schema = owner_a_client.get("/api/schema/?format=json").json()

    for path in (
        "/api/v1/finance/vouchers/",
        "/api/v1/finance/reports/balance-sheet/",
        "/api/v1/finance/periods/{period}/close/",
    ):
        assert path in schema["paths"]


@pytest.mark.django_db
def test_reports_and_vouchers_download_as_pdf_and_show_no_negative_zero(owner_a_client: Client, firm_a: Firm) -> None:
    voucher = _post(owner_a_client, "/api/v1/finance/vouchers/", {**SALE, "post": True}).json()

    sheet = owner_a_client.get("/api/v1/finance/reports/balance-sheet/?period=2026-11")
    assert "-0.00" not in sheet.content.decode()
    for url in (
        f"/api/v1/finance/vouchers/{voucher['id']}/pdf/",
        "/api/v1/finance/reports/balance-sheet/?period=2026-11&export=pdf",
        "/api/v1/finance/reports/income-statement/?period=2026-11&export=pdf",
        "/api/v1/finance/reports/trial-balance/?period=2026-11&export=pdf",
        "/api/v1/finance/reports/account-ledger/?account=1002&period=2026-11&export=pdf",
        "/api/v1/finance/reports/aging/?direction=sales&export=pdf",
    ):
        response = owner_a_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert owner_a_client.get("/api/v1/finance/reports/trial-balance/?export=docx").status_code == 400


@pytest.mark.django_db
def test_general_ledger_and_cash_journal_through_the_api(owner_a_client: Client, firm_a: Firm) -> None:
    _post(owner_a_client, "/api/v1/finance/vouchers/", {**SALE, "post": True})

    ledger = owner_a_client.get("/api/v1/finance/reports/general-ledger/?account=1002&period=2026-11").json()
    journal = owner_a_client.get("/api/v1/finance/reports/cash-journal/?account=1002&period=2026-11").json()

    assert ledger["rows"][-1]["balance"] == "11300.00"
    assert journal["days"][0]["debit"] == "11300.00"
    assert journal["closing"] == "11300.00"
    for url in ("general-ledger", "cash-journal"):
        for fmt in ("xlsx", "pdf"):
            response = owner_a_client.get(f"/api/v1/finance/reports/{url}/?account=1002&period=2026-11&export={fmt}")
            assert response.status_code == 200
    assert owner_a_client.get("/api/v1/finance/reports/cash-journal/?account=5001&period=2026-11").status_code == 400
