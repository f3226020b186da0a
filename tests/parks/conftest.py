"""Parks and their administrators for the park tests.

Park administrators are users of the public schema and always sign in with a second factor;
the clients below are signed in with it done (the sign-in itself is tested in tests/accounts).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.parks.models import Park
from core.tenancy import use_public_schema
from tenants.models import Firm


def park_admin_client(user: User) -> Client:
    """A client on the public host, signed in as ``user`` with the second factor done."""
    use_public_schema()
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    session = client.session
    session["two_factor_verified"] = True
    session.save()
    return client


@pytest.fixture
def make_park_admin(db: None) -> Callable[..., User]:
    def make(email: str, *parks: Park, full_name: str = "园区管理员") -> User:
        use_public_schema()
        user = User.objects.create_user(
            email, "Park-Admin-Pass-2026", full_name=full_name, role="park_admin", language="en"
        )
        for park in parks:
            park.admins.add(user)
        return user

    return make


@pytest.fixture
def park_a(db: None) -> Park:
    use_public_schema()
    return Park.objects.create(name="天府软件园", name_en="Tianfu Software Park", city="成都")


@pytest.fixture
def park_b(db: None) -> Park:
    use_public_schema()
    return Park.objects.create(name="成都高新综合保税区", name_en="Chengdu Hi-tech Bonded Zone", city="成都")


@pytest.fixture
def admin_a(make_park_admin: Callable[..., User], park_a: Park) -> User:
    return make_park_admin("admin@park-a.example", park_a)


@pytest.fixture
def admin_b(make_park_admin: Callable[..., User], park_b: Park) -> User:
    return make_park_admin("admin@park-b.example", park_b)


@pytest.fixture
def console_a(admin_a: User) -> Client:
    """Park A's administrator on the console."""
    return park_admin_client(admin_a)


@pytest.fixture
def console_b(admin_b: User) -> Client:
    return park_admin_client(admin_b)


def join_park(firm: Firm, park: Park | None) -> Firm:
    """Put a session firm in a park directly (what an approval or an invitation ends with)."""
    from django.utils import timezone

    use_public_schema()
    Firm.objects.filter(pk=firm.pk).update(park=park, park_joined_at=timezone.now() if park else None)
    firm.refresh_from_db()
    return firm


@pytest.fixture
def firm_a_in_park_a(firm_a: Firm, park_a: Park) -> Firm:
    return join_park(firm_a, park_a)


@pytest.fixture
def firm_b_in_park_a(firm_b: Firm, park_a: Park) -> Firm:
    return join_park(firm_b, park_a)
