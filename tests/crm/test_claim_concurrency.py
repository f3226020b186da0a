"""Two people claim the same pool lead at the same moment: exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm.models import Lead
from apps.crm.services import lead_claim, lead_create
from tests.conftest import PASSWORD


@pytest.fixture
def firm_a_schema(transactional_db: None, firm_schemas: dict[str, str]) -> Iterator[str]:
    schema = firm_schemas["a"]
    yield schema
    seeded = {"crm_stage", "crm_crmsettings"}
    tables = [m._meta.db_table for m in apps.get_app_config("crm").get_models() if m._meta.db_table not in seeded]
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'racer%%'")


def test_two_claims_of_one_lead_at_once_give_it_to_exactly_one(firm_a_schema: str) -> None:
    with schema_context(firm_a_schema):
        owner = User.objects.get(role=User.Role.OWNER)
        racers = [User.objects.create_user(f"racer{n}@alpha.example", PASSWORD, role="member") for n in range(4)]
        lead = lead_create(actor=owner, name="抢手线索", to_pool=True)
    barrier = threading.Barrier(len(racers))
    results: list[Any] = []

    def claim(user: User) -> None:
        try:
            with schema_context(firm_a_schema):
                barrier.wait(timeout=10)
                results.append(lead_claim(actor=user, lead_id=lead.pk).owner_id)
        except Exception as exc:  # the losers are told someone was first
            results.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert sorted(r for r in results if not isinstance(r, int)) == ["lead_taken"] * 3
    with schema_context(firm_a_schema):
        assert Lead.objects.get(pk=lead.pk).owner_id == winners[0]
