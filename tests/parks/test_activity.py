"""The activity job: counts taken inside each firm's schema, stored in the public schema, never a
firm's business data; a firm that opted out is not entered; one failing firm stops no other."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm.models import Account, Lead
from apps.parks import activity
from apps.parks.activity import activity_collect_all, collect_activity, firm_activity_collect
from apps.parks.models import FirmActivity
from core.tenancy import use_public_schema
from tenants.models import Firm


def _figures(firm: Firm) -> FirmActivity:
    use_public_schema()
    return FirmActivity.objects.get(firm=firm)


def test_the_counts_match_what_the_firm_holds(firm_a: Firm) -> None:
    # Given firm A with a user who signed in lately, one who did not, one who left, and CRM records
    firm_activity_collect(firm_id=firm_a.pk)
    before = _figures(firm_a)
    with schema_context(firm_a.schema_name):
        User.objects.create_user("recent@alpha.example", "Pass-word-2026", full_name="近期", last_login=timezone.now())
        User.objects.create_user(
            "quiet@alpha.example", "Pass-word-2026", full_name="安静", last_login=timezone.now() - timedelta(days=45)
        )
        User.objects.create_user("left@alpha.example", "Pass-word-2026", full_name="离职", is_active=False)
        Lead.objects.create(name="王先生", company="成都某公司")
        Lead.objects.create(name="李女士")
        Account.objects.create(name="成都客户有限公司")
        expected_users = User.objects.filter(is_active=True).count()
        newest = Account.objects.get().updated_at

    # When the job collects firm A's activity
    firm_activity_collect(firm_id=firm_a.pk)

    # Then the stored counts are firm A's, and "crm" is in use
    after = _figures(firm_a)
    assert after.shared is True
    assert after.users_total == expected_users == before.users_total + 2
    assert after.users_active_30d == before.users_active_30d + 1
    assert after.records["crm"] == before.records["crm"] + 3
    assert set(after.records) == {"crm", "hr", "finance", "supply_chain"}
    assert "crm" in after.modules_in_use
    assert after.last_activity_at is not None
    assert after.last_activity_at >= newest
    assert after.collected_at >= before.collected_at


def test_only_counts_leave_the_firm(firm_a: Firm) -> None:
    # Given a lead whose name is a secret of firm A
    with schema_context(firm_a.schema_name):
        Lead.objects.create(name="ALPHA-SECRET-客户")

    # When the job runs
    firm_activity_collect(firm_id=firm_a.pk)

    # Then the public row holds numbers, module codes and a timestamp only
    row = FirmActivity.objects.filter(firm=firm_a).values().get()
    assert "ALPHA-SECRET" not in repr(row)
    assert all(isinstance(value, int) for value in row["records"].values())
    assert set(row["modules_in_use"]) <= {"crm", "hr", "finance", "supply_chain"}


def test_a_firm_that_opted_out_is_not_entered_and_stores_no_figures(firm_a: Firm) -> None:
    # Given firm A had figures collected, then turned sharing off
    with schema_context(firm_a.schema_name):
        Lead.objects.create(name="王先生")
    firm_activity_collect(firm_id=firm_a.pk)
    Firm.objects.filter(pk=firm_a.pk).update(share_activity=False)
    schemas: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        schemas.append(connection.schema_name)  # type: ignore[attr-defined]
        return execute(sql, params, many, context)

    # When the job runs again
    with connection.execute_wrapper(record):
        firm_activity_collect(firm_id=firm_a.pk)

    # Then firm A's schema was never entered and its row holds no figures
    assert schemas
    assert set(schemas) == {"public"}
    row = _figures(firm_a)
    assert row.shared is False
    assert (row.users_total, row.users_active_30d, row.records, row.modules_in_use) == (0, 0, {}, [])
    assert row.last_activity_at is None


def test_one_failing_firm_does_not_stop_the_others(
    firm_a: Firm, firm_b: Firm, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given counting fails inside firm A's schema
    real = activity.activity_count_here

    def failing() -> activity.ActivityFigures:
        if connection.schema_name == firm_a.schema_name:  # type: ignore[attr-defined]
            raise RuntimeError("disk on fire")
        return real()

    monkeypatch.setattr(activity, "activity_count_here", failing)

    # When the hourly job runs
    with caplog.at_level(logging.ERROR, logger="apps.parks.activity"):
        report = activity_collect_all()

    # Then firm B is collected, firm A is reported (its schema in the log line) and has no row
    assert firm_a.pk in report.failed
    assert firm_b.pk in report.collected
    assert FirmActivity.objects.filter(firm=firm_b).exists()
    assert not FirmActivity.objects.filter(firm=firm_a).exists()
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [getattr(r, "schema", None) for r in failures] == [firm_a.schema_name]


def test_a_database_error_in_one_firm_leaves_the_others_collected(
    firm_a: Firm, firm_b: Firm, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a statement that fails inside firm A's schema (the transaction would be aborted)
    real = activity.activity_count_here

    def broken() -> activity.ActivityFigures:
        if connection.schema_name == firm_a.schema_name:  # type: ignore[attr-defined]
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_anywhere")
        return real()

    monkeypatch.setattr(activity, "activity_count_here", broken)

    # When the job runs
    report = activity_collect_all()

    # Then firm B's figures are stored all the same
    assert report.failed == [firm_a.pk]
    assert FirmActivity.objects.filter(firm=firm_b, shared=True).exists()


def test_a_second_run_updates_the_row(firm_a: Firm) -> None:
    # Given a first collection
    firm_activity_collect(firm_id=firm_a.pk)
    first = _figures(firm_a)

    # When a lead is added and the job runs again
    with schema_context(firm_a.schema_name):
        Lead.objects.create(name="赵先生")
    firm_activity_collect(firm_id=firm_a.pk)

    # Then there is still one row, with the new count
    assert FirmActivity.objects.filter(firm=firm_a).count() == 1
    assert _figures(firm_a).records["crm"] == first.records["crm"] + 1


def test_the_task_runs_for_one_firm_or_for_every_active_firm(firm_a: Firm, firm_b: Firm) -> None:
    # Given firm B is suspended
    Firm.objects.filter(pk=firm_b.pk).update(status=Firm.Status.SUSPENDED)

    # When the task runs for firm A only, then for every active firm
    collect_activity(firm_id=firm_a.pk)
    assert list(FirmActivity.objects.values_list("firm_id", flat=True)) == [firm_a.pk]
    collect_activity(timestamp=0)

    # Then the suspended firm was skipped
    assert not FirmActivity.objects.filter(firm=firm_b).exists()


def test_counting_refuses_to_run_in_the_public_schema(db: None) -> None:
    use_public_schema()
    with pytest.raises(RuntimeError):
        activity.activity_count_here()
