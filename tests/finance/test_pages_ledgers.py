"""Pages for the general ledger, the cash journal and a voucher's source documents."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from apps.finance.models import VoucherAttachment
from tenants.models import Firm
from tests.finance.test_pages import _voucher

PDF = b"%PDF-1.4\n% receipt\n"


@pytest.mark.django_db
def test_general_ledger_and_cash_journal_pages(owner_a_client: Client, firm_a: Firm) -> None:
    voucher = _voucher(firm_a, post=True, day=date(2026, 11, 5), amount="250.00")

    ledger = owner_a_client.get("/finance/accounts/1002/general-ledger/?period=2026-11")
    journal = owner_a_client.get("/finance/accounts/1002/journal/?period=2026-11")

    assert ledger.status_code == 200
    assert "250.00" in ledger.content.decode()
    assert journal.status_code == 200
    assert voucher.display_number in journal.content.decode()
    assert owner_a_client.get("/finance/accounts/5001/journal/?period=2026-11").status_code == 404
    detail = owner_a_client.get("/finance/accounts/1002/ledger/?period=2026-11").content.decode()
    assert "/finance/accounts/1002/general-ledger/" in detail
    assert "export=pdf" in detail


@pytest.mark.django_db
def test_source_documents_are_attached_downloaded_and_kept_once_posted(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    draft = _voucher(firm_a)

    added = owner_a_client.post(
        f"/finance/vouchers/{draft.pk}/attachments/",
        {"file": SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")},
    )
    refused = owner_a_client.post(
        f"/finance/vouchers/{draft.pk}/attachments/",
        {"file": SimpleUploadedFile("evil.pdf", b"<script>", content_type="application/pdf")},
        follow=True,
    )

    assert added.status_code == 302
    assert "The file&#x27;s content is not a PDF file." in refused.content.decode()
    with schema_context(firm_a.schema_name):
        attachment = VoucherAttachment.objects.get()
    page = owner_a_client.get(f"/finance/vouchers/{draft.pk}/").content.decode()
    assert "发票.pdf" in page
    download = owner_a_client.get(f"/finance/attachments/{attachment.pk}/")
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert owner_b_client.get(f"/finance/attachments/{attachment.pk}/").status_code == 404
    assert owner_b_client.post(f"/finance/attachments/{attachment.pk}/delete/").status_code == 404
    assert owner_a_client.get(f"/finance/attachments/{attachment.pk}/delete/").status_code == 405

    owner_a_client.post(f"/finance/attachments/{attachment.pk}/delete/")
    with schema_context(firm_a.schema_name):
        assert not VoucherAttachment.objects.exists()
