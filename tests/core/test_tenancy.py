"""Host → firm routing: public, firm, unknown; cached with no query on a warm cache."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from core.tenancy import FirmMiddleware, current_schema, firm_for_host, use_public_schema
from tenants.models import Domain, Firm


@pytest.mark.django_db
def test_public_host_serves_the_public_site(public_client: Client) -> None:
    response = public_client.get("/")

    assert response.status_code == 200
    assert b'href="/signup/"' in response.content


@pytest.mark.django_db
def test_firm_host_serves_the_firm_and_asks_for_sign_in(client_a: Client, firm_a: Firm) -> None:
    response = client_a.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client_a.get(response["Location"])
    assert firm_a.name in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["nobody.localhost", "deep.sub.localhost", "public.localhost"])
def test_unknown_host_gets_the_friendly_404_page(host: str) -> None:
    response = Client(HTTP_HOST=host).get("/")

    assert response.status_code == 404
    assert host.encode() in response.content
    assert b"ParkSuite" in response.content


@pytest.mark.django_db
def test_a_firm_still_provisioning_is_not_routable(firm_a: Firm) -> None:
    Firm.objects.filter(pk=firm_a.pk).update(status=Firm.Status.PROVISIONING)

    assert Client(HTTP_HOST=firm_a.host).get("/accounts/login/").status_code == 404


@pytest.mark.django_db
def test_a_suspended_firm_can_be_read_but_not_changed(firm_a: Firm) -> None:
    firm_a.status = Firm.Status.SUSPENDED
    firm_a.save()
    client = Client(HTTP_HOST=firm_a.host, HTTP_ACCEPT_LANGUAGE="en")

    login = client.get("/accounts/login/")
    write = client.post("/settings/", {"name": "Renamed"})

    assert login.status_code == 200
    assert b"This workspace is suspended" in login.content
    assert write.status_code == 403
    assert Firm.objects.get(pk=firm_a.pk).name == firm_a.name


@pytest.mark.django_db
def test_warm_cache_resolves_a_host_without_any_query(firm_a: Firm) -> None:
    factory = RequestFactory()
    middleware = FirmMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    middleware.process_request(factory.get("/", HTTP_HOST=firm_a.host))  # warms the cache
    use_public_schema()

    with CaptureQueriesContext(connection) as queries:
        request = factory.get("/", HTTP_HOST=firm_a.host)
        assert middleware.process_request(request) is None

    assert len(queries) == 0
    assert request.tenant.schema_name == firm_a.schema_name  # type: ignore[attr-defined]
    assert current_schema() == firm_a.schema_name


@pytest.mark.django_db
def test_cold_cache_costs_one_query_and_unknown_hosts_are_remembered(firm_a: Firm) -> None:
    with CaptureQueriesContext(connection) as cold:
        assert firm_for_host(firm_a.host) == firm_a
    assert len([q for q in cold.captured_queries if "tenants_domain" in q["sql"]]) == 1

    with CaptureQueriesContext(connection) as unknown:
        assert firm_for_host("ghost.localhost") is None
        assert firm_for_host("ghost.localhost") is None
    assert len([q for q in unknown.captured_queries if "tenants_domain" in q["sql"]]) == 1


@pytest.mark.django_db
def test_changing_a_domain_or_firm_invalidates_the_cache(firm_a: Firm) -> None:
    assert firm_for_host(firm_a.host) is not None
    domain = Domain.objects.get(tenant=firm_a)
    domain.domain = "renamed.localhost"
    domain.save()

    assert firm_for_host(firm_a.host) is None
    assert firm_for_host("renamed.localhost") == firm_a

    firm_a.status = Firm.Status.SUSPENDED
    firm_a.save()
    cached = firm_for_host("renamed.localhost")
    assert cached is not None
    assert cached.status == Firm.Status.SUSPENDED


@pytest.mark.django_db
def test_health_is_always_ok(public_client: Client, client_a: Client) -> None:
    assert public_client.get("/healthz").json() == {"status": "ok"}
    assert client_a.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_host_being_provisioned_is_not_remembered_as_unknown(firm_a: Firm) -> None:
    Domain.objects.filter(tenant=firm_a).update(is_active=False)
    assert firm_for_host(firm_a.host) is None

    Domain.objects.filter(tenant=firm_a).update(is_active=True)  # activation, signals or not

    assert firm_for_host(firm_a.host) == firm_a
