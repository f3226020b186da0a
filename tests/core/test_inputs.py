"""What people and clients send, cleaned before it reaches a query (core/inputs.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from core.inputs import clean_search, clean_text, parse_id


def test_text_is_trimmed_bounded_and_loses_nul_bytes() -> None:
    assert clean_text("  a\x00b  ") == "ab"
    assert clean_text(None) == ""
    assert clean_text("x" * 500, 10) == "x" * 10
    assert clean_search(" 成都\x00软件 " + "z" * 200) == ("成都软件 " + "z" * 200)[:100]


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (12, 12), (" 7 ", 7), ("0", None), (0, None)])
def test_an_id_is_a_positive_number(value: object, expected: int | None) -> None:
    assert parse_id(value) == expected


@pytest.mark.parametrize("value", ["²", "\u0661", "-1", "1e3", "9" * 40, "\x00", "", None, True, 2**63, "1.0"])
def test_anything_else_is_no_id(value: object) -> None:
    assert parse_id(value) is None


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/finance/vouchers/", "/api/v1/finance/vouchers/", "/settings/users/"])
def test_a_search_with_a_nul_byte_answers_normally(owner_a_client: Client, url: str) -> None:
    assert owner_a_client.get(url, {"q": "a\x00b"}).status_code == 200
