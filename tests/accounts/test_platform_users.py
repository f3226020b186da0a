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
    import time

    from apps.accounts import twofactor

    response = public_client.post("/accounts/login/", {"username": "admin@park.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    # Park administrators must use a second factor: until they have one, they set it up.
    assert public_client.get("/home/")["Location"] == "/settings/two-factor/"
    public_client.get("/settings/two-factor/")
    secret = public_client.session["two_factor_new_secret"]
    code = twofactor.totp(secret, int(time.time() // 30))
    assert public_client.post("/settings/two-factor/", {"action": "enable", "code": code}).status_code == 200

    home = public_client.get("/home/", follow=True).content.decode()  # park admins land on the console
    assert "天府软件园" in home
    assert public_client.get("/accounts/password/change/").status_code == 200
    off = public_client.post("/settings/two-factor/", {"action": "disable", "code": code})
    assert off.status_code == 400  # they cannot turn it off


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
