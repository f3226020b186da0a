"""migrate_firms brings lagging firm schemas up to date and isolates a broken one."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from core.readiness import lagging_schemas, schemas_missing_migrations
from tenants.models import Firm
from tenants.services import SignupInput, signup_create


def _shared_leaf() -> tuple[str, str]:
    """The newest migration of the job queue's app: nothing depends on it, and in a firm schema it
    is only a record (the queue lives in public), so re-applying it is harmless."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    app, name = loader.graph.leaf_nodes("procrastinate")[0]
    return app, name


def _forget(schema: str, app: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', [app, name])


@pytest.mark.django_db
def test_a_lagging_schema_is_migrated_and_readiness_recovers(firm_a: Firm, firm_b: Firm) -> None:
    _forget(firm_a.schema_name, *_shared_leaf())  # a no-op inside a firm schema
    assert lagging_schemas() == [firm_a.schema_name]

    call_command("migrate_firms", "--jobs", "1")

    assert lagging_schemas() == []


@pytest.mark.django_db
def test_one_broken_schema_does_not_stop_the_others_and_is_named(firm_a: Firm, firm_b: Firm) -> None:
    _forget(firm_a.schema_name, *_shared_leaf())
    _forget(firm_b.schema_name, "accounts", "0001_initial")  # its tables exist: re-running fails
    waiting = signup_create(
        SignupInput(
            firm_name="Waiting",
            slug="waiting-firm",
            owner_name="W",
            email="w@w.example",
            password="Sturdy-Password-2026",
            language="en",
        )
    ).firm

    with pytest.raises(CommandError) as error:
        call_command("migrate_firms", "--jobs", "1")

    assert firm_b.schema_name in str(error.value)
    assert firm_a.schema_name not in str(error.value)
    assert lagging_schemas() == [firm_b.schema_name]
    assert Firm.objects.get(pk=waiting.pk).status == Firm.Status.PROVISIONING


@pytest.mark.django_db(transaction=True)
def test_the_fleet_migrator_runs_schemas_in_parallel_processes_and_mends_spares(
    firm_a: Firm, firm_b: Firm, capsys: pytest.CaptureFixture[str]
) -> None:
    from tenants.models import SpareSchema
    from tenants.pool import migration_state, pool_top_up

    pool_top_up(size=1)
    spare = SpareSchema.objects.get()
    for schema in (firm_a.schema_name, firm_b.schema_name, spare.schema_name):
        _forget(schema, *_shared_leaf())
    SpareSchema.objects.update(migration_state="old")

    call_command("migrate_firms", "--jobs", "2")

    out = capsys.readouterr().out
    assert "[3/3]" in out
    assert "3 lagging, 3 migrated, 0 not" in out
    assert schemas_missing_migrations([firm_a.schema_name, firm_b.schema_name, spare.schema_name]) == []
    assert SpareSchema.objects.get().migration_state == migration_state()

    call_command("migrate_firms", "--jobs", "2")  # nothing to do the second time
    assert "0 lagging" in capsys.readouterr().out
