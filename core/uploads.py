"""Uploaded documents checked before anything is stored: a known type by its name, not empty,
not too large, and content whose first bytes match the type (a renamed file is refused)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

# Suffix → (content type, accepted first bytes).
DOCUMENT_KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".ofd": ("application/ofd", (b"PK\x03\x04",)),  # 数电票 in OFD, a zip container
    ".xml": ("application/xml", (b"<?xml", b"\xef\xbb\xbf<?xml", b"<")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}


@dataclass(frozen=True)
class Upload:
    name: str
    suffix: str
    content_type: str


def clean_file_name(name: str) -> str:
    base = Path(name or "").name.replace("\x00", "").strip()
    return base[-200:] or "attachment"


def checked_upload(
    name: str, content: bytes, *, kinds: dict[str, tuple[str, tuple[bytes, ...]]], max_bytes: int, accepted: str
) -> Upload:
    """The upload's clean name and type, or ValidationFailed naming the problem (``accepted``
    lists the types for the message, e.g. "PDF, PNG or JPEG")."""
    clean = clean_file_name(name)
    suffix = Path(clean).suffix.lower()
    kind = kinds.get(suffix)
    if kind is None:
        raise ValidationFailed(
            _("Attach a %(types)s file.") % {"types": accepted},
            fields={"file": [_("This file type is not accepted.")]},
        )
    if not content:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    if len(content) > max_bytes:
        raise ValidationFailed(
            _("Attachments are at most %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)},
            fields={"file": [_("The file is too large.")]},
        )
    if not content.startswith(kind[1]):
        raise ValidationFailed(
            _("The file's content is not a %(type)s file.") % {"type": suffix.lstrip(".").upper()},
            fields={"file": [_("The content does not match the file type.")]},
        )
    return Upload(name=clean, suffix=suffix, content_type=kind[0])
