"""Isolation beyond the routes: cache entries, stored files and jobs belong to one firm."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm import documents, imports
from apps.crm.jobs import import_records
from apps.crm.models import Contact
from tenants.models import Firm


@pytest.mark.django_db
def test_the_same_cache_key_holds_a_value_per_firm(firm_a: Firm, firm_b: Firm) -> None:
    with schema_context(firm_a.schema_name):
        cache.set("dashboard-figures", "ALPHA-SECRET")
    with schema_context(firm_b.schema_name):
        assert cache.get("dashboard-figures") is None
        cache.set("dashboard-figures", "beta")
    with schema_context(firm_a.schema_name):
        assert cache.get("dashboard-figures") == "ALPHA-SECRET"


@pytest.mark.django_db
def test_stored_files_are_not_served_and_live_under_their_firms_folder(
    firm_a: Firm, owner_b_client: Client, owner_a_client: Client
) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        from apps.crm import services

        account = services.account_create(actor=owner, name="文件客户")
        document = documents.attachment_add(
            actor=owner, about="account", about_id=account.pk, name="a.pdf", content=b"%PDF-1.4 ALPHA-SECRET"
        )
        path = documents.attachment_dir() / document.stored_as
    relative = path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()

    assert relative.startswith(f"{firm_a.schema_name}/crm/attachments/")
    for client in (owner_b_client, owner_a_client):  # no URL serves the folder itself, to anyone
        for prefix in ("/media/", "/static/../media/", "/"):
            response = client.get(f"{prefix}{relative}")
            assert response.status_code in (301, 302, 404), (prefix, response.status_code)
            assert b"ALPHA-SECRET" not in response.content


@pytest.mark.django_db
def test_a_job_runs_in_the_firm_it_was_queued_for(firm_a: Firm, firm_b: Firm) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        job = imports.import_upload(
            actor=owner, kind="contacts", name="a.csv", content="姓名,手机\n甲方联系人,13800000009\n".encode()
        )
        imports.import_start(actor=owner, import_id=job.pk, mapping={"name": 0, "mobile": 1}, dedupe=["mobile"])

    import_records(schema_name=firm_a.schema_name, import_id=job.pk)  # what the worker runs

    with schema_context(firm_a.schema_name):
        assert Contact.objects.filter(name="甲方联系人").count() == 1
    with schema_context(firm_b.schema_name):
        assert not Contact.objects.exists()
