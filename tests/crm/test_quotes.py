"""Quotes: totals in Decimal worked out by hand, half-up rounding to the fen, bad input refused
with nothing written, status rules, gapless numbering (also under concurrency), who sees what,
the PDF, the pages, and two-firm leaks."""

from __future__ import annotations

import base64
import re
import threading
import zlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.crm.models import Quote, QuoteLine, SalesRole
from apps.crm.quote_pdf import quote_pdf
from apps.crm.quotes import QuoteLineInput, line_amounts, quote_create
from tenants.models import Firm
from tests.conftest import PASSWORD

API = "/api/v1/crm/quotes/"
YEAR = timezone.localdate().year


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, body if body is not None else {}, content_type="application/json")


def _put(client: Client, url: str, body: Any) -> Any:
    return client.put(url, body, content_type="application/json")


def _person(firm: Firm, email: str) -> Client:
    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], role="member")
        SalesRole.objects.create(user=user, role="rep")
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def _account(client: Client, name: str = "成都天府软件有限公司") -> int:
    response = _post(client, "/api/v1/crm/accounts/", {"name": name})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _line(**fields: Any) -> dict[str, Any]:
    return {"product": "服务器 R740", "quantity": "1", "unit_price": "100.00", **fields}


def _quote(client: Client, account: int, lines: list[dict[str, Any]] | None = None, **fields: Any) -> Any:
    return _post(client, API, {"account": account, "lines": lines or [_line()], **fields})


def _counts(firm: Firm) -> tuple[int, int]:
    with schema_context(firm.schema_name):
        return Quote.objects.count(), QuoteLine.objects.count()


# --- money -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_totals_with_discounts_and_mixed_vat_rates_are_summed_from_rounded_lines(
    owner_a_client: Client, firm_a: Firm
) -> None:
    # given four lines at 13%, 6%, 9% and 0%, two of them discounted
    account = _account(owner_a_client)
    lines = [
        _line(product="服务器", quantity="3", unit_price="199.99", discount="10", vat_rate="0.13"),
        _line(product="咨询服务", quantity="2.5", unit_price="80.00", vat_rate="0.06"),
        _line(product="安装工程", quantity="1", unit_price="1000", discount="12.5", vat_rate="0.09"),
        _line(product="出口配件", quantity="7", unit_price="0.33", vat_rate="0"),
    ]

    # when the quote is created
    response = _quote(owner_a_client, account, lines)

    # then each line is rounded to the fen and the totals are the sums of the lines:
    # 3 x 199.99 x 0.9 = 539.973 -> 539.97, VAT 539.97 x 0.13 = 70.1961 -> 70.20
    # 2.5 x 80 = 200.00, VAT 12.00; 1000 x 0.875 = 875.00, VAT 78.75; 7 x 0.33 = 2.31, VAT 0.00
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(line["net"], line["vat"]) for line in body["lines"]] == [
        ("539.97", "70.20"),
        ("200.00", "12.00"),
        ("875.00", "78.75"),
        ("2.31", "0.00"),
    ]
    assert (body["net_total"], body["vat_total"], body["gross_total"]) == ("1617.28", "160.95", "1778.23")
    assert body["gross_total_in_words"] == "壹仟柒佰柒拾捌元贰角叁分"
    assert body["status"] == "draft"
    with schema_context(firm_a.schema_name):
        quote = Quote.objects.get(pk=body["id"])
        assert quote.gross_total == Decimal("1778.23")
        assert quote.net_total + quote.vat_total == quote.gross_total
        assert [line.position for line in quote.lines.all()] == [1, 2, 3, 4]
        assert AuditEvent.objects.filter(action="crm.quote_created", object_id=str(quote.pk)).exists()


def test_line_amounts_round_half_up_to_the_fen() -> None:
    # 0.05 x 50% = 0.025 -> 0.03 (banker's rounding would give 0.02); 0.50 x 1% = 0.005 -> 0.01
    assert line_amounts(Decimal("1"), Decimal("0.05"), Decimal("50"), Decimal("0.13")) == (
        Decimal("0.03"),
        Decimal("0.00"),
    )
    assert line_amounts(Decimal("1"), Decimal("0.50"), Decimal("0"), Decimal("0.01")) == (
        Decimal("0.50"),
        Decimal("0.01"),
    )
    assert line_amounts(Decimal("0.0001"), Decimal("0.01"), Decimal("0"), Decimal("0")) == (
        Decimal("0.00"),
        Decimal("0.00"),
    )


@pytest.mark.django_db
def test_half_fen_amounts_are_rounded_up_in_a_saved_quote(owner_a_client: Client) -> None:
    account = _account(owner_a_client)
    response = _quote(
        owner_a_client,
        account,
        [
            _line(quantity="1", unit_price="0.05", discount="50", vat_rate="0.13"),
            _line(quantity="1", unit_price="0.50", vat_rate="0.01"),
            _line(quantity="1", unit_price="0.50", vat_rate="0.03"),
        ],
    )

    body = response.json()
    assert [(line["net"], line["vat"]) for line in body["lines"]] == [
        ("0.03", "0.00"),
        ("0.50", "0.01"),
        ("0.50", "0.02"),
    ]
    assert (body["net_total"], body["vat_total"], body["gross_total"]) == ("1.03", "0.03", "1.06")


# --- bad input -------------------------------------------------------------------------------

BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "no lines": ({"lines": []}, "lines"),
    "lines not a list": ({"lines": "服务器"}, "lines"),
    "line not an object": ({"lines": ["服务器"]}, "lines.1.line"),
    "quantity zero": ({"lines": [_line(quantity="0")]}, "lines.1.quantity"),
    "quantity negative": ({"lines": [_line(quantity="-1")]}, "lines.1.quantity"),
    "quantity not a number": ({"lines": [_line(quantity="three")]}, "lines.1.quantity"),
    "quantity a list": ({"lines": [_line(quantity=[1])]}, "lines.1.quantity"),
    "negative price": ({"lines": [_line(unit_price="-0.01")]}, "lines.1.unit_price"),
    "price with three decimals": ({"lines": [_line(unit_price="1.005")]}, "lines.1.unit_price"),
    "discount over 100": ({"lines": [_line(discount="101")]}, "lines.1.discount"),
    "discount negative": ({"lines": [_line(discount="-5")]}, "lines.1.discount"),
    "old 17% rate": ({"lines": [_line(vat_rate="0.17")]}, "lines.1.vat_rate"),
    "rate as percent": ({"lines": [_line(vat_rate="13")]}, "lines.1.vat_rate"),
    "empty product": ({"lines": [_line(product="   ")]}, "lines.1.product"),
    "huge product": ({"lines": [_line(product="长" * 201)]}, "lines.1.product"),
    "product not text": ({"lines": [_line(product={"name": "x"})]}, "lines.1.product"),
    "201 lines": ({"lines": [_line()] * 201}, "lines"),
    "huge notes": ({"notes": "注" * 5001}, "notes"),
    "account not a number": ({"account": "天府"}, "account"),
    "unknown account": ({"account": 999999}, "account"),
    "unknown opportunity": ({"opportunity": 999999}, "opportunity"),
    "valid until yesterday": ({"valid_until": "2000-01-01"}, "valid_until"),
    "valid until not a date": ({"valid_until": "明天"}, "valid_until"),
    "amount too large": ({"lines": [_line(quantity="9999999999", unit_price="999999999999.99")]}, "lines.1.unit_price"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_INPUT.keys())
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(
    case: str, owner_a_client: Client, firm_a: Firm
) -> None:
    # given an account and a quote body with one thing wrong
    account = _account(owner_a_client)
    change, field = BAD_INPUT[case]
    body = {"account": account, "lines": [_line()], **change}

    # when it is sent
    response = _post(owner_a_client, API, body)

    # then it is a 400 naming the field, and no quote or line exists
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    fields = response.json()["fields"]
    assert field in fields, fields
    if field.startswith("lines."):
        assert any(message.startswith("Line 1") for message in fields["lines"]), fields
    assert _counts(firm_a) == (0, 0)


@pytest.mark.django_db
def test_every_bad_line_is_reported_with_its_line_number(owner_a_client: Client, firm_a: Firm) -> None:
    account = _account(owner_a_client)
    lines = [_line(), _line(quantity="0", discount="101"), _line(), _line(vat_rate="0.17")]

    response = _quote(owner_a_client, account, lines)

    fields = response.json()["fields"]
    assert response.status_code == 400
    assert {"lines.2.quantity", "lines.2.discount", "lines.4.vat_rate"} <= set(fields)
    assert not any(key.startswith(("lines.1.", "lines.3.")) for key in fields)
    assert [message.split(":")[0] for message in fields["lines"]] == ["Line 2", "Line 2", "Line 4"]
    assert _counts(firm_a) == (0, 0)


@pytest.mark.django_db
def test_the_service_refuses_bad_lines_whatever_the_caller(in_firm_a: Firm) -> None:
    from core.errors import ValidationFailed

    owner = User.objects.get(role=User.Role.OWNER)
    from apps.crm.services import account_create

    account = account_create(actor=owner, name="直接调用")
    with pytest.raises(ValidationFailed) as refused:
        quote_create(
            actor=owner,
            account_id=account.pk,
            lines=[QuoteLineInput(product="x", quantity=True, unit_price=None, discount="abc", vat_rate=0.17)],
        )
    assert {"lines.1.quantity", "lines.1.unit_price", "lines.1.discount", "lines.1.vat_rate"} <= set(
        refused.value.fields
    )
    assert Quote.objects.count() == 0


# --- status rules ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_changes_its_lines_but_a_sent_quote_never_does(owner_a_client: Client, firm_a: Firm) -> None:
    account = _account(owner_a_client)
    quote = _quote(owner_a_client, account).json()
    url = f"{API}{quote['id']}/"

    changed = _put(owner_a_client, f"{url}lines/", {"lines": [_line(quantity="2", unit_price="50.00")] * 2})
    bad = _put(owner_a_client, f"{url}lines/", {"lines": [_line(quantity="0")]})
    sent = _post(owner_a_client, f"{url}send/")
    refused = _put(owner_a_client, f"{url}lines/", {"lines": [_line(unit_price="1.00")]})

    assert changed.status_code == 200
    assert changed.json()["gross_total"] == "226.00"  # 2 x (100.00 + 13.00)
    assert bad.status_code == 400
    assert sent.json()["status"] == "sent"
    assert refused.status_code == 409
    assert refused.json()["code"] == "quote_not_draft"
    with schema_context(firm_a.schema_name):
        stored = Quote.objects.get(pk=quote["id"])
        assert stored.gross_total == Decimal("226.00")
        assert list(stored.lines.values_list("unit_price", flat=True)) == [Decimal("50.00")] * 2


@pytest.mark.django_db
def test_status_moves_follow_draft_sent_then_accepted_or_declined(owner_a_client: Client, firm_a: Firm) -> None:
    account = _account(owner_a_client)
    first = f"{API}{_quote(owner_a_client, account).json()['id']}/"
    second = f"{API}{_quote(owner_a_client, account).json()['id']}/"

    early_accept = _post(owner_a_client, f"{first}accept/")
    early_decline = _post(owner_a_client, f"{first}decline/")
    _post(owner_a_client, f"{first}send/")
    resend = _post(owner_a_client, f"{first}send/")
    accepted = _post(owner_a_client, f"{first}accept/")
    late_decline = _post(owner_a_client, f"{first}decline/")
    _post(owner_a_client, f"{second}send/")
    declined = _post(owner_a_client, f"{second}decline/")
    late_accept = _post(owner_a_client, f"{second}accept/")

    assert early_accept.status_code == early_decline.status_code == 409
    assert early_accept.json()["code"] == "quote_status"
    assert resend.status_code == 200  # sending twice changes nothing
    assert accepted.json()["status"] == "accepted"
    assert late_decline.status_code == 409
    assert declined.json()["status"] == "declined"
    assert late_accept.status_code == 409
    with schema_context(firm_a.schema_name):
        assert sorted(Quote.objects.values_list("status", flat=True)) == ["accepted", "declined"]
        assert AuditEvent.objects.filter(action="crm.quote_accepted").count() == 1


# --- numbering -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_numbers_are_sequential_per_firm_and_year_and_a_refused_quote_takes_none(
    owner_a_client: Client, owner_b_client: Client
) -> None:
    account = _account(owner_a_client)
    first = _quote(owner_a_client, account).json()["number"]
    refused = _quote(owner_a_client, account, [_line(quantity="0")])
    second = _quote(owner_a_client, account).json()["number"]
    third = _quote(owner_a_client, account).json()["number"]
    other_firm = _quote(owner_b_client, _account(owner_b_client)).json()["number"]

    assert refused.status_code == 400
    assert [first, second, third] == [f"BJ{YEAR}-0001", f"BJ{YEAR}-0002", f"BJ{YEAR}-0003"]
    assert other_firm == f"BJ{YEAR}-0001"


@pytest.mark.django_db
def test_numbering_continues_past_9999(in_firm_a: Firm) -> None:
    from apps.crm.services import account_create

    owner = User.objects.get(role=User.Role.OWNER)
    account = account_create(actor=owner, name="大客户")
    Quote.objects.create(number=f"BJ{YEAR}-9999", account=account, owner=owner)
    Quote.objects.create(number=f"BJ{YEAR - 1}-0500", account=account, owner=owner)

    lines = [QuoteLineInput(product="x", quantity="1", unit_price="1")]
    assert quote_create(actor=owner, account_id=account.pk, lines=lines).number == f"BJ{YEAR}-10000"
    assert quote_create(actor=owner, account_id=account.pk, lines=lines).number == f"BJ{YEAR}-10001"


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_reps_quote_is_not_found_and_their_accounts_cannot_be_quoted(firm_a: Firm) -> None:
    # given two reps, each with an account, and a quote of the first
    alice, bob = _person(firm_a, "alice@alpha.example"), _person(firm_a, "bob@alpha.example")
    alice_account = _account(alice, "甲公司")
    quote = _quote(alice, alice_account).json()
    url = f"{API}{quote['id']}/"

    # then bob finds nothing of it, changes nothing and cannot quote alice's account
    assert bob.get(url).status_code == 404
    assert bob.get(f"{url}pdf/").status_code == 404
    assert _put(bob, f"{url}lines/", {"lines": [_line()]}).status_code == 404
    for action in ("send", "accept", "decline"):
        assert _post(bob, f"{url}{action}/").status_code == 404
    assert bob.get(f"/crm/quotes/{quote['id']}/").status_code == 404
    assert bob.get(f"/crm/quotes/{quote['id']}/lines/").status_code == 404
    assert bob.post(f"/crm/quotes/{quote['id']}/send/").status_code == 404
    assert bob.get(API).json()["count"] == 0
    assert _quote(bob, alice_account).json()["fields"]["account"]
    with schema_context(firm_a.schema_name):
        assert Quote.objects.get(pk=quote["id"]).status == "draft"
        assert Quote.objects.count() == 1


@pytest.mark.django_db
def test_the_list_searches_number_and_account_and_filters_by_status(owner_a_client: Client) -> None:
    tianfu, jinjiang = _account(owner_a_client, "天府软件"), _account(owner_a_client, "锦江物流")
    _quote(owner_a_client, tianfu)
    second = _quote(owner_a_client, jinjiang).json()
    _post(owner_a_client, f"{API}{second['id']}/send/")

    by_account = owner_a_client.get(API, {"q": "锦江"}).json()
    by_number = owner_a_client.get(API, {"q": f"BJ{YEAR}-0001"}).json()
    sent = owner_a_client.get(API, {"status": "sent"}).json()

    assert [q["account_name"] for q in by_account["results"]] == ["锦江物流"]
    assert [q["number"] for q in by_number["results"]] == [f"BJ{YEAR}-0001"]
    assert [q["number"] for q in sent["results"]] == [second["number"]]


# --- PDF -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pdf_is_an_a4_pdf_named_after_the_quote(owner_a_client: Client) -> None:
    account = _account(owner_a_client, "<成都> & 天府")
    quote = _quote(
        owner_a_client,
        account,
        [_line(product="显示器 <27寸> & 支架", quantity="2", discount="5")],
        valid_until=timezone.localdate().isoformat(),
        notes="付款方式: 预付 30%\n交货期: 两周",
    ).json()

    response = owner_a_client.get(f"{API}{quote['id']}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="quote-{quote["number"]}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 1500
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in response.content  # A4
    assert b"STSong-Light" in response.content


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a reportlab PDF (ASCII85 + Flate streams, CID strings in UTF-16BE)."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            content = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        except ValueError:
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            raw = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1).isdigit() else escapes.get(m.group(1), m.group(1)),
                literal,
            )
            texts.append(raw.decode("utf-16-be") if len(raw) % 2 == 0 else raw.decode("latin-1"))
    return "".join(texts)  # reportlab draws runs of Latin and Chinese text separately


def test_the_pdf_shows_firm_number_account_lines_totals_and_capital_numerals(in_firm_a: Firm) -> None:
    from apps.crm.services import account_create

    owner = User.objects.get(role=User.Role.OWNER)
    account = account_create(actor=owner, name="<成都> & 天府")
    quote = quote_create(
        actor=owner,
        account_id=account.pk,
        lines=[QuoteLineInput(product="显示器 <27寸>", quantity="1", unit_price="1004.07", vat_rate="0")],
        valid_until=timezone.localdate(),
    )

    text = _pdf_text(quote_pdf(quote, firm_name="Alpha 科技"))

    for expected in ("Alpha 科技", quote.number, "<成都> & 天府", "显示器 <27寸>", "1,004.07", "壹仟零肆元零柒分"):
        assert expected in text, expected
    assert f"Date: {timezone.localdate().isoformat()}" in text  # the firm's day, not UTC's
    assert f"Valid until {timezone.localdate().isoformat()}" in text


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pages_render_and_the_new_quote_form_creates_a_quote(owner_a_client: Client, firm_a: Firm) -> None:
    account = _account(owner_a_client, "天府软件")

    new_page = owner_a_client.get("/crm/quotes/new/")
    created = owner_a_client.post(
        "/crm/quotes/new/",
        {
            "account": str(account),
            "opportunity": "",
            "valid_until": "",
            "notes": "含运费",
            "line-0-product": "服务器",
            "line-0-quantity": "3",
            "line-0-unit_price": "199.99",
            "line-0-discount": "10",
            "line-0-vat_rate": "0.13",
            "line-1-product": "",
            "line-1-quantity": "",
            "line-1-unit_price": "",
            "line-1-discount": "0",
            "line-1-vat_rate": "0.13",
            "line-2-product": "咨询服务",
            "line-2-quantity": "2.5",
            "line-2-unit_price": "80",
            "line-2-discount": "",
            "line-2-vat_rate": "0.06",
        },
    )

    assert new_page.status_code == 200
    assert b"quotes.js" in new_page.content
    assert b' style="' not in new_page.content
    assert b"<script>" not in new_page.content
    assert created.status_code == 302
    with schema_context(firm_a.schema_name):
        quote = Quote.objects.get()
        assert (quote.net_total, quote.vat_total, quote.notes) == (Decimal("739.97"), Decimal("82.20"), "含运费")
        assert quote.lines.count() == 2
    assert created["Location"] == f"/crm/quotes/{quote.pk}/"
    detail = owner_a_client.get(created["Location"])
    listing = owner_a_client.get("/crm/quotes/", {"q": "天府", "status": "draft"})
    edit = owner_a_client.get(f"/crm/quotes/{quote.pk}/lines/")
    assert detail.status_code == listing.status_code == edit.status_code == 200
    assert "捌佰贰拾贰元壹角柒分" in detail.content.decode()  # 822.17
    assert quote.number in listing.content.decode()
    assert f"/api/v1/crm/quotes/{quote.pk}/pdf/" in detail.content.decode()
    assert "服务器" in edit.content.decode()


@pytest.mark.django_db
def test_the_new_quote_page_shows_line_errors_and_saves_nothing(owner_a_client: Client, firm_a: Firm) -> None:
    account = _account(owner_a_client)

    response = owner_a_client.post(
        "/crm/quotes/new/",
        {
            "account": str(account),
            "line-0-product": "",
            "line-0-quantity": "",
            "line-0-unit_price": "",
            "line-3-product": "服务器",
            "line-3-quantity": "0",
            "line-3-unit_price": "-1",
            "line-3-discount": "0",
            "line-3-vat_rate": "0.17",
        },
    )
    five_rows = {f"line-{n}-{field}": "" for n in range(5) for field in ("product", "quantity", "unit_price")}
    more = owner_a_client.post("/crm/quotes/new/", {"account": str(account), "more": "1", **five_rows})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="服务器"' in page
    assert page.count('class="error"') >= 3
    assert more.status_code == 200
    assert more.content.decode().count('-product" value=""') == 10 + 1  # and the template row
    assert _counts(firm_a) == (0, 0)


@pytest.mark.django_db
def test_the_pages_send_accept_and_decline_after_confirming(owner_a_client: Client, firm_a: Firm) -> None:
    account = _account(owner_a_client)
    first = _quote(owner_a_client, account).json()["id"]
    second = _quote(owner_a_client, account).json()["id"]

    owner_a_client.post(f"/crm/quotes/{first}/send/")
    owner_a_client.post(f"/crm/quotes/{first}/accept/")
    owner_a_client.post(f"/crm/quotes/{second}/send/")
    confirm = owner_a_client.get(f"/crm/quotes/{second}/decline/")
    with schema_context(firm_a.schema_name):
        assert Quote.objects.get(pk=second).status == "sent"  # asking declines nothing
    declined = owner_a_client.post(f"/crm/quotes/{second}/decline/")
    edit_sent = owner_a_client.get(f"/crm/quotes/{first}/lines/")
    get_send = owner_a_client.get(f"/crm/quotes/{first}/send/")

    assert confirm.status_code == 200
    assert declined.status_code == 302
    assert edit_sent.status_code == 302  # back to the quote: its lines no longer change
    assert get_send.status_code == 405
    with schema_context(firm_a.schema_name):
        assert Quote.objects.get(pk=first).status == "accepted"
        assert Quote.objects.get(pk=second).status == "declined"


# --- two firms -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_firm_b_sees_nothing_of_firm_a_quotes(owner_a_client: Client, owner_b_client: Client, firm_a: Firm) -> None:
    # given a sent quote in firm A
    quote = _quote(owner_a_client, _account(owner_a_client)).json()
    _post(owner_a_client, f"{API}{quote['id']}/send/")
    url, page = f"{API}{quote['id']}/", f"/crm/quotes/{quote['id']}/"

    # then firm B's owner gets 404 everywhere and empty lists
    assert owner_b_client.get(url).status_code == 404
    assert owner_b_client.get(f"{url}pdf/").status_code == 404
    assert _put(owner_b_client, f"{url}lines/", {"lines": [_line()]}).status_code == 404
    for action in ("send", "accept", "decline"):
        assert _post(owner_b_client, f"{url}{action}/").status_code == 404
    assert owner_b_client.get(page).status_code == 404
    assert owner_b_client.get(f"{page}lines/").status_code == 404
    assert owner_b_client.get(f"{page}decline/").status_code == 404
    for action in ("send", "accept", "decline"):
        assert owner_b_client.post(f"{page}{action}/").status_code == 404
    assert owner_b_client.get(API).json()["count"] == 0
    assert owner_b_client.get(API, {"q": quote["number"]}).json()["count"] == 0
    assert quote["number"] not in owner_b_client.get("/crm/quotes/").content.decode()
    assert _quote(owner_b_client, quote["account"]).json()["fields"]["account"]
    with schema_context(firm_a.schema_name):
        assert Quote.objects.get(pk=quote["id"]).status == "sent"


# --- concurrency -----------------------------------------------------------------------------


@pytest.fixture
def firm_a_schema(transactional_db: None, firm_schemas: dict[str, str]) -> Iterator[str]:
    schema = firm_schemas["a"]
    yield schema
    seeded = {"crm_stage", "crm_crmsettings"}
    tables = [m._meta.db_table for m in apps.get_app_config("crm").get_models() if m._meta.db_table not in seeded]
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def test_concurrent_creates_get_distinct_numbers_without_gaps(firm_a_schema: str) -> None:
    from apps.crm.services import account_create

    with schema_context(firm_a_schema):
        owner = User.objects.get(role=User.Role.OWNER)
        account = account_create(actor=owner, name="并发客户")
    racers = 6
    barrier = threading.Barrier(racers)
    numbers: list[str] = []

    def create() -> None:
        try:
            with schema_context(firm_a_schema):
                barrier.wait(timeout=10)
                quote = quote_create(
                    actor=owner,
                    account_id=account.pk,
                    lines=[QuoteLineInput(product="并发", quantity="1", unit_price="1")],
                )
                numbers.append(quote.number)
        except Exception as exc:  # recorded, so the assertion below shows it
            numbers.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _index in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(numbers) == [f"BJ{YEAR}-{n:04d}" for n in range(1, racers + 1)]


@pytest.mark.django_db
def test_an_accepted_quote_becomes_one_draft_invoice_in_finance(owner_a_client: Client, firm_a: Firm) -> None:
    from apps.finance.models import Invoice

    account = _account(owner_a_client)
    quote = _quote(
        owner_a_client,
        account,
        [
            _line(product="服务器", quantity="3", unit_price="1000.00", discount="10", vat_rate="0.13"),
            _line(product="实施服务", quantity="1", unit_price="5000.00", discount="0", vat_rate="0.06"),
        ],
    ).json()
    url = f"{API}{quote['id']}/invoice/"
    too_early = _post(owner_a_client, url)
    _post(owner_a_client, f"{API}{quote['id']}/send/")
    _post(owner_a_client, f"{API}{quote['id']}/accept/")
    rep = _person(firm_a, "rep9@alpha.example")
    no_right = _post(rep, url)  # not their quote: not found; and no finance right anyway
    made = _post(owner_a_client, url)
    twice = _post(owner_a_client, url)

    assert too_early.status_code == 409
    assert too_early.json()["code"] == "quote_status"
    assert no_right.status_code == 404
    assert made.status_code == 201
    assert twice.status_code == 409
    assert twice.json()["code"] == "quote_invoiced"
    assert twice.json()["fields"]["invoice"] == [str(made.json()["invoice"])]
    with schema_context(firm_a.schema_name):
        invoice = Invoice.objects.get()
        assert invoice.direction == "sales"
        assert invoice.reference == quote["number"]
        assert invoice.status == "draft"
        assert (invoice.untaxed, invoice.tax) == (Decimal("7700.00"), Decimal("651.00"))
        assert (invoice.untaxed, invoice.tax) == (Decimal(quote["net_total"]), Decimal(quote["vat_total"]))
    page = owner_a_client.get(f"/crm/quotes/{quote['id']}/").content.decode()
    assert "quote-invoice-link" in page


@pytest.mark.django_db
def test_a_won_opportunity_lists_its_quotes_with_the_invoice_button(owner_a_client: Client, firm_a: Firm) -> None:
    account = _account(owner_a_client)
    deal = _post(owner_a_client, "/api/v1/crm/opportunities/", {"name": "整单", "account": account}).json()
    quote = _quote(owner_a_client, account, opportunity=deal["id"]).json()
    _post(owner_a_client, f"{API}{quote['id']}/send/")
    _post(owner_a_client, f"{API}{quote['id']}/accept/")
    _post(owner_a_client, f"/api/v1/crm/opportunities/{deal['id']}/win/")

    page = owner_a_client.get(f"/crm/opportunities/{deal['id']}/").content.decode()
    assert quote["number"] in page
    assert f"/crm/quotes/{quote['id']}/invoice/" in page
    made = owner_a_client.post(f"/crm/quotes/{quote['id']}/invoice/")
    assert made.status_code == 302
    assert made["Location"].startswith("/finance/invoices/")
