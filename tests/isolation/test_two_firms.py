"""Firm isolation: credentials, sessions, tokens and API lists never cross from A to B."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import ApiToken, Invitation, User
from apps.accounts.tokens import api_token_create
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS


@pytest.mark.django_db
def test_firm_a_owner_cannot_sign_in_at_firm_b(client_b: Client) -> None:
    response = client_b.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client_b.session
    assert client_b.get("/").status_code == 302


@pytest.mark.django_db
def test_session_cookie_of_firm_a_is_not_accepted_at_firm_b(owner_a_client: Client, firm_b: Firm) -> None:
    stolen = owner_a_client.cookies[settings.SESSION_COOKIE_NAME].value
    assert owner_a_client.get("/").status_code == 200

    intruder = Client(HTTP_HOST=firm_b.host)
    intruder.cookies[settings.SESSION_COOKIE_NAME] = stolen

    assert intruder.get("/").status_code == 302
    api = intruder.get("/api/v1/me/")
    assert api.status_code == 401
    assert api.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_session_cookie_is_host_only(owner_a_client: Client) -> None:
    morsel = owner_a_client.cookies[settings.SESSION_COOKIE_NAME]

    assert morsel["domain"] == ""
    assert morsel["httponly"]


@pytest.mark.django_db
def test_api_token_of_firm_a_is_not_accepted_at_firm_b(firm_a: Firm, firm_b: Firm) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(email=SPECS["a"].owner_email)
        _token, secret = api_token_create(user=owner, name="ci", scopes=["accounts:read"])

    at_a = Client(HTTP_HOST=firm_a.host, HTTP_AUTHORIZATION=f"Bearer {secret}")
    at_b = Client(HTTP_HOST=firm_b.host, HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert at_a.get("/api/v1/me/").json()["email"] == SPECS["a"].owner_email
    response = at_b.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db
def test_user_and_invitation_lists_show_only_the_own_firm(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    owner_a_client.post("/api/v1/invitations/", {"email": "secret.hire@alpha.example"}, content_type="application/json")

    b_users = owner_b_client.get("/api/v1/users/").json()["results"]
    b_invitations = owner_b_client.get("/api/v1/invitations/").json()["results"]
    b_page = owner_b_client.get("/settings/users/").content.decode()

    assert [u["email"] for u in b_users] == [SPECS["b"].owner_email]
    assert b_invitations == []
    assert SPECS["a"].owner_email not in b_page
    assert "secret.hire" not in b_page
    with schema_context(firm_a.schema_name):
        assert Invitation.objects.filter(email="secret.hire@alpha.example").exists()


@pytest.mark.django_db
def test_firm_b_cannot_revoke_firm_a_invitation_by_id(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    created = owner_a_client.post(
        "/api/v1/invitations/", {"email": "keep.me@alpha.example"}, content_type="application/json"
    ).json()

    owner_b_client.post(f"/settings/invitations/{created['id']}/revoke/")

    with schema_context(firm_a.schema_name):
        assert Invitation.objects.get(pk=created["id"]).revoked_at is None


@pytest.mark.django_db
def test_token_obtained_at_firm_a_works_only_at_firm_a(client_a: Client, client_b: Client, firm_b: Firm) -> None:
    credentials = {"email": SPECS["a"].owner_email, "password": PASSWORD}

    token = client_a.post("/api/v1/auth/token/", credentials, content_type="application/json").json()["token"]
    refused = client_b.post("/api/v1/auth/token/", credentials, content_type="application/json")

    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert client_a.get("/api/v1/users/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert client_b.get("/api/v1/users/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    with schema_context(firm_b.schema_name):
        assert not ApiToken.objects.exists()
