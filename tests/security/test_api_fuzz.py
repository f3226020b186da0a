"""Schemathesis fuzzes every operation of firm A's API, as firm A's owner with a token carrying
every scope: no answer is a server error, and every answer is documented in the OpenAPI schema
the firm host serves (status code, content type and body).

Firm A is seeded with a little data in each module (the isolation sweep's records), and the
path parameters of each operation name those records, so details and actions reach real rows
rather than stopping at 404. Every request goes through the WSGI application in this thread and
on this test's database connection, inside a savepoint that is rolled back after it: each
example sees the same seeded firm, and nothing the fuzzer writes outlives the test. Examples are
bounded and derandomized, so a CI run is repeatable.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection, transaction
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from apps.accounts.models import User
from apps.accounts.tokens import SCOPES, api_token_create
from tenants.models import Firm
from tests.conftest import SPECS
from tests.hr.conftest import IDS
from tests.isolation import sc_catalogue_data, sc_purchasing_data, sc_sales_data, sc_stock_data
from tests.isolation.test_every_route import _crm_data, _finance_data, _hr_and_accounts_data

API_PREFIX = "/api/v1/"
POSITIVE_EXAMPLES = 4
NEGATIVE_EXAMPLES = 2
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations left out of the run ("METHOD /path"), each with its reason.
EXCLUDED: dict[str, str] = {}

# A path parameter named after what it points at, and the segment before it where one name
# points at different things (``about_id`` is an account, a contact, a lead or a deal).
ABOUT_IDS = {"accounts": "account_id", "contacts": "contact_id", "leads": "lead_id", "opportunities": "opportunity_id"}


def _seed(firm: Firm) -> dict[str, Any]:
    ids: dict[str, Any] = {**_finance_data(firm), **_crm_data(firm), **_hr_and_accounts_data(firm)}
    for supply_chain in (sc_catalogue_data, sc_purchasing_data, sc_sales_data, sc_stock_data):
        ids.update(supply_chain.data(firm))
    from apps.hr.imports import employee_import_request

    with schema_context(firm.schema_name):
        owner = User.objects.get(email=SPECS["a"].owner_email)
        ids["hr_import_id"] = employee_import_request(
            actor=owner,
            name="staff.csv",
            content=f"工号,姓名,性别,身份证号,入职日期,基本工资\nE950,导入员工,女,{IDS[1]},2026-01-05,8000\n".encode(),
        ).pk
    return ids


def _path_parameters(path: str, ids: dict[str, Any]) -> dict[str, Any]:
    """Seeded records for the operation's path parameters (generated values for unknown ones)."""
    segments = path.strip("/").split("/")
    values: dict[str, Any] = {}
    for index, segment in enumerate(segments):
        if not (segment.startswith("{") and segment.endswith("}")):
            continue
        name, before = segment[1:-1], segments[index - 1]
        key = name
        if name == "about_id":
            key = ABOUT_IDS[before]
        elif name == "attachment_id" and "crm" in segments:
            key = "crm_attachment_id"
        elif name == "import_id" and "hr" in segments:
            key = "hr_import_id"
        if key in ids:
            values[name] = ids[key]
    return values


@contextmanager
def _requests_on_this_connection() -> Iterator[list[str]]:
    """What Django's test client does: requests keep the test's connection (and transaction)
    open; unhandled exceptions are collected with their traceback for the report."""
    errors: list[str] = []

    def record(**_kwargs: Any) -> None:
        errors.append(traceback.format_exc())

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(record)
    try:
        yield errors
    finally:
        signals.got_request_exception.disconnect(record)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(operation: Any, mode: GenerationMode, examples: int, call: Any, path_parameters: dict[str, Any]) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        call(case)

    run()


@pytest.fixture
def token_a(firm_a: Firm, monkeypatch: pytest.MonkeyPatch) -> str:
    from apps.accounts import tokens

    # A few hundred requests a minute is the fuzzer's pace, not abuse; the limit has its own test.
    monkeypatch.setattr(tokens.TokenRateThrottle, "rate", "100000/minute")
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(email=SPECS["a"].owner_email)
        _token, secret = api_token_create(user=owner, name="fuzzer", scopes=list(SCOPES), days=1)
    return secret


@pytest.mark.django_db
def test_every_api_operation_answers_without_server_errors_and_as_documented(firm_a: Firm, token_a: str) -> None:
    ids = _seed(firm_a)
    app = WSGIHandler()
    headers = {"Authorization": f"Bearer {token_a}"}
    base_url = f"http://{firm_a.host}"
    failures: list[str] = []

    with _requests_on_this_connection() as server_errors:
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", app, headers={**headers, "Host": firm_a.host}
        )
        operations = []
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result  # an operation the schema cannot describe
            operations.append(result.ok())
        labels = {f"{op.method.upper()} {op.path}" for op in operations}
        # The requests share this test's transaction: the uncommitted seeded voucher is visible,
        # so whatever the fuzzer writes is rolled back with the test.
        client = Client(app)
        voucher = client.get(f"{API_PREFIX}finance/vouchers/{ids['voucher_id']}/", headers=headers, base_url=base_url)
        assert voucher.status_code == 200, voucher.get_data()[:300]

        def call(case: Any) -> None:
            with transaction.atomic():
                try:
                    case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
                finally:
                    transaction.set_rollback(True)

        covered: list[str] = []
        for operation in sorted(operations, key=lambda op: (op.path, op.method)):
            label = f"{operation.method.upper()} {operation.path}"
            if not operation.path.startswith(API_PREFIX) or label in EXCLUDED:
                continue
            covered.append(label)
            path_parameters = _path_parameters(operation.path, ids)
            for mode, examples in (
                (GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
                (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
            ):
                del server_errors[:]
                try:
                    _fuzz(operation, mode, examples, call, path_parameters)
                except Unsatisfiable:
                    continue  # nothing in this operation can be made invalid (no body, no query)
                except (Exception, BaseExceptionGroup) as failure:  # a check failed (FailureGroup), or it raised
                    detail = "\n".join(server_errors[-1:])
                    failures.append(f"{label} [{mode.value}]\n{failure}\n{detail}")
                    break

    print(  # noqa: T201
        f"API fuzz: {len(covered)} of {len(labels)} operations covered, "
        f"{len(EXCLUDED)} excluded: {EXCLUDED}, {len(failures)} failing"
    )
    assert sorted(labels - set(covered) - set(EXCLUDED)) == []  # neither fuzzed nor excluded with a reason
    assert not failures, "\n\n".join(failures)
    assert connection.in_atomic_block  # the requests never left the test's transaction
