"""A firm's life after sign-up: suspend, reactivate, close (with a grace period), purge, rename.

Every transition is one transaction and leaves a FirmEvent saying who, when and why.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import ApplicationError, NotFound, ValidationFailed
from core.tenancy import forget_hosts

from .models import Domain, Firm, FirmEvent
from .validators import validate_firm_slug

logger = logging.getLogger(__name__)

GRACE_DAYS = 30
REDIRECT_DAYS = 30


def _locked(firm_id: int) -> Firm:
    # Platform tables are reached through the search path from a firm's own host too, so an
    # owner's request never leaves its schema (its session must be saved there).
    firm = Firm.objects.select_for_update().filter(pk=firm_id).exclude(schema_name="public").first()
    if firm is None:
        raise NotFound(_("No such firm."))
    return firm


def _refuse(firm: Firm) -> ApplicationError:
    return ApplicationError(
        _("%(firm)s is %(status)s, so this cannot be done now.")
        % {"firm": firm.slug, "status": firm.get_status_display()},
        code="invalid_transition",
    )


def _record(firm: Firm, action: str, *, actor: str, reason: str = "", **data: object) -> FirmEvent:
    logger.info("firm %s (%s): %s by %s", firm.slug, firm.schema_name, action, actor)
    # Into the log of whoever acted: the firm's own (an owner) or the platform's (an operator).
    audit_record(action=f"firm.{action}", actor=actor, obj=firm, reason=reason or None, details=data)
    return FirmEvent.objects.create(firm=firm, action=action, actor=actor[:300], reason=reason, data=data)


def _set_status(firm: Firm, status: str, **fields: object) -> None:
    firm.status = status
    for name, value in fields.items():
        setattr(firm, name, value)
    firm.save(update_fields=["status", "updated_at", *fields])


@transaction.atomic
def firm_suspend(*, firm_id: int, actor: str, reason: str) -> Firm:
    """An operator stops a firm's work; its data stays as it is and its people can still read it."""
    firm = _locked(firm_id)
    if firm.status != Firm.Status.ACTIVE:
        raise _refuse(firm)
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the firm is suspended."), fields={"reason": [_("This field is required.")]})
    _set_status(firm, Firm.Status.SUSPENDED, status_reason=reason.strip())
    _record(firm, FirmEvent.Action.SUSPENDED, actor=actor, reason=reason.strip())
    return firm


@transaction.atomic
def firm_reactivate(*, firm_id: int, actor: str, reason: str = "") -> Firm:
    firm = _locked(firm_id)
    if firm.status != Firm.Status.SUSPENDED:
        raise _refuse(firm)
    _set_status(firm, Firm.Status.ACTIVE, status_reason="")
    _record(firm, FirmEvent.Action.REACTIVATED, actor=actor, reason=reason)
    return firm


@transaction.atomic
def firm_close_request(
    *, firm_id: int, actor: str, confirm_slug: str, reason: str = "", by_owner: bool = False
) -> Firm:
    """The firm closes: readable for GRACE_DAYS (to export), then its data is deleted for good."""
    firm = _locked(firm_id)
    if firm.status not in (Firm.Status.ACTIVE, Firm.Status.SUSPENDED):
        raise _refuse(firm)
    if (confirm_slug or "").strip() != firm.slug:
        message = _("Type the firm's address, %(slug)s, to confirm.") % {"slug": firm.slug}
        raise ValidationFailed(message, fields={"confirm_slug": [message]})
    previous = firm.status
    purge_after = timezone.now() + timedelta(days=GRACE_DAYS)
    _set_status(firm, Firm.Status.CLOSED, purge_after=purge_after)
    _record(
        firm,
        FirmEvent.Action.CLOSE_REQUESTED,
        actor=actor,
        reason=reason,
        previous_status=previous,
        purge_after=purge_after.isoformat(),
        by_owner=by_owner,
    )
    return firm


@transaction.atomic
def firm_close_cancel(*, firm_id: int, actor: str, by_owner: bool = False) -> Firm:
    """Changed our minds within the grace period: the firm returns to where it was.

    An owner may take back only a closure the owner asked for, not one an operator made.
    """
    firm = _locked(firm_id)
    if firm.status != Firm.Status.CLOSED or firm.purged_at:
        raise _refuse(firm)
    requested = firm.events.filter(action=FirmEvent.Action.CLOSE_REQUESTED).first()
    if by_owner and not (requested and requested.data.get("by_owner")):
        raise ApplicationError(
            _("ParkSuite closed this firm; only ParkSuite support can reopen it."), code="closed_by_operator"
        )
    previous = (requested.data.get("previous_status") if requested else None) or Firm.Status.ACTIVE
    _set_status(firm, previous, purge_after=None)
    _record(firm, FirmEvent.Action.CLOSE_CANCELLED, actor=actor, restored_status=previous)
    return firm


@transaction.atomic
def firm_purge(*, firm_id: int, actor: str = "system: grace period ended") -> Firm:
    """Drop a closed firm's schema once its grace period is over, and free its address."""
    firm = _locked(firm_id)
    if firm.status != Firm.Status.CLOSED or firm.purged_at:
        raise _refuse(firm)
    if firm.purge_after is None or firm.purge_after > timezone.now():
        raise ApplicationError(
            _("The grace period of %(firm)s has not ended yet.") % {"firm": firm.slug}, code="grace_period"
        )
    old_slug, schema = firm.slug, firm.schema_name
    hosts = list(Domain.objects.filter(tenant=firm).values_list("domain", flat=True))
    Domain.objects.filter(tenant=firm).delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    # The slug is freed for someone else; the row stays, with its history.
    _set_status(firm, Firm.Status.CLOSED, slug=f"closed-{firm.pk}", purged_at=timezone.now())
    forget_hosts(hosts)
    # Its files (exports, attachments) go too, once the purge is committed.
    transaction.on_commit(lambda: shutil.rmtree(Path(settings.MEDIA_ROOT) / schema, ignore_errors=True))
    _record(firm, FirmEvent.Action.PURGED, actor=actor, old_slug=old_slug, schema=schema)
    return firm


def firm_purge_due() -> list[str]:
    """Purge every closed firm whose grace period has ended; drop expired redirects."""
    purged = []
    due = Firm.objects.filter(status=Firm.Status.CLOSED, purged_at__isnull=True, purge_after__lte=timezone.now())
    for firm_id in due.values_list("pk", flat=True):
        try:
            purged.append(firm_purge(firm_id=firm_id).schema_name)
        except Exception:  # one firm's failure must not keep the others' data around
            logger.exception("could not purge firm %s", firm_id)
    expired = Domain.objects.filter(redirect_until__lte=timezone.now())
    hosts = list(expired.values_list("domain", flat=True))
    expired.delete()
    forget_hosts(hosts)
    return purged


def slug_is_free(slug: str, *, firm: Firm | None = None) -> bool:
    host = f"{slug}.{settings.PARKSUITE_DOMAIN}"
    taken_by_firm = Firm.objects.filter(slug=slug).exclude(pk=getattr(firm, "pk", None)).exists()
    taken_by_host = Domain.objects.filter(domain=host).exclude(tenant_id=getattr(firm, "pk", None)).exists()
    return not (taken_by_firm or taken_by_host)


@transaction.atomic
def firm_slug_change(*, firm_id: int, new_slug: str, actor: str) -> Firm:
    """A new address; the old one redirects there for REDIRECT_DAYS and stays reserved meanwhile."""
    firm = _locked(firm_id)
    if firm.status != Firm.Status.ACTIVE:
        raise _refuse(firm)
    new_slug = (new_slug or "").strip()
    try:
        validate_firm_slug(new_slug)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={"slug": list(exc.messages)}) from None
    if new_slug == firm.slug:
        raise ValidationFailed(_("This is already the firm's address."), fields={"slug": [_("Choose a new address.")]})
    if not slug_is_free(new_slug, firm=firm):
        raise ValidationFailed(
            _("This address is already taken."), fields={"slug": [_("This address is already taken.")]}
        )
    old_slug, old_host = firm.slug, firm.host
    until = timezone.now() + timedelta(days=REDIRECT_DAYS)
    new_host = f"{new_slug}.{settings.PARKSUITE_DOMAIN}"
    existing = Domain.objects.filter(domain=new_host, tenant=firm).first()  # renaming back within 30 days
    Domain.objects.filter(tenant=firm, domain=old_host).update(is_primary=False, redirect_until=until)
    if existing:
        Domain.objects.filter(pk=existing.pk).update(is_primary=True, redirect_until=None, is_active=True)
    else:
        Domain.objects.create(domain=new_host, tenant=firm, is_primary=True, is_active=True)
    Domain.objects.filter(tenant=firm).exclude(domain=new_host).update(is_primary=False)
    firm.slug = new_slug
    firm.save(update_fields=["slug", "updated_at"])
    forget_hosts([old_host, new_host])
    _record(
        firm,
        FirmEvent.Action.RENAMED,
        actor=actor,
        old_slug=old_slug,
        new_slug=new_slug,
        redirect_until=until.isoformat(),
    )
    return firm


def actor_label(user: object, *, where: str) -> str:
    """How an actor is written in the history: email, role and where they acted."""
    email = getattr(user, "email", "") or "?"
    role = getattr(user, "role", "") or "?"
    return f"{email} ({role}, {where})"
