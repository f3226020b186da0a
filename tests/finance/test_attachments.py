"""Source documents kept with vouchers: checked by type and content, stored per firm, downloads checked."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.finance import attachments
from apps.finance.models import Voucher, VoucherAttachment
from core.errors import Conflict, ValidationFailed
from tenants.models import Firm
from tests.finance.conftest import lines, post

PDF = b"%PDF-1.4\n% a tiny document\n"


def test_a_file_is_kept_under_the_firms_own_folder(owner: User) -> None:
    voucher = post(owner, date(2026, 11, 3), ("1002", "1", ""), ("5001", "", "1"))

    attachment = attachments.attachment_add(actor=owner, voucher=voucher, name="../../发票.pdf", content=PDF)

    assert attachment.name == "发票.pdf"
    path = attachments.attachment_path(attachment)
    assert path.read_bytes() == PDF
    from django.db import connection

    assert path.parent.parts[-3:] == (connection.schema_name, "finance", "attachments")  # type: ignore[attr-defined]
    with pytest.raises(Conflict):  # a posted voucher keeps its documents
        attachments.attachment_delete(actor=owner, attachment=attachment)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.exe", b"MZ"),
        ("x.pdf", b"MZ not a pdf"),
        ("x.png", PDF),
        ("x.pdf", b""),
        ("x.pdf", b"%PDF-" + b"0" * attachments.MAX_BYTES),
        ("x.html", b"<script>"),
    ],
)
def test_wrong_types_renamed_files_and_huge_files_are_refused(owner: User, name: str, content: bytes) -> None:
    voucher = services_draft(owner)

    with pytest.raises(ValidationFailed):
        attachments.attachment_add(actor=owner, voucher=voucher, name=name, content=content)

    assert not VoucherAttachment.objects.exists()


def services_draft(owner: User) -> Voucher:
    from apps.finance.services import voucher_create

    return voucher_create(
        actor=owner, day=date(2026, 11, 3), summary="d", lines=lines(("1002", "1", ""), ("5001", "", "1"))
    )


def test_a_drafts_attachment_can_be_removed(owner: User) -> None:
    attachment = attachments.attachment_add(actor=owner, voucher=services_draft(owner), name="a.pdf", content=PDF)

    attachments.attachment_delete(actor=owner, attachment=attachment)

    assert not VoucherAttachment.objects.exists()


@pytest.mark.django_db
def test_upload_and_download_through_the_api_and_no_other_firm_can_reach_it(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    voucher = owner_a_client.post(
        "/api/v1/finance/vouchers/",
        {"date": "2026-11-03", "lines": [{"account": "1002", "debit": "1"}, {"account": "5001", "credit": "1"}]},
        content_type="application/json",
    ).json()
    upload = SimpleUploadedFile("收据.pdf", PDF, content_type="application/pdf")

    created = owner_a_client.post(f"/api/v1/finance/vouchers/{voucher['id']}/attachments/", {"file": upload})

    assert created.status_code == 201, created.json()
    attachment_id = created.json()["id"]
    download = owner_a_client.get(f"/api/v1/finance/attachments/{attachment_id}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert "attachment" in download["Content-Disposition"]
    assert owner_b_client.get(f"/api/v1/finance/attachments/{attachment_id}/").status_code == 404
    assert owner_b_client.delete(f"/api/v1/finance/attachments/{attachment_id}/").status_code == 404
    assert owner_b_client.get(f"/api/v1/finance/vouchers/{voucher['id']}/attachments/").status_code == 404
    bad = owner_a_client.post(
        f"/api/v1/finance/vouchers/{voucher['id']}/attachments/",
        {"file": SimpleUploadedFile("x.pdf", b"<html>", content_type="application/pdf")},
    )
    assert bad.status_code == 400
    with schema_context(firm_a.schema_name):
        assert VoucherAttachment.objects.count() == 1
    with schema_context(firm_b.schema_name):
        assert not VoucherAttachment.objects.exists()


def test_deleting_a_draft_takes_its_attachments_with_it(owner: User) -> None:
    from apps.finance.services import voucher_delete

    voucher = services_draft(owner)
    attachment = attachments.attachment_add(actor=owner, voucher=voucher, name="发票.pdf", content=PDF)

    voucher_delete(actor=owner, voucher=voucher)

    assert not Voucher.objects.filter(pk=voucher.pk).exists()
    assert not VoucherAttachment.objects.filter(pk=attachment.pk).exists()
