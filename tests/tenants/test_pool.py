"""The warm pool: spares are real migrated schemas; a sign-up that claims one is active at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, schema_exists
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.accounts.models import User
from core.pgtools import schema_ddl
from core.readiness import lagging_schemas
from tenants.models import Firm, SpareSchema
from tenants.pool import migration_state, pool_top_up
from tenants.services import SignupInput, firm_provision, signup_create

PASSWORD = "Sturdy-Password-2026"


def _signup(slug: str) -> Firm:
    data = SignupInput(
        firm_name=f"Firm {slug}",
        slug=slug,
        owner_name="Owner",
        email=f"owner@{slug}.example",
        password=PASSWORD,
        language="en",
    )
    return signup_create(data).firm


def _owner_can_log_in(firm: Firm) -> bool:
    client = Client(HTTP_HOST=firm.host)
    response = client.post("/accounts/login/", {"username": f"owner@{firm.slug}.example", "password": PASSWORD})
    return response.status_code == 302 and client.get("/").status_code == 200


@pytest.mark.django_db
def test_top_up_makes_ready_spares_that_are_neither_firms_nor_routable(firm_a: Firm) -> None:
    firms_before = Firm.objects.count()

    assert pool_top_up(size=2) == 2

    spares = list(SpareSchema.objects.all())
    assert len(spares) == 2
    assert all(s.ready and s.migration_state == migration_state() and schema_exists(s.schema_name) for s in spares)
    assert Firm.objects.count() == firms_before
    assert lagging_schemas() == []
    assert pool_top_up(size=2) == 0  # already full


@pytest.mark.django_db
def test_a_sign_up_claims_a_spare_and_the_firm_is_active_at_once(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    pool_top_up(size=1)
    spare = SpareSchema.objects.get().schema_name

    with django_capture_on_commit_callbacks(execute=True):
        firm = _signup("pool-firm")

    assert firm.schema_name == spare
    assert firm.status == Firm.Status.ACTIVE
    assert not SpareSchema.objects.filter(schema_name=spare).exists()
    assert _owner_can_log_in(firm)
    assert ProcrastinateJob.objects.filter(task_name="tenants.top_up_spare_pool").exists()
    assert not ProcrastinateJob.objects.filter(task_name="tenants.provision_firm", args__firm_id=firm.pk).exists()


@pytest.mark.django_db
def test_without_a_current_spare_sign_up_falls_back_to_the_migration_path() -> None:
    pool_top_up(size=1)
    SpareSchema.objects.update(migration_state="from-an-older-release")

    firm = _signup("fallback-firm")

    assert firm.status == Firm.Status.PROVISIONING
    assert SpareSchema.objects.count() == 1  # the stale spare is never handed out
    assert firm_provision(firm_id=firm.pk).status == Firm.Status.ACTIVE


@pytest.mark.django_db
def test_a_half_made_or_stale_spare_is_finished_by_the_next_top_up() -> None:
    half = SpareSchema.objects.create(schema_name="t_halfmade0000000")
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "t_halfmade0000000"')

    assert pool_top_up(size=1) == 1

    half.refresh_from_db()
    assert half.ready
    assert half.migration_state == migration_state()
    assert SpareSchema.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_firm_from_the_pool_has_exactly_the_schema_of_a_firm_migrated_from_scratch() -> None:
    pool_top_up(size=1)
    pooled = _signup("pooled-firm")
    scratch = firm_provision(firm_id=_signup("scratch-firm").pk)
    assert pooled.status == scratch.status == Firm.Status.ACTIVE

    pooled_ddl = schema_ddl(pooled.schema_name)
    scratch_ddl = schema_ddl(scratch.schema_name)

    assert "CREATE TABLE SCHEMA.accounts_user" in pooled_ddl
    assert pooled_ddl == scratch_ddl
    with schema_context(pooled.schema_name):
        assert User.objects.get().role == User.Role.OWNER
