"""CRM extras: documents kept with records, saved filters on the lists, activity reminders.

Documents live under ``MEDIA_ROOT/<schema>/crm/attachments/`` (firm backups carry them) and are
downloaded only by people who see the record they belong to.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed
from core.uploads import DOCUMENT_KINDS, checked_upload

from . import permissions
from .models import Account, Activity, Attachment, Contact, Lead, Opportunity, SavedFilter

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_RECORD = 50
TARGETS = {"account": Account, "contact": Contact, "lead": Lead, "opportunity": Opportunity}


def _target(actor: Any, about: str, about_id: Any) -> Any:
    model = TARGETS.get(about)
    if model is None:
        raise ValidationFailed(_("Say what the document belongs to."), fields={"about": [_("Unknown record type.")]})
    try:
        pk = int(about_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such record.")) from None
    target = permissions.scope(model._default_manager.all(), actor, pool=about == "lead").filter(pk=pk).first()
    if target is None:
        raise NotFound(_("No such record."))
    return target


# --- documents -------------------------------------------------------------------------------


def attachment_dir() -> Path:
    """This firm's CRM documents: the path carries the schema."""
    return Path(settings.MEDIA_ROOT) / connection.schema_name / "crm" / "attachments"  # type: ignore[attr-defined]


@transaction.atomic
def attachment_add(*, actor: Any, about: str, about_id: Any, name: str, content: bytes) -> Attachment:
    target = _target(actor, about, about_id)
    upload = checked_upload(
        name, content, kinds=DOCUMENT_KINDS, max_bytes=MAX_BYTES, accepted="PDF, OFD, XML, XLSX, DOCX, PNG, JPEG"
    )
    type(target).objects.select_for_update().filter(pk=target.pk).first()  # one upload at a time per record
    if Attachment.objects.filter(**{about: target}).count() >= MAX_PER_RECORD:
        raise Conflict(_("A record keeps at most %(n)d documents.") % {"n": MAX_PER_RECORD}, code="too_many_files")
    stored_as = f"{uuid.uuid4().hex}{upload.suffix}"
    directory = attachment_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / stored_as
    path.write_bytes(content)  # before the row: a row never points at a missing file
    try:
        attachment = Attachment.objects.create(
            name=upload.name,
            content_type=upload.content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            stored_as=stored_as,
            uploaded_by=actor,
            **{about: target},
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    audit_record(action="crm.attachment_added", actor=actor, obj=target, file=upload.name, size=len(content))
    return attachment


def attachment_list(*, actor: Any, about: str, about_id: Any) -> QuerySet[Attachment]:
    target = _target(actor, about, about_id)
    return Attachment.objects.filter(**{about: target}).select_related("uploaded_by")


def attachment_get(*, actor: Any, attachment_id: Any) -> Attachment:
    """A document whose record the actor sees; anything else is not found."""
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such document.")) from None
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise NotFound(_("No such document."))
    for about in TARGETS:
        target_id = getattr(attachment, f"{about}_id")
        if target_id is not None:
            _target(actor, about, target_id)  # raises NotFound when the record is not theirs
            return attachment
    raise NotFound(_("No such document."))


def attachment_path(attachment: Attachment) -> Path:
    path = attachment_dir() / attachment.stored_as
    if not path.is_file():
        raise NotFound(_("The document's file is missing."))
    return path


@transaction.atomic
def attachment_delete(*, actor: Any, attachment_id: Any) -> None:
    attachment = attachment_get(actor=actor, attachment_id=attachment_id)
    path = attachment_dir() / attachment.stored_as
    audit_record(action="crm.attachment_deleted", actor=actor, obj=attachment, file=attachment.name)
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


# --- saved filters ---------------------------------------------------------------------------

# What each list's filter may hold; anything else in a query string is dropped.
FILTER_KEYS = {
    "leads": ("q", "status", "sort"),
    "pool": ("q",),
    "accounts": ("q", "industry", "tag", "sort"),
    "contacts": ("q", "sort"),
}


def saved_filter_list(*, actor: Any, list_name: str) -> QuerySet[SavedFilter]:
    permissions.visible_owners(actor)
    return SavedFilter.objects.filter(user_id=actor.pk, list_name=list_name)


@transaction.atomic
def saved_filter_save(*, actor: Any, list_name: str, name: str, query: str) -> SavedFilter:
    """Save the list's current filter under a name (the same name again replaces it)."""
    permissions.visible_owners(actor)
    if list_name not in FILTER_KEYS:
        raise ValidationFailed(_("Choose one of the CRM lists."), fields={"list_name": [_("Unknown list.")]})
    name = (name or "").strip()
    if not name or len(name) > 60:
        message = _("Name the filter (at most 60 characters).")
        raise ValidationFailed(message, fields={"name": [message]})
    given = QueryDict(query or "")
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS[list_name]:
        value = (given.get(key) or "").strip()[:100]
        if value:
            kept[key] = value
    if not kept:
        message = _("Filter or search the list first: there is nothing to save.")
        raise ValidationFailed(message, fields={"query": [message]})
    if SavedFilter.objects.filter(user_id=actor.pk).count() >= 100:
        raise Conflict(_("You keep at most 100 saved filters."), code="too_many_filters")
    saved, _created = SavedFilter.objects.update_or_create(
        user_id=actor.pk, list_name=list_name, name=name, defaults={"query": kept.urlencode()}
    )
    return saved


def saved_filter_delete(*, actor: Any, filter_id: Any) -> None:
    try:
        pk = int(filter_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such saved filter.")) from None
    deleted, _rows = SavedFilter.objects.filter(pk=pk, user_id=actor.pk).delete()
    if not deleted:
        raise NotFound(_("No such saved filter."))


# --- activity reminders ----------------------------------------------------------------------


def activity_reminders_send(*, now: Any = None) -> int:
    """Mail each person once about their open activities whose reminder time has come."""
    now = now or timezone.now()
    due = list(
        Activity.objects.filter(done=False, remind_at__lte=now, reminded_at__isnull=True, owner__is_active=True)
        .select_related("owner")
        .order_by("owner_id", "due_at", "id")
    )
    by_owner: dict[Any, list[Activity]] = {}
    for activity in due:
        by_owner.setdefault(activity.owner, []).append(activity)
    for owner, activities in by_owner.items():
        with translation.override(getattr(owner, "language", "") or None):
            lines = [
                _("%(kind)s: %(subject)s, due %(due)s")
                % {
                    "kind": activity.get_kind_display(),
                    "subject": activity.subject,
                    "due": timezone.localtime(activity.due_at).strftime("%Y-%m-%d %H:%M") if activity.due_at else "—",
                }
                for activity in activities
            ]
            send_mail(
                subject=ngettext("CRM reminder: %(n)d activity", "CRM reminder: %(n)d activities", len(activities))
                % {"n": len(activities)},
                message="\n".join(lines),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[owner.email],
            )
    Activity.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)
    return len(due)
