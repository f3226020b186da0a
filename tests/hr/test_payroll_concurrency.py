"""Two approvals of one run at the same moment post exactly one journal entry."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance.models import Voucher
from apps.hr import payroll
from apps.hr.models import PayrollRun
from tests.finance.conftest import truncate_ledger
from tests.hr.conftest import hire


@pytest.fixture
def firm_a_schema(transactional_db: None, firm_schemas: dict[str, str]) -> Iterator[str]:
    schema = firm_schemas["a"]
    yield schema
    truncate_ledger(schema)
    # TRUNCATE is the one statement the payroll lock allows; only tests use it. The seeded
    # policy and leave types stay.
    from django.apps import apps

    seeded = {"hr_socialinsurancepolicy", "hr_leavetype"}
    tables = [m._meta.db_table for m in apps.get_app_config("hr").get_models() if m._meta.db_table not in seeded]
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


def test_concurrent_approvals_post_once(firm_a_schema: str) -> None:
    with schema_context(firm_a_schema):
        owner = User.objects.get(role=User.Role.OWNER)
        hire(owner, "E001", salary="12000")
        run = payroll.payroll_run_create(actor=owner, year=2026, month=3)
        payroll.payroll_run_compute(actor=owner, run=run)
        payroll.payroll_run_review(actor=owner, run=run)
    barrier = threading.Barrier(3)
    results: list[Any] = []

    def approve() -> None:
        try:
            with schema_context(firm_a_schema):
                barrier.wait(timeout=10)
                results.append(payroll.payroll_run_approve(actor=owner, run=PayrollRun(pk=run.pk)).status)
        except Exception as exc:  # the losers are told the run is approved already
            results.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == ["approved", "run_approved", "run_approved"]
    with schema_context(firm_a_schema):
        assert Voucher.objects.filter(source="hr.payroll_run").count() == 1
