"""CRM writes: every rule of accounts, contacts, the lead pool, conversion and the pipeline.

Each function checks its input before it writes anything and runs in one transaction, so bad
input leaves nothing behind. Records the actor may not see are not found (404), never "denied".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed
from core.validators import credit_code_valid

from . import permissions
from .models import Account, Activity, Contact, CrmSettings, Lead, Opportunity, Stage, StageChange, Tag

_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalize_mobile(value: str) -> str:
    """A mainland mobile number as its 11 digits (spaces, dashes and +86 dropped); '' for none.

    Raises ValidationFailed for anything else.
    """
    digits = re.sub(r"[\s\-()\uff08\uff09]", "", value or "")  # full-width brackets too
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits:
        return ""
    if not _MOBILE.fullmatch(digits):
        message = _("Enter a mainland mobile number: 11 digits starting with 13-19.")
        raise ValidationFailed(message, fields={"mobile": [message]})
    return digits


def normalize_credit_code(value: str) -> str:
    code = (value or "").strip().upper()
    if code and not credit_code_valid(code):
        message = _("This is not a valid unified social credit code (18 characters, the last one a check character).")
        raise ValidationFailed(message, fields={"credit_code": [message]})
    return code


def _text(value: Any, field: str, *, limit: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("Fill in this field."), fields={field: [_("Required.")]})
    if len(text) > limit:
        message = _("At most %(limit)s characters.") % {"limit": limit}
        raise ValidationFailed(message, fields={field: [message]})
    return text


def crm_settings() -> CrmSettings:
    settings, _created = CrmSettings.objects.get_or_create(id=1)
    return settings


def _touch(lead: Lead | None) -> None:
    if lead is not None:
        Lead.objects.filter(pk=lead.pk).update(last_activity_at=timezone.now())


# --- accounts and contacts -------------------------------------------------------------------


@transaction.atomic
def account_create(*, actor: Any, name: str, credit_code: str = "", **fields: Any) -> Account:
    permissions.visible_owners(actor)
    account = Account(
        name=_text(name, "name", limit=200, required=True),
        credit_code=normalize_credit_code(credit_code),
        industry=_text(fields.get("industry"), "industry", limit=60),
        size=fields.get("size") or "",
        address=_text(fields.get("address"), "address", limit=300),
        owner=actor,
    )
    if account.size and account.size not in Account.Size.values:
        raise ValidationFailed(_("Choose a size from the list."), fields={"size": [_("Unknown size.")]})
    if account.credit_code and Account.objects.filter(credit_code=account.credit_code).exists():
        message = _("An account with this credit code already exists.")
        raise ValidationFailed(message, code="duplicate", fields={"credit_code": [message]})
    account.save()
    audit_record(action="crm.account_created", actor=actor, obj=account)
    return account


@transaction.atomic
def contact_create(
    *, actor: Any, name: str, mobile: str = "", email: str = "", position: str = "", account: Account | None = None
) -> Contact:
    permissions.visible_owners(actor)
    contact = Contact(
        name=_text(name, "name", limit=100, required=True),
        mobile=normalize_mobile(mobile),
        email=_text(email, "email", limit=254).lower(),
        position=_text(position, "position", limit=100),
        account=account,
        owner=actor,
    )
    if contact.email:
        try:
            validate_email(contact.email)
        except DjangoValidationError:
            message = _("Enter a valid email address.")
            raise ValidationFailed(message, fields={"email": [message]}) from None
    if contact.mobile and Contact.objects.filter(mobile=contact.mobile).exists():
        message = _("A contact with this mobile number already exists.")
        raise ValidationFailed(message, code="duplicate", fields={"mobile": [message]})
    contact.save()
    return contact


# --- leads and the pool ----------------------------------------------------------------------


@transaction.atomic
def lead_create(*, actor: Any, name: str, to_pool: bool = False, **fields: Any) -> Lead:
    permissions.visible_owners(actor)
    lead = Lead(
        name=_text(name, "name", limit=100, required=True),
        company=_text(fields.get("company"), "company", limit=200),
        credit_code=normalize_credit_code(fields.get("credit_code", "")),
        mobile=normalize_mobile(fields.get("mobile", "")),
        email=_text(fields.get("email"), "email", limit=254).lower(),
        source=_text(fields.get("source"), "source", limit=60),
        notes=_text(fields.get("notes"), "notes", limit=5000),
        owner=None if to_pool else actor,
        claimed_at=None if to_pool else timezone.now(),
        last_activity_at=timezone.now(),
    )
    lead.save()
    return lead


def _lead_for_update(actor: Any, lead_id: int, *, pool: bool) -> Lead:
    lead = permissions.scope(Lead.objects.select_for_update(of=("self",)), actor, pool=pool).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(_("No such lead."))
    return lead


@transaction.atomic
def lead_claim(*, actor: Any, lead_id: int) -> Lead:
    """Take a lead from the pool. Under concurrency exactly one claimer wins: the row is locked
    and the loser sees it owned."""
    permissions.visible_owners(actor)
    # Locked by id alone: a loser of a race waits here, then sees the winner's name on the row
    # and is told so (rather than "not found", as the pool-or-mine filter would answer).
    lead = Lead.objects.select_for_update(of=("self",)).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(_("No such lead."))
    if lead.owner_id is not None:
        if lead.owner_id == actor.pk:
            return lead
        raise Conflict(_("Someone else claimed this lead first."), code="lead_taken")
    if lead.status != Lead.Status.OPEN:
        raise Conflict(_("Only open leads can be claimed."), code="lead_closed")
    limit = crm_settings().claim_limit
    # Serialise one person's claims so two at once cannot both slip under the limit.
    get_user_model()._default_manager.select_for_update().filter(pk=actor.pk).first()
    if Lead.objects.filter(owner_id=actor.pk, status=Lead.Status.OPEN).count() >= limit:
        raise Conflict(
            _("You already hold %(limit)s open leads, the most allowed. Release or convert some first.")
            % {"limit": limit},
            code="claim_limit",
        )
    now = timezone.now()
    lead.owner, lead.claimed_at, lead.last_activity_at = actor, now, now
    lead.save(update_fields=["owner", "claimed_at", "last_activity_at", "updated_at"])
    audit_record(action="crm.lead_claimed", actor=actor, obj=lead)
    return lead


@transaction.atomic
def lead_release(*, actor: Any, lead_id: int) -> Lead:
    lead = _lead_for_update(actor, lead_id, pool=False)
    if lead.status != Lead.Status.OPEN:
        raise Conflict(_("Only open leads go back to the pool."), code="lead_closed")
    lead.owner, lead.claimed_at = None, None
    lead.save(update_fields=["owner", "claimed_at", "updated_at"])
    audit_record(action="crm.lead_released", actor=actor, obj=lead)
    return lead


def leads_return_stale(*, now: Any = None) -> int:
    """Open leads nobody touched for the firm's number of days go back to the pool."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=crm_settings().pool_return_days)
    stale = Lead.objects.filter(status=Lead.Status.OPEN, owner__isnull=False).filter(
        Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, claimed_at__lt=cutoff)
    )
    return stale.update(owner=None, claimed_at=None, updated_at=now)


# --- conversion ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    account: Account
    contact: Contact | None
    opportunity: Opportunity | None
    merged: bool


def conversion_match(lead: Lead) -> Account | None:
    """The existing account a lead would merge into: same credit code, else same name."""
    if lead.credit_code:
        found = Account.objects.filter(credit_code=lead.credit_code).first()
        if found:
            return found
    if lead.company:
        return Account.objects.filter(name=lead.company).order_by("id").first()
    return None


@transaction.atomic
def lead_convert(
    *,
    actor: Any,
    lead_id: int,
    merge_into: int | None = None,
    opportunity_name: str = "",
    amount: Decimal | str | None = None,
    expected_close: date | None = None,
) -> Conversion:
    """Lead → account + contact + opportunity, all or nothing.

    If an account with the lead's credit code or company name exists, the caller must confirm
    the merge by passing its id as ``merge_into``; otherwise the conversion is refused with
    the match, so nobody creates a duplicate by accident.
    """
    lead = _lead_for_update(actor, lead_id, pool=False)
    if lead.status != Lead.Status.OPEN:
        raise Conflict(_("This lead is already converted or closed."), code="lead_closed")
    match = conversion_match(lead)
    if match is not None and merge_into != match.pk:
        raise Conflict(
            _("An account %(name)s already matches this lead. Confirm merging into it.") % {"name": match.name},
            code="merge_confirmation_needed",
            fields={"merge_into": [str(match.pk)]},
        )
    if match is None and merge_into is not None:
        raise ValidationFailed(
            _("Nothing matches this lead to merge into."), fields={"merge_into": [_("No matching account.")]}
        )
    if match is not None:
        account, merged = match, True
    else:
        account = account_create(
            actor=actor, name=lead.company or lead.name, credit_code=lead.credit_code
        )  # validated again: the lead's code may predate the rule
        merged = False
    contact = None
    if lead.mobile:
        contact = Contact.objects.filter(mobile=lead.mobile).first()
    if contact is None:
        try:
            with transaction.atomic():
                contact = contact_create(
                    actor=actor, name=lead.name, mobile=lead.mobile, email=lead.email, account=account
                )
        except IntegrityError:  # the same mobile arrived at the same moment
            contact = Contact.objects.get(mobile=lead.mobile)
    opportunity = None
    if opportunity_name or amount not in (None, ""):
        opportunity = opportunity_create(
            actor=actor,
            name=opportunity_name or account.name,
            account_id=account.pk,
            contact_id=contact.pk if contact else None,
            amount=amount if amount not in (None, "") else "0",
            expected_close=expected_close,
            lead=lead,
        )
    lead.status, lead.converted_account = Lead.Status.CONVERTED, account
    lead.save(update_fields=["status", "converted_account", "updated_at"])
    Activity.objects.filter(lead=lead).update(account=account)
    audit_record(action="crm.lead_converted", actor=actor, obj=lead, account=account.pk, merged=merged)
    return Conversion(account=account, contact=contact, opportunity=opportunity, merged=merged)


# --- pipeline --------------------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter the amount as a number."), fields={"amount": [_("Enter a number.")]}) from None
    if amount < 0 or amount >= Decimal("1e12"):
        message = _("The amount must be between 0 and 999,999,999,999.99.")
        raise ValidationFailed(message, fields={"amount": [message]})
    return amount


def first_open_stage() -> Stage:
    stage = Stage.objects.filter(kind=Stage.Kind.OPEN).order_by("position", "id").first()
    if stage is None:
        raise ValidationFailed(_("Set up at least one open stage first."), fields={"stage": [_("No open stage.")]})
    return stage


@transaction.atomic
def opportunity_create(
    *,
    actor: Any,
    name: str,
    account_id: int,
    amount: Any = "0",
    contact_id: int | None = None,
    stage_id: int | None = None,
    expected_close: date | None = None,
    lead: Lead | None = None,
) -> Opportunity:
    account = permissions.scope(Account.objects.all(), actor).filter(pk=account_id).first()
    if account is None:
        raise ValidationFailed(_("Choose one of your accounts."), fields={"account": [_("No such account.")]})
    contact = None
    if contact_id is not None:
        contact = permissions.scope(Contact.objects.all(), actor).filter(pk=contact_id).first()
        if contact is None:
            raise ValidationFailed(_("Choose one of your contacts."), fields={"contact": [_("No such contact.")]})
    stage = first_open_stage() if stage_id is None else Stage.objects.filter(pk=stage_id, kind="open").first()
    if stage is None:
        raise ValidationFailed(_("Choose an open stage."), fields={"stage": [_("No such open stage.")]})
    opportunity = Opportunity.objects.create(
        name=_text(name, "name", limit=200, required=True),
        account=account,
        contact=contact,
        amount=_amount(amount),
        stage=stage,
        probability=stage.probability,
        expected_close=expected_close,
        owner=actor,
        lead=lead,
    )
    StageChange.objects.create(opportunity=opportunity, from_stage=None, to_stage=stage, by=actor)
    return opportunity


def _opportunity_for_update(actor: Any, opportunity_id: int) -> Opportunity:
    found = (
        permissions.scope(Opportunity.objects.select_for_update(of=("self",)), actor)
        .filter(pk=opportunity_id)
        .select_related("stage")
        .first()
    )
    if found is None:
        raise NotFound(_("No such opportunity."))
    return found


@transaction.atomic
def opportunity_move(*, actor: Any, opportunity_id: int, stage_id: int, lost_reason: str = "") -> Opportunity:
    """Move to another stage (won and lost included; lost needs a reason). History is kept."""
    opportunity = _opportunity_for_update(actor, opportunity_id)
    stage = Stage.objects.filter(pk=stage_id).first()
    if stage is None:
        raise ValidationFailed(_("Choose a stage from the pipeline."), fields={"stage": [_("No such stage.")]})
    if stage.pk == opportunity.stage_id:
        return opportunity
    reason = _text(lost_reason, "lost_reason", limit=300)
    if stage.kind == Stage.Kind.LOST and not reason:
        message = _("Say why the opportunity was lost.")
        raise ValidationFailed(message, fields={"lost_reason": [message]})
    previous = opportunity.stage
    opportunity.stage, opportunity.probability = stage, stage.probability
    opportunity.closed_at = timezone.now() if stage.kind != Stage.Kind.OPEN else None
    opportunity.lost_reason = reason if stage.kind == Stage.Kind.LOST else ""
    opportunity.save(update_fields=["stage", "probability", "closed_at", "lost_reason", "updated_at"])
    StageChange.objects.create(
        opportunity=opportunity, from_stage=previous, to_stage=stage, by=actor, note=opportunity.lost_reason
    )
    return opportunity


def _closing_stage(kind: str) -> Stage:
    stage = Stage.objects.filter(kind=kind).order_by("position", "id").first()
    if stage is None:
        raise ValidationFailed(_("The pipeline has no stage for this outcome."), fields={"stage": [_("Missing.")]})
    return stage


def opportunity_win(*, actor: Any, opportunity_id: int) -> Opportunity:
    return opportunity_move(actor=actor, opportunity_id=opportunity_id, stage_id=_closing_stage(Stage.Kind.WON).pk)


def opportunity_lose(*, actor: Any, opportunity_id: int, reason: str) -> Opportunity:
    return opportunity_move(
        actor=actor, opportunity_id=opportunity_id, stage_id=_closing_stage(Stage.Kind.LOST).pk, lost_reason=reason
    )


# --- activities ------------------------------------------------------------------------------

_TARGETS = {"account": Account, "contact": Contact, "lead": Lead, "opportunity": Opportunity}


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    kind: str,
    subject: str,
    about: str,
    about_id: int,
    body: str = "",
    due_at: Any = None,
    remind_at: Any = None,
) -> Activity:
    """An activity on one record the actor sees; it keeps a lead out of the pool's return."""
    if kind not in Activity.Kind.values:
        raise ValidationFailed(_("Choose call, meeting, task or note."), fields={"kind": [_("Unknown kind.")]})
    model = _TARGETS.get(about)
    if model is None:
        raise ValidationFailed(_("Say what the activity is about."), fields={"about": [_("Unknown record type.")]})
    target = permissions.scope(model._default_manager.all(), actor).filter(pk=about_id).first()
    if target is None:
        raise NotFound(_("No such record."))
    if remind_at and due_at and remind_at > due_at:
        message = _("The reminder must come before the due time.")
        raise ValidationFailed(message, fields={"remind_at": [message]})
    activity = Activity.objects.create(
        kind=kind,
        subject=_text(subject, "subject", limit=200, required=True),
        body=_text(body, "body", limit=5000),
        due_at=due_at,
        remind_at=remind_at,
        done=kind == Activity.Kind.NOTE,
        owner=actor,
        **{about: target},
    )
    _touch(target if isinstance(target, Lead) else None)
    return activity


@transaction.atomic
def activity_complete(*, actor: Any, activity_id: int) -> Activity:
    activity = permissions.scope(Activity.objects.select_for_update(of=("self",)), actor).filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("No such activity."))
    if not activity.done:
        activity.done = True
        activity.save(update_fields=["done"])
        _touch(activity.lead)
    return activity


# --- tags ------------------------------------------------------------------------------------

_TAGGED = {"account": Account, "contact": Contact, "lead": Lead}


@transaction.atomic
def tags_set(*, actor: Any, about: str, about_id: int, names: list[str]) -> list[str]:
    """Replace a record's tags; tags are created on first use (at most 20 per record, 40
    characters each)."""
    model = _TAGGED.get(about)
    if model is None:
        message = _("Tags go on accounts, contacts and leads.")
        raise ValidationFailed(message, fields={"about": [_("Unknown record type.")]})
    target = permissions.scope(model._default_manager.all(), actor, pool=about == "lead").filter(pk=about_id).first()
    if target is None:
        raise NotFound(_("No such record."))
    clean = sorted({str(name).strip() for name in names if str(name).strip()})
    if len(clean) > 20 or any(len(name) > 40 for name in clean):
        message = _("At most 20 tags, each at most 40 characters.")
        raise ValidationFailed(message, fields={"tags": [message]})
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=clean)}
    Tag.objects.bulk_create([Tag(name=name) for name in clean if name not in existing], ignore_conflicts=True)
    target.tags.set(Tag.objects.filter(name__in=clean))
    return clean
