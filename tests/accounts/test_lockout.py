"""Repeated failed sign-ins lock the account (and a noisy address) for 15 minutes."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS


def _login(client: Client, email: str, password: str, address: str = "10.0.0.1") -> int:
    response = client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address)
    return response.status_code


@pytest.mark.django_db
def test_five_failures_lock_the_account_even_for_the_right_password(client_a: Client, firm_a: Firm) -> None:
    email = SPECS["a"].owner_email
    for _ in range(5):
        assert _login(client_a, email, "wrong") == 200

    response = client_a.post(
        "/accounts/login/", {"username": email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client_a.session
    with schema_context(firm_a.schema_name):
        assert AuditEvent.objects.filter(action="auth.locked_out", actor=email).exists()


@pytest.mark.django_db
def test_a_lock_at_one_firm_is_not_a_lock_at_another(client_a: Client, client_b: Client, firm_b: Firm) -> None:
    for _ in range(5):
        _login(client_a, SPECS["b"].owner_email, "wrong")  # the same email tried at firm A

    assert _login(client_b, SPECS["b"].owner_email, PASSWORD, address="10.0.0.2") == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_clears_the_count(client_a: Client) -> None:
    email = SPECS["a"].owner_email
    for _ in range(4):
        _login(client_a, email, "wrong")
    assert _login(client_a, email, PASSWORD) == 302
    client_a.post("/accounts/logout/")

    for _ in range(4):
        _login(client_a, email, "wrong")
    assert _login(client_a, email, PASSWORD) == 302


@pytest.mark.django_db
def test_an_address_that_tries_many_accounts_is_locked(client_a: Client) -> None:
    for n in range(20):
        _login(client_a, f"guess{n}@alpha.example", "wrong", address="10.6.6.6")

    assert _login(client_a, SPECS["a"].owner_email, PASSWORD, address="10.6.6.6") == 200
    assert _login(client_a, SPECS["a"].owner_email, PASSWORD, address="10.7.7.7") == 302


@pytest.mark.django_db
def test_an_empty_password_does_not_clear_the_count(client_a: Client) -> None:
    email = SPECS["a"].owner_email
    for _ in range(4):
        _login(client_a, email, "wrong")
    client_a.post("/accounts/login/", {"username": email, "password": ""}, REMOTE_ADDR="10.0.0.1")
    _login(client_a, email, "wrong")

    assert _login(client_a, email, PASSWORD) == 200  # five failures stand: locked


@pytest.mark.django_db
def test_unicode_variants_of_the_email_share_one_counter(client_a: Client) -> None:
    variants = ["\uff4fwner@alpha.example", "OWNER@ALPHA.EXAMPLE", " owner@alpha.example", "owner@alpha.example"]
    for n in range(5):
        _login(client_a, variants[n % len(variants)], "wrong")

    assert _login(client_a, SPECS["a"].owner_email, PASSWORD) == 200


@pytest.mark.django_db
def test_the_token_endpoint_honours_the_lock(client_a: Client) -> None:
    email = SPECS["a"].owner_email
    for _ in range(5):
        _login(client_a, email, "wrong")

    response = client_a.post(
        "/api/v1/auth/token/", {"email": email, "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "locked"


@pytest.mark.django_db
def test_a_password_typed_into_the_email_box_is_not_logged(client_a: Client, firm_a: Firm) -> None:
    client_a.post("/accounts/login/", {"username": "Correct-Horse-42", "password": "x"})

    with schema_context(firm_a.schema_name):
        assert not AuditEvent.objects.filter(actor__contains="Correct-Horse").exists()
        assert AuditEvent.objects.filter(action="auth.login_failed", actor="(not an email)").exists()
