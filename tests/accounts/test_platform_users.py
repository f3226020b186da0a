"""Park administrators and operators are users of the public schema, not of any firm."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.parks.models import Park
from tenants.models import Firm

PASSWORD = "Park-Admin-Pass-2026"


@pytest.fixture
def park_admin(db: None) -> User:
    user = User.objects.create_user("admin@park.example", PASSWORD, full_name="园区管理员", role=User.Role.PARK_ADMIN)
    Park.objects.create(name="天府软件园").admins.add(user)
    return user


def test_park_admin_signs_in_on_the_public_host_and_sees_their_park(public_client: Client, park_admin: User) -> None:
    response = public_client.post("/accounts/login/", {"username": "admin@park.example", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    home = public_client.get("/home/").content.decode()
    assert "天府软件园" in home
    assert public_client.get("/accounts/password/change/").status_code == 200


def test_park_admin_credentials_do_not_open_any_firm(client_a: Client, park_admin: User, firm_a: Firm) -> None:
    response = client_a.post("/accounts/login/", {"username": "admin@park.example", "password": PASSWORD})

    assert response.status_code == 200
    assert client_a.get("/").status_code == 302


def test_firm_owner_credentials_do_not_open_the_public_host(public_client: Client, firm_a: Firm) -> None:
    from tests.conftest import PASSWORD as FIRM_PASSWORD
    from tests.conftest import SPECS

    response = public_client.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": FIRM_PASSWORD})

    assert response.status_code == 200
    assert public_client.get("/home/").status_code == 302
