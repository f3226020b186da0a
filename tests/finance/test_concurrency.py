"""Concurrent posting: numbers stay gapless, an idempotency key posts once.

These tests commit (each thread has its own connection), so they clean the firm's ledger
tables themselves afterwards; TRUNCATE is the one statement the immutability triggers allow,
and only the test suite uses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance import services
from apps.finance.interface import EntryLine, journal_entry_post
from apps.finance.models import Voucher
from tests.finance.conftest import lines, truncate_ledger

DAY = date(2026, 11, 12)


@pytest.fixture
def firm_a_schema(transactional_db: None, firm_schemas: dict[str, str]) -> Iterator[str]:
    schema = firm_schemas["a"]
    yield schema
    truncate_ledger(schema)


def _run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_postings_get_gapless_numbers_and_a_rollback_gives_its_number_back(firm_a_schema: str) -> None:
    with schema_context(firm_a_schema):
        owner = User.objects.get(role=User.Role.OWNER)
        drafts = [
            services.voucher_create(
                actor=owner,
                day=DAY,
                summary=f"sale {i}",
                lines=lines(("1002", f"{i + 1}.00", ""), ("5001", "", f"{i + 1}.00")),
            ).pk
            for i in range(9)
        ]

    def post(index: int) -> int | None:
        with schema_context(firm_a_schema):
            if index == 0:  # this one is rolled back after taking a number
                try:
                    with transaction.atomic():
                        services.voucher_post(actor=owner, voucher=Voucher(pk=drafts[index]))
                        raise RuntimeError("the caller's transaction fails")
                except RuntimeError:
                    return None
            return services.voucher_post(actor=owner, voucher=Voucher(pk=drafts[index])).number

    results = _run_together(len(drafts), post)

    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(r for r in results if r is not None)
    assert numbers == list(range(1, 9))
    with schema_context(firm_a_schema):
        assert Voucher.objects.get(pk=drafts[0]).status == Voucher.Status.DRAFT
        posted = Voucher.objects.filter(status="posted").order_by("number").values_list("number", flat=True)
        assert list(posted) == list(range(1, 9))


def test_the_same_idempotency_key_posted_at_once_posts_once(firm_a_schema: str) -> None:
    entry = [EntryLine("5602", debit="100.00"), EntryLine("221101", credit="100.00")]

    def post(_index: int) -> Any:
        with schema_context(firm_a_schema):
            return journal_entry_post(
                source="hr.payroll_run", source_id="11", lines=entry, day=DAY, idempotency_key="payroll-11"
            )

    results = _run_together(4, post)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.voucher_id for r in results}) == 1
    assert sum(1 for r in results if r.created) == 1
    with schema_context(firm_a_schema):
        assert Voucher.objects.count() == 1
