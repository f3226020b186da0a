"""Test firms are expensive: two are provisioned once per session and reused.

Tests isolate themselves with transactions (pytest-django's ``db``); the firms' rows and
schemas live outside those transactions. Transactional tests (which flush the public
tables) run last, and the fixtures below put the firm rows back if they are gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from core.tenancy import use_public_schema
from tenants.models import Domain, Firm
from tenants.services import SignupInput, firm_provision, signup_create

PASSWORD = "Correct-Horse-42"


@dataclass(frozen=True)
class FirmSpec:
    slug: str
    name: str
    owner_email: str
    schema_name: str = ""


SPECS = {
    "a": FirmSpec("alpha-firm", "Alpha 科技", "owner@alpha.example"),
    "b": FirmSpec("beta-firm", "Beta 物流", "owner@beta.example"),
}


@pytest.fixture(scope="session")
def firm_schemas(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> dict[str, str]:
    """Provision the two session firms once; return their schema names."""
    schemas: dict[str, str] = {}
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        for key, spec in SPECS.items():
            signup = signup_create(
                SignupInput(
                    firm_name=spec.name,
                    slug=spec.slug,
                    owner_name=f"Owner {key.upper()}",
                    email=spec.owner_email,
                    password=PASSWORD,
                    language="en",
                )
            )
            firm = firm_provision(firm_id=signup.firm.pk)
            schemas[key] = firm.schema_name
    return schemas


def _ensure_firm(key: str, schemas: dict[str, str]) -> Firm:
    spec = SPECS[key]
    firm = Firm.objects.filter(schema_name=schemas[key]).first()
    if firm is None:  # a transactional test flushed the public tables; the schema is intact
        firm = Firm.objects.create(
            schema_name=schemas[key], name=spec.name, slug=spec.slug, status=Firm.Status.ACTIVE, language="en"
        )
        Domain.objects.create(domain=firm.host, tenant=firm, is_primary=True, is_active=True)
    return firm


@pytest.fixture
def firm_a(db: None, firm_schemas: dict[str, str]) -> Firm:
    return _ensure_firm("a", firm_schemas)


@pytest.fixture
def firm_b(db: None, firm_schemas: dict[str, str]) -> Firm:
    return _ensure_firm("b", firm_schemas)


@pytest.fixture
def client_a(firm_a: Firm) -> Client:
    return Client(HTTP_HOST=firm_a.host)


@pytest.fixture
def client_b(firm_b: Firm) -> Client:
    return Client(HTTP_HOST=firm_b.host)


@pytest.fixture
def public_client() -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def owner_a_client(client_a: Client) -> Client:
    return _login(client_a, SPECS["a"].owner_email)


@pytest.fixture
def owner_b_client(client_b: Client) -> Client:
    return _login(client_b, SPECS["b"].owner_email)


def _login(client: Client, email: str) -> Client:
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    # Code outside a request (services, commands) speaks English in tests; requests still
    # pick their language from the browser, as in production.
    translation.activate("en")
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()
    use_public_schema()


@pytest.fixture
def in_firm_a(firm_a: Firm) -> Iterator[Firm]:
    with schema_context(firm_a.schema_name):
        yield firm_a


@pytest.fixture(scope="session", autouse=True)
def _fleet_locker_closed_at_the_end(django_db_setup: None) -> Iterator[None]:
    """The pool makes spares with the fleet migrator in-process, which keeps a lock connection
    open for reuse (as a worker does); close it before the test database is dropped."""
    yield
    from tenants.fleet import _worker_reset

    _worker_reset()
