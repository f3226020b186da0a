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
from core.errors import Conflict, NotFound, ValidationFailed

from . import permissions
from .models import Voucher, VoucherAttachment

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_VOUCHER = 50
# What a source document may be, and how its first bytes must look (a renamed file is refused).
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".ofd": ("application/ofd", (b"PK\x03\x04",)),  # 数电票 in OFD, a zip container
    ".xml": ("application/xml", (b"<?xml", b"\xef\xbb\xbf<?xml", b"<")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}


def attachment_dir() -> Path:
    """This firm's attachments: the path carries the schema."""
    return Path(settings.MEDIA_ROOT) / connection.schema_name / "finance" / "attachments"  # type: ignore[attr-defined]


def _clean_name(name: str) -> str:
    base = Path(name or "").name.replace("\x00", "").strip()
    return base[-200:] or "attachment"


@transaction.atomic
def attachment_add(*, actor: Any, voucher: Voucher, name: str, content: bytes) -> VoucherAttachment:
    """Keep a source document with a voucher (drafts and posted vouchers alike)."""
    permissions.require(actor, permissions.PREPARE)
    name = _clean_name(name)
    suffix = Path(name).suffix.lower()
    kind = KINDS.get(suffix)
    if kind is None:
        raise ValidationFailed(
            _("Attach a PDF, OFD, XML, XLSX, PNG or JPEG file."),
            fields={"file": [_("This file type is not accepted.")]},
        )
    if not content:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    if len(content) > MAX_BYTES:
        raise ValidationFailed(_("Attachments are at most 10 MB."), fields={"file": [_("The file is too large.")]})
    if not content.startswith(kind[1]):
        raise ValidationFailed(
            _("The file's content is not a %(type)s file.") % {"type": suffix.lstrip(".").upper()},
            fields={"file": [_("The content does not match the file type.")]},
        )
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
            content_type=kind[0],
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
