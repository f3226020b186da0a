"""Source documents attached to vouchers: checked by type and content, stored per firm."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound
from core.uploads import DOCUMENT_KINDS, checked_upload

from . import permissions
from .models import Voucher, VoucherAttachment

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_VOUCHER = 50
# What a source document may be (the shared list less Word files), checked by its first bytes.
KINDS = {suffix: kind for suffix, kind in DOCUMENT_KINDS.items() if suffix != ".docx"}


def attachment_dir() -> Path:
    """This firm's attachments: the path carries the schema."""
    return Path(settings.MEDIA_ROOT) / connection.schema_name / "finance" / "attachments"  # type: ignore[attr-defined]


@transaction.atomic
def attachment_add(*, actor: Any, voucher: Voucher, name: str, content: bytes) -> VoucherAttachment:
    """Keep a source document with a voucher (drafts and posted vouchers alike)."""
    permissions.require(actor, permissions.PREPARE)
    upload = checked_upload(name, content, kinds=KINDS, max_bytes=MAX_BYTES, accepted="PDF, OFD, XML, XLSX, PNG, JPEG")
    name, suffix = upload.name, upload.suffix
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if VoucherAttachment.objects.filter(voucher=voucher).count() >= MAX_PER_VOUCHER:
        raise Conflict(_("A voucher keeps at most %(n)d attachments.") % {"n": MAX_PER_VOUCHER}, code="too_many_files")
    stored_as = f"{uuid.uuid4().hex}{suffix}"
    directory = attachment_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / stored_as
    # Written before the row: a row never points at a missing file. Should the caller's
    # transaction roll back later, the file stays unreferenced (named by a random id).
    path.write_bytes(content)
    try:
        attachment = VoucherAttachment.objects.create(
            voucher=voucher,
            name=name,
            content_type=upload.content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            stored_as=stored_as,
            uploaded_by=actor,
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    audit_record(action="finance.attachment_added", actor=actor, obj=voucher, file=name, size=len(content))
    return attachment


def attachment_list(*, actor: Any, voucher: Voucher) -> QuerySet[VoucherAttachment]:
    permissions.require(actor, permissions.VIEW)
    return VoucherAttachment.objects.filter(voucher=voucher).select_related("uploaded_by")


def attachment_get(*, actor: Any, attachment_id: Any) -> VoucherAttachment:
    permissions.require(actor, permissions.VIEW)
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such attachment.")) from None
    attachment = VoucherAttachment.objects.select_related("voucher").filter(pk=pk).first()
    if attachment is None:
        raise NotFound(_("No such attachment."))
    return attachment


def attachment_path(attachment: VoucherAttachment) -> Path:
    path = attachment_dir() / attachment.stored_as
    if not path.is_file():
        raise NotFound(_("The attachment's file is missing."))
    return path


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: VoucherAttachment) -> None:
    """Only a draft's attachments may go; a posted voucher keeps its source documents."""
    permissions.require(actor, permissions.PREPARE)
    attachment = VoucherAttachment.objects.select_related("voucher").select_for_update().get(pk=attachment.pk)
    if attachment.voucher.is_posted:
        raise Conflict(_("A posted voucher keeps its attachments."), code="voucher_posted")
    path = attachment_dir() / attachment.stored_as
    audit_record(action="finance.attachment_deleted", actor=actor, obj=attachment.voucher, file=attachment.name)
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
