"""Provisioning: schema, migrations, owner, domain — idempotent, resumable, and honest on failure."""

from __future__ import annotations

import signal
import subprocess
import time

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import User
from core.errors import ApplicationError
from core.readiness import expected_migrations
from tenants.models import Domain, Firm, Signup
from tenants.services import SignupInput, firm_provision, firm_provisioning_retry, firm_schema_lock, signup_create
from tests.helpers import ROOT, manage_py, subprocess_env

PASSWORD = "Sturdy-Password-2026"


def _signup(slug: str, email: str) -> Firm:
    record = signup_create(
        SignupInput(
            firm_name=f"Firm {slug}", slug=slug, owner_name="Owner", email=email, password=PASSWORD, language="en"
        )
    )
    return record.firm


def _applied(schema_name: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        return {(app, name) for app, name in cursor.fetchall()}


def _owner_can_log_in(firm: Firm, email: str) -> bool:
    client = Client(HTTP_HOST=firm.host)
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    return response.status_code == 302 and client.get("/").status_code == 200


@pytest.mark.django_db
def test_provisioning_creates_schema_migrates_creates_owner_and_activates() -> None:
    firm = _signup("gamma-firm", "owner@gamma.example")

    firm = firm_provision(firm_id=firm.pk)

    assert firm.status == Firm.Status.ACTIVE
    assert firm.activated_at is not None
    assert schema_exists(firm.schema_name)
    assert _applied(firm.schema_name) == expected_migrations()
    assert Domain.objects.get(tenant=firm).is_active
    with schema_context(firm.schema_name):
        owner = User.objects.get(email="owner@gamma.example")
        assert owner.role == User.Role.OWNER
    assert Signup.objects.get(firm=firm).password_hash == ""
    assert _owner_can_log_in(firm, "owner@gamma.example")


@pytest.mark.django_db
def test_provisioning_twice_changes_nothing_the_second_time() -> None:
    firm = firm_provision(firm_id=_signup("delta-firm", "owner@delta.example").pk)

    again = firm_provision(firm_id=firm.pk)

    assert again.status == Firm.Status.ACTIVE
    with schema_context(firm.schema_name):
        assert User.objects.count() == 1


@pytest.mark.django_db
def test_provisioning_resumes_a_schema_left_half_migrated() -> None:
    firm = _signup("epsilon-firm", "owner@epsilon.example")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{firm.schema_name}"')
    call_command("migrate_schemas", "contenttypes", schema_name=firm.schema_name, tenant=True, verbosity=0)
    partial = _applied(firm.schema_name)
    assert partial
    assert partial < expected_migrations()

    firm = firm_provision(firm_id=firm.pk)

    assert firm.status == Firm.Status.ACTIVE
    assert _applied(firm.schema_name) == expected_migrations()
    assert _owner_can_log_in(firm, "owner@epsilon.example")


@pytest.mark.django_db
def test_a_real_failure_marks_the_firm_failed_with_its_reason_and_retry_finishes_it() -> None:
    firm = _signup("zeta-firm", "owner@zeta.example")
    signup = Signup.objects.get(firm=firm)
    saved = {f: getattr(signup, f) for f in ("owner_name", "owner_email", "password_hash", "language")}
    signup.delete()

    with pytest.raises(Signup.DoesNotExist):
        firm_provision(firm_id=firm.pk)

    firm.refresh_from_db()
    assert firm.status == Firm.Status.FAILED
    assert "DoesNotExist" in firm.status_reason
    assert not Domain.objects.get(tenant=firm).is_active

    Signup.objects.create(firm=firm, **saved)
    call_command("firm_provision", "--retry-failed")

    firm.refresh_from_db()
    assert firm.status == Firm.Status.ACTIVE
    assert firm.status_reason == ""
    assert _owner_can_log_in(firm, "owner@zeta.example")


@pytest.mark.django_db
def test_only_failed_or_provisioning_firms_can_be_retried(firm_a: Firm) -> None:
    with pytest.raises(ApplicationError) as error:
        firm_provisioning_retry(firm_id=firm_a.pk)

    assert error.value.code == "not_retryable"
    firm_a.refresh_from_db()
    assert firm_a.status == Firm.Status.ACTIVE


def _waits_on_signup_table() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'public.tenants_signup'::regclass"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_provisioning_process_killed_halfway_is_finished_by_the_next_run() -> None:
    firm = _signup("eta-firm", "owner@eta.example")
    dsn = connection.get_connection_params()
    dsn.pop("cursor_factory", None)
    dsn.pop("context", None)
    blocker = psycopg2.connect(**dsn)
    try:
        # Hold the sign-up table: the job migrates the schema, then blocks reading the owner.
        blocker.autocommit = False
        blocker.cursor().execute("LOCK TABLE public.tenants_signup IN ACCESS EXCLUSIVE MODE")
        process = subprocess.Popen(
            manage_py("firm_provision", firm.slug),
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if _waits_on_signup_table():
                break
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.05)
        else:
            pytest.fail("the provisioning process never reached the owner step")
        assert _applied(firm.schema_name) == expected_migrations()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()

    firm.refresh_from_db()
    assert firm.status == Firm.Status.PROVISIONING  # killed: neither active nor failed
    assert not Domain.objects.get(tenant=firm).is_active
    with schema_context(firm.schema_name):
        assert not User.objects.exists()

    _wait_for_advisory_locks_to_clear()  # the killed session ends when PostgreSQL notices
    firm = firm_provision(firm_id=firm.pk)

    assert firm.status == Firm.Status.ACTIVE
    assert _owner_can_log_in(firm, "owner@eta.example")


def _wait_for_advisory_locks_to_clear() -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    pytest.fail("the killed provisioning session kept its lock")


@pytest.mark.django_db
def test_a_firm_another_worker_is_provisioning_is_left_to_that_worker() -> None:
    firm = _signup("theta-firm", "owner@theta.example")

    with firm_schema_lock(firm.schema_name) as held:
        assert held
        result = firm_provision(firm_id=firm.pk)

    assert result.status == Firm.Status.PROVISIONING
    assert not schema_exists(firm.schema_name)
    assert firm_provision(firm_id=firm.pk).status == Firm.Status.ACTIVE
