"""Owners export the firm's data: a ZIP of safe CSV files, built by a job, private and expiring."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.accounts.exports import export_build
from apps.accounts.models import FirmExport, User
from core.reports import safe_cell
from tenants import lifecycle
from tenants.models import Firm
from tests.conftest import SPECS


def _export(owner_client: Client, firm: Firm, capture: Callable[..., Any]) -> FirmExport:
    with capture(execute=True):
        assert owner_client.post("/settings/export/").status_code == 302
    job = ProcrastinateJob.objects.filter(task_name="accounts.build_export").latest("id")
    assert job.args["schema_name"] == firm.schema_name
    with schema_context(firm.schema_name):
        return export_build(export_id=job.args["export_id"])


@pytest.mark.django_db
def test_owner_export_builds_a_zip_of_utf8_bom_csv_files_without_secrets(
    owner_a_client: Client,
    firm_a: Firm,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from apps.accounts import exports

    monkeypatch.setattr(exports, "PAGE", 1)  # every row on a page of its own: the paging is exercised
    with schema_context(firm_a.schema_name):
        User.objects.create_user("formula@alpha.example", "Sturdy-Password-2026", full_name='=HYPERLINK("x")')

    export = _export(owner_a_client, firm_a, django_capture_on_commit_callbacks)

    assert export.status == FirmExport.Status.DONE
    assert export.progress == 100
    response = owner_a_client.get(f"/settings/export/{export.pk}/download/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert "accounts_user.csv" in archive.namelist()
    token_rows = archive.read("accounts_apitoken.csv").decode("utf-8-sig").splitlines()
    assert "secret_hash" not in token_rows[0]
    raw = archive.read("accounts_user.csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "password" not in rows[0]
    assert len(rows) == 2
    names = {row["full_name"] for row in rows}
    assert '\'=HYPERLINK("x")' in names
    assert SPECS["a"].owner_email in {row["email"] for row in rows}


def test_formula_cells_are_defused() -> None:
    cells = ["=1+1", "+86 138", "-5", "@x", "plain", None, 3, -12]
    assert [safe_cell(v) for v in cells] == ["'=1+1", "'+86 138", "'-5", "'@x", "plain", "", "3", "-12"]


@pytest.mark.django_db
def test_exports_are_private_to_the_owner_of_the_firm_and_expire(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    export = _export(owner_a_client, firm_a, django_capture_on_commit_callbacks)

    assert owner_b_client.get(f"/settings/export/{export.pk}/download/").status_code == 404
    assert Client(HTTP_HOST=firm_a.host).get(f"/settings/export/{export.pk}/download/").status_code == 302
    with schema_context(firm_a.schema_name):
        FirmExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert owner_a_client.get(f"/settings/export/{export.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_suspended_firms_owner_can_still_export(
    owner_a_client: Client, firm_a: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    lifecycle.firm_suspend(firm_id=firm_a.pk, actor="ops", reason="audit")

    export = _export(owner_a_client, firm_a, django_capture_on_commit_callbacks)

    assert export.status == FirmExport.Status.DONE
    assert owner_a_client.get(f"/settings/export/{export.pk}/download/").status_code == 200


@pytest.mark.django_db
def test_members_cannot_export(firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        User.objects.create_user("m@alpha.example", "Sturdy-Password-2026", full_name="M", role="member")
    member = Client(HTTP_HOST=firm_a.host)
    member.post("/accounts/login/", {"username": "m@alpha.example", "password": "Sturdy-Password-2026"})

    assert member.post("/settings/export/").status_code == 403
    with schema_context(firm_a.schema_name):
        assert not FirmExport.objects.exists()
