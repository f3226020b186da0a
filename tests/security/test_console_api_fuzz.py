"""Schemathesis fuzzes every operation of the park console's API (the public host), as a park
administrator signed in with a session (the console API takes no tokens): no answer is a server
error, and every answer is documented in the OpenAPI schema the public host serves.

The park is seeded with one object of each kind (a firm, an invitation, a join request, a notice,
a service and a request), and path parameters name them. Each request runs in a savepoint that
is rolled back, as in tests/security/test_api_fuzz.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from werkzeug.test import Client

from apps.accounts.models import User
from apps.parks.models import Park
from core.tenancy import use_public_schema
from tenants.models import Firm
from tests.isolation.test_park_console import park_a_data
from tests.parks.conftest import park_admin_client

from .test_api_fuzz import CHECKS, NEGATIVE_EXAMPLES, POSITIVE_EXAMPLES, _fuzz, _requests_on_this_connection

CONSOLE_API = "/api/v1/park/"


@pytest.mark.django_db
def test_every_console_api_operation_answers_without_server_errors_and_as_documented(
    firm_a: Firm, firm_b: Firm
) -> None:
    use_public_schema()
    park = Park.objects.create(name="模糊测试园区 Fuzz Park")
    admin = User.objects.create_user(
        "fuzz@park.example", "Park-Admin-Pass-2026", full_name="园区管理员", role="park_admin", language="en"
    )
    park.admins.add(admin)
    ids = park_a_data(park, firm_a, firm_b)
    session = park_admin_client(admin).cookies["sessionid"].value
    csrf = _get_new_csrf_string()
    headers = {"X-CSRFToken": csrf, "Host": "localhost"}
    handler = WSGIHandler()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        # The WSGI test clients keep their own cookie jars (empty here): the admin's browser
        # cookies are put on every request at the door instead.
        return handler({**environ, "HTTP_COOKIE": f"sessionid={session}; csrftoken={csrf}"}, start_response)

    base_url = "http://localhost"
    failures: list[str] = []

    with _requests_on_this_connection() as server_errors:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
        operations = []
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result
            operations.append(result.ok())

        # The fuzzer is signed in, and its writes pass the CSRF check (else it would test a 403).
        client = Client(app)
        assert client.get(f"{CONSOLE_API}dashboard/", headers=headers, base_url=base_url).status_code == 200
        with transaction.atomic():
            created = client.post(
                f"{CONSOLE_API}notices/create/", json={"title": "x", "body": "y"}, headers=headers, base_url=base_url
            )
            transaction.set_rollback(True)
        assert created.status_code == 201, created.get_data()[:300]

        def call(case: Any) -> None:
            with transaction.atomic():
                try:
                    case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
                finally:
                    transaction.set_rollback(True)

        covered: list[str] = []
        for operation in sorted(operations, key=lambda op: (op.path, op.method)):
            if not operation.path.startswith(CONSOLE_API):
                continue
            label = f"{operation.method.upper()} {operation.path}"
            covered.append(label)
            names = [segment[1:-1] for segment in operation.path.split("/") if segment.startswith("{")]
            path_parameters = {name: ids[name] for name in names if name in ids}
            for mode, examples in (
                (GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
                (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
            ):
                del server_errors[:]
                try:
                    _fuzz(operation, mode, examples, call, path_parameters)
                except Unsatisfiable:
                    continue
                except (Exception, BaseExceptionGroup) as failure:
                    detail = "\n".join(server_errors[-1:])
                    failures.append(f"{label} [{mode.value}]\n{failure}\n{detail}")
                    break

    print(f"console API fuzz: {len(covered)} operations, {len(failures)} failing")  # noqa: T201
    assert len(covered) >= 15  # firms, dashboard, audit, onboarding, notices, services
    assert not failures, "\n\n".join(failures)
