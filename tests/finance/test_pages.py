"""The finance pages: every page renders, roles are enforced, forms call the services,
errors come back next to the lines, and nothing crosses firms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.models import Account, ModuleRole, Period, Voucher
from apps.finance.services import EntryLine, voucher_create, voucher_post
from tenants.models import Firm
from tests.conftest import PASSWORD

SALE_LINES = [("1002", "11,300.00", ""), ("5001", "", "10000"), ("22210102", "", "1300.00")]


def _form(day: str = "2026-11-05", lines: list[tuple[str, str, str]] | None = None, **extra: str) -> dict[str, str]:
    rows = SALE_LINES if lines is None else lines
    data = {
        "date": day,
        "summary": "销售商品",
        "attachments": "2",
        "lines-TOTAL_FORMS": str(max(len(rows), 4)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "500",
        **extra,
    }
    for index, (code, debit, credit) in enumerate(rows):
        data.update({f"lines-{index}-account": code, f"lines-{index}-debit": debit, f"lines-{index}-credit": credit})
    return data


def _owner(firm: Firm) -> User:
    with schema_context(firm.schema_name):
        return User.objects.get(role=User.Role.OWNER)


def _voucher(firm: Firm, *, post: bool = False, day: date = date(2026, 11, 5), amount: str = "100.00") -> Voucher:
    with schema_context(firm.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        voucher = voucher_create(
            actor=owner,
            day=day,
            summary="服务收入",
            lines=[EntryLine("1002", debit=amount), EntryLine("5001", credit=amount)],
        )
        return voucher_post(actor=owner, voucher=voucher) if post else voucher


def _state(firm: Firm) -> tuple[Any, ...]:
    with schema_context(firm.schema_name):
        return (
            list(Voucher.objects.order_by("pk").values_list("pk", "status", "number")),
            list(Period.objects.order_by("pk").values_list("pk", "status")),
            Account.objects.count(),
            list(Account.objects.filter(code="1002").values_list("name", "is_active")),
            list(ModuleRole.objects.values_list("user_id", "role")),
        )


def _member_client(firm: Firm, role: str | None = None) -> Client:
    with schema_context(firm.schema_name):
        user = User.objects.create_user("member@alpha.example", PASSWORD, full_name="Member", language="en")
        if role:
            ModuleRole.objects.create(user=user, role=role)
    client = Client(HTTP_HOST=firm.host)
    assert (
        client.post("/accounts/login/", {"username": "member@alpha.example", "password": PASSWORD}).status_code == 302
    )
    return client


def _pages(voucher_id: int, posted_id: int) -> list[str]:
    return [
        "/finance/",
        "/finance/vouchers/",
        "/finance/vouchers/?period=2026-11&status=posted&q=记-0001",
        "/finance/vouchers/new/",
        f"/finance/vouchers/{voucher_id}/",
        f"/finance/vouchers/{voucher_id}/edit/",
        f"/finance/vouchers/{voucher_id}/delete/",
        f"/finance/vouchers/{posted_id}/reverse/",
        f"/finance/vouchers/{posted_id}/print/",
        "/finance/accounts/",
        "/finance/accounts/?q=银行",
        "/finance/accounts/1002/edit/",
        "/finance/accounts/1002/ledger/?period=2026-11",
        "/finance/periods/",
        "/finance/periods/2026-11/close/",
        "/finance/reports/trial-balance/",
        "/finance/reports/trial-balance/?period=2026-11",
        "/finance/reports/balance-sheet/",
        "/finance/reports/income-statement/?period=2026-11",
        "/finance/settings/",
    ]


@pytest.mark.django_db
def test_every_finance_page_renders_for_the_owner(owner_a_client: Client, firm_a: Firm) -> None:
    draft = _voucher(firm_a)
    posted = _voucher(firm_a, post=True)

    for url in _pages(draft.pk, posted.pk):
        response = owner_a_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert b'style="' not in response.content, url  # the CSP forbids inline styles


@pytest.mark.django_db
def test_pages_render_before_anything_is_recorded(owner_a_client: Client, firm_a: Firm) -> None:
    for url in [
        "/finance/",
        "/finance/vouchers/",
        "/finance/periods/",
        "/finance/reports/trial-balance/",
        "/finance/reports/balance-sheet/",
        "/finance/reports/income-statement/",
        "/finance/accounts/1002/ledger/",
    ]:
        assert owner_a_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_a_member_without_finance_role_gets_403_everywhere_and_nothing_changes(firm_a: Firm) -> None:
    draft = _voucher(firm_a)
    posted = _voucher(firm_a, post=True)
    client = _member_client(firm_a)
    before = _state(firm_a)

    for url in _pages(draft.pk, posted.pk):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"finance role" in response.content
    posts = {
        "/finance/vouchers/new/": _form(action="post"),
        f"/finance/vouchers/{draft.pk}/edit/": _form(),
        f"/finance/vouchers/{draft.pk}/post/": {},
        f"/finance/vouchers/{draft.pk}/delete/": {},
        f"/finance/vouchers/{posted.pk}/reverse/": {"date": "2026-11-30"},
        "/finance/accounts/": {"parent": "1002", "code": "100201", "name": "工行"},
        "/finance/accounts/1002/edit/": {"name": "X", "name_en": "", "is_active": ""},
        "/finance/periods/2026-11/close/": {},
        "/finance/settings/": {"action": "taxpayer", "taxpayer": "small_scale"},
    }
    for url, body in posts.items():
        assert client.post(url, body).status_code == 403, url
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_a_viewer_reads_reports_but_cannot_prepare_or_post(firm_a: Firm) -> None:
    draft = _voucher(firm_a)
    client = _member_client(firm_a, role="viewer")
    before = _state(firm_a)

    assert client.get("/finance/reports/trial-balance/").status_code == 200
    assert client.get(f"/finance/vouchers/{draft.pk}/").status_code == 200
    assert client.get("/finance/vouchers/new/").status_code == 403
    assert client.post(f"/finance/vouchers/{draft.pk}/post/").status_code == 403
    assert client.get("/finance/settings/").status_code == 403
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_an_approver_cannot_save_and_post_a_new_voucher(firm_a: Firm) -> None:
    client = _member_client(firm_a, role="approver")

    response = client.post("/finance/vouchers/new/", _form(action="post"))

    assert response.status_code == 403
    with schema_context(firm_a.schema_name):
        assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_a_balanced_voucher_from_the_form_is_saved_as_a_draft(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/finance/vouchers/new/", _form(action="draft"))

    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        voucher = Voucher.objects.get()
        assert (voucher.status, voucher.number, voucher.attachments, str(voucher.total)) == (
            "draft",
            None,
            2,
            "11300.00",
        )
        assert list(voucher.lines.values_list("account__code", "debit", "credit")) == [
            ("1002", 11300, 0),
            ("5001", 0, 10000),
            ("22210102", 0, 1300),
        ]
    assert response["Location"] == f"/finance/vouchers/{voucher.pk}/"


@pytest.mark.django_db
def test_an_unbalanced_voucher_is_shown_again_with_the_error_and_nothing_is_saved(
    owner_a_client: Client, firm_a: Firm
) -> None:
    lines = [("1002", "11300.00", ""), ("5001", "", "10000.00")]

    response = owner_a_client.post("/finance/vouchers/new/", _form(lines=lines, action="post"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "differ by 1,300.00" in page
    assert 'value="11300.00"' in page  # what was typed stays
    with schema_context(firm_a.schema_name):
        assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_a_line_error_is_shown_on_its_line(owner_a_client: Client, firm_a: Firm) -> None:
    lines = [("1002", "100.00", ""), ("", "", ""), ("5001", "", "100.005")]

    response = owner_a_client.post("/finance/vouchers/new/", _form(lines=lines))

    assert response.status_code == 400
    rows = response.content.decode().split('class="voucher-line')
    assert "at most two decimal places" in rows[3]  # the third row, though the second is empty
    assert "at most two decimal places" not in rows[1]
    with schema_context(firm_a.schema_name):
        assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_save_and_post_numbers_the_voucher_and_shows_the_total_in_words(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/finance/vouchers/new/", _form(action="post"), follow=True)

    page = response.content.decode()
    assert "记-0001" in page
    assert "壹万壹仟叁佰元整" in page
    with schema_context(firm_a.schema_name):
        assert Voucher.objects.get().display_number == "记-0001"


@pytest.mark.django_db
def test_a_draft_is_edited_through_the_form(owner_a_client: Client, firm_a: Firm) -> None:
    draft = _voucher(firm_a)

    response = owner_a_client.post(f"/finance/vouchers/{draft.pk}/edit/", _form(action="draft"))

    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        assert str(Voucher.objects.get(pk=draft.pk).total) == "11300.00"


@pytest.mark.django_db
def test_delete_asks_first_and_only_a_post_deletes(owner_a_client: Client, firm_a: Firm) -> None:
    draft = _voucher(firm_a)

    assert owner_a_client.get(f"/finance/vouchers/{draft.pk}/delete/").status_code == 200
    with schema_context(firm_a.schema_name):
        assert Voucher.objects.filter(pk=draft.pk).exists()

    assert owner_a_client.post(f"/finance/vouchers/{draft.pk}/delete/").status_code == 302
    with schema_context(firm_a.schema_name):
        assert not Voucher.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_posting_a_draft_from_its_page(owner_a_client: Client, firm_a: Firm) -> None:
    draft = _voucher(firm_a)

    assert owner_a_client.get(f"/finance/vouchers/{draft.pk}/post/").status_code == 405
    owner_a_client.post(f"/finance/vouchers/{draft.pk}/post/")

    with schema_context(firm_a.schema_name):
        assert Voucher.objects.get(pk=draft.pk).display_number == "记-0001"


@pytest.mark.django_db
def test_reverse_creates_a_posted_red_reversal(owner_a_client: Client, firm_a: Firm) -> None:
    posted = _voucher(firm_a, post=True)

    response = owner_a_client.post(f"/finance/vouchers/{posted.pk}/reverse/", {"date": "2026-11-20"}, follow=True)

    with schema_context(firm_a.schema_name):
        reversal = Voucher.objects.get(reversal_of=posted)
        assert (reversal.status, str(reversal.total), reversal.display_number) == ("posted", "-100.00", "记-0002")
    page = response.content.decode()
    assert "负壹佰元整" in page
    assert f"/finance/vouchers/{posted.pk}/" in page  # links back to the reversed voucher


@pytest.mark.django_db
def test_a_reversal_dated_before_the_voucher_is_refused_on_the_date_field(owner_a_client: Client, firm_a: Firm) -> None:
    posted = _voucher(firm_a, post=True)

    response = owner_a_client.post(f"/finance/vouchers/{posted.pk}/reverse/", {"date": "2026-11-01"})

    assert response.status_code == 400
    assert b"cannot be dated before" in response.content
    with schema_context(firm_a.schema_name):
        assert not Voucher.objects.filter(reversal_of=posted).exists()


@pytest.mark.django_db
def test_a_period_is_closed_and_reopened_through_the_pages(owner_a_client: Client, firm_a: Firm) -> None:
    _voucher(firm_a, post=True)

    assert owner_a_client.get("/finance/periods/2026-11/close/").status_code == 200
    response = owner_a_client.post("/finance/periods/2026-11/close/", follow=True)

    assert "is closed" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert Period.objects.get(year=2026, month=11).status == "closed"
        assert Voucher.objects.filter(kind=Voucher.Kind.CLOSING).count() == 1

    owner_a_client.post("/finance/periods/2026-11/reopen/")
    with schema_context(firm_a.schema_name):
        assert Period.objects.get(year=2026, month=11).status == "open"


@pytest.mark.django_db
def test_closing_a_period_with_drafts_shows_the_service_error(owner_a_client: Client, firm_a: Firm) -> None:
    _voucher(firm_a)

    response = owner_a_client.post("/finance/periods/2026-11/close/", follow=True)

    assert "post or delete them before closing" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert Period.objects.get(year=2026, month=11).status == "open"


@pytest.mark.django_db
def test_a_sub_account_is_added_and_a_bad_code_is_shown_on_its_field(owner_a_client: Client, firm_a: Firm) -> None:
    bad = owner_a_client.post("/finance/accounts/", {"parent": "1002", "code": "1002001", "name": "工行"})
    assert bad.status_code == 400
    assert b"followed by two digits" in bad.content

    good = owner_a_client.post(
        "/finance/accounts/", {"parent": "1002", "code": "100201", "name": "工行", "name_en": "ICBC"}
    )
    assert good.status_code == 302
    with schema_context(firm_a.schema_name):
        assert Account.objects.get(code="100201").parent.code == "1002"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_owner_gives_a_colleague_a_finance_role(owner_a_client: Client, firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        colleague = User.objects.create_user("li@alpha.example", PASSWORD, full_name="Li")

    owner_a_client.post("/finance/settings/", {"action": "role", "user_id": colleague.pk, "role": "approver"})
    with schema_context(firm_a.schema_name):
        assert ModuleRole.objects.get(user=colleague).role == "approver"

    owner_a_client.post("/finance/settings/", {"action": "role", "user_id": colleague.pk, "role": ""})
    with schema_context(firm_a.schema_name):
        assert not ModuleRole.objects.filter(user=colleague).exists()


@pytest.mark.django_db
def test_an_accountant_cannot_assign_finance_roles(firm_a: Firm) -> None:
    client = _member_client(firm_a, role="accountant")
    with schema_context(firm_a.schema_name):
        colleague = User.objects.create_user("li@alpha.example", PASSWORD, full_name="Li")

    response = client.post("/finance/settings/", {"action": "role", "user_id": colleague.pk, "role": "accountant"})

    assert response.status_code == 403
    with schema_context(firm_a.schema_name):
        assert not ModuleRole.objects.filter(user=colleague).exists()


@pytest.mark.django_db
def test_a_voucher_of_firm_a_is_not_found_on_firm_b(owner_b_client: Client, firm_a: Firm, firm_b: Firm) -> None:
    voucher = _voucher(firm_a, post=True)

    for suffix in ["", "edit/", "print/", "delete/", "reverse/"]:
        assert owner_b_client.get(f"/finance/vouchers/{voucher.pk}/{suffix}").status_code == 404, suffix
    assert owner_b_client.post(f"/finance/vouchers/{voucher.pk}/reverse/", {"date": "2026-11-30"}).status_code == 404
    with schema_context(firm_a.schema_name):
        assert not Voucher.objects.filter(reversal_of=voucher).exists()


@pytest.mark.django_db
def test_vouchers_list_and_trial_balance_run_a_bounded_number_of_queries(
    owner_a_client: Client, firm_a: Firm, django_assert_max_num_queries: Any
) -> None:
    for day in range(1, 31):
        _voucher(firm_a, post=day % 2 == 0, day=date(2026, 11, day), amount=f"{day}.00")
    owner_a_client.get("/finance/vouchers/")  # warm the session and tenant caches

    with django_assert_max_num_queries(12):
        response = owner_a_client.get("/finance/vouchers/")
    assert response.content.decode().count('class="badge badge-') == 30
    with django_assert_max_num_queries(12):
        assert owner_a_client.get("/finance/reports/trial-balance/").status_code == 200
    # django-tenants may set the search path again before each statement: 8 queries count twice.
    with django_assert_max_num_queries(16):
        assert owner_a_client.get("/finance/accounts/1002/ledger/").status_code == 200
