"""The park console never enters a firm's schema: every console page and console API endpoint on
the public host (read from the URL configuration, so routes added later are covered too) is
called as a park administrator while every SQL statement is recorded; each must run with the
connection in the public schema, name no firm schema, and never switch the search path.

URL parameters are filled by ``FACTORIES`` with objects of the admin's own park. A route whose
parameter has no factory fails ``test_every_console_route_parameter_can_be_filled``: add one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.parks.models import Notice, Park, ParkInvitation, ParkJoinRequest, ParkService, ServiceRequest
from core.tenancy import use_public_schema
from tenants.models import Firm
from tests.isolation.sweep import PARAM, routes, uncovered, url_for

from .conftest import join_park

PREFIXES = ("/park/", "/api/v1/park/")


def console_routes() -> list[str]:
    """Every route of the public host under the console's prefixes."""
    return [route for route in routes("config.urls_public") if route.startswith(PREFIXES)]


@dataclass
class World:
    """The park admin's park with one firm in it, another firm asking to join, and whatever the
    factories made (made once per name and test)."""

    park: Park
    member: Firm
    applicant: Firm
    made: dict[str, int] = field(default_factory=dict)


def _invitation(world: World) -> int:
    token = secrets.token_urlsafe(24)
    return ParkInvitation.objects.create(
        park=world.park,
        email="invited@firm.example",
        firm_name="受邀企业",
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + timedelta(days=7),
    ).pk


def _join_request(world: World) -> int:
    return ParkJoinRequest.objects.create(park=world.park, firm=world.applicant, message="请批准").pk


def _notice(world: World) -> int:
    return Notice.objects.create(park=world.park, title="专项资金申报", body="申报通知", published_at=timezone.now()).pk


def _service(world: World) -> int:
    return ParkService.objects.create(park=world.park, name="会议室预订", category="meeting_room").pk


def _service_request(world: World) -> int:
    service = ParkService.objects.get(pk=value(world, "service_id"))
    return ServiceRequest.objects.create(park=world.park, service=service, firm=world.member, subject="预订会议室").pk


# Parameter name → how to make an object of the admin's own park. Extend it for new routes.
FACTORIES: dict[str, Callable[[World], int]] = {
    "firm_id": lambda world: world.member.pk,
    "invitation_id": _invitation,
    "request_id": _join_request,  # /park/onboarding/requests/<request_id>/ (join requests)
    "join_request_id": _join_request,
    "notice_id": _notice,
    "service_id": _service,
    "service_request_id": _service_request,
}


def value(world: World, name: str) -> int:
    if name not in world.made:
        world.made[name] = FACTORIES[name](world)
    return world.made[name]


@pytest.fixture
def world(park_a: Park, firm_a: Firm, firm_b: Firm) -> World:
    join_park(firm_b, None)
    return World(park=park_a, member=join_park(firm_a, park_a), applicant=firm_b)


def _firm_schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\_%'")
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Statement:
    schema: str
    sql: str
    params: Any


@pytest.fixture
def recorded() -> Iterator[Callable[[Callable[[], Any]], list[Statement]]]:
    """Run a call and return every statement it sent, with the schema the connection was in."""

    def record(call: Callable[[], Any]) -> list[Statement]:
        statements: list[Statement] = []

        def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
            statements.append(Statement(getattr(connection, "schema_name", "?"), str(sql), params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            call()
        return statements

    yield record
    use_public_schema()


def _problems(statements: list[Statement], firm_schemas: list[str]) -> list[str]:
    problems = []
    for statement in statements:
        text = f"{statement.sql} {statement.params!r}"
        if statement.schema != "public":
            problems.append(f"ran in schema {statement.schema}: {statement.sql[:160]}")
        named = [schema for schema in firm_schemas if schema in text]
        if named:
            problems.append(f"names firm schema {named[0]}: {statement.sql[:160]}")
        if "search_path" in statement.sql.lower():
            quoted = set(re.findall(r'"([^"]+)"', statement.sql))
            paths = {str(p) for p in statement.params or []} if isinstance(statement.params, (list, tuple)) else set()
            if quoted - {"public"} or any(not path.startswith("public") for path in paths):
                problems.append(f"switches the search path: {text[:160]}")
    return problems


def _call(client: Client, method: str, url: str) -> int:
    if method == "GET":
        response = client.get(url)
    elif url.startswith("/api/"):
        response = client.post(url, data={}, content_type="application/json")
    else:
        response = client.post(url, data={})
    if response.streaming:  # the rows of a streamed export are read now, still recorded
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return int(response.status_code)


def _url(route: str, world: World) -> str:
    names = [name for _converter, name in PARAM.findall(route)]
    missing = [name for name in names if name not in FACTORIES]
    if missing:
        pytest.fail(f"{route}: no factory for {', '.join(missing)} in FACTORIES")
    return url_for(route, {name: value(world, name) for name in names})


ROUTES = console_routes()


def test_every_console_route_parameter_can_be_filled() -> None:
    missing = uncovered(ROUTES, FACTORIES)

    assert missing == [], f"add a factory to FACTORIES for the parameters of: {missing}"


def test_the_console_routes_are_all_found() -> None:
    # The sweep reads the URL configuration: the console's own routes must be among them.
    for route in ("/park/", "/park/firms/", "/park/firms/export/", "/park/firms/<int:firm_id>/", "/park/audit/"):
        assert route in ROUTES
    for route in ("/api/v1/park/firms/", "/api/v1/park/dashboard/", "/api/v1/park/audit/"):
        assert route in ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_a_console_page_read_touches_no_firm_schema(
    route: str, world: World, console_a: Client, recorded: Callable[..., list[Statement]]
) -> None:
    url = _url(route, world)
    firm_schemas = _firm_schemas()
    statuses: list[int] = []

    statements = recorded(lambda: statuses.append(_call(console_a, "GET", url)))

    assert statuses[0] < 500, f"GET {url}: {statuses[0]}"
    assert statements, "no statement recorded: the recorder is not working"
    assert _problems(statements, firm_schemas) == []


@pytest.mark.parametrize("route", ROUTES)
def test_a_console_post_touches_no_firm_schema(
    route: str, world: World, console_a: Client, recorded: Callable[..., list[Statement]]
) -> None:
    url = _url(route, world)
    firm_schemas = _firm_schemas()
    statuses: list[int] = []

    statements = recorded(lambda: statuses.append(_call(console_a, "POST", url)))

    assert statuses[0] < 500, f"POST {url}: {statuses[0]}"
    assert _problems(statements, firm_schemas) == []


def test_the_check_catches_a_query_in_a_firm_schema(world: World, recorded: Callable[..., list[Statement]]) -> None:
    """The recorder sees a schema switch and a statement naming a firm's schema."""
    from django_tenants.utils import schema_context

    from apps.accounts.models import User

    firm_schemas = _firm_schemas()

    def intrusive() -> None:
        with schema_context(world.member.schema_name):
            User.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{world.member.schema_name}".accounts_user')

    problems = _problems(recorded(intrusive), firm_schemas)

    assert any("ran in schema" in problem for problem in problems)
    assert any("names firm schema" in problem for problem in problems)
    assert any("switches the search path" in problem for problem in problems)
