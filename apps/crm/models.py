"""A firm's customers and sales: accounts, contacts, leads (with the public pool 公海),
opportunities through configurable stages, activities and tags."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ZERO = Decimal("0.00")


class CrmSettings(models.Model):
    """One row per firm: how the lead pool behaves."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    pool_return_days = models.PositiveSmallIntegerField(
        _("days without activity before a lead returns to the pool"), default=30
    )
    claim_limit = models.PositiveSmallIntegerField(_("open leads one person may hold"), default=50)

    class Meta:
        verbose_name = _("CRM settings")
        verbose_name_plural = _("CRM settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="crm_settings_single_row"),
            models.CheckConstraint(condition=Q(pool_return_days__gte=1), name="crm_pool_days_positive"),
            models.CheckConstraint(condition=Q(claim_limit__gte=1), name="crm_claim_limit_positive"),
        ]

    def __str__(self) -> str:
        return str(_("CRM settings"))


class SalesRole(models.Model):
    """Sales managers see their team's records; everyone else in sales sees their own and the
    pool. Owners and administrators see everything."""

    class Role(models.TextChoices):
        REP = "rep", _("Sales rep")
        MANAGER = "manager", _("Sales manager")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_role")
    role = models.CharField(_("sales role"), max_length=16, choices=Role.choices, default=Role.REP)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_team",
        verbose_name=_("manager"),
    )

    class Meta:
        verbose_name = _("sales role")
        verbose_name_plural = _("sales roles")
        constraints = [models.CheckConstraint(condition=Q(role__in=["rep", "manager"]), name="crm_sales_role_valid")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A customer company."""

    class Size(models.TextChoices):
        MICRO = "micro", _("Under 10 people")
        SMALL = "small", _("10-99 people")
        MEDIUM = "medium", _("100-999 people")
        LARGE = "large", _("1,000 people or more")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=60, blank=True, default="")
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_accounts"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="accounts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="crm_account_credit_code_unique"
            ),
        ]
        # Besides these, migration 0004 adds crm_account_search: a GIN index of the bigrams of
        # name, credit code and address (selectors._search), in SQL because it calls a function.
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["name"]),
            models.Index(fields=["created_at", "id"]),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    position = models.CharField(_("position"), max_length=100, blank=True, default="")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts", verbose_name=_("account")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_contacts"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=~Q(mobile=""), name="crm_contact_mobile_unique"),
        ]
        # Lists are ordered by name and id, or by date; crm_contact_search (migration 0004) serves
        # the search.
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["account"]),
            models.Index(fields=["name", "id"]),
            models.Index(fields=["created_at", "id"]),
        ]

    def __str__(self) -> str:
        return self.name


class Lead(models.Model):
    """Someone who might buy. A lead without an owner is in the public pool (公海)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("lead status", "Open")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True, default="")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, default="")
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    source = models.CharField(_("source"), max_length=60, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_leads"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    converted_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="leads")
    # Where a lead made by the platform came from (a park collaboration request: "park-collab-<id>"),
    # so a retried job finds the lead it made instead of making a second one.
    origin_ref = models.CharField(_("origin"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "last_activity_at"]),
            models.Index(fields=["mobile"]),
        ]  # and crm_lead_search (migration 0004) for the search
        constraints = [
            models.UniqueConstraint(
                fields=["origin_ref"], condition=~models.Q(origin_ref=""), name="crm_lead_origin_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.company}".strip()


class Stage(models.Model):
    """A step of the pipeline; each firm edits its own (with default probabilities)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    name = models.CharField(_("name"), max_length=60, unique=True)
    name_en = models.CharField(_("English name"), max_length=60, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("position"))
    probability = models.PositiveSmallIntegerField(_("probability (%)"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OPEN)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="crm_stage_probability_range"),
            models.CheckConstraint(condition=Q(kind__in=["open", "won", "lost"]), name="crm_stage_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name to show: the English one on the English interface, when the firm gave one."""
        from django.utils.translation import get_language

        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


class Opportunity(models.Model):
    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="opportunities")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2, default=ZERO)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities")
    probability = models.PositiveSmallIntegerField(_("probability (%)"))
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_opportunities"
    )
    lost_reason = models.CharField(_("lost reason"), max_length=300, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="crm_opportunity_amount_not_negative"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="crm_opportunity_probability_range"),
        ]
        # crm_opportunity_search (migration 0004) serves the search.
        indexes = [
            models.Index(fields=["stage", "owner"]),
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["amount", "id"]),
        ]

    def __str__(self) -> str:
        return self.name


class StageChange(models.Model):
    """The history of an opportunity's stages, kept for good."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id}"


class Activity(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        TASK = "task", _("Task")
        NOTE = "note", _("Note")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), blank=True, default="")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_activities"
    )
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "done", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False)
                | Q(contact__isnull=False)
                | Q(lead__isnull=False)
                | Q(opportunity__isnull=False),
                name="crm_activity_about_something",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Quote(models.Model):
    """A priced offer to an account, usually for an opportunity. Totals are Decimal, computed
    from the lines (apps/crm/quotes.py) and stored."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    number = models.CharField(_("number"), max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="quotes")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    net_total = models.DecimalField(_("amount before VAT"), max_digits=14, decimal_places=2, default=ZERO)
    vat_total = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=ZERO)
    gross_total = models.DecimalField(_("total with VAT"), max_digits=14, decimal_places=2, default=ZERO)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_quotes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.CharField(_("product"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=3, default=Decimal("0.130"))
    net = models.DecimalField(_("amount before VAT"), max_digits=14, decimal_places=2, default=ZERO)
    vat = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="crm_quote_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="crm_quote_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=100), name="crm_quote_line_discount_range"
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0) & Q(vat_rate__lt=1), name="crm_quote_line_vat_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return self.product


class CrmImport(models.Model):
    """A CSV/XLSX file of contacts, accounts or leads imported by a job: the column mapping the
    person chose, the dedupe rules, progress and a row-level error report."""

    class Kind(models.TextChoices):
        CONTACTS = "contacts", _("Contacts")
        ACCOUNTS = "accounts", _("Accounts")
        LEADS = "leads", _("Leads")

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for the column mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=200)
    stored_as = models.CharField(max_length=100)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.MAPPING)
    mapping = models.JSONField(default=dict, blank=True)  # field name -> column index
    dedupe = models.JSONField(default=list, blank=True)  # e.g. ["credit_code", "mobile", "email"]
    rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("CRM import")
        verbose_name_plural = _("CRM imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress(self) -> int:
        return 100 if self.status == self.Status.DONE else (self.done_rows * 100 // self.rows if self.rows else 0)


class Attachment(models.Model):
    """A document kept with an account, contact, lead or opportunity; stored under the firm's
    own folder and downloaded only by people who see the record."""

    name = models.CharField(_("file"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=100, unique=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False)
                | Q(contact__isnull=False)
                | Q(lead__isnull=False)
                | Q(opportunity__isnull=False),
                name="crm_attachment_on_something",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SavedFilter(models.Model):
    """A person's named search on one of the CRM lists."""

    class List(models.TextChoices):
        LEADS = "leads", _("Leads")
        POOL = "pool", _("Lead pool")
        ACCOUNTS = "accounts", _("Accounts")
        CONTACTS = "contacts", _("Contacts")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_saved_filters")
    list_name = models.CharField(_("list"), max_length=10, choices=List.choices)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "name"], name="crm_saved_filter_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
