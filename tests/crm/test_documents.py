"""CRM documents (type and size checked, stored per firm, downloads only for people who see the
record), saved filters on the lists, and activity reminders sent once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm import documents, services
from apps.crm.models import Activity, Attachment, SavedFilter
from tenants.models import Firm
from tests.crm.test_crm_api import _person

PDF = b"%PDF-1.4\n% a contract\n"


def _upload(client: Client, url: str, name: str, content: bytes) -> object:
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


@pytest.mark.django_db
def test_documents_are_checked_stored_per_firm_and_downloaded_only_by_those_who_see_the_record(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    account = owner_a_client.post("/api/v1/crm/accounts/", {"name": "合同客户"}, content_type="application/json").json()
    url = f"/api/v1/crm/accounts/{account['id']}/attachments/"

    kept = _upload(owner_a_client, url, "合同.pdf", PDF)
    renamed = _upload(owner_a_client, url, "fake.pdf", b"MZ\x90\x00 not a pdf")
    script = _upload(owner_a_client, url, "run.exe", b"MZ")
    empty = _upload(owner_a_client, url, "empty.pdf", b"")
    huge = _upload(owner_a_client, url, "huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))

    assert kept.status_code == 201  # type: ignore[attr-defined]
    for refused in (renamed, script, empty, huge):
        assert refused.status_code == 400  # type: ignore[attr-defined]
        assert "file" in refused.json()["fields"]  # type: ignore[attr-defined]
    doc = kept.json()  # type: ignore[attr-defined]
    download = owner_a_client.get(f"/api/v1/crm/attachments/{doc['id']}/")
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    rep = _person(firm_a, "rep1@alpha.example")
    assert rep.get(f"/api/v1/crm/attachments/{doc['id']}/").status_code == 404
    assert rep.get(f"/crm/documents/{doc['id']}/").status_code == 404
    assert owner_b_client.get(f"/api/v1/crm/attachments/{doc['id']}/").status_code == 404
    assert owner_b_client.delete(f"/api/v1/crm/attachments/{doc['id']}/").status_code == 404
    assert owner_b_client.get(url).status_code == 404
    with schema_context(firm_a.schema_name):
        stored = Attachment.objects.get()
        path = Path(settings.MEDIA_ROOT) / firm_a.schema_name / "crm" / "attachments" / stored.stored_as
        assert path.read_bytes() == PDF
    page = owner_a_client.get(f"/crm/accounts/{account['id']}/").content.decode()
    assert "合同.pdf" in page
    assert owner_a_client.delete(f"/api/v1/crm/attachments/{doc['id']}/").status_code == 204
    with schema_context(firm_a.schema_name):
        assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_documents_from_the_detail_page(owner_a_client: Client, in_firm_a: Firm) -> None:
    owner = User.objects.get(role=User.Role.OWNER)
    lead = services.lead_create(actor=owner, name="附件线索")
    done = owner_a_client.post(
        f"/crm/documents/lead/{lead.pk}/",
        {"file": SimpleUploadedFile("名片.png", b"\x89PNG\r\n\x1a\n...."), "next": f"/crm/leads/{lead.pk}/"},
    )
    assert done.status_code == 302
    assert done["Location"] == f"/crm/leads/{lead.pk}/"
    assert "名片.png" in owner_a_client.get(f"/crm/leads/{lead.pk}/").content.decode()


@pytest.mark.django_db
def test_saved_filters_keep_only_the_lists_own_keys_and_belong_to_their_person(
    owner_a_client: Client, firm_a: Firm
) -> None:
    saved = owner_a_client.post(
        "/api/v1/crm/saved-filters/",
        {"list_name": "accounts", "name": "制造业", "query": "q=精密&industry=制造&page=3&evil=1"},
        content_type="application/json",
    )
    nothing = owner_a_client.post(
        "/api/v1/crm/saved-filters/",
        {"list_name": "accounts", "name": "空", "query": "page=2"},
        content_type="application/json",
    )
    assert saved.status_code == 201
    assert saved.json()["query"] == "q=%E7%B2%BE%E5%AF%86&industry=%E5%88%B6%E9%80%A0"
    assert nothing.status_code == 400
    page = owner_a_client.get("/crm/accounts/").content.decode()
    assert "制造业" in page
    rep = _person(firm_a, "rep1@alpha.example")
    assert rep.get("/api/v1/crm/saved-filters/?list=accounts").json() == []
    assert rep.delete(f"/api/v1/crm/saved-filters/{saved.json()['id']}/").status_code == 404
    from_page = owner_a_client.post(
        "/crm/filters/", {"list_name": "contacts", "name": "王", "query": "q=王", "next": "/crm/contacts/?q=王"}
    )
    assert from_page.status_code == 302
    with schema_context(firm_a.schema_name):
        assert sorted(SavedFilter.objects.values_list("name", flat=True)) == ["制造业", "王"]


@pytest.mark.django_db
def test_reminders_are_mailed_once_to_the_activitys_owner_when_their_time_comes(in_firm_a: Firm) -> None:
    owner = User.objects.get(role=User.Role.OWNER)
    lead = services.lead_create(actor=owner, name="提醒线索")
    now = timezone.now()
    soon = services.activity_create(
        actor=owner,
        kind="call",
        subject="回电",
        about="lead",
        about_id=lead.pk,
        due_at=now + timedelta(hours=1),
        remind_at=now - timedelta(minutes=1),
    )
    services.activity_create(
        actor=owner,
        kind="task",
        subject="以后",
        about="lead",
        about_id=lead.pk,
        due_at=now + timedelta(days=3),
        remind_at=now + timedelta(days=2),
    )
    mail.outbox.clear()

    assert documents.activity_reminders_send(now=now) == 1
    assert documents.activity_reminders_send(now=now) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "回电" in mail.outbox[0].body
    assert Activity.objects.get(pk=soon.pk).reminded_at is not None
