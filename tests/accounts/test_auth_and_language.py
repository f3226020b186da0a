"""Sign-in, sign-out, password change and reset, and the language switch."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_clear_message(client_a: Client) -> None:
    response = client_a.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": "wrong"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode() or "不正确" in response.content.decode()


@pytest.mark.django_db
def test_sign_out_ends_the_session(owner_a_client: Client) -> None:
    owner_a_client.post("/accounts/logout/")

    assert owner_a_client.get("/").status_code == 302


@pytest.mark.django_db
def test_password_change(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "Brand-New-Pass-77", "new_password2": "Brand-New-Pass-77"},
    )

    assert response.status_code == 302
    fresh = Client(HTTP_HOST=firm_a.host)
    assert (
        fresh.post(
            "/accounts/login/", {"username": SPECS["a"].owner_email, "password": "Brand-New-Pass-77"}
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_password_reset_mails_a_link_to_the_firm_host(client_a: Client, firm_a: Firm) -> None:
    client_a.post("/accounts/password/reset/", {"email": SPECS["a"].owner_email})

    assert len(mail.outbox) == 1
    link = re.search(rf"http://{re.escape(firm_a.host)}(/accounts/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    form = client_a.get(link.group(1), follow=True)
    assert form.status_code == 200
    response = client_a.post(
        form.redirect_chain[-1][0], {"new_password1": "Reset-Pass-2026x", "new_password2": "Reset-Pass-2026x"}
    )
    assert response.status_code == 302
    fresh = Client(HTTP_HOST=firm_a.host)
    assert (
        fresh.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": "Reset-Pass-2026x"}).status_code
        == 302
    )


@pytest.mark.django_db
def test_password_reset_for_another_firms_email_sends_nothing(client_b: Client) -> None:
    client_b.post("/accounts/password/reset/", {"email": SPECS["a"].owner_email})

    assert mail.outbox == []


@pytest.mark.django_db
def test_language_switch_translates_and_is_kept_on_the_account(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/language/", {"language": "zh-hans", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = owner_a_client.get("/").content.decode()
    assert "仪表板" in page or "工作台" in page
    with schema_context(firm_a.schema_name):
        assert User.objects.get(email=SPECS["a"].owner_email).language == "zh-hans"

    owner_a_client.post("/language/", {"language": "en", "next": "/"})
    assert "Dashboard" in owner_a_client.get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_refuses_unknown_languages_and_foreign_redirects(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.post("/language/", {"language": "xx", "next": "http://evil.example/"})

    assert response["Location"] == "/"
    with schema_context(firm_a.schema_name):
        assert User.objects.get(email=SPECS["a"].owner_email).language == "en"
