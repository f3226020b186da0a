"""A person sees where they are signed in and can sign out everywhere else."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import UserSession
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS


def _signed_in(firm: Firm, agent: str) -> Client:
    client = Client(HTTP_HOST=firm.host, HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_sessions_are_listed_and_the_others_can_be_ended(firm_a: Firm) -> None:
    laptop = _signed_in(firm_a, "Laptop Chrome")
    phone = _signed_in(firm_a, "Phone WeChat")

    page = laptop.get("/settings/sessions/").content.decode()
    assert "Laptop Chrome" in page
    assert "Phone WeChat" in page

    laptop.post("/settings/sessions/")

    assert phone.get("/").status_code == 302  # signed out
    assert laptop.get("/").status_code == 200  # still signed in
    with schema_context(firm_a.schema_name):
        assert list(UserSession.objects.values_list("user_agent", flat=True)) == ["Laptop Chrome"]


@pytest.mark.django_db
def test_signing_out_removes_the_session_record(firm_a: Firm) -> None:
    laptop = _signed_in(firm_a, "Laptop")

    laptop.post("/accounts/logout/")

    with schema_context(firm_a.schema_name):
        assert not UserSession.objects.exists()
