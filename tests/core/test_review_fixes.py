"""Rate limits, token revocation, bad search input, mail failures and API error bodies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import Invitation
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS


@pytest.mark.django_db
def test_forged_forwarded_for_headers_do_not_escape_the_per_email_limit(client_a: Client) -> None:
    statuses = [
        client_a.post(
            "/api/v1/auth/token/",
            {"email": SPECS["a"].owner_email, "password": f"guess-{n}"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(12)
    ]

    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


@pytest.mark.django_db
def test_changing_the_password_ends_existing_api_tokens(owner_a_client: Client, client_a: Client) -> None:
    token = client_a.post(
        "/api/v1/auth/token/", {"email": SPECS["a"].owner_email, "password": PASSWORD}, content_type="application/json"
    ).json()["token"]

    owner_a_client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "Brand-New-Pass-77", "new_password2": "Brand-New-Pass-77"},
    )

    assert client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/settings/users/?q=%00", "/api/v1/users/?q=a%00b", "/settings/users/?q=" + "x" * 5000]
)
def test_odd_search_input_is_harmless(owner_a_client: Client, path: str) -> None:
    assert owner_a_client.get(path).status_code == 200


@pytest.mark.django_db
def test_a_mail_failure_keeps_the_invitation_and_shows_the_link(
    owner_a_client: Client, firm_a: Firm, settings: Any, django_capture_on_commit_callbacks: object
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = owner_a_client.post(
            "/settings/users/", {"email": "new@alpha.example", "role": "member"}, follow=True
        )

    assert response.status_code == 200
    assert f"http://{firm_a.host}/invitations/" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert Invitation.objects.filter(email="new@alpha.example").exists()


@pytest.mark.django_db
def test_api_errors_are_json_everywhere(public_client: Client, client_a: Client) -> None:
    for client, path in [
        (public_client, "/api/v1/nothing-here/"),
        (public_client, "/api/v1/me/"),
        (client_a, "/api/v1/x/"),
    ]:
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    parse = public_client.post(
        "/api/v1/signup/", "{broken", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert parse == {
        "code": "parse_error",
        "detail": "The request body could not be read. Send valid JSON.",
        "fields": {},
    }


@pytest.mark.django_db
def test_readiness_is_not_served_on_firm_hosts(client_a: Client) -> None:
    assert client_a.get("/readyz").status_code == 404


@pytest.mark.django_db
def test_the_unknown_host_page_speaks_the_visitors_language() -> None:
    Client(HTTP_HOST="nobody.localhost", HTTP_ACCEPT_LANGUAGE="zh-CN").get("/")

    english = Client(HTTP_HOST="nobody.localhost", HTTP_ACCEPT_LANGUAGE="en").get("/")

    assert b"No firm at this address" in english.content
