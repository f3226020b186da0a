"""Personal API tokens: shown once, stored hashed, scoped, expiring, revocable, rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import ApiToken, User
from apps.accounts.tokens import api_token_create, api_token_revoke
from core.errors import ValidationFailed
from tenants.models import Firm
from tests.conftest import SPECS


def _owner() -> User:
    return User.objects.get(email=SPECS["a"].owner_email)


@pytest.mark.django_db
def test_a_token_is_shown_once_and_only_its_hash_is_stored(firm_a: Firm, client_a: Client) -> None:
    with schema_context(firm_a.schema_name):
        token, secret = api_token_create(user=_owner(), name="ERP sync", scopes=["accounts:read"])
        stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith(f"ps_{stored.prefix}_")
    assert secret.split("_", 2)[2] not in (stored.secret_hash, stored.prefix)

    response = client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    assert response.json()["email"] == SPECS["a"].owner_email


@pytest.mark.django_db
def test_scopes_are_enforced(firm_a: Firm, client_a: Client) -> None:
    with schema_context(firm_a.schema_name):
        _token, secret = api_token_create(user=_owner(), name="read only", scopes=["accounts:read"])
    bearer = f"Bearer {secret}"

    assert client_a.get("/api/v1/users/", HTTP_AUTHORIZATION=bearer).status_code == 200
    denied = client_a.post(
        "/api/v1/invitations/", {"email": "x@alpha.example"}, content_type="application/json", HTTP_AUTHORIZATION=bearer
    )

    assert denied.status_code == 403
    assert denied.json()["code"] == "insufficient_scope"
    with schema_context(firm_a.schema_name):
        from apps.accounts.models import Invitation

        assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_expired_revoked_and_forged_tokens_are_refused(firm_a: Firm, client_a: Client) -> None:
    with schema_context(firm_a.schema_name):
        expired, expired_secret = api_token_create(user=_owner(), name="old", scopes=["accounts:read"])
        ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        revoked, revoked_secret = api_token_create(user=_owner(), name="gone", scopes=["accounts:read"])
        api_token_revoke(user=_owner(), token_id=revoked.pk)
        _good, good_secret = api_token_create(user=_owner(), name="good", scopes=["accounts:read"])

    forged = good_secret[:-4] + "AAAA"
    for secret in (expired_secret, revoked_secret, forged, "ps_nope", "not-a-token"):
        response = client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 401, secret
        assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db
def test_a_token_cannot_have_more_rights_than_its_owner_nor_live_forever(firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        member = User.objects.create_user("m@alpha.example", "Sturdy-Password-2026", full_name="M", role="member")
        for kwargs in (
            {"user": member, "name": "x", "scopes": ["accounts:write"]},
            {"user": member, "name": "x", "scopes": ["everything"]},
            {"user": member, "name": "", "scopes": ["crm:read"]},
            {"user": member, "name": "x", "scopes": ["crm:read"], "days": 400},
        ):
            with pytest.raises(ValidationFailed):
                api_token_create(**kwargs)  # type: ignore[arg-type]
        assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_per_token_rate_limit_answers_429_with_retry_after(
    firm_a: Firm, client_a: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.accounts import tokens

    monkeypatch.setattr(tokens.TokenRateThrottle, "rate", "3/minute")
    with schema_context(firm_a.schema_name):
        _token, secret = api_token_create(user=_owner(), name="busy", scopes=["accounts:read"])

    statuses = [client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}") for _ in range(4)]

    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert int(statuses[-1]["Retry-After"]) > 0
    assert statuses[-1].json()["code"] == "throttled"


@pytest.mark.django_db
def test_the_settings_page_shows_a_new_token_once_and_revokes_it(owner_a_client: Client, firm_a: Firm) -> None:
    created = owner_a_client.post(
        "/settings/api-tokens/", {"action": "create", "name": "ERP", "scopes": ["crm:read"], "days": "30"}
    )
    page = created.content.decode()
    secret = page.split('<code id="new-token">')[1].split("</code>")[0]

    assert created.status_code == 200
    assert owner_a_client.get("/settings/api-tokens/").content.decode().count(secret) == 0
    with schema_context(firm_a.schema_name):
        token = ApiToken.objects.get(name="ERP")
        assert token.scopes == ["crm:read"]
    owner_a_client.post("/settings/api-tokens/", {"action": "revoke", "token_id": str(token.pk)})
    assert Client(HTTP_HOST=firm_a.host).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


@pytest.mark.django_db
def test_bad_token_form_input_is_a_field_error(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post(
        "/settings/api-tokens/", {"action": "create", "name": "", "scopes": ["root"], "days": "9999"}
    )

    assert response.status_code == 400
    with schema_context(firm_a.schema_name):
        assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_tokens_are_refused_where_no_scope_is_declared_and_head_needs_the_get_scope(
    firm_a: Firm, client_a: Client
) -> None:
    with schema_context(firm_a.schema_name):
        _token, secret = api_token_create(user=_owner(), name="crm only", scopes=["crm:read"])
    bearer = f"Bearer {secret}"

    assert client_a.head("/api/v1/users/", HTTP_AUTHORIZATION=bearer).status_code == 403
    assert client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=bearer).status_code == 200


@pytest.mark.django_db
def test_malformed_tokens_are_401_not_500(client_a: Client) -> None:
    for value in ("Bearer ps_\x00_abc", "Bearer ps_" + "a" * 5000, "Bearer ps_é_é", "Bearer a b"):
        response = client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=value)
        assert response.status_code == 401, value
