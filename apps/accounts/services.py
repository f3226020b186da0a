"""Writes for users and invitations. Each runs inside the schema it is called in."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.billing import interface as billing
from core.errors import ApplicationError, NotAllowed, NotFound, ValidationFailed

from .models import Invitation, User

logger = logging.getLogger(__name__)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_create_owner(*, email: str, full_name: str, password_hash: str, language: str) -> User:
    """The firm's first user: its owner. Idempotent on the email (a resumed job finds it)."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name, role=User.Role.OWNER, language=language)
    user.password = password_hash
    user.role = User.Role.OWNER
    user.save()
    return user


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """A person's language follows them across devices."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unknown language."), fields={"language": [_("Unknown language.")]})
    user.language = language
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def invitation_create(*, actor: User, email: str, role: str, accept_url_base: str) -> tuple[Invitation, str]:
    """Owners and admins invite colleagues; the link works once and expires."""
    if not actor.can_manage_users:
        raise NotAllowed(_("Only owners and administrators can invite people."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            _("Enter a valid email address."), fields={"email": [_("Enter a valid email address.")]}
        ) from None
    if role not in Invitation.Role.values:
        raise ValidationFailed(_("Choose a role."), fields={"role": [_("Choose a valid role.")]})
    if User.objects.filter(email__iexact=email).exists():
        message = _("%(email)s already has an account in this firm.") % {"email": email}
        raise ValidationFailed(message, fields={"email": [message]})
    # An expired open invitation would block the new one: close it first.
    now = timezone.now()
    Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
    ).update(revoked_at=now)
    if Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True).exists():
        message = _("%(email)s has already been invited. Revoke that invitation to send a new one.") % {"email": email}
        raise ValidationFailed(message, fields={"email": [message]})

    # Open invitations hold a seat each: the plan's seat limit counts them with the active users.
    open_invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).count()
    billing.seats_check(adding=1, reserved=open_invitations)

    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                email=email,
                role=role,
                token_hash=_token_hash(token),
                invited_by=actor,
                expires_at=now + timedelta(days=settings.PARKSUITE_INVITATION_DAYS),
            )
    except IntegrityError:  # the same invitation sent twice at once (a double click)
        message = _("%(email)s has already been invited. Revoke that invitation to send a new one.") % {"email": email}
        raise ValidationFailed(message, fields={"email": [message]}) from None
    audit_record(action="invitation.created", actor=actor, obj=invitation, email=email, role=role)
    link = invitation_link(accept_url_base=accept_url_base, token=token)
    transaction.on_commit(lambda: _invitation_send(invitation=invitation, link=link))
    return invitation, token


def invitation_link(*, accept_url_base: str, token: str) -> str:
    return f"{accept_url_base.rstrip('/')}/invitations/{token}/"


def _invitation_send(*, invitation: Invitation, link: str) -> None:
    """Mail the link. A mail failure is logged, not raised: the invitation stands, and the
    inviter has the link on screen to share another way."""
    inviter = invitation.invited_by
    with translation.override(inviter.language):
        context = {"invitation": invitation, "link": link, "inviter": inviter}
        subject = _("%(name)s invites you to ParkSuite") % {"name": inviter.full_name}
        body = render_to_string("accounts/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:
        logger.exception("could not mail invitation %s", invitation.pk)


def invitation_for_token(*, token: str) -> Invitation:
    """The open invitation behind a link; expired, used or revoked links say so."""
    invitation = Invitation.objects.select_related("invited_by").filter(token_hash=_token_hash(token or "")).first()
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."), code="invitation_invalid")
    if invitation.accepted_at:
        raise ApplicationError(_("This invitation has already been used."), code="invitation_used")
    if invitation.revoked_at:
        raise ApplicationError(_("This invitation was withdrawn."), code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise ApplicationError(_("This invitation has expired. Ask for a new one."), code="invitation_expired")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str, language: str) -> User:
    """The invited person sets a name and password and becomes a user, once."""
    invitation = invitation_for_token(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ApplicationError(_("This invitation has already been used."), code="invitation_used")
    full_name = (full_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not full_name:
        errors["full_name"] = [_("Enter your name.")]
    elif len(full_name) > 150:
        errors["full_name"] = [_("Use at most 150 characters.")]
    candidate = User(email=invitation.email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if language not in dict(settings.LANGUAGES):
        language = invitation.invited_by.language
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ApplicationError(_("%(email)s already has an account in this firm.") % {"email": invitation.email})
    firm_id = billing.current_firm_id()
    billing.seats_check(firm_id=firm_id, adding=1)
    user = User.objects.create_user(
        invitation.email, password, full_name=full_name, role=invitation.role, language=language
    )
    if firm_id is not None:
        billing.seats_changed(firm_id=firm_id)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(action="invitation.accepted", actor=user, obj=invitation, role=invitation.role)
    return user


@transaction.atomic
def invitation_revoke(*, actor: User, invitation_id: int) -> Invitation:
    if not actor.can_manage_users:
        raise NotAllowed(_("Only owners and administrators can withdraw invitations."))
    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_open:
        raise NotFound(_("No open invitation with this id."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(action="invitation.revoked", actor=actor, obj=invitation, email=invitation.email)
    return invitation


def user_password_changed(*, user: User) -> None:
    """A new password ends every API token of the account: a stolen token dies with the old password."""
    from .tokens import api_tokens_revoke_all

    ended = api_tokens_revoke_all(user=user)
    audit_record(action="auth.password_changed", actor=user, obj=user, tokens_ended=ended)
