"""Industrial parks and what they share with their firms (public schema).

A park administrator is a user of the public schema; everything here is platform metadata, park
content or what firms chose to publish. Nothing here is a firm's business data: activity
figures are counts written by a job (``FirmActivity``), and a collaboration request reaches the
recipient's CRM through a job running inside the recipient's schema.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .industries import INDUSTRY_CHOICES


# Firm (a django-tenants model, untyped) points here; the stubs cannot resolve that manager.
class Park(models.Model):  # type: ignore[django-manager-missing]
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("park administrators"), blank=True, related_name="parks"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParkInvitation(models.Model):
    """A park invites a firm by email; the link opens a sign-up bound to the park.

    Only a hash of the token is stored; the link is shown (and mailed) once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for sign-up")
        ACCEPTED = "accepted", _("Signed up")
        REVOKED = "revoked", _("Withdrawn")

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    firm_name = models.CharField(_("firm name"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.CharField(_("invited by"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("signed up"), null=True, blank=True)
    firm = models.ForeignKey(
        "tenants.Firm", null=True, blank=True, on_delete=models.SET_NULL, related_name="park_invitations"
    )

    class Meta:
        verbose_name = _("park invitation")
        verbose_name_plural = _("park invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "park", Lower("email"), condition=Q(status="pending"), name="parks_one_pending_invitation_per_email"
            ),
            models.CheckConstraint(condition=Q(status__in=["pending", "accepted", "revoked"]), name="parks_inv_status"),
        ]

    def __str__(self) -> str:
        return f"{self.park_id}: {self.email}"


class ParkJoinRequest(models.Model):
    """A firm asked to join a park (at sign-up or later); the park approves or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="join_requests")
    firm = models.ForeignKey("tenants.Firm", on_delete=models.CASCADE, related_name="park_join_requests")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.CharField(_("decided by"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("request to join a park")
        verbose_name_plural = _("requests to join a park")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["firm"], condition=Q(status="pending"), name="parks_one_pending_join"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "withdrawn"]), name="parks_join_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} → {self.park_id} ({self.status})"


class FirmActivity(models.Model):
    """Counts about a firm's use of ParkSuite, written by the ``parks.collect_activity`` job.

    Never business data: numbers of users and records, and when something last happened. A firm
    that does not share activity (``Firm.share_activity``) has only ``collected_at`` here.
    """

    firm = models.OneToOneField("tenants.Firm", on_delete=models.CASCADE, related_name="activity")
    shared = models.BooleanField(_("shared"), default=True)
    users_total = models.PositiveIntegerField(_("users"), default=0)
    users_active_30d = models.PositiveIntegerField(_("users active in 30 days"), default=0)
    # {"crm": 12, "hr": 3, "finance": 40, "supply_chain": 0}: records per module.
    records = models.JSONField(_("records per module"), default=dict, blank=True)
    modules_in_use = models.JSONField(_("modules in use"), default=list, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    collected_at = models.DateTimeField(_("collected"))

    class Meta:
        verbose_name = _("firm activity")
        verbose_name_plural = _("firm activity")

    def __str__(self) -> str:
        return f"{self.firm_id} @ {self.collected_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """A park's notice (通知公告) to its member firms: policy, subsidy call, event."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy update")
        SUBSIDY = "subsidy", _("Subsidy call")
        EVENT = "event", _("Event")
        OTHER = "other", _("Announcement")

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind of notice"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # Stored under parks/<park id>/notices/ in the public media area (the park's, not a firm's).
    attachment = models.FileField(_("attachment"), upload_to="parks/notices/", blank=True, max_length=300)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_by = models.CharField(_("by"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["park", "-published_at"], name="parks_notice_park_published")]

    def __str__(self) -> str:
        return self.title


class NoticeRead(models.Model):
    """A firm user opened a notice: counted in aggregate for the park (firms and people)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    firm = models.ForeignKey("tenants.Firm", on_delete=models.CASCADE, related_name="notice_reads")
    # The reader's id inside the firm's schema (no foreign key across schemas).
    user_id = models.BigIntegerField()
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        constraints = [models.UniqueConstraint(fields=["notice", "firm", "user_id"], name="parks_notice_read_once")]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.firm_id}/{self.user_id}"


class ParkService(models.Model):
    """A public service the park offers its firms (园区公共服务)."""

    class Category(models.TextChoices):
        MEETING_ROOM = "meeting_room", _("Meeting rooms")
        LEGAL_TAX = "legal_tax", _("Legal and tax advice")
        TALENT = "talent", _("Talent programmes")
        SUBSIDY = "subsidy", _("Subsidy application help")
        OTHER = "other", _("Other services")

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="services")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    name = models.CharField(_("service"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("park service")
        verbose_name_plural = _("park services")
        ordering = ["category", "name"]
        constraints = [models.UniqueConstraint("park", Lower("name"), name="parks_service_name_unique")]

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    """A firm asks for one of the park's services; the park moves it through its statuses."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="service_requests")
    service = models.ForeignKey(ParkService, on_delete=models.PROTECT, related_name="requests")
    firm = models.ForeignKey("tenants.Firm", on_delete=models.CASCADE, related_name="service_requests")
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    requested_by = models.CharField(_("requested by"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "accepted", "done", "declined"]), name="parks_service_req_status"
            )
        ]

    def __str__(self) -> str:
        return self.subject


class ServiceRequestMessage(models.Model):
    """One entry of a service request's history: a message from either side, or a status change."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="messages")
    from_park = models.BooleanField(_("from the park"))
    author = models.CharField(_("by"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status set to"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("service request message")
        verbose_name_plural = _("service request messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.body[:40]}"


class DirectoryProfile(models.Model):
    """What a firm chose to publish in its park's collaboration directory (产业协作)."""

    firm = models.OneToOneField("tenants.Firm", on_delete=models.CASCADE, related_name="directory_profile")
    display_name = models.CharField(_("name shown"), max_length=200)
    industry = models.CharField(_("industry"), max_length=2, choices=INDUSTRY_CHOICES)
    summary = models.TextField(_("about the firm"), blank=True)
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    products = models.TextField(_("products and services"), blank=True)
    certifications = models.TextField(_("certifications"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    # Words and Chinese character pairs of every text field (see apps/parks/search.py).
    search_vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("directory profile")
        verbose_name_plural = _("directory profiles")
        ordering = ["display_name"]
        indexes = [GinIndex(fields=["search_vector"], name="parks_directory_search")]

    def __str__(self) -> str:
        return self.display_name


class CollaborationRequest(models.Model):
    """One firm asks another (in the same park) to work together. The recipient sees it in its
    CRM as a lead, created by a job inside the recipient's schema."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        IGNORED = "ignored", _("Ignored")

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="collaboration_requests")
    sender = models.ForeignKey("tenants.Firm", on_delete=models.CASCADE, related_name="collaboration_sent")
    recipient = models.ForeignKey("tenants.Firm", on_delete=models.CASCADE, related_name="collaboration_received")
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    # The sender's contact, copied when sent (the recipient never reads the sender's schema).
    sender_name = models.CharField(_("from firm"), max_length=200)
    contact_person = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    sent_by = models.CharField(_("sent by"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    lead_id = models.BigIntegerField(_("lead in the recipient's CRM"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("collaboration request")
        verbose_name_plural = _("collaboration requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sender", "created_at"], name="parks_collab_sender_recent")]
        constraints = [
            models.CheckConstraint(condition=~Q(sender=models.F("recipient")), name="parks_collab_not_self"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined", "ignored"]), name="parks_collab_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} → {self.recipient_id}: {self.subject}"


class FirmBlock(models.Model):
    """``blocker`` receives no more collaboration requests from ``blocked``."""

    blocker = models.ForeignKey("tenants.Firm", on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey("tenants.Firm", on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("blocked firm")
        verbose_name_plural = _("blocked firms")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="parks_block_once"),
            models.CheckConstraint(condition=~Q(blocker=models.F("blocked")), name="parks_block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"
