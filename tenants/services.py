"""Sign-up and provisioning: a firm goes from a form to its own ready schema."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists

from apps.parks.models import Park
from core.errors import ApplicationError, NotFound, ValidationFailed
from core.locks import schema_lock_name, try_advisory_lock
from core.tenancy import forget_hosts, use_public_schema

from .models import Domain, Firm, Signup, new_schema_name
from .pool import pool_top_up_enqueue, spare_claim
from .validators import validate_firm_slug

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignupInput:
    firm_name: str
    slug: str
    owner_name: str
    email: str
    password: str
    language: str
    # A park chosen at sign-up: the firm asks to join it and waits for the park's approval.
    park_id: int | None = None


def signup_validate(data: SignupInput) -> dict[str, list[str]]:
    """Every field's problems, all at once, so the form can show them together."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(str(message))

    firm_name = data.firm_name.strip()
    if not firm_name:
        add("firm_name", _("Enter your firm's name."))
    elif len(firm_name) > 200:
        add("firm_name", _("Use at most 200 characters."))

    slug = data.slug.strip()
    try:
        validate_firm_slug(slug)
    except ValidationError as exc:
        for message in exc.messages:
            add("slug", message)
    else:
        from .lifecycle import slug_is_free

        if not slug_is_free(slug):
            add("slug", _("This address is already taken."))

    owner_name = data.owner_name.strip()
    if not owner_name:
        add("owner_name", _("Enter your name."))
    elif len(owner_name) > 150:
        add("owner_name", _("Use at most 150 characters."))

    email = data.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        add("email", _("Enter a valid email address."))
    else:
        if len(email) > 254:
            add("email", _("Use at most 254 characters."))
        elif Signup.objects.filter(owner_email__iexact=email).exists():
            add("email", _("This email has already been used to sign up a firm. Sign in instead."))

    if data.language not in dict(settings.LANGUAGES):
        add("language", _("Choose a language."))

    if data.park_id is not None and not Park.objects.filter(pk=data.park_id).exists():
        add("park", _("Choose a park from the list."))

    if not data.password:
        add("password", _("Choose a password."))
    else:
        from apps.accounts.models import User

        try:
            validate_password(data.password, user=User(email=email, full_name=owner_name))
        except ValidationError as exc:
            for message in exc.messages:
                add("password", message)
    return errors


@transaction.atomic
def signup_create(data: SignupInput, *, invitation_token: str = "") -> Signup:
    """Create the firm as provisioning and enqueue its provisioning, in one transaction.

    Through a park's invitation link the firm is in that park at once and the invitation is
    used; a firm that chose a park itself waits for the park's approval (a join request)."""
    from apps.parks import onboarding

    # Locked first: two sign-ups through the same link cannot both use it. A refused sign-up
    # rolls back and leaves the invitation open.
    invitation = onboarding.park_invitation_for_token(token=invitation_token, lock=True) if invitation_token else None
    errors = signup_validate(data)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    spare = spare_claim()
    try:
        with transaction.atomic():
            firm = Firm(
                schema_name=spare or new_schema_name(),
                name=data.firm_name.strip(),
                slug=data.slug.strip(),
                language=data.language,
                status=Firm.Status.PROVISIONING,
            )
            firm.save()
            Domain.objects.create(domain=firm.host, tenant=firm, is_primary=True, is_active=False)
            signup = Signup.objects.create(
                firm=firm,
                owner_name=data.owner_name.strip(),
                owner_email=data.email.strip().lower(),
                password_hash=make_password(data.password),
                language=data.language,
            )
    except IntegrityError:
        # Another sign-up took the slug or email between our check and our insert.
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"slug": [_("This address or email was just taken. Please try again.")]},
        ) from None
    if spare:
        _firm_activate_on_spare(firm=firm, signup=signup)
        transaction.on_commit(pool_top_up_enqueue)
        logger.info("firm %s (%s) signed up on a spare schema; active", firm.slug, firm.schema_name)
    else:
        firm_provisioning_enqueue(firm=firm)
        logger.info("firm %s (%s) signed up; provisioning queued", firm.slug, firm.schema_name)
    if invitation is not None:
        onboarding.park_invitation_accept(invitation=invitation, firm=firm)
    elif data.park_id is not None:
        onboarding.join_request_at_signup(firm=firm, park_id=data.park_id)
    return signup


def _firm_activate_on_spare(*, firm: Firm, signup: Signup) -> None:
    """The spare is already migrated: create the owner and open the firm, in this transaction."""
    from apps.accounts.services import user_create_owner

    with schema_context(firm.schema_name):
        user_create_owner(
            email=signup.owner_email,
            full_name=signup.owner_name,
            password_hash=signup.password_hash,
            language=signup.language,
        )
    _firm_open(firm=firm, signup=signup)


def _firm_open(*, firm: Firm, signup: Signup) -> None:
    """The last step of provisioning: the domain routes, the firm is active, the hash is gone."""
    now = timezone.now()
    Domain.objects.filter(tenant=firm).update(is_active=True)
    forget_hosts(Domain.objects.filter(tenant=firm).values_list("domain", flat=True))
    firm.status = Firm.Status.ACTIVE
    firm.status_reason = ""
    firm.activated_at = now
    firm.save(update_fields=["status", "status_reason", "activated_at", "updated_at"])
    Signup.objects.filter(pk=signup.pk).update(password_hash="", completed_at=now)
    # Every new firm starts on the trial plan (no card), unless it has a subscription already.
    from apps.billing.interface import subscription_trial_ensure

    subscription_trial_ensure(firm_id=firm.pk)


def firm_provisioning_enqueue(*, firm: Firm) -> bool:
    """Queue the firm's provisioning; False when a job for it is already waiting."""
    from procrastinate.exceptions import AlreadyEnqueued

    from .jobs import provision_firm

    # The queueing lock keeps one waiting job per firm however often this is called; the
    # savepoint keeps a refused insert from spoiling the caller's transaction.
    try:
        with transaction.atomic():
            provision_firm.configure(queueing_lock=f"provision:{firm.schema_name}").defer(
                firm_id=firm.pk, schema_name=firm.schema_name
            )
    except AlreadyEnqueued:
        return False
    return True


def firm_schema_lock(schema_name: str) -> AbstractContextManager[bool]:
    """The one lock that provisioning and migrating a schema share; yields whether it was taken."""
    return try_advisory_lock(schema_lock_name(schema_name))


def firm_provision(*, firm_id: int) -> Firm:
    """Bring a firm to active: schema, migrations, owner, domain. Safe to run again."""
    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        raise NotFound(_("No such firm."))
    if firm.status == Firm.Status.ACTIVE:
        return firm
    if firm.status != Firm.Status.PROVISIONING:
        raise ApplicationError(
            _("Firm %(slug)s is %(status)s, not provisioning.") % {"slug": firm.slug, "status": firm.status},
            code="not_provisioning",
        )
    with firm_schema_lock(firm.schema_name) as acquired:
        if not acquired:
            # Another worker is provisioning this firm right now; it will finish the job.
            logger.info("firm %s (%s) is already being provisioned", firm.slug, firm.schema_name)
            return firm
        try:
            return _firm_provision_locked(firm_id=firm_id)
        except Exception as exc:
            use_public_schema()
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            logger.exception("provisioning firm %s (%s) failed", firm.slug, firm.schema_name)
            Firm.objects.filter(pk=firm_id, status=Firm.Status.PROVISIONING).update(
                status=Firm.Status.FAILED, status_reason=reason, updated_at=timezone.now()
            )
            raise
        finally:
            use_public_schema()


def _firm_provision_locked(*, firm_id: int) -> Firm:
    firm = Firm.objects.get(pk=firm_id)
    if firm.status == Firm.Status.ACTIVE:
        return firm
    if firm.status != Firm.Status.PROVISIONING:  # changed while we waited for the lock
        raise ApplicationError(
            _("Firm %(slug)s is %(status)s, not provisioning.") % {"slug": firm.slug, "status": firm.status},
            code="not_provisioning",
        )
    if not schema_exists(firm.schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{firm.schema_name}"')
    # Migrations are recorded one by one: a run killed halfway resumes where it stopped.
    call_command("migrate_schemas", tenant=True, schema_name=firm.schema_name, interactive=False, verbosity=0)
    use_public_schema()
    signup = Signup.objects.get(firm_id=firm.pk)
    with schema_context(firm.schema_name):
        from apps.accounts.services import user_create_owner

        if signup.password_hash:
            user_create_owner(
                email=signup.owner_email,
                full_name=signup.owner_name,
                password_hash=signup.password_hash,
                language=signup.language,
            )
    with transaction.atomic():
        firm = Firm.objects.select_for_update().get(pk=firm_id)
        _firm_open(firm=firm, signup=signup)
    logger.info("firm %s (%s) is active", firm.slug, firm.schema_name)
    return firm


@transaction.atomic
def firm_provisioning_retry(*, firm_id: int) -> Firm:
    """An operator sends a failed firm back to provisioning after fixing the cause."""
    firm = Firm.objects.select_for_update().filter(pk=firm_id).first()
    if firm is None:
        raise NotFound(_("No such firm."))
    if firm.status not in (Firm.Status.FAILED, Firm.Status.PROVISIONING):
        raise ApplicationError(
            _("Only failed or provisioning firms can be retried; %(slug)s is %(status)s.")
            % {"slug": firm.slug, "status": firm.status},
            code="not_retryable",
        )
    firm.status = Firm.Status.PROVISIONING
    firm.save(update_fields=["status", "updated_at"])
    firm_provisioning_enqueue(firm=firm)
    return firm


@transaction.atomic
def firm_profile_update(*, firm: Firm, name: str) -> Firm:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Enter your firm's name."), fields={"name": [_("Enter your firm's name.")]})
    if len(name) > 200:
        raise ValidationFailed(_("Use at most 200 characters."), fields={"name": [_("Use at most 200 characters.")]})
    with schema_context("public"):
        Firm.objects.filter(pk=firm.pk).update(name=name, updated_at=timezone.now())
        firm.refresh_from_db()
        forget_hosts(Domain.objects.filter(tenant=firm).values_list("domain", flat=True))
    return firm
