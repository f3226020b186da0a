"""Firms (the tenants), their host names and their sign-up requests. Public schema."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from apps.parks.industries import INDUSTRY_CHOICES

from .validators import validate_firm_slug


def new_schema_name() -> str:
    """Schema names come from the server, never from what a user typed."""
    return f"t_{secrets.token_hex(8)}"


class Firm(TenantMixin):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("firm name"), max_length=200)
    slug = models.CharField(_("address"), max_length=31, unique=True, validators=[validate_firm_slug])
    park = models.ForeignKey(
        "parks.Park",
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="firms",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROVISIONING)
    status_reason = models.TextField(_("status reason"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    require_two_factor = models.BooleanField(_("everyone signs in with a second factor"), default=False)
    industry = models.CharField(_("industry"), max_length=2, choices=INDUSTRY_CHOICES, blank=True)
    # When the firm joined its park (invitation, approval); blank while it has none.
    park_joined_at = models.DateTimeField(_("joined the park"), null=True, blank=True)
    # Off: the park sees only the firm's status and plan, no activity figures.
    share_activity = models.BooleanField(_("share activity figures with the park"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    # Closing: the firm stays readable (for export) until purge_after, then a job drops it.
    purge_after = models.DateTimeField(_("data deleted after"), null=True, blank=True)
    purged_at = models.DateTimeField(_("data deleted"), null=True, blank=True)

    # The provisioning job creates and migrates the schema; a request never does.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["provisioning", "active", "suspended", "closed", "failed"]),
                name="firm_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(slug__regex=r"^[a-z][a-z0-9-]{2,30}$"), name="firm_slug_format"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.PARKSUITE_DOMAIN}"

    @property
    def url(self) -> str:
        port = f":{settings.PARKSUITE_URL_PORT}" if settings.PARKSUITE_URL_PORT else ""
        return f"{settings.PARKSUITE_URL_SCHEME}://{self.host}{port}/"


class Domain(DomainMixin):
    """A host name that serves a firm. Only active domains route."""

    is_active = models.BooleanField(_("active"), default=False)
    # An old address after a rename: it redirects to the firm's primary host until then.
    redirect_until = models.DateTimeField(_("redirects until"), null=True, blank=True)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        instance = super().from_db(db, field_names, values)
        # Remember the host it was loaded with, so a rename also clears the old cache entry.
        instance._loaded_domain = instance.domain
        return instance


class Signup(models.Model):
    """An owner's sign-up: kept until the firm is ready, then the password hash is dropped."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, related_name="signup")
    owner_name = models.CharField(_("your name"), max_length=150)
    owner_email = models.EmailField(_("email"))
    password_hash = models.CharField(max_length=256, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.UniqueConstraint(Lower("owner_email"), name="signup_owner_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_email} → {self.firm.slug}"


class SpareSchema(models.Model):
    """A schema migrated ahead of time, waiting for a sign-up to claim it.

    Spares are never routable and never counted as firms: no Firm row points at one until
    the claim, which renames nothing and only hands the schema name to the new firm.
    """

    schema_name = models.CharField(max_length=63, unique=True)
    migration_state = models.CharField(max_length=64, blank=True)
    ready = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("spare schema")
        verbose_name_plural = _("spare schemas")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.schema_name


class FirmEvent(models.Model):
    """One lifecycle transition of a firm: what, who, when and why. Append-only."""

    class Action(models.TextChoices):
        SUSPENDED = "suspended", _("Suspended")
        REACTIVATED = "reactivated", _("Reactivated")
        CLOSE_REQUESTED = "close_requested", _("Closure requested")
        CLOSE_CANCELLED = "close_cancelled", _("Closure cancelled")
        PURGED = "purged", _("Data deleted")
        RENAMED = "renamed", _("Address changed")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    actor = models.CharField(_("by"), max_length=300)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("firm event")
        verbose_name_plural = _("firm events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.action}"
