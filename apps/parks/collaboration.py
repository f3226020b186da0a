"""Collaboration requests between firms of one park, blocks, and the job that turns a request
into a lead in the recipient's CRM.

The sending firm is always the request's firm. A request is a public-schema row holding a copy of
the sender's contact; the job ``parks.collaboration_lead_create`` reads that row and, inside the
recipient's schema only, makes the lead (the recipient's data is never read from the sender's
request, and the sender's schema is never read at all).

Who answers: the recipient's owner and administrators, and its sales managers (CRM
``SalesRole`` manager). Taking on a partner is a business decision for the people who steer the
firm's sales; sales reps see the request and the lead, but do not commit the firm. Blocking
another firm is the same decision, so the same people may do it.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from apps.audit.services import audit_record
from core.errors import ApplicationError, Conflict, NotAllowed, NotFound, ValidationFailed

from .directory import (
    DirectoryProfile,
    contact_email_clean,
    contact_phone_clean,
    directory_profile_get,
    directory_profile_own,
    firm_park_id,
)
from .models import CollaborationRequest, FirmBlock

logger = logging.getLogger(__name__)

MAX_SUBJECT = 200
MAX_MESSAGE = 4000  # with the subject, the lead's notes stay under the CRM's 5,000 characters
MAX_CONTACT_PERSON = 100  # the CRM lead's name
MAX_ANSWER = 2000
DEFAULT_PER_DAY = 10
# Two numbers naming one advisory lock per sending firm (the first is this feature's namespace).
_LOCK_NAMESPACE = 5_0601


class RateLimited(ApplicationError):
    """Too many requests from one firm; ``retry_after`` seconds until the next one may go."""

    code = "rate_limited"
    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


def requests_per_day() -> int:
    return int(getattr(settings, "PARKSUITE_COLLAB_REQUESTS_PER_DAY", DEFAULT_PER_DAY))


def can_answer(user: Any) -> bool:
    """Owner, administrator or sales manager of the firm (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "can_manage_users", False):
        return True
    from apps.crm.interface import is_sales_manager

    return is_sales_manager(user)


def _answerer(user: Any) -> None:
    if not can_answer(user):
        raise NotAllowed(
            _("Only the firm's owner, an administrator or a sales manager answers collaboration requests."),
            code="collaboration_not_allowed",
        )


def _blocks(blocker_id: int, blocked_id: int) -> bool:
    return FirmBlock.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()


# --- sending ---------------------------------------------------------------------------------


def collaboration_defaults(*, firm: Any, user: Any) -> dict[str, str]:
    """The sender's contact for a new request: its own directory profile, else the person."""
    profile = directory_profile_own(firm=firm)
    if profile is not None:
        return {
            "contact_person": profile.contact_person,
            "contact_email": profile.contact_email,
            "contact_phone": profile.contact_phone,
        }
    return {
        "contact_person": getattr(user, "full_name", "") or "",
        "contact_email": getattr(user, "email", "") or "",
        "contact_phone": "",
    }


def _checked_fields(
    *, subject: str, message: str, contact_person: str, contact_email: str, contact_phone: str
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    values = {
        "subject": " ".join(str(subject or "").split()),
        "message": str(message or "").strip(),
        "contact_person": " ".join(str(contact_person or "").split()),
    }
    limits = {"subject": MAX_SUBJECT, "message": MAX_MESSAGE, "contact_person": MAX_CONTACT_PERSON}
    for field, limit in limits.items():
        if not values[field]:
            errors.setdefault(field, []).append(_("This field is required."))
        elif len(values[field]) > limit:
            errors.setdefault(field, []).append(_("At most %(limit)s characters.") % {"limit": limit})
    values["contact_email"] = contact_email_clean(contact_email, "contact_email", errors)
    values["contact_phone"] = contact_phone_clean(contact_phone, "contact_phone", errors)
    if not values["contact_email"] and not values["contact_phone"] and "contact_email" not in errors:
        errors.setdefault("contact_email", []).append(_("Give an email address or a phone number to reply to."))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return values


@transaction.atomic
def collaboration_request_send(
    *,
    sender: Any,
    actor: Any,
    profile_id: int,
    subject: str,
    message: str,
    contact_person: str,
    contact_email: str = "",
    contact_phone: str = "",
) -> CollaborationRequest:
    """Ask the firm of a profile in the same park to work together; the recipient's CRM gets a
    lead from a job queued in this transaction. Refused, with nothing written, when: the sender
    has no park, writes to itself, the profile is not in its park's directory, one firm blocked
    the other, a request to that firm is still waiting, or the daily limit is reached."""
    park_id = firm_park_id(sender)
    if park_id is None:
        raise Conflict(
            _("Your firm is not in an industrial park: collaboration requests go to firms of your own park."),
            code="no_park",
        )
    own = DirectoryProfile.objects.filter(pk=profile_id, firm_id=sender.pk).exists()
    if own:
        raise ValidationFailed(_("You cannot send a collaboration request to your own firm."), code="self_request")
    recipient_profile = directory_profile_get(firm=sender, profile_id=profile_id)
    recipient = recipient_profile.firm
    values = _checked_fields(
        subject=subject,
        message=message,
        contact_person=contact_person,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    # One sender at a time: the count of recent requests cannot be raced past the limit.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, sender.pk])
    if _blocks(recipient.pk, sender.pk):
        raise NotAllowed(_("This firm does not accept requests from you."), code="blocked")
    if _blocks(sender.pk, recipient.pk):
        raise Conflict(
            _("You blocked this firm. Unblock it (Blocked firms) before sending it a request."), code="you_blocked"
        )
    if CollaborationRequest.objects.filter(
        sender_id=sender.pk, recipient_id=recipient.pk, status=CollaborationRequest.Status.PENDING
    ).exists():
        raise Conflict(
            _("Your firm already has a request waiting for an answer from this firm."), code="already_pending"
        )
    limit = requests_per_day()
    now = timezone.now()
    recent = CollaborationRequest.objects.filter(sender_id=sender.pk, created_at__gte=now - timedelta(hours=24))
    if recent.count() >= limit:
        # The window rolls: the next request may go 24 hours after the oldest one in it.
        oldest = recent.order_by("created_at").values_list("created_at", flat=True).first() or now
        retry_after = math.ceil((oldest + timedelta(hours=24) - now).total_seconds())
        raise RateLimited(
            _(
                "Your firm has sent %(limit)s collaboration requests in the last 24 hours, the most allowed. "
                "Try again later."
            )
            % {"limit": limit},
            retry_after=retry_after,
        )
    request = CollaborationRequest.objects.create(
        park_id=park_id,
        sender_id=sender.pk,
        recipient_id=recipient.pk,
        sender_name=sender.name,
        sent_by=(getattr(actor, "email", "") or "")[:300],
        **values,
    )
    # Deferred in this transaction: the job exists exactly when the request does.
    collaboration_lead_create.defer(request_id=request.pk, schema_name=recipient.schema_name)
    audit_record(action="parks.collaboration_request_sent", actor=actor, obj=request, recipient_id=recipient.pk)
    logger.info("collaboration request %s queued for its lead", request.pk, extra={"schema": recipient.schema_name})
    return request


# --- reading ---------------------------------------------------------------------------------


def collaboration_request_list(*, firm: Any, box: str = "received", status: str = "") -> QuerySet[CollaborationRequest]:
    """The requests the firm received (``box="received"``) or sent (``"sent"``), newest first."""
    requests = CollaborationRequest.objects.select_related("sender", "recipient")
    requests = requests.filter(sender_id=firm.pk) if box == "sent" else requests.filter(recipient_id=firm.pk)
    if status in CollaborationRequest.Status.values:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at", "-id")


def collaboration_request_get(*, firm: Any, request_id: int) -> CollaborationRequest:
    """A request the firm sent or received; another firm's request is not found."""
    request = (
        CollaborationRequest.objects.select_related("sender", "recipient")
        .filter(Q(sender_id=firm.pk) | Q(recipient_id=firm.pk), pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound(_("No such collaboration request."))
    return request


def pending_received_count(*, firm: Any) -> int:
    return CollaborationRequest.objects.filter(recipient_id=firm.pk, status=CollaborationRequest.Status.PENDING).count()


# --- answering -------------------------------------------------------------------------------

DECISIONS = {
    "accept": CollaborationRequest.Status.ACCEPTED,
    "decline": CollaborationRequest.Status.DECLINED,
    "ignore": CollaborationRequest.Status.IGNORED,
}


@transaction.atomic
def collaboration_request_answer(
    *, firm: Any, actor: Any, request_id: int, decision: str, answer: str = ""
) -> CollaborationRequest:
    """The recipient accepts, declines (both with an optional answer the sender reads) or
    ignores a request (no answer is sent). A request is answered once."""
    _answerer(actor)
    request = CollaborationRequest.objects.select_for_update().filter(pk=request_id, recipient_id=firm.pk).first()
    if request is None:
        raise NotFound(_("No such collaboration request."))
    if decision not in DECISIONS:
        message = _("Choose accept, decline or ignore.")
        raise ValidationFailed(message, fields={"decision": [message]})
    answer = str(answer or "").strip()
    if len(answer) > MAX_ANSWER:
        message = _("At most %(limit)s characters.") % {"limit": MAX_ANSWER}
        raise ValidationFailed(message, fields={"answer": [message]})
    if decision == "ignore":
        answer = ""  # ignoring sends nothing back
    if request.status != CollaborationRequest.Status.PENDING:
        raise Conflict(
            _("This request was already answered (%(status)s).") % {"status": request.get_status_display()},
            code="already_answered",
        )
    request.status = DECISIONS[decision]
    request.answer = answer
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answer", "answered_at"])
    audit_record(action=f"parks.collaboration_request_{request.status}", actor=actor, obj=request)
    return request


# --- blocking --------------------------------------------------------------------------------


@transaction.atomic
def firm_block_create(
    *, firm: Any, actor: Any, profile_id: int | None = None, request_id: int | None = None
) -> FirmBlock:
    """Stop receiving requests from a firm, named by its directory profile or by a request it
    sent; its requests still waiting are ignored. Blocking twice keeps the one block."""
    _answerer(actor)
    if (profile_id is None) == (request_id is None):
        message = _("Name the firm to block by one of its requests or by its directory profile.")
        raise ValidationFailed(message, fields={"profile": [message]})
    if request_id is not None:
        received = CollaborationRequest.objects.filter(pk=request_id, recipient_id=firm.pk).first()
        if received is None:
            raise NotFound(_("No such collaboration request."))
        other_id = received.sender_id
    else:
        other_id = directory_profile_get(firm=firm, profile_id=int(profile_id or 0)).firm_id
    # The lock the blocked firm's sends take: a request of theirs cannot slip in after the block.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, other_id])
    block, created = FirmBlock.objects.get_or_create(blocker_id=firm.pk, blocked_id=other_id)
    if created:
        ignored = CollaborationRequest.objects.filter(
            sender_id=other_id, recipient_id=firm.pk, status=CollaborationRequest.Status.PENDING
        ).update(status=CollaborationRequest.Status.IGNORED, answered_at=timezone.now())
        audit_record(action="parks.firm_blocked", actor=actor, obj=block, blocked_id=other_id, ignored=ignored)
    return block


@transaction.atomic
def firm_block_delete(*, firm: Any, actor: Any, block_id: int) -> None:
    """Receive requests from a blocked firm again."""
    _answerer(actor)
    block = FirmBlock.objects.filter(pk=block_id, blocker_id=firm.pk).first()
    if block is None:
        raise NotFound(_("No such blocked firm."))
    audit_record(action="parks.firm_unblocked", actor=actor, obj=block, blocked_id=block.blocked_id)
    block.delete()


def firm_block_list(*, firm: Any) -> QuerySet[FirmBlock]:
    return FirmBlock.objects.filter(blocker_id=firm.pk).select_related("blocked").order_by("-created_at", "-id")


def firm_block_of(*, firm: Any, other_id: int) -> FirmBlock | None:
    return FirmBlock.objects.filter(blocker_id=firm.pk, blocked_id=other_id).first()


# --- the lead in the recipient's CRM -----------------------------------------------------------


def origin_ref(request_id: int) -> str:
    return f"park-collab-{request_id}"


def collaboration_lead_make(*, request_id: int, schema_name: str) -> int | None:
    """Make (or find, when retried) the recipient's lead for a request, inside the recipient's
    schema, and remember its id on the request. Reads the request row only (public schema)."""
    from tenants.models import Firm

    request = CollaborationRequest.objects.filter(pk=request_id).first()
    if request is None:
        logger.warning("collaboration request %s is gone; no lead made", request_id, extra={"schema": schema_name})
        return None
    recipient = (
        Firm.objects.filter(pk=request.recipient_id, purged_at__isnull=True)
        .values("schema_name", "language", "status")
        .first()
    )
    if recipient is None or recipient["schema_name"] != schema_name or recipient["status"] == Firm.Status.CLOSED:
        logger.warning(
            "collaboration request %s: its recipient is not this schema or is closed; no lead made",
            request_id,
            extra={"schema": schema_name},
        )
        return None
    if request.lead_id is not None:
        return request.lead_id
    from apps.crm.interface import lead_create_from_platform

    notes = f"{request.subject}\n\n{request.message}"
    if request.contact_phone:
        notes += f"\n\n{request.contact_phone}"
    with transaction.atomic():
        with schema_context(schema_name), translation.override(recipient["language"] or settings.LANGUAGE_CODE):
            lead_id = lead_create_from_platform(
                origin_ref=origin_ref(request.pk),
                name=request.contact_person,
                company=request.sender_name,
                email=request.contact_email,
                mobile=request.contact_phone,
                source=_("Park industry collaboration"),
                notes=notes,
            )
        CollaborationRequest.objects.filter(pk=request.pk).update(lead_id=lead_id)
    logger.info("collaboration request %s is lead %s", request_id, lead_id, extra={"schema": schema_name})
    return lead_id


@app.task(
    queue="default",
    name="parks.collaboration_lead_create",
    retry=RetryStrategy(max_attempts=6, exponential_wait=2),
)
def collaboration_lead_create(*, request_id: int, schema_name: str) -> None:
    """A collaboration request arrives in the recipient's CRM as a lead in the pool (公海)."""
    collaboration_lead_make(request_id=request_id, schema_name=schema_name)
