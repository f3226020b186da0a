"""Park notices (通知公告): services (writes) and selectors (reads) for both sides.

The console side acts for one park (``park``) and touches only public tables. The firm side acts
for ``request.tenant`` and sees the published, not withdrawn notices of the park the firm is in
now (read fresh: the tenant object is cached per host and may predate a join or a leave).

Attachments live under ``MEDIA_ROOT/parks/<park id>/notices/<random>/<safe name>`` and are only
ever served by views that check who asks (the park's admins, its member firms' users).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, ValidationFailed
from core.inputs import clean_search as clean_search
from core.inputs import parse_id
from core.uploads import DOCUMENT_KINDS, checked_upload

from .access import park_audit
from .models import Notice, NoticeRead, Park

TITLE_MAX = 200
BODY_MAX = 20_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of the old Office formats
ATTACHMENT_KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": DOCUMENT_KINDS[".pdf"],
    ".docx": DOCUMENT_KINDS[".docx"],
    ".xlsx": DOCUMENT_KINDS[".xlsx"],
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (_OLE,)),
    ".xls": ("application/vnd.ms-excel", (_OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (_OLE,)),
    ".png": DOCUMENT_KINDS[".png"],
    ".jpg": DOCUMENT_KINDS[".jpg"],
    ".jpeg": DOCUMENT_KINDS[".jpeg"],
    ".zip": ("application/zip", (b"PK\x03\x04", b"PK\x05\x06")),
}
ACCEPTED_TYPES = "PDF, Word, Excel, PowerPoint, PNG, JPEG, ZIP"
# Firms that count as members for the read figures: not those closed or never set up.
MEMBER_STATUSES = ("active", "suspended")


class NotInPark(NotFound):
    """The acting firm belongs to no park: nothing of any park is visible to it."""

    code = "not_in_park"


# --- shared ------------------------------------------------------------------------------------


def actor_label(actor: Any) -> str:
    """How a person is named on a record: their name and email, as they are now."""
    name = (getattr(actor, "full_name", "") or "").strip()
    email = getattr(actor, "email", "") or ""
    label = f"{name} <{email}>" if name and email else name or email
    return label[:300]


def firm_park(*, firm: Any) -> Park | None:
    """The park the firm is in now (read fresh, not from the cached tenant)."""
    return Park.objects.filter(firms__pk=firm.pk).first()


def firm_park_required(*, firm: Any) -> Park:
    park = firm_park(firm=firm)
    if park is None:
        raise NotInPark(_("Your firm is not a member of an industrial park."))
    return park


def member_firm_count(*, park: Park) -> int:
    from tenants.models import Firm

    return Firm.objects.filter(park=park, status__in=MEMBER_STATUSES).count()


# --- attachments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentUpload:
    """A file as the page or API received it (``content`` at most one byte over the limit)."""

    name: str
    content: bytes


def attachment_from_file(upload: Any) -> AttachmentUpload | None:
    """Read an uploaded file without loading more than the limit (one byte more says "too big")."""
    if upload is None:
        return None
    return AttachmentUpload(name=upload.name or "", content=upload.read(MAX_ATTACHMENT_BYTES + 1))


def _checked_attachment(upload: AttachmentUpload) -> tuple[str, str]:
    """(display name, stored file name) of a valid attachment, or ValidationFailed on ``attachment``."""
    try:
        checked = checked_upload(
            upload.name,
            upload.content,
            kinds=ATTACHMENT_KINDS,
            max_bytes=MAX_ATTACHMENT_BYTES,
            accepted=ACCEPTED_TYPES,
        )
    except ValidationFailed as exc:
        problems = exc.fields.get("file") or [exc.detail]
        raise ValidationFailed(exc.detail, code=exc.code, fields={"attachment": [exc.detail, *problems]}) from None
    try:
        safe = get_valid_filename(checked.name)
    except SuspiciousFileOperation:
        safe = ""
    if not safe or not safe.lower().endswith(checked.suffix):
        safe = f"attachment{checked.suffix}"
    return checked.name, safe[-120:]


def _store_attachment(park: Park, stored_name: str, content: bytes) -> str:
    path = f"parks/{park.pk}/notices/{uuid.uuid4().hex}/{stored_name}"
    return default_storage.save(path, ContentFile(content))


def _drop_file_after_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def attachment_content_type(notice: Notice) -> str:
    suffix = Path(notice.attachment.name or "").suffix.lower()
    kind = ATTACHMENT_KINDS.get(suffix)
    return kind[0] if kind else "application/octet-stream"


def attachment_open(notice: Notice) -> IO[bytes]:
    """The notice's file, opened for reading; NotFound when it has none (or it went missing)."""
    name = notice.attachment.name or ""
    if not name or not default_storage.exists(name):
        raise NotFound(_("This notice has no attachment."))
    return default_storage.open(name, "rb")


# --- console: services -------------------------------------------------------------------------


def _validated_fields(*, kind: str, title: str, body: str, deadline: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = (title or "").replace("\x00", "").strip()
    body = (body or "").replace("\x00", "").strip()
    if kind not in Notice.Kind.values:
        errors["kind"] = [_("Choose the kind of notice from the list.")]
    if not title:
        errors["title"] = [_("Give the notice a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("The title is at most 200 characters.")]
    if not body:
        errors["body"] = [_("Write the text of the notice.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("The text of a notice is at most 20,000 characters; attach longer documents.")]
    if deadline is not None and not isinstance(deadline, datetime.date):
        errors["deadline"] = [_("Enter the deadline as a date.")]
    if errors:
        raise ValidationFailed(_("The notice could not be saved: check the fields marked."), fields=errors)
    return {"kind": kind, "title": title, "body": body, "deadline": deadline}


def _notice_for_update(park: Park, notice_id: Any) -> Notice:
    pk = parse_id(notice_id)
    notice = Notice.objects.select_for_update().filter(pk=pk, park=park).first() if pk else None
    if notice is None:
        raise NotFound(_("No such notice in this park."))
    return notice


@transaction.atomic
def notice_create(
    *,
    park: Park,
    actor: Any,
    kind: str,
    title: str,
    body: str,
    deadline: datetime.date | None = None,
    attachment: AttachmentUpload | None = None,
    request: HttpRequest | None = None,
) -> Notice:
    """A new notice is a draft: member firms see it only once it is published."""
    fields = _validated_fields(kind=kind, title=title, body=body, deadline=deadline)
    notice = Notice(park=park, created_by=actor_label(actor), **fields)
    if attachment is not None:
        display, stored = _checked_attachment(attachment)
        saved = _store_attachment(park, stored, attachment.content)  # before the row: never a row without its file
        notice.attachment.name = saved
        notice.attachment_name = display
        try:
            notice.save()
        except Exception:
            default_storage.delete(saved)
            raise
    else:
        notice.save()
    park_audit(request=request, actor=actor, park=park, action="notice_created", obj=notice, title=notice.title)
    return notice


@transaction.atomic
def notice_update(
    *,
    park: Park,
    actor: Any,
    notice_id: Any,
    kind: str,
    title: str,
    body: str,
    deadline: datetime.date | None = None,
    attachment: AttachmentUpload | None = None,
    remove_attachment: bool = False,
    request: HttpRequest | None = None,
) -> Notice:
    """Only a draft can be changed: what firms were shown stays as they saw it."""
    notice = _notice_for_update(park, notice_id)
    if notice.published_at is not None or notice.withdrawn_at is not None:
        raise Conflict(_("Only a draft can be edited; withdraw this notice and publish a new one."), code="not_draft")
    fields = _validated_fields(kind=kind, title=title, body=body, deadline=deadline)
    old_file = notice.attachment.name or ""
    new_file = ""
    if attachment is not None:
        display, stored = _checked_attachment(attachment)
        new_file = _store_attachment(park, stored, attachment.content)
        notice.attachment.name = new_file
        notice.attachment_name = display
    elif remove_attachment:
        notice.attachment.name = ""
        notice.attachment_name = ""
    for name, value in fields.items():
        setattr(notice, name, value)
    try:
        notice.save()
    except Exception:
        if new_file:
            default_storage.delete(new_file)
        raise
    if old_file and old_file != (notice.attachment.name or ""):
        _drop_file_after_commit(old_file)
    park_audit(request=request, actor=actor, park=park, action="notice_updated", obj=notice, title=notice.title)
    return notice


@transaction.atomic
def notice_publish(*, park: Park, actor: Any, notice_id: Any, request: HttpRequest | None = None) -> Notice:
    """A draft goes out to the member firms; a deadline already past is refused."""
    notice = _notice_for_update(park, notice_id)
    if notice.withdrawn_at is not None:
        raise Conflict(_("This notice was withdrawn; it cannot be published again."), code="withdrawn")
    if notice.published_at is not None:
        raise Conflict(_("This notice is already published."), code="already_published")
    if notice.deadline is not None and notice.deadline < timezone.localdate():
        message = _("The deadline has passed: change it before publishing.")
        raise ValidationFailed(message, code="deadline_passed", fields={"deadline": [message]})
    notice.published_at = timezone.now()
    notice.save(update_fields=["published_at", "updated_at"])
    park_audit(request=request, actor=actor, park=park, action="notice_published", obj=notice, title=notice.title)
    return notice


@transaction.atomic
def notice_withdraw(*, park: Park, actor: Any, notice_id: Any, request: HttpRequest | None = None) -> Notice:
    """A published notice is taken back: firms no longer see it; its read figures stay."""
    notice = _notice_for_update(park, notice_id)
    if notice.published_at is None:
        raise Conflict(_("Only a published notice can be withdrawn; delete a draft instead."), code="not_published")
    if notice.withdrawn_at is not None:
        raise Conflict(_("This notice is already withdrawn."), code="already_withdrawn")
    notice.withdrawn_at = timezone.now()
    notice.save(update_fields=["withdrawn_at", "updated_at"])
    park_audit(request=request, actor=actor, park=park, action="notice_withdrawn", obj=notice, title=notice.title)
    return notice


@transaction.atomic
def notice_delete(*, park: Park, actor: Any, notice_id: Any, request: HttpRequest | None = None) -> None:
    """Only a draft can be deleted (nobody has seen it); published ones are withdrawn."""
    notice = _notice_for_update(park, notice_id)
    if notice.published_at is not None:
        raise Conflict(_("A published notice cannot be deleted; withdraw it instead."), code="not_draft")
    park_audit(request=request, actor=actor, park=park, action="notice_deleted", obj=notice, title=notice.title)
    _drop_file_after_commit(notice.attachment.name or "")
    notice.delete()


# --- console: selectors ------------------------------------------------------------------------

NOTICE_STATES = ("draft", "published", "withdrawn")


def notice_list_for_park(*, park: Park, q: str = "", state: str = "", kind: str = "") -> QuerySet[Notice]:
    """The park's notices, drafts first, with how many people and firms read each."""
    notices = Notice.objects.filter(park=park).annotate(
        people_read=Count("reads", distinct=True), firms_read=Count("reads__firm", distinct=True)
    )
    if state == "draft":
        notices = notices.filter(published_at__isnull=True, withdrawn_at__isnull=True)
    elif state == "published":
        notices = notices.filter(published_at__isnull=False, withdrawn_at__isnull=True)
    elif state == "withdrawn":
        notices = notices.filter(withdrawn_at__isnull=False)
    if kind in Notice.Kind.values:
        notices = notices.filter(kind=kind)
    q = clean_search(q)
    if q:
        notices = notices.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return notices.order_by(F("published_at").desc(nulls_first=True), "-created_at", "-id")


def notice_get_for_park(*, park: Park, notice_id: Any) -> Notice:
    """One of the park's notices with its read figures; another park's is not found."""
    pk = parse_id(notice_id)
    notice = notice_list_for_park(park=park).filter(pk=pk).first() if pk else None
    if notice is None:
        raise NotFound(_("No such notice in this park."))
    return notice


def notice_state(notice: Notice) -> str:
    if notice.withdrawn_at is not None:
        return "withdrawn"
    return "published" if notice.published_at is not None else "draft"


def notice_state_label(state: str) -> str:
    labels: Mapping[str, str] = {"draft": _("Draft"), "published": _("Published"), "withdrawn": _("Withdrawn")}
    return labels.get(state, state)


# --- firm side ---------------------------------------------------------------------------------


def notice_list_for_firm(*, firm: Any, user_id: Any, q: str = "", kind: str = "") -> QuerySet[Notice]:
    """The published, not withdrawn notices of the firm's park, newest first, each marked read or
    not for this person. NotInPark when the firm belongs to no park."""
    return _visible_notices(park=firm_park_required(firm=firm), firm=firm, user_id=user_id, q=q, kind=kind)


def _visible_notices(*, park: Park, firm: Any, user_id: Any, q: str = "", kind: str = "") -> QuerySet[Notice]:
    notices = Notice.objects.filter(park=park, published_at__isnull=False, withdrawn_at__isnull=True)
    if user_id is not None:
        reads = NoticeRead.objects.filter(notice=OuterRef("pk"), firm_id=firm.pk, user_id=user_id)
        notices = notices.annotate(is_read=Exists(reads))
    else:
        notices = notices.annotate(is_read=Value(False, output_field=BooleanField()))
    if kind in Notice.Kind.values:
        notices = notices.filter(kind=kind)
    q = clean_search(q)
    if q:
        notices = notices.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return notices.order_by("-published_at", "-id")


def notice_get_for_firm(*, firm: Any, user_id: Any, notice_id: Any) -> Notice:
    """A notice the firm may read; another park's, a draft or a withdrawn one is not found."""
    pk = parse_id(notice_id)
    notice = notice_list_for_firm(firm=firm, user_id=user_id).filter(pk=pk).first() if pk else None
    if notice is None:
        raise NotFound(_("No such notice."))
    return notice


def notice_read_record(*, firm: Any, user_id: int, notice: Notice) -> None:
    """Count a person's reading once (a second visit changes nothing; concurrent ones neither)."""
    NoticeRead.objects.bulk_create([NoticeRead(notice=notice, firm_id=firm.pk, user_id=user_id)], ignore_conflicts=True)


def notice_open_for_firm(*, firm: Any, user_id: int, notice_id: Any) -> Notice:
    """Open a notice as a firm user: found as for ``notice_get_for_firm``, and counted as read."""
    notice = notice_get_for_firm(firm=firm, user_id=user_id, notice_id=notice_id)
    if not getattr(notice, "is_read", False):
        notice_read_record(firm=firm, user_id=user_id, notice=notice)
    return notice


@dataclass(frozen=True)
class DashboardNotices:
    park: Park
    notices: list[Notice]
    unread: int


def notice_dashboard_panel(*, firm: Any, user_id: Any, limit: int = 5) -> DashboardNotices | None:
    """The latest notices for the firm's dashboard, unread ones marked; None without a park."""
    park = firm_park(firm=firm)
    if park is None:
        return None
    visible = _visible_notices(park=park, firm=firm, user_id=user_id)
    unread = visible.filter(is_read=False).count()  # type: ignore[misc]  # annotated by notice_list_for_firm
    return DashboardNotices(park=park, notices=list(visible[:limit]), unread=unread)
