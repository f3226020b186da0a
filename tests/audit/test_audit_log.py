"""The security audit log: events are recorded in the right schema, and cannot be changed."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from tenants import lifecycle
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS


@pytest.mark.django_db
def test_an_update_or_delete_on_the_audit_table_fails_at_the_database(firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        event = audit_record(action="test.event", actor="someone")

        for statement in (
            "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
            "DELETE FROM audit_auditevent WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.django_db
def test_sign_ins_and_failures_land_in_the_firms_own_log(client_a: Client, firm_a: Firm, firm_b: Firm) -> None:
    client_a.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": "wrong"})
    client_a.post(
        "/accounts/login/", {"username": SPECS["a"].owner_email, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )

    with schema_context(firm_a.schema_name):
        actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor", "ip"))
    assert ("auth.login_failed", SPECS["a"].owner_email, "127.0.0.1") in actions
    assert ("auth.login", SPECS["a"].owner_email, "10.1.2.3") in actions
    with schema_context(firm_b.schema_name):
        assert not AuditEvent.objects.exists()
    with schema_context("public"):
        assert not AuditEvent.objects.filter(action__startswith="auth.").exists()


@pytest.mark.django_db
def test_operator_actions_go_to_the_platform_log_and_owner_actions_to_the_firms(
    owner_a_client: Client, firm_a: Firm
) -> None:
    with schema_context("public"):  # where the admin and the command line act
        lifecycle.firm_suspend(firm_id=firm_a.pk, actor="ops@parksuite.example", reason="audit")
        lifecycle.firm_reactivate(firm_id=firm_a.pk, actor="ops@parksuite.example")
    owner_a_client.post("/settings/users/", {"email": "new@alpha.example", "role": "member"})

    with schema_context("public"):
        assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
            "firm.suspended",
            "firm.reactivated",
        ]
    with schema_context(firm_a.schema_name):
        assert AuditEvent.objects.filter(action="invitation.created", changes__email="new@alpha.example").exists()


@pytest.mark.django_db
def test_the_owner_searches_and_downloads_the_log_and_others_cannot(owner_a_client: Client, firm_a: Firm) -> None:
    page = owner_a_client.get("/settings/security-log/?q=auth.login")
    download = owner_a_client.get("/settings/security-log/?format=csv")

    assert page.status_code == 200
    assert "auth.login" in page.content.decode()
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["at", "action", "actor"]
    assert any(row[1] == "auth.login" for row in rows[1:])
    with schema_context(firm_a.schema_name):
        from apps.accounts.models import User

        User.objects.create_user("m@alpha.example", PASSWORD, full_name="M", role="member")
    member = Client(HTTP_HOST=firm_a.host)
    member.post("/accounts/login/", {"username": "m@alpha.example", "password": PASSWORD})
    assert member.get("/settings/security-log/").status_code == 403
